package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Password length limits, counted in characters after normalisation. The maximum
// bounds hashing work and request size, not security.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

// PasswordParams are argon2id's cost parameters.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultPasswordParams are OWASP's recommended argon2id parameters (19 MiB, two
// passes, one thread). They are chosen over heavier settings because a small
// server hashes several sign-ins at once: memory per hash times concurrency must
// stay well below the machine's RAM.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

var b64 = base64.RawStdEncoding

// validatePassword checks a new password and returns the form to hash. Passwords
// are NFKC-normalised (as NIST SP 800-63B advises) so the same password typed on
// another keyboard or input method (composed "é", full-width digits) still matches.
func validatePassword(pw string) (string, *apperr.FieldError) {
	if !utf8.ValidString(pw) {
		return "", &apperr.FieldError{Key: "validation.password_invalid"}
	}
	pw = norm.NFKC.String(pw)
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return "", &apperr.FieldError{Key: "validation.password_short", Args: []any{"Min", MinPasswordLen}}
	}
	if n > MaxPasswordLen {
		return "", &apperr.FieldError{Key: "validation.password_long", Args: []any{"Max", MaxPasswordLen}}
	}
	return pw, nil
}

// normalizeAttempt prepares a sign-in attempt like validatePassword, without
// judging strength: passwords set under older rules must keep working.
func normalizeAttempt(pw string) (string, bool) {
	if !utf8.ValidString(pw) || len(pw) > 4*MaxPasswordLen {
		return "", false
	}
	return norm.NFKC.String(pw), true
}

// hashPassword returns the PHC string $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func hashPassword(pw string, p PasswordParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// parseHash reads a PHC argon2id string. Bounds on the parameters keep a corrupt
// or hostile row from making a sign-in allocate gigabytes.
func parseHash(encoded string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 64 || p.Threads < 1 {
		return p, nil, nil, errBadHash
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// checkPassword reports whether pw matches encoded, comparing in constant time,
// and whether the hash was made with parameters other than want (so it should be
// replaced now that the plaintext is at hand).
func checkPassword(encoded, pw string, want PasswordParams) (ok, stale bool, err error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, p != want, nil
}

// withHashSlot runs f while holding one of the service's hashing slots, so a burst
// of sign-ins queues instead of allocating argon2 memory without bound.
func (s *Service) withHashSlot(ctx context.Context, f func() error) error {
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashSlots }()
	return f()
}

func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	var out string
	err := s.withHashSlot(ctx, func() (err error) {
		out, err = hashPassword(pw, s.Password)
		return err
	})
	return out, err
}

func (s *Service) check(ctx context.Context, encoded, pw string) (ok, stale bool, err error) {
	err = s.withHashSlot(ctx, func() (err error) {
		ok, stale, err = checkPassword(encoded, pw, s.Password)
		return err
	})
	return ok, stale, err
}

// dummyHash is a hash of a random password with the current parameters. Checking
// against it when the email is unknown (or the user has no password) costs the
// same as a real check, so response times do not reveal which emails exist.
func (s *Service) dummyHash(ctx context.Context) (string, error) {
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummy != "" && s.dummyParams == s.Password {
		return s.dummy, nil
	}
	pw := make([]byte, 24)
	if _, err := rand.Read(pw); err != nil {
		return "", err
	}
	h, err := s.hash(ctx, b64.EncodeToString(pw))
	if err != nil {
		return "", err
	}
	s.dummy, s.dummyParams = h, s.Password
	return h, nil
}
