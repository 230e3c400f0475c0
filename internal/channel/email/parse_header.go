package email

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// headerField is one unfolded header field; value holds the raw bytes (which
// may be 8-bit in any charset) as a string.
type headerField struct {
	key   string // canonical
	value string
}

type header []headerField

func (h header) get(key string) string {
	key = textproto.CanonicalMIMEHeaderKey(key)
	for _, f := range h {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

func (h header) values(key string) []string {
	key = textproto.CanonicalMIMEHeaderKey(key)
	var out []string
	for _, f := range h {
		if f.key == key {
			out = append(out, f.value)
		}
	}
	return out
}

// mime exports the header with values made valid UTF-8 (raw 8-bit bytes are
// decoded with the fallback charset) but otherwise untouched.
func (h header) mime(hd *headerDecoder) textproto.MIMEHeader {
	m := make(textproto.MIMEHeader, len(h))
	for _, f := range h {
		v := f.value
		if !utf8.ValidString(v) {
			v, _ = decodeCharset(hd.fallback, []byte(v))
		}
		v = strings.ReplaceAll(v, "\x00", "")
		m[f.key] = append(m[f.key], v)
	}
	return m
}

// splitHeader separates an entity's header from its body. It is lenient
// where real mail is broken: an mbox "From " line is skipped, and a line that
// is neither a field nor a continuation ends the header (a part whose blank
// separator line is missing keeps its body instead of losing it).
func splitHeader(raw []byte) (header, []byte) {
	var h header
	rest := raw
	if bytes.HasPrefix(rest, []byte("From ")) {
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[i+1:]
		} else {
			return nil, nil
		}
	}
	var cur *strings.Builder
	var key string
	flush := func() {
		if cur != nil {
			h = append(h, headerField{key: key, value: strings.TrimSpace(cur.String())})
			cur = nil
		}
	}
	for len(rest) > 0 {
		line := rest
		next := []byte(nil)
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, next = rest[:i], rest[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			flush()
			return h, next
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				cur.Write(line) // RFC 5322 unfolding: drop the CRLF only
			}
			rest = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validKey(bytes.TrimRight(line[:colon], " \t")) {
			flush()
			return h, rest
		}
		flush()
		key = textproto.CanonicalMIMEHeaderKey(string(bytes.TrimRight(line[:colon], " \t")))
		cur = &strings.Builder{}
		cur.Write(line[colon+1:])
		rest = next
	}
	flush()
	return h, nil
}

func validKey(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// headerDecoder decodes header text; fallback is the charset assumed for raw
// 8-bit bytes that are not UTF-8.
type headerDecoder struct {
	fallback string
}

// fallbackCharset picks the charset for raw 8-bit header bytes: the entity's
// own declared charset when it has one, else Windows-1252, which is the most
// common source of such bytes and decodes any byte.
func fallbackCharset(h header) string {
	_, params := parseParams(h.get("Content-Type"))
	if cs := strings.ToLower(params["charset"]); cs != "" && !isUTF8Label(cs) && !isLatin1Label(cs) {
		if _, ok := lookupEncoding(cs); ok {
			return cs
		}
	}
	return "windows-1252"
}

// words decodes RFC 2047 encoded-words leniently: adjacent words in the same
// charset are joined before charset conversion (so a multibyte character
// split across two words survives), whitespace between encoded words is
// dropped, unknown charsets and malformed words never fail the whole value,
// and raw non-UTF-8 text is decoded with the fallback charset.
func (hd *headerDecoder) words(s string) string {
	if !strings.Contains(s, "=?") {
		return hd.raw(s)
	}
	var out strings.Builder
	var pending []byte
	var pendingCS string
	flush := func() {
		if len(pending) > 0 {
			txt, _ := decodeCharset(pendingCS, pending)
			out.WriteString(txt)
		}
		pending, pendingCS = nil, ""
	}
	lastWasWord := false
	for len(s) > 0 {
		start := strings.Index(s, "=?")
		if start < 0 {
			flush()
			out.WriteString(hd.raw(s))
			break
		}
		cs, enc, text, end, ok := encodedWord(s[start:])
		if !ok {
			// Not a word: emit up to and including "=?" literally.
			flush()
			out.WriteString(hd.raw(s[:start+2]))
			s = s[start+2:]
			lastWasWord = false
			continue
		}
		gap := s[:start]
		if !(lastWasWord && strings.TrimSpace(gap) == "") {
			flush()
			out.WriteString(hd.raw(gap))
		}
		var b []byte
		if enc == 'b' {
			b = decodeBase64Lenient([]byte(text))
		} else {
			b = decodeQWord(text)
		}
		if len(pending) > 0 && !strings.EqualFold(cs, pendingCS) {
			flush()
		}
		pendingCS = cs
		pending = append(pending, b...)
		s = s[start+end:]
		lastWasWord = true
	}
	flush()
	return out.String()
}

// raw makes literal header text valid UTF-8.
func (hd *headerDecoder) raw(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	txt, _ := decodeCharset(hd.fallback, []byte(s))
	return txt
}

// encodedWord parses "=?charset?E?text?=" at the start of s. It tolerates a
// lowercase encoding letter, an RFC 2231 language suffix and whitespace
// inside the text (left there by mailers that fold inside words).
func encodedWord(s string) (cs string, enc byte, text string, end int, ok bool) {
	if !strings.HasPrefix(s, "=?") {
		return
	}
	rest := s[2:]
	q := strings.IndexByte(rest, '?')
	if q <= 0 || q > 75 {
		return
	}
	cs = rest[:q]
	if strings.ContainsAny(cs, " \t\r\n\"()<>@,;:") {
		return
	}
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i]
	}
	rest = rest[q+1:]
	if len(rest) < 2 || rest[1] != '?' {
		return
	}
	switch rest[0] {
	case 'B', 'b':
		enc = 'b'
	case 'Q', 'q':
		enc = 'q'
	default:
		return
	}
	rest = rest[2:]
	e := strings.Index(rest, "?=")
	if e < 0 {
		return
	}
	text = rest[:e]
	end = len(s) - len(rest) + e + 2
	return cs, enc, text, end, true
}

