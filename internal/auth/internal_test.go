package auth

import (
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/apperr"
)

func TestPasswordHash(t *testing.T) {
	p := PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := hashPassword("correct horse battery", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	h2, _ := hashPassword("correct horse battery", p)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name      string
		pw        string
		want      PasswordParams
		ok, stale bool
	}{
		{"match", "correct horse battery", p, true, false},
		{"mismatch", "correct horse batterY", p, false, false},
		{"empty", "", p, false, false},
		{"stale params", "correct horse battery", DefaultPasswordParams(), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, stale, err := checkPassword(h, tt.pw, tt.want)
			if err != nil || ok != tt.ok || stale != tt.stale {
				t.Fatalf("checkPassword = %v, %v, %v; want %v, %v", ok, stale, err, tt.ok, tt.stale)
			}
		})
	}
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // would allocate ~95 GiB
		"$argon2id$v=19$m=1024,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$short",
	} {
		if _, _, err := checkPassword(bad, "x", p); err == nil {
			t.Errorf("checkPassword accepted malformed hash %q", bad)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name, pw, key string
	}{
		{"ok", "long enough!", ""},
		{"ten runes of Japanese", "パスワードはとても長い", ""},
		{"short", "short", "validation.password_short"},
		{"nine runes", "ğüşıöçĞÜŞ", "validation.password_short"},
		{"too long", strings.Repeat("a", MaxPasswordLen+1), "validation.password_long"},
		{"invalid UTF-8", "abcdefghij\xff", "validation.password_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fe := validatePassword(tt.pw)
			got := ""
			if fe != nil {
				got = fe.Key
			}
			if got != tt.key {
				t.Fatalf("key = %q, want %q", got, tt.key)
			}
		})
	}
	// NFKC: a composed and a decomposed é, and full-width digits, are one password.
	a, _ := validatePassword("caf\u00e9 ０１２３４５")
	b, _ := validatePassword("cafe\u0301 012345")
	if a != b {
		t.Fatalf("normalisation: %q != %q", a, b)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, display, key string
		ok               bool
	}{
		{"  Ayşe@Örnek.org ", "Ayşe@Örnek.org", "ayşe@örnek.org", true},
		{"ayşe@örnek.org", "ayşe@örnek.org", "ayşe@örnek.org", true},
		{"A\u0308@example.org", "Ä@example.org", "ä@example.org", true}, // NFC first
		{"İLKER@Example.ORG", "İLKER@Example.ORG", "ilker@example.org", true},
		{"i\u0307lker@example.org", "i\u0307lker@example.org", "ilker@example.org", true},
		{"ılker@example.org", "ılker@example.org", "ılker@example.org", true}, // dotless ı stays
		{"ユーザー@例え.jp", "ユーザー@例え.jp", "ユーザー@例え.jp", true},
		{"", "", "", false},
		{"no-at.example.org", "", "", false},
		{"two@@example.org", "", "", false},
		{"a@b@example.org", "", "", false},
		{"@example.org", "", "", false},
		{"user@localhost", "", "", false},
		{"user@.example.org", "", "", false},
		{"user@example..org", "", "", false},
		{"us er@example.org", "", "", false},
		{"Name <user@example.org>", "", "", false},
		{"user@example.org\xff", "", "", false},
	}
	for _, tt := range tests {
		display, key, ok := normalizeEmail(tt.in)
		if ok != tt.ok || (ok && (display != tt.display || key != tt.key)) {
			t.Errorf("normalizeEmail(%q) = %q, %q, %v; want %q, %q, %v", tt.in, display, key, ok, tt.display, tt.key, tt.ok)
		}
	}
}

func TestCursor(t *testing.T) {
	for _, id := range []int64{1, 42, 1 << 62} {
		got, err := decodeCursor(encodeCursor(id), 0)
		if err != nil || got != id {
			t.Fatalf("round trip %d: %d, %v", id, got, err)
		}
	}
	if got, err := decodeCursor("", 7); err != nil || got != 7 {
		t.Fatalf("empty cursor: %d, %v", got, err)
	}
	for _, bad := range []string{"garbage!", "djE6", "djE6LTE", "MTIz"} { // "v1:", "v1:-1", "123"
		if _, err := decodeCursor(bad, 0); !apperr.Is(err, apperr.CodeInvalid) {
			t.Errorf("decodeCursor(%q) = %v, want invalid", bad, err)
		}
	}
	if pageSize(0) != DefaultPageSize || pageSize(1000) != MaxPageSize || pageSize(5) != 5 {
		t.Fatal("pageSize bounds")
	}
}

func TestClientKey(t *testing.T) {
	tests := map[string]string{
		"":                           "",
		"192.0.2.1":                  "192.0.2.1",
		"192.0.2.1:54321":            "192.0.2.1",
		"::ffff:192.0.2.1":           "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"fe80::1%eth0":               "fe80::/64",
		"unknown":                    "unknown",
	}
	for in, want := range tests {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
