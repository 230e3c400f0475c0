package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
)

var modules = []db.Module{auth.Module}

// cheap are argon2 parameters that keep tests fast; production uses the defaults.
var cheap = auth.PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// clock is a settable clock for Service.Now.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newService(d *db.DB) (*auth.Service, *clock) {
	c := &clock{t: time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)}
	s := auth.NewService(d)
	s.Now = c.Now
	s.Password = cheap
	return s, c
}

// system is the context of the CLI: an admin-level actor.
func system() context.Context {
	return auth.WithActor(context.Background(), auth.SystemActor("test"))
}

func as(u auth.User) context.Context {
	return auth.WithActor(context.Background(), auth.ActorFor(u, nil))
}

func mustCreate(t testing.TB, s *auth.Service, nu auth.NewUser) auth.User {
	t.Helper()
	u, err := s.CreateUser(system(), nu)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", nu.Email, err)
	}
	return u
}

// wantErr checks err is an *apperr.Error with code and key ("" key: any).
func wantErr(t testing.TB, err error, code apperr.Code, key string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
	return e
}

func count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	// The reader pool: on SQLite the writer's one connection may be inside a test's transaction.
	if err := d.Reader.QueryRowContext(context.Background(), d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func argOf(e *apperr.Error, name string) any {
	for i := 0; i+1 < len(e.Args); i += 2 {
		if e.Args[i] == name {
			return e.Args[i+1]
		}
	}
	return nil
}
