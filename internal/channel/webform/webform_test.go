package webform

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tk := Tokens{Key: []byte("k1")}
	served := tk.Issue(now)
	if served == tk.Issue(now) {
		t.Fatal("two forms served at once share a token")
	}
	for _, tc := range []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"ok", served, now.Add(20 * time.Second), nil},
		{"too fast", served, now.Add(time.Second), ErrTooFast},
		{"expired", served, now.Add(3 * time.Hour), ErrExpired},
		{"other key", Tokens{Key: []byte("k2")}.Issue(now), now.Add(time.Minute), ErrBadToken},
		{"tampered", tamper(served), now.Add(time.Minute), ErrBadToken},
		{"garbage", "not a token", now, ErrBadToken},
		{"empty", "", now, ErrBadToken},
	} {
		nonce, err := tk.Check(tc.token, tc.at)
		if !errors.Is(err, tc.want) || (err == nil) != (nonce != "") {
			t.Errorf("%s: nonce %q, err %v, want %v", tc.name, nonce, err, tc.want)
		}
	}
	n1, _ := tk.Check(served, now.Add(time.Minute))
	n2, _ := tk.Check(served, now.Add(2*time.Minute))
	if n1 != n2 {
		t.Fatal("one served form gives two nonces")
	}
}

func TestValidate(t *testing.T) {
	ok := Submission{Name: " Ayşe ", Email: "ayse@example.com.tr", Message: "Merhaba"}
	for _, tc := range []struct {
		name    string
		edit    func(*Submission)
		consent bool
		want    map[string]string
	}{
		{"ok", func(*Submission) {}, false, map[string]string{}},
		{"missing", func(s *Submission) { s.Name, s.Message = "", "  " }, false, map[string]string{"name": "webform.error.required", "message": "webform.error.required"}},
		{"email", func(s *Submission) { s.Email = "ayse@localhost" }, false, map[string]string{"email": "webform.error.email"}},
		{"email display name", func(s *Submission) { s.Email = "Ayşe <ayse@example.com>" }, false, map[string]string{"email": "webform.error.email"}},
		{"utf-8", func(s *Submission) { s.Subject = "a\xffb" }, false, map[string]string{"subject": "webform.error.encoding"}},
		{"control", func(s *Submission) { s.Name = "a\x1bb" }, false, map[string]string{"name": "webform.error.encoding"}},
		{"long", func(s *Submission) { s.Message = strings.Repeat("ж", MaxMessage+1) }, false, map[string]string{"message": "webform.error.too_long"}},
		{"consent", func(*Submission) {}, true, map[string]string{"consent": "webform.error.consent"}},
	} {
		s := ok
		tc.edit(&s)
		got := s.Validate(tc.consent)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k], v)
			}
		}
	}
	s := ok
	s.Validate(false)
	if s.Name != "Ayşe" {
		t.Fatalf("not trimmed: %q", s.Name)
	}
}

// tamper changes one character of the signed part (the time).
func tamper(tok string) string {
	c := byte('A')
	if tok[3] == 'A' {
		c = 'B'
	}
	return tok[:3] + string(c) + tok[4:]
}
