package textsearch

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const (
	zwnj     = '\u200C' // Persian half-space: joins the parts of one word
	tatweel  = '\u0640' // Arabic elongation, pure decoration
	joinMark = '\u200C' // in tokenizer input every joiner (ZWNJ, apostrophe) is rewritten to this
)

// Normalize returns s in the canonical, accent-preserving form used for
// matching: NFKC (full/half-width Latin and kana, ligatures, Arabic
// presentation forms), lower case with Turkish I/İ/ı all becoming i (the
// language of a name is unknown, so dotted and dotless i must meet), Arabic
// letter variants mapped to their Persian forms, digits of every script in
// ASCII, ZWNJ/bidi/soft-hyphen removed, tatweel and Arabic diacritics
// (harakat) removed. Spacing and punctuation are otherwise kept.
func Normalize(s string) string {
	return normalize(s, false)
}

// Fold is Normalize plus Latin accent folding (é→e, ş→s, ß→ss, œ→oe): the
// accent-insensitive form. Only Latin letters lose their marks; Japanese
// dakuten (が) and non-Latin letters such as Cyrillic й are untouched.
func Fold(s string) string {
	return foldLatin(normalize(s, false))
}

// Digits maps the digits of every script to ASCII and drops everything else:
// "+90 (532) 123-45-67" → "905321234567", "۰۹۱۲" → "0912". Deciding which
// suffix is the national significant number is the caller's business.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if d := digitValue(r); d >= 0 {
			b.WriteByte(byte('0' + d))
		}
	}
	return b.String()
}

// normalize does the work of Normalize. With joiners set, ZWNJ and
// apostrophes inside text become joinMark so the tokenizer can index both the
// joined word and its parts.
func normalize(s string, joiners bool) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	marks := false // a combining mark survived: recompose at the end (lower case may enable a composition)
	var prev rune
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			} else if joiners && r == '\'' {
				r = joinMark
			}
			b.WriteRune(r)
			prev = r
			continue
		}
		switch r {
		case 'İ', 'ı':
			r = 'i'
		case '\u0307': // combining dot above left by a non-Turkish lower-casing of İ
			if prev == 'i' {
				continue
			}
		case 'ς':
			r = 'σ' // final sigma: case folding, so that ΟΔΟΣ meets οδος
		case 'ي', 'ى': // Arabic yeh, alef maksura → Persian yeh
			r = 'ی'
		case 'ك': // Arabic kaf → Persian keheh
			r = 'ک'
		case 'ة', 'ۀ', 'ہ', 'ۂ': // teh marbuta, heh with yeh, heh goal → heh
			r = 'ه'
		case 'أ', 'إ', 'آ', 'ٱ': // alef with hamza/madda/wasla → bare alef
			r = 'ا'
		case tatweel:
			continue
		case zwnj, '\u2019', '\u02BC': // ZWNJ, right single quotation mark and modifier apostrophe
			if joiners {
				b.WriteRune(joinMark)
				prev = joinMark
				continue
			}
			if r == zwnj {
				continue
			}
		case '\u200B': // zero-width space separates words
			r = ' '
		}
		if d := digitValue(r); d >= 0 {
			r = rune('0' + d)
		} else if unicode.Is(unicode.Cf, r) {
			continue // bidi marks, ZWJ, soft hyphen, BOM: invisible, must not split or block a match
		} else if unicode.Is(unicode.Mn, r) {
			if isArabicBlock(r) {
				continue // harakat, superscript alef, Quranic marks
			}
			marks = true
		} else {
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
		prev = r
	}
	out := b.String()
	if marks {
		out = norm.NFKC.String(out)
	}
	return out
}

// isArabicBlock reports the Arabic blocks; their marks (script Inherited or
// Arabic) are all vowel signs or Quranic annotations.
func isArabicBlock(r rune) bool {
	return 0x600 <= r && r <= 0x6FF || 0x750 <= r && r <= 0x77F || 0x8A0 <= r && r <= 0x8FF
}

// digitValue returns the value of a decimal digit of any script, or -1.
// Unicode encodes every decimal digit set as a contiguous run from 0 to 9, so
// the offset from the start of its range in unicode.Nd is the value.
func digitValue(r rune) int {
	switch {
	case '0' <= r && r <= '9':
		return int(r - '0')
	case r < 0x660:
		return -1
	case r <= 0x669: // Arabic-Indic
		return int(r - 0x660)
	case 0x6F0 <= r && r <= 0x6F9: // Persian (extended Arabic-Indic)
		return int(r - 0x6F0)
	}
	t := unicode.Nd
	if r <= 0xFFFF {
		for _, rg := range t.R16 {
			if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
				return int(r-rune(rg.Lo)) % 10
			}
		}
		return -1
	}
	for _, rg := range t.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return -1
}

// latinFolds maps each Latin letter whose accent-free form differs to that
// form. Built once from the Unicode tables: NFD, then drop the marks. Letters
// whose base is not a decomposition (ß, ø, ł, œ…) are listed by hand.
var latinFolds = sync.OnceValue(func() map[rune]string {
	m := map[rune]string{
		'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d",
		'ł': "l", 'ħ': "h", 'ŧ': "t", 'þ': "th", 'ŀ': "l", 'ı': "i", 'ƒ': "f",
	}
	add := func(r rune) {
		if r < utf8.RuneSelf || !unicode.IsLetter(r) {
			return
		}
		if _, ok := m[r]; ok {
			return
		}
		d := norm.NFD.String(string(r))
		var b strings.Builder
		for _, c := range d {
			if !unicode.Is(unicode.Mn, c) {
				b.WriteRune(c)
			}
		}
		if f := b.String(); f != string(r) && f != "" {
			m[r] = f
		}
	}
	for _, rg := range unicode.Latin.R16 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			add(r)
		}
	}
	for _, rg := range unicode.Latin.R32 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			add(r)
		}
	}
	return m
})

// foldLatin removes accents from Latin letters of already normalized text,
// and combining marks that follow a Latin letter. Everything else is copied.
func foldLatin(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s // ASCII: nothing to fold
	}
	m := latinFolds()
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	latin := i > 0 && isASCIILetter(s[i-1])
	for _, r := range s[i:] {
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
			latin = isASCIILetter(byte(r))
			continue
		}
		if f, ok := m[r]; ok {
			b.WriteString(f)
			latin = true
			continue
		}
		if latin && unicode.Is(unicode.Mn, r) {
			continue
		}
		latin = unicode.Is(unicode.Latin, r)
		b.WriteRune(r)
	}
	return b.String()
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
