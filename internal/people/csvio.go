package people

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Import limits. A file over them gets a clear error before anything is
// parsed or written.
const (
	MaxImportBytes = 50 << 20 // 50 MB
	MaxImportCols  = 200
	MaxFieldRunes  = 10000 // one cell
	MaxRowBytes    = 64 << 10
)

// Encodings recognized by DetectEncoding and accepted as an override.
const (
	EncUTF8        = "utf-8"
	EncUTF16LE     = "utf-16le"
	EncUTF16BE     = "utf-16be"
	EncWindows1252 = "windows-1252"
	EncWindows1254 = "windows-1254"
	EncWindows1256 = "windows-1256"
	EncShiftJIS    = "shift_jis"
)

var legacyEncodings = map[string]encoding.Encoding{
	EncWindows1252: charmap.Windows1252,
	EncWindows1254: charmap.Windows1254,
	EncWindows1256: charmap.Windows1256,
	EncShiftJIS:    japanese.ShiftJIS,
}

func fileError(key string, args ...any) *apperr.Error {
	return apperr.Invalid().Field("file", key, args...)
}

// readLimited reads all of r, refusing more than MaxImportBytes.
func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxImportBytes {
		e := fileError("people.import.too_large", "Max", MaxImportBytes>>20)
		e.Code = apperr.CodeTooLarge
		return nil, e
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fileError("people.import.empty")
	}
	return b, nil
}

// DetectEncoding guesses the encoding of a CSV file: a byte order mark
// decides UTF-8 and UTF-16; valid UTF-8 is UTF-8; otherwise each legacy
// encoding decodes the text and the one whose words look most like words of
// one script wins (Windows-1252 for French/Finnish, 1254 for Turkish, 1256 for
// Persian/Arabic, Shift_JIS for Japanese). Binary data is refused.
func DetectEncoding(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return EncUTF8, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return EncUTF16LE, nil
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return EncUTF16BE, nil
	}
	sample := b
	if len(sample) > 256<<10 {
		sample = sample[:256<<10]
	}
	if looksBinary(sample) {
		return "", fileError("people.import.binary")
	}
	if utf8.Valid(b) {
		return EncUTF8, nil
	}
	// A UTF-8 file with a few broken rows is UTF-8 with bad rows (reported
	// per row), not a legacy file: legacy text almost never forms valid
	// multi-byte sequences.
	if good, bad := utf8Lines(sample); good > 0 && bad*2 <= good {
		return EncUTF8, nil
	}
	best, bestScore := "", 0
	for _, name := range []string{EncWindows1252, EncWindows1254, EncWindows1256, EncShiftJIS} {
		text, err := legacyEncodings[name].NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		if sc := scriptScore(string(text)); sc > bestScore {
			best, bestScore = name, sc
		}
	}
	if best == "" {
		return "", fileError("people.import.unknown_encoding")
	}
	return best, nil
}

// looksBinary reports NUL bytes or many control characters: not a text file
// in any of the encodings above (UTF-16 needs its BOM).
func looksBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7F {
			ctl++
		}
	}
	return ctl*100 > len(b)
}

// utf8Lines counts the lines with valid multi-byte UTF-8 and no invalid
// bytes, and the lines with invalid bytes.
func utf8Lines(b []byte) (good, bad int) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		switch {
		case !utf8.Valid(line):
			bad++
		case utf8.RuneCount(line) < len(line):
			good++
		}
	}
	return good, bad
}

// scriptScore rewards non-ASCII letters in words written in one script (a
// French word with an accent, an Arabic-script word, a Japanese run) and
// penalizes words mixing scripts or symbols, which is what the wrong code page
// produces.
func scriptScore(s string) int {
	score := 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == '"' || r == '\t' || r == '|'
	}) {
		var ascii, latin, arabic, cjk, other, rare int
		for _, r := range w {
			switch {
			case r < utf8.RuneSelf:
				if unicode.IsLetter(r) {
					ascii++
				}
			case unicode.Is(unicode.Latin, r):
				latin++
				if strings.ContainsRune("ÐðÝýÞþ", r) {
					rare++ // Icelandic letters: in a Turkish file these bytes are ĞğİıŞş
				}
			case unicode.Is(unicode.Arabic, r):
				arabic++
			case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) && !(r >= 0xFF61 && r <= 0xFF9F):
				cjk++
			default:
				other++
			}
		}
		high := latin + arabic + cjk + other
		if high == 0 {
			continue
		}
		switch {
		case other > 0 || rare > 0:
			score -= high
		case latin > 0 && arabic+cjk == 0 && latin*2 <= latin+ascii+1:
			score += latin // accents inside mostly ASCII words
		case arabic > 0 && latin+cjk+ascii == 0:
			score += arabic
		case cjk > 0 && latin+arabic+ascii == 0:
			score += cjk * 2 // two bytes per character
		default:
			score -= high
		}
	}
	return score
}