// decodeQWord decodes the Q encoding of RFC 2047 ("_" is a space).
func decodeQWord(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			b = append(b, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			// folding inside the word
		default:
			b = append(b, c)
		}
	}
	return b
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// param returns a decoded parameter value: RFC 2231 values are already
// decoded by parseParams; RFC 2047 words inside quoted values (what Outlook
// and Gmail send for non-ASCII filenames) and raw 8-bit bytes are decoded
// here.
func (hd *headerDecoder) param(params map[string]string, name string) string {
	v, ok := params[name]
	if !ok {
		return ""
	}
	return hd.words(v)
}

// maxParamSections bounds RFC 2231 continuations (name*0, name*1, ...).
const maxParamSections = 64

// parseParams parses "value; a=b; c*=utf-8'en'x; d*0*=..; d*1=.." leniently:
// unquoted values may hold spaces, a missing closing quote ends at the end of
// the field, junk parameters are skipped, RFC 2231 continuations are
// reassembled and decoded in any charset. The value and names are lowercased.
func parseParams(s string) (string, map[string]string) {
	value, rest, _ := strings.Cut(s, ";")
	value = strings.ToLower(strings.TrimSpace(value))
	if rest == "" {
		return value, nil
	}
	type section struct {
		val     string
		encoded bool
	}
	params := map[string]string{}
	ext := map[string]map[int]section{}
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " \t\r\n;")
		if rest == "" {
			break
		}
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 || rest[eq] == ';' {
			// attribute without value: skip it
			if eq < 0 {
				break
			}
			rest = rest[eq:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t\r\n")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				c := rest[i]
				if c == '\\' && i+1 < len(rest) {
					i++
					b.WriteByte(rest[i])
					continue
				}
				if c == '"' {
					i++
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			rest = rest[i:]
			if j := strings.IndexByte(rest, ';'); j >= 0 {
				rest = rest[j:]
			} else {
				rest = ""
			}
		} else {
			j := strings.IndexByte(rest, ';')
			if j < 0 {
				j = len(rest)
			}
			val = strings.TrimSpace(rest[:j])
			rest = rest[j:]
		}
		if name == "" {
			continue
		}
		if i := strings.IndexByte(name, '*'); i >= 0 {
			base, suffix := name[:i], name[i+1:]
			encoded := strings.HasSuffix(suffix, "*") || suffix == ""
			suffix = strings.TrimSuffix(suffix, "*")
			idx := 0
			if suffix != "" {
				n, err := strconv.Atoi(suffix)
				if err != nil || n < 0 || n >= maxParamSections {
					continue
				}
				idx = n
			}
			if ext[base] == nil {
				ext[base] = map[int]section{}
			}
			ext[base][idx] = section{val: val, encoded: encoded}
			continue
		}
		if _, dup := params[name]; !dup {
			params[name] = val
		}
	}
	for base, secs := range ext {
		idxs := make([]int, 0, len(secs))
		for i := range secs {
			idxs = append(idxs, i)
		}
		sort.Ints(idxs)
		var charset string
		var buf []byte
		for n, i := range idxs {
			sec := secs[i]
			v := sec.val
			if sec.encoded {
				if n == 0 {
					// charset'language'value
					if a := strings.IndexByte(v, '\''); a >= 0 {
						if b := strings.IndexByte(v[a+1:], '\''); b >= 0 {
							charset = v[:a]
							v = v[a+1+b+1:]
						}
					}
				}
				buf = append(buf, percentDecode(v)...)
			} else {
				buf = append(buf, v...)
			}
		}
		if charset == "" {
			charset = "utf-8"
		}
		params[base], _ = decodeCharset(charset, buf)
	}
	return value, params
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// parseContentType returns the lowercased media type and its parameters,
// applying RFC 2045 defaults: text/plain when missing or unusable
// (message/rfc822 inside multipart/digest).
func parseContentType(s string, digest bool) (string, map[string]string) {
	ct, params := parseParams(s)
	if i := strings.IndexAny(ct, " \t"); i >= 0 {
		// "text/plain charset=utf-8": a missing semicolon
		_, more := parseParams(";" + ct[i:])
		ct = ct[:i]
		if params == nil {
			params = more
		} else {
			for k, v := range more {
				if _, ok := params[k]; !ok {
					params[k] = v
				}
			}
		}
	}
	ct = strings.Trim(ct, `"'`)
	if ct == "" {
		if digest {
			return "message/rfc822", params
		}
		return "text/plain", params
	}
	typ, sub, ok := strings.Cut(ct, "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		if typ == "text" {
			return "text/plain", params
		}
		return "application/octet-stream", params
	}
	if params == nil {
		params = map[string]string{}
	}
	return ct, params
}

