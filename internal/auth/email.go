package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizeEmail returns the address as it should be displayed (trimmed, NFC) and
// the key that makes addresses equal case-insensitively. The key uses Unicode
// lowercasing, not locale-specific rules: "Ayşe@Örnek.org" and "ayşe@örnek.org"
// share a key. Turkish dotted capital İ lowercases to plain i (Go uses the simple
// mapping), and a decomposed "i + combining dot above" is folded the same way,
// so "İLKER@…" matches "ilker@…" as a Turkish user expects; dotless ı stays
// distinct from i.
func normalizeEmail(raw string) (display, key string, ok bool) {
	if !utf8.ValidString(raw) {
		return "", "", false
	}
	display = norm.NFC.String(strings.TrimSpace(raw))
	if !validEmail(display) {
		return "", "", false
	}
	key = strings.ReplaceAll(strings.ToLower(display), "i\u0307", "i")
	return display, key, true
}

// validEmail is a deliberately plain check (one @, a dotted domain, no spaces or
// quoting): the real test of an address is mail reaching it.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') || at > 64 {
		return false
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"<>()[],;:\`, r) {
			return false
		}
	}
	return true
}
