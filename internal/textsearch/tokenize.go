package textsearch

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// FTS5Tokenize is the exact tokenizer clause of every FTS5 table fed by
	// IndexText. Diacritics must stay (remove_diacritics 0): IndexText already
	// indexes the accent-free form beside the accented one, and an engine
	// that folded them too could not rank the exact spelling first. No
	// tokenchars are needed because tokens hold letters and digits only.
	FTS5Tokenize = "tokenize = 'unicode61 remove_diacritics 0'"

	// MaxIndexBytes caps IndexText's output. PostgreSQL refuses a tsvector
	// over 1 MB; 128 KiB of tokens stays far below that in the worst case
	// (many distinct one-letter tokens), so indexing a huge message never
	// fails, it just stops indexing after the first ~50 KB of text.
	MaxIndexBytes = 128 << 10
	maxFieldBytes = 4 * MaxIndexBytes

	// maxTokenRunes clips tokens (base64 blobs, long URLs glued together):
	// PostgreSQL drops lexemes over 2047 bytes, and long tokens only bloat the
	// index. Index and query clip the same way, so clipped tokens still meet.
	maxTokenRunes = 64

	// Phone-like runs: at least two digit groups, 7 to 20 digits in all.
	minPhoneDigits = 7
	maxPhoneDigits = 20
)

// Tokens returns the index tokens of one text, in order, as IndexText stores
// them: for each word its accent-free form and, when different, its accented
// (case-folded) form; for words with ZWNJ or an apostrophe the joined word
// and its parts; overlapping bigrams for CJK runs; and extra tokens for
// e-mail addresses (all of it glued) and phone numbers (all digits).
func Tokens(s string) []string {
	var out []string
	tokenize(s, func(t string) { out = append(out, t) })
	return out
}

// IndexText returns the text to store in the search column of a row: the
// tokens of all fields separated by single spaces, at most MaxIndexBytes.
func IndexText(fields ...string) string {
	var b strings.Builder
	full := false
	for _, f := range fields {
		if len(f) > maxFieldBytes { // no need to analyze megabytes that cannot fit
			i := maxFieldBytes
			for i > 0 && !utf8.RuneStart(f[i]) {
				i--
			}
			f = f[:i]
		}
		tokenize(f, func(t string) {
			if full || b.Len()+1+len(t) > MaxIndexBytes {
				full = true
				return
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
		})
		if full {
			break
		}
	}
	return b.String()
}

// tokenize calls emit for every index token of s.
func tokenize(s string, emit func(string)) {
	ns := normalize(s, true)
	scanPieces(ns, func(p *piece) {
		if p.cjk {
			emitBigrams(p, emit)
			return
		}
		if len(p.cuts) > 1 {
			emitVariants(string(p.buf), emit) // the joined word: "می<ZWNJ>خواهم" meets "میخواهم", O'Brien meets OBrien
		}
		start := 0
		for _, end := range p.cuts {
			emitVariants(string(p.buf[start:end]), emit)
			start = end
		}
	})
	for _, sp := range findSpans(ns) {
		if sp.phone {
			emitPieces(clip(digitsOf(ns[sp.start:sp.end])), emit)
		} else {
			emitVariants(wordRunes(ns[sp.start:sp.end]), emit)
		}
	}
}

// emitVariants emits the accent-free form of a word and, if different, the
// accented form, which is what lets the exact spelling rank first.
func emitVariants(w string, emit func(string)) {
	a := clip(w)
	f := clip(foldLatin(w))
	emitPieces(f, emit)
	if a != f {
		emitPieces(a, emit)
	}
}

func emitPieces(t string, emit func(string)) {
	if head, rest := pgSplit(t); rest != "" {
		emit(head)
		emit(rest)
		return
	}
	emit(t)
}

func emitBigrams(p *piece, emit func(string)) {
	run := string(p.buf)
	if p.bridge != 0 {
		first, _ := utf8.DecodeRuneInString(run)
		emit(string([]rune{p.bridge, first}))
	}
	i := 0
	for i < len(run) {
		_, n := utf8.DecodeRuneInString(run[i:])
		if i+n >= len(run) {
			if i == 0 {
				emit(run) // a one-character run is indexed as itself
			}
			return
		}
		_, m := utf8.DecodeRuneInString(run[i+n:])
		emit(run[i : i+n+m])
		i += n
	}
}

// pgSplit splits a token where PostgreSQL's default parser would read a
// number in scientific notation ("1e5x" is the sfloat "1e5" then "x"), so
// that both engines see the same tokens. Only a token that starts with
// digits, 'e', digits and goes on is affected.
func pgSplit(t string) (head, rest string) {
	i := 0
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	if i == 0 || i+1 >= len(t) || t[i] != 'e' || !isDigit(t[i+1]) {
		return t, ""
	}
	i++
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	return t[:i], t[i:]
}

// clip shortens a token to maxTokenRunes runes.
func clip(t string) string {
	if len(t) <= maxTokenRunes {
		return t
	}
	n := 0
	for i := range t {
		if n == maxTokenRunes {
			return t[:i]
		}
		n++
	}
	return t
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWord reports whether r is part of a token: a letter, or an ASCII digit
// (normalize has already mapped the digits of every other script).
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) && !unicode.Is(unsure, r)
}