// isToken reports whether s is a non-empty RFC 2045 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// parseAddressList parses an address list leniently. It copes with what
// strict RFC 5322 parsers (net/mail among them) reject: unquoted dots and
// commas-free junk in display names, encoded words inside quoted strings,
// 'single-quoted' Outlook names, group syntax, comments as names and a
// missing closing bracket. Entries without a usable address are dropped.
func parseAddressList(hd *headerDecoder, s string) []Address {
	var out []Address
	for _, item := range splitAddresses(s) {
		if a, ok := parseAddress(hd, item); ok {
			out = append(out, a)
		}
		if len(out) >= 1000 {
			break
		}
	}
	return out
}

// splitAddresses splits at top-level commas and semicolons; the display name
// of a group ("Team: a@x, b@y;") is dropped at its colon.
func splitAddresses(s string) []string {
	var items []string
	var cur strings.Builder
	inQuote, inAngle := false, false
	comment := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (inQuote || comment > 0) && i+1 < len(s):
			cur.WriteByte(c)
			i++
			cur.WriteByte(s[i])
			continue
		case inQuote:
			if c == '"' {
				inQuote = false
			}
		case comment > 0:
			if c == '(' {
				comment++
			} else if c == ')' {
				comment--
			}
		case c == '"':
			inQuote = true
		case c == '(':
			comment++
		case inAngle:
			if c == '>' {
				inAngle = false
			}
		case c == '<':
			inAngle = true
		case c == ',' || c == ';':
			items = append(items, cur.String())
			cur.Reset()
			continue
		case c == ':':
			cur.Reset() // group name
			continue
		}
		cur.WriteByte(c)
	}
	items = append(items, cur.String())
	return items
}

