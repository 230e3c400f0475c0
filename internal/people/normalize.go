package people

import (
	"net/mail"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"

	"github.com/hearken-org/hearken/internal/textsearch"
)

// Field limits, in runes.
const (
	maxNameLen  = 300
	maxShortLen = 100
	maxTextLen  = 20000
)

// normalizeEmail validates an address with net/mail and lower-cases its domain
// (the local part is case-sensitive by the RFC, so it is kept as written). The
// match key, used to find duplicates, lower-cases all of it: in practice no
// provider distinguishes the case of local parts.
func normalizeEmail(s string) (value, matchKey string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 254 {
		return "", "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", "", false
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 {
		return "", "", false
	}
	local, domain := a.Address[:at], strings.ToLower(a.Address[at+1:])
	// A bare host ("ali@localhost") is valid per RFC but never what a person
	// typing an address meant.
	if !strings.Contains(strings.Trim(domain, "."), ".") || strings.ContainsAny(domain, " []") {
		return "", "", false
	}
	v := local + "@" + domain
	return v, strings.ToLower(v), true
}

// phone is a parsed phone number.
type phone struct {
	e164     string // +905321234567
	national string // 0532 123 45 67
	nsn      string // 5321234567: the national significant number
}

// parsePhone reads a number written in any digit script ("۰۵۳۲ ۱۲۳ ۴۵ ۶۷")
// with or without a country code, against the default region.
func parsePhone(s, region string) (phone, bool) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 40 {
		return phone{}, false
	}
	// phonenumbers knows ASCII and a few scripts; mapping every script's digits
	// to ASCII first makes Persian and Arabic-Indic digits work too.
	var b strings.Builder
	for _, r := range s {
		if d := textsearch.Digits(string(r)); d != "" {
			b.WriteString(d)
		} else {
			b.WriteRune(r)
		}
	}
	n, err := phonenumbers.Parse(b.String(), strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return phone{}, false
	}
	return phone{
		e164:     phonenumbers.Format(n, phonenumbers.E164),
		national: phonenumbers.Format(n, phonenumbers.NATIONAL),
		nsn:      phonenumbers.GetNationalSignificantNumber(n),
	}, true
}

// phoneSearchText is what the search index holds for a number: E.164 digits,
// national digits (with the trunk prefix) and the national significant number,
// so "+90 532…", "0532…" and "532…" all match as typed.
func phoneSearchText(e164 string) []string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return []string{textsearch.Digits(e164)}
	}
	return []string{
		textsearch.Digits(e164),
		textsearch.Digits(phonenumbers.Format(n, phonenumbers.NATIONAL)),
		phonenumbers.GetNationalSignificantNumber(n),
	}
}

// socialPlatforms are the platforms offered; any other is stored as "other".
var socialPlatforms = map[string]bool{
	"x": true, "twitter": true, "instagram": true, "facebook": true, "linkedin": true,
	"mastodon": true, "bluesky": true, "tiktok": true, "youtube": true, "telegram": true,
	"whatsapp": true, "other": true,
}

// canonicalLanguage validates a BCP 47 tag and returns its canonical form.
func canonicalLanguage(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	return t.String(), true
}

// nameKey is the accent-, case- and order-insensitive form of a name used to
// find duplicates: the same name written in the same script yields the same
// key ("Şükrü Öztürk" = "sukru ozturk"), different scripts never meet.
func nameKey(names ...string) string {
	var toks []string
	for _, n := range names {
		toks = append(toks, strings.FieldsFunc(textsearch.Fold(n), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
		})...)
	}
	if len(toks) == 0 {
		return ""
	}
	sort.Strings(toks)
	return strings.Join(toks, " ")
}

// isCJKName reports names written in scripts that put the family name first.
func isCJKName(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// clean trims and collapses whitespace, and removes control characters that a
// spreadsheet or a paste can smuggle into a name.
func clean(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\u200C' || r == '\u200D':
			b.WriteRune(r) // ZWNJ/ZWJ are part of Persian and emoji spelling
			space = false
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
			space = false
		}
	}
	return strings.TrimSpace(b.String())
}
