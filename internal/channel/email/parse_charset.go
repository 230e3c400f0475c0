package email

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/unicode"
)

// charsetAliases covers labels seen in mail that neither the WHATWG nor the
// IANA index knows.
var charsetAliases = map[string]encoding.Encoding{
	"cp932":          japanese.ShiftJIS,
	"ms932":          japanese.ShiftJIS,
	"x-ms-cp932":     japanese.ShiftJIS,
	"windows-932":    japanese.ShiftJIS,
	"sjis":           japanese.ShiftJIS,
	"shift-jis":      japanese.ShiftJIS,
	"iso-2022-jp-1":  japanese.ISO2022JP,
	"iso-2022-jp-2":  japanese.ISO2022JP,
	"iso-2022-jp-3":  japanese.ISO2022JP,
	"csiso2022jp":    japanese.ISO2022JP,
	"ks_c_5601-1987": korean.EUCKR,
	"ks_c_5601":      korean.EUCKR,
	"cp949":          korean.EUCKR,
	"utf8":           unicode.UTF8,
	"utf-8y":         unicode.UTF8,
	"x-utf_8j":       unicode.UTF8,
	"latin-1":        charmap.Windows1252,
	"8859-1":         charmap.Windows1252,
	"iso8859-15":     charmap.ISO8859_15,
	"8859-15":        charmap.ISO8859_15,
	"latin-9":        charmap.ISO8859_15,
	"iso8859-9":      charmap.Windows1254,
	"8859-9":         charmap.Windows1254,
	"latin-5":        charmap.Windows1254,
	"cp1250":         charmap.Windows1250,
	"cp1251":         charmap.Windows1251,
	"cp1252":         charmap.Windows1252,
	"cp1253":         charmap.Windows1253,
	"cp1254":         charmap.Windows1254,
	"cp1255":         charmap.Windows1255,
	"cp1256":         charmap.Windows1256,
	"cp1257":         charmap.Windows1257,
	"cp1258":         charmap.Windows1258,
	"win-1251":       charmap.Windows1251,
	"win-1256":       charmap.Windows1256,
	"koi8r":          charmap.KOI8R,
	"koi8u":          charmap.KOI8U,
	"cp866":          charmap.CodePage866,
	"cp850":          charmap.CodePage850,
	"cp-850":         charmap.CodePage850,
	"cp437":          charmap.CodePage437,
	// RFC 2781: big-endian unless a BOM says otherwise (WHATWG says LE).
	"utf-16":   unicode.UTF16(unicode.BigEndian, unicode.UseBOM),
	"utf-16be": unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf-16le": unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
}

func normLabel(label string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
}

// lookupEncoding resolves a charset label. The WHATWG index comes first
// because it maps labels the way real senders mean them (ISO-8859-1 and
// US-ASCII as Windows-1252, ISO-8859-9 as Windows-1254, GB2312 as GBK), then
// the IANA registry, then our aliases.
func lookupEncoding(label string) (encoding.Encoding, bool) {
	label = normLabel(label)
	if label == "" {
		return nil, false
	}
	if e, ok := charsetAliases[label]; ok {
		return e, true
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil && e != encoding.Replacement {
		return e, true
	}
	for _, l := range []string{label, "cs" + label} {
		if e, err := ianaindex.MIME.Encoding(l); err == nil && e != nil {
			return e, true
		}
	}
	if strings.HasPrefix(label, "x-") {
		return lookupEncoding(label[2:])
	}
	if strings.Contains(label, "_") {
		return lookupEncoding(strings.ReplaceAll(label, "_", "-"))
	}
	return nil, false
}

func isUTF8Label(l string) bool {
	switch normLabel(l) {
	case "utf-8", "utf8", "unicode-1-1-utf-8", "unicode-2-0-utf-8", "x-unicode20utf8":
		return true
	}
	return false
}

// isLatin1Label lists labels whose senders often actually send UTF-8.
func isLatin1Label(l string) bool {
	switch normLabel(l) {
	case "us-ascii", "ascii", "ansi_x3.4-1968", "iso-8859-1", "iso8859-1", "iso_8859-1",
		"latin1", "l1", "windows-1252", "cp1252", "x-cp1252":
		return true
	}
	return false
}

// decodeCharset converts b to UTF-8 and never fails. known is false when the
// label was not recognised (the caller may warn). Heuristics, in order:
//   - undeclared, ASCII or Latin-1 family labels on bytes that are valid
//     UTF-8 are UTF-8 (mislabelled UTF-8 from web forms is common, and valid
//     multibyte UTF-8 is vanishingly rare in real Latin-1 text);
//   - "UTF-8" bytes with no valid multibyte sequence at all are Windows-1252;
//   - an unknown label on invalid UTF-8 falls back to Windows-1252, which
//     maps every byte, so Latin text stays readable.
func decodeCharset(label string, b []byte) (string, bool) {
	label = normLabel(label)
	known := true
	if label == "" || isUTF8Label(label) || isLatin1Label(label) {
		if utf8.Valid(b) {
			return string(b), true
		}
	}
	if isUTF8Label(label) {
		if hasMultibyteUTF8(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD"), true
		}
		label = "windows-1252"
	}
	if label == "" {
		label = "windows-1252"
	}
	enc, ok := lookupEncoding(label)
	if !ok {
		known = false
		if utf8.Valid(b) {
			return string(b), false
		}
		enc = charmap.Windows1252
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), known
	}
	if !utf8.Valid(out) {
		return strings.ToValidUTF8(string(out), "\uFFFD"), known
	}
	return string(out), known
}