func parseAddress(hd *headerDecoder, item string) (Address, bool) {
	// Separate comments, quoted text and the angle-address.
	var name, plain, comments strings.Builder
	var addr string
	hasAngle := false
	for i := 0; i < len(item); i++ {
		c := item[i]
		switch c {
		case '"':
			j := i + 1
			for ; j < len(item) && item[j] != '"'; j++ {
				if item[j] == '\\' && j+1 < len(item) {
					j++
				}
				name.WriteByte(item[j])
			}
			name.WriteByte(' ')
			plain.WriteString(item[i:min(j+1, len(item))])
			i = j
		case '(':
			depth := 1
			j := i + 1
			for ; j < len(item) && depth > 0; j++ {
				switch item[j] {
				case '\\':
					j++
					continue
				case '(':
					depth++
				case ')':
					depth--
					if depth == 0 {
						continue
					}
				}
				if depth > 0 && j < len(item) {
					comments.WriteByte(item[j])
				}
			}
			comments.WriteByte(' ')
			i = j - 1
		case '<':
			if hasAngle {
				continue
			}
			hasAngle = true
			j := strings.IndexByte(item[i+1:], '>')
			if j < 0 {
				addr = item[i+1:]
				i = len(item)
			} else {
				addr = item[i+1 : i+1+j]
				i += j + 1
			}
		default:
			name.WriteByte(c)
			plain.WriteByte(c)
		}
	}
	if !hasAngle {
		// No brackets: the whole thing (minus comments) is the address and
		// a comment, if any, the name: "jo@example.org (Jo Doe)".
		addr = plain.String()
		name.Reset()
		name.WriteString(comments.String())
	}
	email := cleanEmail(addr)
	if email == "" {
		return Address{}, false
	}
	n := cleanLine(hd.words(strings.TrimSpace(name.String())))
	n = strings.Trim(n, `'"`)
	n = strings.TrimSpace(n)
	if strings.EqualFold(n, email) {
		n = ""
	}
	return Address{Name: n, Email: email}, true
}

// cleanEmail normalises an addr-spec: no whitespace, no route, no mailto:,
// domain lowercased. It returns "" for anything without local@domain.
func cleanEmail(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r < 0x20 {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, "<>")
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[i+1:] // source route or "mailto:"
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return ""
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if domain == "" || strings.ContainsAny(domain, "@\"()<>,;\\") {
		return ""
	}
	if !utf8.ValidString(local) || !utf8.ValidString(domain) {
		return ""
	}
	return local + "@" + strings.ToLower(domain)
}

// maxMsgIDs bounds References; the root (first) and the newest are kept,
// which is what threading needs.
const maxMsgIDs = 128

// msgIDList extracts message identifiers (without brackets), in order,
// deduplicated. Without any <...> it falls back to whitespace-separated
// tokens that contain "@", which some broken clients send.
func msgIDList(s string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r < 0x20 || r == '<' || r == '>' {
				return -1
			}
			return r
		}, id)
		if id == "" || len(id) > 998 || seen[id] || !utf8.ValidString(id) {
			return
		}
		seen[id] = true
		ids = append(ids, id)
	}
	rest := s
	found := false
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '>')
		if j < 0 {
			break
		}
		found = true
		add(rest[i+1 : i+1+j])
		rest = rest[i+1+j+1:]
	}
	if !found {
		for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
			if strings.Contains(tok, "@") {
				add(tok)
			}
		}
	}
	if len(ids) > maxMsgIDs {
		ids = append(ids[:1], ids[len(ids)-maxMsgIDs+1:]...)
	}
	return ids
}