// isMark reports a combining mark. Marks left after NFKC are dropped from
// tokens without splitting them: PostgreSQL's parser does not count most
// marks as letters and FTS5's unicode61 treats them as separators.
func isMark(r rune) bool { return r >= 0x300 && (unicode.IsMark(r) || unicode.Is(unsure, r)) }

// unsure lists letters that one engine does not know as letters: FTS5 uses
// Unicode 6.1 (where these New Tai Lue and Vedic signs were marks) and
// PostgreSQL the C library's tables (glibc 2.36 lacks these Unicode 14-15
// additions). Treated as marks, they can never split a token in one
// engine only. TestEngineAlphabet finds new ones.
var unsure = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x19B0, Hi: 0x19C9, Stride: 1}, // New Tai Lue vowel signs
		{Lo: 0x1CF2, Hi: 0x1CF3, Stride: 1}, // Vedic signs ardhavisarga
	},
	R32: []unicode.Range32{
		{Lo: 0x1123F, Hi: 0x11241, Stride: 1}, // Khojki additions
		{Lo: 0x11F00, Hi: 0x11F5F, Stride: 1}, // Kawi
		{Lo: 0x1342F, Hi: 0x1345F, Stride: 1}, // Egyptian hieroglyph additions
		{Lo: 0x1B132, Hi: 0x1B132, Stride: 1}, // small hiragana ko
		{Lo: 0x1B155, Hi: 0x1B155, Stride: 1}, // small katakana ko
		{Lo: 0x1DF25, Hi: 0x1DF2A, Stride: 1}, // Latin Extended-G additions
		{Lo: 0x1E4D0, Hi: 0x1E4FF, Stride: 1}, // Nag Mundari
		{Lo: 0x2B735, Hi: 0x2B73F, Stride: 1}, // CJK Extension C additions
		{Lo: 0x31350, Hi: 0x323AF, Stride: 1}, // CJK Extension H
	},
}

// isCJK reports the scripts written without spaces, indexed as bigrams.
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー')
}

// piece is one unit of text: a CJK run, or a word whose parts are separated
// by joiners (ZWNJ, apostrophe). buf holds the characters without marks and
// joiners; cuts are the end offsets of the parts.
type piece struct {
	cjk    bool
	buf    []byte
	cuts   []int
	bridge rune // CJK: last character of the previous CJK run when only spaces lie between
	end    int  // byte offset in the scanned text just after the piece
}

// scanPieces calls fn for every piece of normalized text. The piece is
// reused between calls.
func scanPieces(s string, fn func(*piece)) {
	var p piece
	var lastCJK rune // last rune of the previous CJK run, while only spaces follow it
	var joined bool  // a joiner was seen inside the current word
	active := false
	flush := func(end int) {
		if !active {
			return
		}
		if !p.cjk {
			p.cuts = append(p.cuts, len(p.buf))
		}
		p.end = end
		fn(&p)
		if p.cjk {
			r, _ := utf8.DecodeLastRune(p.buf)
			lastCJK = r
		} else {
			lastCJK = 0
		}
		p.buf, p.cuts, p.bridge = p.buf[:0], p.cuts[:0], 0
		active, joined = false, false
	}
	for i, r := range s {
		switch {
		case isWord(r):
			cjk := isCJK(r)
			if active && cjk != p.cjk {
				flush(i)
				lastCJK = 0 // letters touch the run: no bridge
			}
			if !active {
				active, p.cjk = true, cjk
				if cjk {
					p.bridge = lastCJK
				}
			} else if joined {
				p.cuts = append(p.cuts, len(p.buf))
				joined = false
			}
			p.buf = utf8.AppendRune(p.buf, r)
		case r == joinMark:
			if active && p.cjk {
				flush(i)
			}
			lastCJK = 0
			joined = active
		case isMark(r):
			// dropped, see isMark
		default:
			flush(i)
			if !unicode.IsSpace(r) {
				lastCJK = 0
			}
		}
	}
	flush(len(s))
}

