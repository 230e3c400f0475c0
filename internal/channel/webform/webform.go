// Package webform is the web contact form's protocol: the signed timing
// token that makes bots' instant submissions and replays of old pages fail,
// the honeypot field, and validation of what a visitor typed. It knows
// nothing of the database or HTTP; the inbox UI serves the form.
package webform

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Honeypot is the name of a field hidden from people (CSS and aria-hidden);
// a bot that fills every field fills it too.
const Honeypot = "website"

// Limits of what the form accepts.
const (
	MaxName    = 200
	MaxEmail   = 254
	MaxPhone   = 40
	MaxSubject = 200
	MaxMessage = 20000
)

// Token errors.
var (
	// ErrTooFast: submitted sooner than a person can type (a bot).
	ErrTooFast = errors.New("webform: submitted too fast")
	// ErrExpired: the page was open too long; the visitor must resend.
	ErrExpired = errors.New("webform: token expired")
	// ErrBadToken: missing, malformed or forged.
	ErrBadToken = errors.New("webform: invalid token")
)

// Tokens issues and checks timing tokens: the time the form was served and
// a random nonce, signed with a key.
type Tokens struct {
	Key []byte
	// MinAge is the least time between serving and submitting (default 3 s).
	MinAge time.Duration
	// MaxAge is how long a served form stays valid (default 2 h).
	MaxAge time.Duration
}

func (t Tokens) minAge() time.Duration {
	if t.MinAge <= 0 {
		return 3 * time.Second
	}
	return t.MinAge
}

func (t Tokens) maxAge() time.Duration {
	if t.MaxAge <= 0 {
		return 2 * time.Hour
	}
	return t.MaxAge
}

// Issue returns a token for a form served at now.
func (t Tokens) Issue(now time.Time) string {
	b := make([]byte, 8+12, 8+12+sha256.Size)
	binary.BigEndian.PutUint64(b, uint64(now.UnixMilli()))
	_, _ = rand.Read(b[8:])
	b = append(b, t.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (t Tokens) mac(b []byte) []byte {
	m := hmac.New(sha256.New, t.Key)
	m.Write([]byte("hearken-webform\x00"))
	m.Write(b)
	return m.Sum(nil)
}

// Check verifies token at now and returns its nonce: unique per served
// form, so a double submission of one page is recognised.
func (t Tokens) Check(token string, now time.Time) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 8+12+sha256.Size || len(t.Key) == 0 {
		return "", ErrBadToken
	}
	if !hmac.Equal(b[20:], t.mac(b[:20])) {
		return "", ErrBadToken
	}
	issued := time.UnixMilli(int64(binary.BigEndian.Uint64(b)))
	age := now.Sub(issued)
	switch {
	case age < t.minAge():
		return "", ErrTooFast
	case age > t.maxAge():
		return "", ErrExpired
	}
	return base64.RawURLEncoding.EncodeToString(b[8:20]), nil
}

// Submission is what a visitor typed.
type Submission struct {
	Name    string
	Email   string
	Phone   string
	Subject string
	Message string
	Consent bool
}

// Validate trims s and returns problems as field → catalog key (empty when
// valid). Keys are webform.error.*; the UI's catalog holds them.
// requireConsent makes the consent box mandatory.
func (s *Submission) Validate(requireConsent bool) map[string]string {
	errs := map[string]string{}
	fields := []struct {
		name string
		v    *string
		max  int
		req  bool
	}{
		{"name", &s.Name, MaxName, true}, {"email", &s.Email, MaxEmail, true}, {"phone", &s.Phone, MaxPhone, false},
		{"subject", &s.Subject, MaxSubject, false}, {"message", &s.Message, MaxMessage, true},
	}
	for _, f := range fields {
		if !utf8.ValidString(*f.v) || strings.ContainsRune(*f.v, 0) {
			errs[f.name] = "webform.error.encoding"
			*f.v = ""
			continue
		}
		*f.v = strings.TrimSpace(*f.v)
		switch {
		case *f.v == "" && f.req:
			errs[f.name] = "webform.error.required"
		case utf8.RuneCountInString(*f.v) > f.max:
			errs[f.name] = "webform.error.too_long"
		case f.name != "message" && strings.IndexFunc(*f.v, unicode.IsControl) >= 0:
			errs[f.name] = "webform.error.encoding"
		}
	}
	if _, ok := errs["email"]; !ok {
		a, err := mail.ParseAddress(s.Email)
		if err != nil || a.Address != s.Email || !strings.Contains(s.Email[strings.LastIndexByte(s.Email, '@')+1:], ".") {
			errs["email"] = "webform.error.email"
		}
	}
	if requireConsent && !s.Consent {
		errs["consent"] = "webform.error.consent"
	}
	return errs
}