func firstMsgID(s string) string {
	if ids := msgIDList(s); len(ids) > 0 {
		return ids[0]
	}
	// A Message-ID without "@" and brackets is still an identifier.
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 998 || !utf8.ValidString(s) {
		return ""
	}
	for _, r := range s {
		if r <= ' ' || r == '<' || r == '>' || r == 0x7f {
			return ""
		}
	}
	return s
}

// dateLayouts are tried, after net/mail, on a cleaned-up Date value.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700 MST",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04 MST",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 MST",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 January 2006 15:04:05 -0700",
	"2-Jan-2006 15:04:05 -0700",
	"Jan 2 15:04:05 2006",
	"Jan 2 15:04:05 MST 2006",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2, 2006 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
}

// parseDate parses a Date header, lenient about day names, comments,
// spacing, "GMT+0200" zones and two-digit years. The result is UTC.
func parseDate(s string) (time.Time, bool) {
	if t, err := mail.ParseDate(s); err == nil {
		return saneDate(t)
	}
	// Strip comments and the day name; normalise spacing and zone forms.
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	v := strings.Join(strings.Fields(strings.ReplaceAll(b.String(), ",", ", ")), " ")
	if i := strings.IndexByte(v, ','); i >= 0 && i <= 10 && !strings.ContainsAny(v[:i], "0123456789") {
		v = strings.TrimSpace(v[i+1:])
	} else if len(v) > 4 && v[3] == ' ' && isDayName(v[:3]) {
		v = v[4:]
	}
	v = strings.ReplaceAll(v, ", ", " ")
	for _, z := range []string{"GMT", "UTC", "UT"} {
		// "GMT+0200" / "UTC-05:00" → "+0200"
		if i := strings.Index(v, " "+z+"+"); i >= 0 {
			v = v[:i+1] + strings.ReplaceAll(v[i+1+len(z):], ":", "")
		} else if i := strings.Index(v, " "+z+"-"); i >= 0 {
			v = v[:i+1] + strings.ReplaceAll(v[i+1+len(z):], ":", "")
		}
	}
	v = strings.ReplaceAll(v, ".", ":") // "15.04.05" times
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return saneDate(t)
		}
	}
	return time.Time{}, false
}

func isDayName(s string) bool {
	switch strings.ToLower(s) {
	case "mon", "tue", "wed", "thu", "fri", "sat", "sun":
		return true
	}
	return false
}

func saneDate(t time.Time) (time.Time, bool) {
	if t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// cleanLine flattens header text to one line: control characters become
// spaces, runs of whitespace collapse, edges are trimmed.
func cleanLine(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if r == '\uFEFF' || r == '\u200B' {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanFilename keeps only the last path element and no control characters,
// and caps the length (keeping the extension), so that a filename is safe to
// show and to offer in a Content-Disposition header again.
func cleanFilename(s string) string {
	// Bidi overrides and isolates let "invoice\u202Efdp.exe" display as
	// "invoiceexe.pdf".
	s = strings.Map(func(r rune) rune {
		if r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' {
			return -1
		}
		return r
	}, cleanLine(s))
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	const maxLen = 200
	if len(s) > maxLen {
		ext := ""
		if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i <= 16 {
			ext = s[i:]
		}
		cut := maxLen - len(ext)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + ext
	}
	return s
}

func cleanContentID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	if i := strings.IndexByte(s, '>'); i >= 0 {
		s = s[:i]
	}
	return cleanLine(s)
}

// extensionFor names attachments that came without a filename. A fixed table
// rather than mime.ExtensionsByType, whose answer depends on the host.
func extensionFor(ct string) string {
	switch ct {
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/svg+xml":
		return ".svg"
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "text/csv":
		return ".csv"
	case "message/rfc822":
		return ".eml"
	case "application/zip":
		return ".zip"
	case "audio/mpeg":
		return ".mp3"
	}
	return ".bin"
}