func hasMultibyteUTF8(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError && n > 1 {
			return true
		}
		b = b[n:]
	}
	return false
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]{0,300}?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)`)

// decodeText converts a text part to UTF-8. The MIME charset wins over an
// HTML <meta> one (a gateway may have transcoded the part); a BOM wins over
// both.
func (p *parser) decodeText(data []byte, charset string, isHTML bool) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data, charset = data[3:], "utf-8"
	case bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	if charset == "" && isHTML {
		head := data
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := metaCharset.FindSubmatch(head); m != nil {
			charset = string(m[1])
		}
	}
	s, known := decodeCharset(charset, data)
	if !known {
		p.warn("unknown charset %q, decoded as UTF-8 or Windows-1252", truncate(charset, 40))
	}
	return s
}

// decodeTransfer undoes the Content-Transfer-Encoding. Unknown encodings are
// passed through (with a warning) rather than failing the message. The
// result never aliases the raw message, so a kept attachment does not pin
// the whole message in memory.
func (p *parser) decodeTransfer(cte string, body []byte) []byte {
	cte = normLabel(cte)
	if i := strings.IndexAny(cte, " \t;("); i >= 0 {
		cte = cte[:i]
	}
	switch cte {
	case "base64":
		return decodeBase64Lenient(body)
	case "quoted-printable":
		return decodeQP(body)
	case "x-uuencode", "uuencode", "x-uue":
		if out, ok := decodeUU(body); ok {
			return out
		}
	case "", "7bit", "8bit", "binary":
	default:
		p.warn("unknown transfer encoding %q, passed through", truncate(cte, 40))
	}
	return bytes.Clone(body)
}

var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	// URL-safe alphabet too: some generators use it in mail.
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBase64Lenient skips anything outside the alphabet (line breaks,
// indentation, junk), treats "=" as the end of a quantum rather than of the
// data (some encoders concatenate padded chunks) and decodes a truncated
// tail as far as it goes.
func decodeBase64Lenient(in []byte) []byte {
	out := make([]byte, 0, len(in)*3/4+3)
	var q [4]byte
	n := 0
	flush := func() {
		switch n {
		case 2:
			out = append(out, q[0]<<2|q[1]>>4)
		case 3:
			out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
		}
		n = 0
	}
	for _, c := range in {
		if c == '=' {
			flush()
			continue
		}
		v := b64[c]
		if v == 0xFF {
			continue
		}
		q[n] = v
		n++
		if n == 4 {
			out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
			n = 0
		}
	}
	flush()
	return out
}

// decodeQP decodes quoted-printable leniently: trailing whitespace is
// dropped (RFC 2045 says it was added in transport), "=" not followed by two
// hex digits (either case) is kept literally, and line endings are kept as
// they came.
func decodeQP(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for len(in) > 0 {
		line := in
		var eol []byte
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			line, in = in[:i], in[i+1:]
			eol = []byte("\n")
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
				eol = []byte("\r\n")
			}
		} else {
			in = nil
		}
		line = bytes.TrimRight(line, " \t")
		soft := false
		if len(line) > 0 && line[len(line)-1] == '=' {
			soft = true
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if !soft {
			out = append(out, eol...)
		}
	}
	return out
}

// decodeUU decodes the body of a uuencoded part ("begin mode name" ...
// "end"); ok is false when there is no begin line.
func decodeUU(in []byte) ([]byte, bool) {
	lines := bytes.Split(in, []byte("\n"))
	i := 0
	for ; i < len(lines); i++ {
		if bytes.HasPrefix(lines[i], []byte("begin ")) {
			break
		}
	}
	if i == len(lines) {
		return nil, false
	}
	var out []byte
	for _, l := range lines[i+1:] {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 || bytes.Equal(l, []byte("end")) {
			break
		}
		n := int((l[0] - ' ') & 0x3f)
		l = l[1:]
		var dec []byte
		for j := 0; j < len(l) && len(dec) < n; j += 4 {
			var c [4]byte
			for k := 0; k < 4; k++ {
				if j+k < len(l) {
					c[k] = (l[j+k] - ' ') & 0x3f
				}
			}
			dec = append(dec, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
		}
		if len(dec) > n {
			dec = dec[:n]
		}
		out = append(out, dec...)
	}
	return out, true
}