// span is an e-mail address or a phone-like run in normalized text.
type span struct {
	start, end int
	phone      bool
}

// findSpans returns the e-mail addresses and phone-like runs of normalized
// text, in order and without overlap. Index and query use the same spans, so
// a typed address or number always meets the indexed one.
func findSpans(s string) []span {
	var out []span
	if strings.IndexByte(s, '@') >= 0 {
		out = findEmails(s)
	}
	if strings.IndexFunc(s, isASCIIDigit) >= 0 {
		out = findPhones(s, out)
	}
	return out
}

func isASCIIDigit(r rune) bool { return '0' <= r && r <= '9' }

// findEmails finds local@domain with at least one word character on each
// side. A top-level domain is not required so that "ali@exa" typed in the
// search box is treated exactly like the indexed "ali@example.com".
func findEmails(s string) []span {
	var out []span
	from := 0
	for {
		at := strings.IndexByte(s[from:], '@')
		if at < 0 {
			return out
		}
		at += from
		start := at
		for start > from {
			r, n := utf8.DecodeLastRuneInString(s[:start])
			if !(isWord(r) || isMark(r) || r == joinMark || strings.ContainsRune(".-_+%", r)) {
				break
			}
			start -= n
		}
		for start < at {
			r, n := utf8.DecodeRuneInString(s[start:])
			if isWord(r) {
				break
			}
			start += n
		}
		end := at + 1
		for end < len(s) {
			r, n := utf8.DecodeRuneInString(s[end:])
			if !(isWord(r) || isMark(r) || r == '.' || r == '-') {
				break
			}
			end += n
		}
		for end > at+1 {
			r, n := utf8.DecodeLastRuneInString(s[:end])
			if isWord(r) {
				break
			}
			end -= n
		}
		if start < at && end > at+1 {
			out = append(out, span{start: start, end: end})
			from = end
		} else {
			from = at + 1
		}
		if from >= len(s) {
			return out
		}
	}
}

// findPhones finds runs of at least two all-digit groups separated by at most
// three characters of " -./()", minPhoneDigits to maxPhoneDigits digits in
// all, outside the e-mail spans already found.
func findPhones(s string, emails []span) []span {
	type group struct{ start, end int }
	var out []span
	var run []group
	digits := 0
	closeRun := func() {
		if len(run) >= 2 && digits >= minPhoneDigits && digits <= maxPhoneDigits {
			out = append(out, span{start: run[0].start, end: run[len(run)-1].end, phone: true})
		}
		run, digits = run[:0], 0
	}
	next := 0 // emails are in order, and so are the groups
	inEmail := func(i int) bool {
		for next < len(emails) && emails[next].end <= i {
			next++
		}
		return next < len(emails) && emails[next].start <= i
	}
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		// A group is a whole token: no letter, joiner or mark glued to it.
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[j:])
		whole := (i == 0 || !glued(before)) && (j == len(s) || !glued(after))
		if !whole || inEmail(i) {
			closeRun()
		} else {
			if len(run) > 0 {
				gap := s[run[len(run)-1].end:i]
				if len(gap) > 3 || strings.Trim(gap, " -./()") != "" {
					closeRun()
				}
			}
			run = append(run, group{i, j})
			digits += j - i
		}
		i = j
	}
	closeRun()
	if len(emails) == 0 {
		return out
	}
	out = append(out, emails...)
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	return out
}

func glued(r rune) bool { return isWord(r) || isMark(r) || r == joinMark }

// wordRunes keeps the letters and digits of s: an e-mail address glued into
// one token.
func wordRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if isWord(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
