package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Token is an API token's stored description; the secret itself is never stored.
type Token struct {
	ID         int64      `json:"id" audit:"-"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters of the secret, to recognise it in a list
	CreatedAt  time.Time  `json:"created_at" audit:"-"`
	LastUsedAt *time.Time `json:"last_used_at" audit:"-"`
	RevokedAt  *time.Time `json:"revoked_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// Usable reports whether the token is neither revoked nor expired at now.
func (t Token) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

const (
	// TokenPrefix starts every API token, so secret scanners and people can tell
	// what a leaked string is.
	TokenPrefix   = "hk_"
	tokenBytes    = 32
	tokenLen      = len(TokenPrefix) + (tokenBytes*8+4)/5 // unpadded base32
	displayLen    = len(TokenPrefix) + 8
	maxTokenName  = 100
	touchInterval = time.Minute
)

// Base32 in lower case: only letters and digits, so a double-click selects the
// whole token and nothing needs URL-escaping.
var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// hashToken is what is stored and looked up. A fast hash is enough: the token has
// 256 random bits, so there is nothing to brute-force.
func hashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

func errTokenInvalid() error { return apperr.New(apperr.CodeUnauthorized, "token.invalid") }

// authorizeTokens checks the actor may manage userID's tokens: their own with
// tokens.manage_own, anyone's with tokens.manage_all.
func authorizeTokens(a Actor, userID int64) error {
	p := PermTokensManageAll
	if a.UserID != 0 && a.UserID == userID {
		p = PermTokensManageOwn
	}
	if !a.Can(p) {
		return apperr.Forbidden()
	}
	return nil
}

// CreateToken makes an API token for userID and returns its plaintext, which is
// shown once and never again. A request authenticated by a token may not create
// tokens: a leaked token must not be able to outlive its own revocation.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, expiresAt *time.Time) (string, Token, error) {
	a, err := requireActor(ctx)
	if err != nil {
		return "", Token{}, err
	}
	if a.TokenID != 0 {
		return "", Token{}, apperr.Forbidden()
	}
	if err := authorizeTokens(a, userID); err != nil {
		return "", Token{}, err
	}
	now := s.now()
	v := apperr.Invalid()
	name = cleanName(name)
	switch {
	case name == "":
		v.Field("name", "validation.required")
	case !utf8.ValidString(name):
		v.Field("name", "validation.invalid")
	case utf8.RuneCountInString(name) > maxTokenName:
		v.Field("name", "validation.too_long", "Max", maxTokenName)
	}
	if expiresAt != nil && !expiresAt.After(now) {
		v.Field("expires_at", "validation.future")
	}
	if err := v.OrNil(); err != nil {
		return "", Token{}, err
	}
	secret := make([]byte, tokenBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", Token{}, err
	}
	plaintext := TokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(secret))
	t := Token{UserID: userID, Name: name, Prefix: plaintext[:displayLen], CreatedAt: now}
	if expiresAt != nil {
		e := expiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &e
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetUser(ctx, userID); err != nil {
			return err
		}
		if err := s.q.QueryRowW(ctx, "InsertToken", userID, t.Name, hashToken(plaintext), t.Prefix, now,
			nullTime(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return err
		}
		return s.Audit(ctx, "token.create", "api_token", t.ID, Diff(nil, t))
	})
	if err != nil {
		return "", Token{}, err
	}
	return plaintext, t, nil
}

// tokenRow receives an api_tokens row's nullable columns.
type tokenRow struct{ lastUsed, revoked, expires sql.NullTime }

func (r *tokenRow) dest(t *Token) []any {
	return []any{&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &r.lastUsed, &r.revoked, &r.expires}
}

func (r *tokenRow) finish(t *Token) {
	t.CreatedAt = t.CreatedAt.UTC()
	t.LastUsedAt, t.RevokedAt, t.ExpiresAt = timePtr(r.lastUsed), timePtr(r.revoked), timePtr(r.expires)
}

func scanToken(sc scanner) (Token, error) {
	var (
		t Token
		r tokenRow
	)
	if err := sc.Scan(r.dest(&t)...); err != nil {
		return Token{}, err
	}
	r.finish(&t)
	return t, nil
}

// ListTokens returns userID's tokens, or everyone's when userID is 0, newest
// first, revoked ones included (the list is where revocations are seen).
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	a, err := requireActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeTokens(a, userID); err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if userID == 0 {
		rows, err = s.q.Query(ctx, "ListAllTokens")
	} else {
		rows, err = s.q.Query(ctx, "ListTokensOfUser", userID)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes token id: its owner may (tokens.manage_own), and so may
// holders of tokens.manage_all. Revoking a revoked token does nothing.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	a, err := requireActor(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := scanToken(s.q.QueryRow(ctx, "GetToken", id))
		if err != nil {
			return notFound(err, "token.not_found")
		}
		if err := authorizeTokens(a, t.UserID); err != nil {
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := s.now()
		if _, err := s.q.Exec(ctx, "RevokeToken", id, now); err != nil {
			return err
		}
		return s.Audit(ctx, "token.revoke", "api_token", id, map[string][2]any{"revoked_at": {nil, now}})
	})
}

// VerifyToken returns the user and token for a plaintext API token. Unknown and
// revoked tokens, and tokens of deactivated users, give "token.invalid"; expired
// ones "token.expired" (both unauthorized). last_used_at is written at most once
// a minute per token, so a busy integration does not turn every read into a write.
func (s *Service) VerifyToken(ctx context.Context, plaintext string) (User, Token, error) {
	// Reject malformed input before touching the database.
	if len(plaintext) != tokenLen || !strings.HasPrefix(plaintext, TokenPrefix) {
		return User{}, Token{}, errTokenInvalid()
	}
	var (
		t  Token
		u  User
		tr tokenRow
		ur userRow
	)
	dest := append(tr.dest(&t), ur.dest(&u)...)
	if err := s.q.QueryRow(ctx, "VerifyToken", hashToken(plaintext)).Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, Token{}, errTokenInvalid()
		}
		return User{}, Token{}, err
	}
	tr.finish(&t)
	ur.finish(&u)

	now := s.now()
	switch {
	case t.RevokedAt != nil || !u.Active:
		return User{}, Token{}, errTokenInvalid()
	case t.ExpiresAt != nil && !t.ExpiresAt.After(now):
		return User{}, Token{}, apperr.New(apperr.CodeUnauthorized, "token.expired")
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchInterval {
		if _, err := s.q.Exec(ctx, "TouchToken", t.ID, now, now.Add(-touchInterval)); err != nil {
			return User{}, Token{}, err
		}
		t.LastUsedAt = &now
	}
	return u, t, nil
}
