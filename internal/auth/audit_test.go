package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

func TestAuditInTransaction(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		boom := errors.New("boom")
		// A service write inside the caller's transaction: both roll back together.
		err := d.InTx(system(), func(ctx context.Context) error {
			if _, err := s.CreateUser(ctx, auth.NewUser{Email: "gone@example.org", Name: "Gone", Role: auth.RoleViewer}); err != nil {
				return err
			}
			if n := count(t, d, "SELECT count(*) FROM audit_log"); n != 0 {
				t.Errorf("audit entry visible outside the transaction: %d", n)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM users") + count(t, d, "SELECT count(*) FROM audit_log"); n != 0 {
			t.Fatalf("rows left after rollback: %d", n)
		}
		// Audit directly: rolled back with its transaction, kept with a commit.
		for _, fail := range []bool{true, false} {
			err := d.InTx(system(), func(ctx context.Context) error {
				if err := s.Audit(ctx, "person.view", "person", 7, nil); err != nil {
					return err
				}
				if fail {
					return boom
				}
				return nil
			})
			if (err != nil) != fail {
				t.Fatal(err)
			}
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.view'"); n != 1 {
			t.Fatalf("person.view entries = %d, want 1", n)
		}
	})
}

func TestListAudit(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, c := newService(d)
		admin := mustCreate(t, s, auth.NewUser{Email: "a@example.org", Name: "Admin Ada", Role: auth.RoleAdmin})
		viewer := mustCreate(t, s, auth.NewUser{Email: "v@example.org", Name: "Vi", Role: auth.RoleViewer})
		actor := auth.ActorFor(admin, nil)
		actor.IP, actor.RequestID = "203.0.113.9", "req-1"
		ctx := auth.WithActor(context.Background(), actor)
		for i := range 5 {
			c.Advance(time.Second)
			if err := s.Audit(ctx, "person.update", "person", int64(1+i%2), map[string][2]any{"name": {"Old", "Nëw"}}); err != nil {
				t.Fatal(err)
			}
		}
		tokenActor := auth.ActorFor(admin, &auth.Token{ID: 3})
		if err := s.Audit(auth.WithActor(context.Background(), tokenActor), "person.view", "person", 2, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Audit(context.Background(), "orphan", "x", 0, nil); err != nil {
			t.Fatal(err)
		}

		page, err := s.ListAudit(system(), auth.AuditFilter{})
		if err != nil || len(page.Items) != 9 || page.Next != "" { // 2 user.create + 5 + 1 + 1
			t.Fatalf("all = %d items, next %q, %v", len(page.Items), page.Next, err)
		}
		if page.Items[0].Action != "orphan" || page.Items[0].ActorLabel != "unknown" || page.Items[0].ActorUserID != nil {
			t.Fatalf("newest = %+v", page.Items[0])
		}
		if e := page.Items[1]; e.ActorLabel != "api token 3" || *e.ActorUserID != admin.ID || e.Changes != nil {
			t.Fatalf("token entry = %+v", e)
		}
		e := page.Items[2]
		var changes map[string][2]string
		if err := json.Unmarshal(e.Changes, &changes); err != nil || changes["name"] != [2]string{"Old", "Nëw"} {
			t.Fatalf("changes %s: %v", e.Changes, err)
		}
		if e.ActorLabel != "Admin Ada" || e.IP != "203.0.113.9" || e.RequestID != "req-1" || e.EntityID != 1 || !e.At.Equal(c.Now()) {
			t.Fatalf("entry = %+v", e)
		}

		filterTests := []struct {
			name string
			f    auth.AuditFilter
			want int
		}{
			{"entity", auth.AuditFilter{EntityType: "person", EntityID: 2}, 3},
			{"entity type", auth.AuditFilter{EntityType: "person"}, 6},
			{"actor", auth.AuditFilter{ActorID: admin.ID}, 6},
			{"actor and entity", auth.AuditFilter{EntityType: "person", EntityID: 1, ActorID: admin.ID}, 3},
			{"actor and entity type", auth.AuditFilter{EntityType: "user", ActorID: admin.ID}, 0},
			{"nothing", auth.AuditFilter{EntityType: "team"}, 0},
		}
		for _, tt := range filterTests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := s.ListAudit(system(), tt.f)
				if err != nil || len(p.Items) != tt.want {
					t.Fatalf("got %d, %v; want %d", len(p.Items), err, tt.want)
				}
			})
		}

		// Pagination newest first, no overlaps.
		var ids []int64
		f := auth.AuditFilter{EntityType: "person", Limit: 4}
		for {
			p, err := s.ListAudit(system(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Items {
				ids = append(ids, e.ID)
			}
			if p.Next == "" {
				break
			}
			f.Before = p.Next
		}
		if len(ids) != 6 {
			t.Fatalf("paged ids %v", ids)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] >= ids[i-1] {
				t.Fatalf("not newest first: %v", ids)
			}
		}
		if _, err := s.ListAudit(system(), auth.AuditFilter{EntityID: 1}); !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("entity id without type: %v", err)
		}
		if _, err := s.ListAudit(as(viewer), auth.AuditFilter{}); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("viewer reads audit: %v", err)
		}
	})
}

type inner struct {
	Street string `json:"street"`
}

type record struct {
	inner
	ID      int64  `json:"id" audit:"-"`
	Name    string `json:"name"`
	Secret  string `json:"secret" audit:"-"`
	Hidden  string `json:"-"`
	NoTag   int
	When    time.Time  `json:"when"`
	Maybe   *string    `json:"maybe,omitempty"`
	Tags    []string   `json:"tags"`
	Updated *time.Time `json:"updated"`
	private string
}

func TestDiff(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	sameInstantOtherZone := t0.In(time.FixedZone("TRT", 3*3600))
	s := "x"
	base := record{ID: 1, Name: "a", Secret: "s1", When: t0, Tags: []string{"t"}, Updated: &t0, inner: inner{"Main"}}
	tests := []struct {
		name          string
		before, after any
		want          map[string][2]any
	}{
		{"equal", base, base, map[string][2]any{}},
		{"pointers to equal values", &base, &record{ID: 9, Name: "a", Secret: "other", When: sameInstantOtherZone,
			Tags: []string{"t"}, Updated: &sameInstantOtherZone, Hidden: "h", private: "p", inner: inner{"Main"}}, map[string][2]any{}},
		{"changes", base, record{ID: 1, Name: "b", When: t0.Add(time.Hour), Maybe: &s, Tags: []string{"t", "u"}, NoTag: 3, inner: inner{"Side"}},
			map[string][2]any{
				"name":    {"a", "b"},
				"when":    {t0, t0.Add(time.Hour)},
				"maybe":   {nil, "x"},
				"tags":    {[]string{"t"}, []string{"t", "u"}},
				"NoTag":   {0, 3},
				"updated": {t0, nil},
				"street":  {"Main", "Side"},
			}},
		{"creation", nil, record{Name: "n"}, map[string][2]any{"name": {"", "n"}}},
		{"deletion", &record{Name: "n"}, nil, map[string][2]any{"name": {"n", ""}}},
		{"non-struct", 1, 2, map[string][2]any{"value": {1, 2}}},
		{"both nil", nil, nil, map[string][2]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := auth.Diff(tt.before, tt.after)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Diff = %#v\nwant %#v", got, tt.want)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Diff of different types did not panic")
		}
	}()
	auth.Diff(record{}, inner{})
}