// decodeFile converts b from enc to UTF-8. UTF-8 is kept as is (a BOM
// dropped) so that invalid sequences can be reported per row.
func decodeFile(b []byte, enc string) (string, error) {
	switch enc {
	case EncUTF8:
		return string(bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})), nil
	case EncUTF16LE, EncUTF16BE:
		order := xunicode.LittleEndian
		if enc == EncUTF16BE {
			order = xunicode.BigEndian
		}
		out, _, err := transform.Bytes(xunicode.UTF16(order, xunicode.ExpectBOM).NewDecoder(), b)
		if err != nil {
			// Without its BOM the override may still be right.
			out, _, err = transform.Bytes(xunicode.UTF16(order, xunicode.IgnoreBOM).NewDecoder(), b)
		}
		if err != nil {
			return "", fileError("people.import.wrong_encoding", "Encoding", enc)
		}
		return string(out), nil
	}
	e, ok := legacyEncodings[enc]
	if !ok {
		return "", apperr.Invalid().Field("encoding", "people.import.unknown_encoding")
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return "", fileError("people.import.wrong_encoding", "Encoding", enc)
	}
	return string(out), nil
}

// SniffDelimiter picks the delimiter (comma, semicolon or tab) that splits
// the first lines into the same, largest number of fields. Spreadsheets in
// French, Finnish and Turkish locales save with semicolons.
func SniffDelimiter(text string) rune {
	var lines []string
	for len(lines) < 20 && text != "" {
		line, rest, _ := strings.Cut(text, "\n")
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
		text = rest
	}
	best, bestScore := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		counts := map[int]int{}
		for _, l := range lines {
			counts[countOutsideQuotes(l, d)]++
		}
		mode, freq := 0, 0
		for n, f := range counts {
			if f > freq || (f == freq && n > mode) {
				mode, freq = n, f
			}
		}
		if mode == 0 {
			continue
		}
		if sc := freq*1000 + mode; sc > bestScore {
			best, bestScore = d, sc
		}
	}
	return best
}

func countOutsideQuotes(line string, d rune) int {
	n, quoted := 0, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == d && !quoted:
			n++
		}
	}
	return n
}

// csvRow is one parsed data row with its line number in the file.
type csvRow struct {
	line   int
	fields []string
	err    string // message key of a row-level problem found while reading
}

// readCSV parses decoded text into a header and rows. Problems of one row
// (bad UTF-8, a cell or row over the limits, broken quoting) mark that row;
// problems of the file (too many columns, no header) fail it.
func readCSV(text string, delim rune) ([]string, []csvRow, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, fileError("people.import.no_header")
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
	}
	if len(header) > MaxImportCols {
		return nil, nil, fileError("people.import.too_many_columns", "Max", MaxImportCols)
	}
	var rows []csvRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, csvRow{line: pe.StartLine, err: "people.import.malformed_row"})
				continue
			}
			return nil, nil, err
		}
		row := csvRow{line: line, fields: rec}
		size := 0
		empty := true
		for _, f := range rec {
			size += len(f)
			if strings.TrimSpace(f) != "" {
				empty = false
			}
			if row.err == "" && !utf8.ValidString(f) {
				row.err = "people.import.invalid_encoding"
			}
			if row.err == "" && utf8.RuneCountInString(f) > MaxFieldRunes {
				row.err = "people.import.row_too_long"
			}
		}
		if empty {
			continue // blank lines and rows of empty cells are not data
		}
		if row.err == "" && (size > MaxRowBytes || len(rec) > MaxImportCols) {
			row.err = "people.import.row_too_long"
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}
