package people_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

var modules = []db.Module{auth.Module, people.Module()}

// testNow is the fixed clock of the tests.
var testNow = time.Date(2025, 6, 15, 10, 30, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newService(t testing.TB, d *db.DB) (*people.Service, *clock) {
	c := &clock{t: testNow}
	return people.New(d, people.Config{Now: c.Now, DefaultRegion: "TR"}), c
}

// run runs fn on every backend with a fresh service.
func run(t *testing.T, fn func(t *testing.T, s *people.Service, d *db.DB)) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		fn(t, s, d)
	})
}

// sys is the context of the CLI and jobs: an admin-level actor.
func sys() context.Context {
	return auth.WithActor(context.Background(), auth.SystemActor("test"))
}

// as is the context of a user with role.
func as(id int64, role auth.Role) context.Context {
	return auth.WithActor(context.Background(), auth.Actor{UserID: id, Name: "User", Role: role})
}

func wantErr(t testing.TB, err error, code apperr.Code, key string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
	return e
}

func wantField(t testing.TB, err error, field, key string) {
	t.Helper()
	e := wantErr(t, err, apperr.CodeInvalid, "")
	if got := e.Fields[field].Key; got != key {
		t.Fatalf("field %s = %q, want %q (all: %v)", field, got, key, e.Fields)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Writer.QueryRowContext(context.Background(), d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func create(t testing.TB, s *people.Service, np people.NewPerson) people.Person {
	t.Helper()
	p, err := s.CreatePerson(sys(), np)
	if err != nil {
		t.Fatalf("CreatePerson(%s): %v", np.DisplayName+np.GivenName, err)
	}
	return p
}

func email(v string) people.ContactInput { return people.ContactInput{Kind: people.Email, Value: v} }
func phone(v string) people.ContactInput { return people.ContactInput{Kind: people.Phone, Value: v} }

func date(y int, m time.Month, d int) people.Date { return people.NewDate(y, m, d) }
