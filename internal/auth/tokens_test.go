package auth_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

var tokenPattern = regexp.MustCompile(`^hk_[a-z2-7]{52}$`)

func TestTokens(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, c := newService(d)
		ctx := context.Background()
		agent := mustCreate(t, s, auth.NewUser{Email: "agent@example.org", Name: "Agent", Role: auth.RoleAgent})
		other := mustCreate(t, s, auth.NewUser{Email: "other@example.org", Name: "Other", Role: auth.RoleAgent})

		plain, tok, err := s.CreateToken(as(agent), agent.ID, " Zapier ", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !tokenPattern.MatchString(plain) || tok.Prefix != plain[:11] || tok.Name != "Zapier" || tok.UserID != agent.ID {
			t.Fatalf("token %q %+v", plain, tok)
		}
		if n := count(t, d, "SELECT count(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1", plain); n != 0 {
			t.Fatal("plaintext stored")
		}

		u, got, err := s.VerifyToken(ctx, plain)
		if err != nil || u.ID != agent.ID || got.ID != tok.ID || got.LastUsedAt == nil || !got.LastUsedAt.Equal(c.Now()) {
			t.Fatalf("VerifyToken = %+v %+v %v", u, got, err)
		}
		// last_used_at is written at most once a minute.
		first := c.Now()
		c.Advance(30 * time.Second)
		if _, got, _ = s.VerifyToken(ctx, plain); !got.LastUsedAt.Equal(first) {
			t.Fatalf("touched within a minute: %v", got.LastUsedAt)
		}
		c.Advance(31 * time.Second)
		if _, got, _ = s.VerifyToken(ctx, plain); !got.LastUsedAt.Equal(c.Now()) {
			t.Fatalf("not touched after a minute: %v", got.LastUsedAt)
		}
		list, _ := s.ListTokens(as(agent), agent.ID)
		if len(list) != 1 || !list[0].LastUsedAt.Equal(c.Now()) {
			t.Fatalf("stored last_used_at: %+v", list)
		}

		expires := c.Now().Add(time.Hour)
		plain2, tok2, err := s.CreateToken(system(), other.ID, "report", &expires)
		if err != nil || tok2.ExpiresAt == nil || !tok2.ExpiresAt.Equal(expires) {
			t.Fatalf("CreateToken with expiry = %+v, %v", tok2, err)
		}

		createTests := []struct {
			name    string
			ctx     context.Context
			userID  int64
			tokName string
			expires *time.Time
			code    apperr.Code
		}{
			{"for someone else without manage_all", as(agent), other.ID, "x", nil, apperr.CodeForbidden},
			{"from a token", auth.WithActor(ctx, auth.ActorFor(agent, &tok)), agent.ID, "x", nil, apperr.CodeForbidden},
			{"no actor", ctx, agent.ID, "x", nil, apperr.CodeUnauthorized},
			{"no name", as(agent), agent.ID, " ", nil, apperr.CodeInvalid},
			{"expiry in the past", as(agent), agent.ID, "x", ptr(c.Now().Add(-time.Second)), apperr.CodeInvalid},
			{"missing user", system(), 999, "x", nil, apperr.CodeNotFound},
		}
		for _, tt := range createTests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := s.CreateToken(tt.ctx, tt.userID, tt.tokName, tt.expires)
				wantErr(t, err, tt.code, "")
			})
		}

		if all, err := s.ListTokens(system(), 0); err != nil || len(all) != 2 || all[0].ID != tok2.ID {
			t.Fatalf("ListTokens(all) = %+v, %v", all, err)
		}
		if _, err := s.ListTokens(as(agent), 0); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("agent lists all: %v", err)
		}
		if _, err := s.ListTokens(as(agent), other.ID); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("agent lists other's: %v", err)
		}

		// Revocation: not by another agent; by the owner; idempotent.
		wantErr(t, s.RevokeToken(as(other), tok.ID), apperr.CodeForbidden, "")
		wantErr(t, s.RevokeToken(as(agent), 999), apperr.CodeNotFound, "token.not_found")
		if err := s.RevokeToken(as(agent), tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(as(agent), tok.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'token.revoke'"); n != 1 {
			t.Fatalf("revoke audit entries = %d", n)
		}

		verifyTests := []struct {
			name  string
			setup func()
			token string
			key   string
		}{
			{"revoked", nil, plain, "token.invalid"},
			{"garbage", nil, "hk_nope", "token.invalid"},
			{"unknown, well-formed", nil, "hk_" + plain[3:len(plain)-1] + "a", "token.invalid"},
			{"valid until expiry", nil, plain2, ""},
			{"expired", func() { c.Advance(time.Hour) }, plain2, "token.expired"},
			{"deactivated user", func() {
				c.Advance(-2 * time.Hour)
				if _, err := s.UpdateUser(system(), other.ID, auth.UserPatch{Active: ptr(false)}); err != nil {
					t.Fatal(err)
				}
			}, plain2, "token.invalid"},
		}
		for _, tt := range verifyTests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.setup != nil {
					tt.setup()
				}
				_, _, err := s.VerifyToken(ctx, tt.token)
				if tt.key == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantErr(t, err, apperr.CodeUnauthorized, tt.key)
			})
		}
		// The audit log never holds the secret.
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE CAST(changes AS TEXT) LIKE $1", "%"+plain[11:20]+"%"); n != 0 {
			t.Fatal("token secret in the audit log")
		}
	})
}

func BenchmarkVerifyToken(b *testing.B) {
	for _, dialect := range dbtest.Backends() {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.Open(b, dialect, modules)
			s := auth.NewService(d)
			u, err := s.CreateUser(system(), auth.NewUser{Email: "bench@example.org", Name: "B", Role: auth.RoleAgent})
			if err != nil {
				b.Fatal(err)
			}
			plain, _, err := s.CreateToken(system(), u.ID, "bench", nil)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := s.VerifyToken(ctx, plain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
