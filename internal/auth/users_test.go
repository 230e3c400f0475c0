package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

func TestCreateUser(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		first := mustCreate(t, s, auth.NewUser{Email: " Ayşe@Örnek.org ", Name: " Ayşe Yılmaz ", Role: auth.RoleAdmin, Locale: "tr", Password: "uzun bir parola"})
		if first.ID == 0 || first.Email != "Ayşe@Örnek.org" || first.Name != "Ayşe Yılmaz" || !first.Active || first.Locale != "tr" {
			t.Fatalf("created %+v", first)
		}
		mustCreate(t, s, auth.NewUser{Email: "İLKER@example.org", Name: "İlker", Role: auth.RoleAgent})
		viewer := mustCreate(t, s, auth.NewUser{Email: "viewer@example.org", Name: "V", Role: auth.RoleViewer})

		long := strings.Repeat("x", 201)
		tests := []struct {
			name   string
			ctx    context.Context
			in     auth.NewUser
			code   apperr.Code
			key    string
			fields map[string]string
		}{
			{name: "ok without password or locale", in: auth.NewUser{Email: "new@example.org", Name: "New", Role: auth.RoleFundraiser}},
			{name: "dotless ı is another address", in: auth.NewUser{Email: "ılker@example.org", Name: "Ilker", Role: auth.RoleAgent}},
			{name: "duplicate, other case", in: auth.NewUser{Email: "ayşe@örnek.org", Name: "A", Role: auth.RoleAgent},
				code: apperr.CodeConflict, key: "user.email_taken"},
			{name: "duplicate, upper case", in: auth.NewUser{Email: "AYŞE@ÖRNEK.ORG", Name: "A", Role: auth.RoleAgent},
				code: apperr.CodeConflict, key: "user.email_taken"},
			{name: "duplicate, Turkish dotted capital", in: auth.NewUser{Email: "ilker@EXAMPLE.org", Name: "A", Role: auth.RoleAgent},
				code: apperr.CodeConflict, key: "user.email_taken"},
			{name: "all missing", in: auth.NewUser{}, code: apperr.CodeInvalid,
				fields: map[string]string{"email": "validation.required", "name": "validation.required", "role": "validation.required"}},
			{name: "bad values", in: auth.NewUser{Email: "not an email", Name: long, Role: "owner", Locale: "de", Password: "short"},
				code: apperr.CodeInvalid, fields: map[string]string{"email": "validation.email", "name": "validation.too_long",
					"role": "validation.one_of", "locale": "validation.one_of", "password": "validation.password_short"}},
			{name: "password not UTF-8", in: auth.NewUser{Email: "u8@example.org", Name: "U", Role: auth.RoleAgent, Password: "abcdefghijk\xfe"},
				code: apperr.CodeInvalid, fields: map[string]string{"password": "validation.password_invalid"}},
			{name: "viewer may not", ctx: as(viewer), in: auth.NewUser{Email: "x@example.org", Name: "X", Role: auth.RoleAdmin},
				code: apperr.CodeForbidden},
			{name: "no actor", ctx: context.Background(), in: auth.NewUser{Email: "x@example.org", Name: "X", Role: auth.RoleAdmin},
				code: apperr.CodeUnauthorized},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := tt.ctx
				if ctx == nil {
					ctx = system()
				}
				u, err := s.CreateUser(ctx, tt.in)
				if tt.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					got, err := s.GetUserByEmail(ctx, tt.in.Email)
					if err != nil || got.ID != u.ID {
						t.Fatalf("GetUserByEmail = %+v, %v", got, err)
					}
					return
				}
				e := wantErr(t, err, tt.code, tt.key)
				for f, key := range tt.fields {
					if e.Fields[f].Key != key {
						t.Errorf("field %s = %q, want %q", f, e.Fields[f].Key, key)
					}
				}
				if len(tt.fields) > 0 && len(e.Fields) != len(tt.fields) {
					t.Errorf("fields = %v, want %v", e.Fields, tt.fields)
				}
			})
		}
		e := wantErr(t, func() error { _, err := s.CreateUser(system(), auth.NewUser{Role: "x"}); return err }(), apperr.CodeInvalid, "")
		if e.Fields["role"].Args[1] != "admin, manager, agent, fundraiser, volunteer_coordinator, viewer" {
			t.Errorf("one_of options = %v", e.Fields["role"].Args)
		}

		got, err := s.GetUser(context.Background(), first.ID)
		if err != nil || got.Email != first.Email || !got.CreatedAt.Equal(first.CreatedAt) || !got.HasPassword() {
			t.Fatalf("GetUser = %+v, %v", got, err)
		}
		if _, err := s.GetUser(context.Background(), 999); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'user.create'"); n != 5 {
			t.Fatalf("user.create audit entries = %d, want 5", n)
		}
		// The audit entry says a password was set, never what it was.
		var changes string
		if err := d.Writer.QueryRow(d.Rebind("SELECT changes FROM audit_log WHERE entity_id = $1 AND action = 'user.create'"), first.ID).Scan(&changes); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(changes, `"password"`) || strings.Contains(changes, "argon2") || strings.Contains(changes, "parola") ||
			!strings.Contains(changes, "Ayşe Yılmaz") || strings.Contains(changes, "created_at") {
			t.Fatalf("create changes = %s", changes)
		}
	})
}

func TestListUsers(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		var ids []int64
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			ids = append(ids, mustCreate(t, s, auth.NewUser{Email: name + "@example.org", Name: name, Role: auth.RoleViewer}).ID)
		}
		var got []int64
		cursor := ""
		for pages := 0; ; pages++ {
			p, err := s.ListUsers(system(), cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range p.Items {
				got = append(got, u.ID)
			}
			if p.Next == "" {
				if pages != 2 {
					t.Fatalf("pages = %d", pages+1)
				}
				break
			}
			cursor = p.Next
		}
		if len(got) != len(ids) || got[0] != ids[0] || got[4] != ids[4] {
			t.Fatalf("listed %v, want %v", got, ids)
		}
		if _, err := s.ListUsers(context.Background(), "", 0); !apperr.Is(err, apperr.CodeUnauthorized) {
			t.Fatalf("without actor: %v", err)
		}
		if _, err := s.ListUsers(system(), "bogus", 0); !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestUpdateUser(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, c := newService(d)
		admin := mustCreate(t, s, auth.NewUser{Email: "admin@example.org", Name: "Admin", Role: auth.RoleAdmin})
		agent := mustCreate(t, s, auth.NewUser{Email: "agent@example.org", Name: "Agent", Role: auth.RoleAgent, Locale: "fi"})
		c.Advance(1000)

		u, err := s.UpdateUser(as(admin), agent.ID, auth.UserPatch{Name: ptr("Agent Smith"), Role: ptr(auth.RoleManager), Locale: ptr("")})
		if err != nil || u.Name != "Agent Smith" || u.Role != auth.RoleManager || u.Locale != "" || !u.UpdatedAt.After(agent.UpdatedAt) {
			t.Fatalf("UpdateUser = %+v, %v", u, err)
		}
		got, _ := s.GetUser(context.Background(), agent.ID)
		if got.Name != "Agent Smith" || got.Role != auth.RoleManager || got.Locale != "" {
			t.Fatalf("stored %+v", got)
		}
		page, err := s.ListAudit(system(), auth.AuditFilter{EntityType: "user", EntityID: agent.ID})
		if err != nil || len(page.Items) != 2 || page.Items[0].Action != "user.update" {
			t.Fatalf("audit = %+v, %v", page, err)
		}
		e := page.Items[0]
		if e.ActorUserID == nil || *e.ActorUserID != admin.ID || e.ActorLabel != "Admin" ||
			string(e.Changes) == "" || !strings.Contains(string(e.Changes), `"role"`) || strings.Contains(string(e.Changes), "updated_at") {
			t.Fatalf("audit entry %+v changes %s", e, e.Changes)
		}

		// A patch that changes nothing writes nothing.
		if _, err := s.UpdateUser(as(admin), agent.ID, auth.UserPatch{Name: ptr("Agent Smith")}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'user.update'"); n != 1 {
			t.Fatalf("no-op update audited: %d entries", n)
		}

		tests := []struct {
			name  string
			ctx   context.Context
			id    int64
			patch auth.UserPatch
			code  apperr.Code
			key   string
		}{
			{"email taken", as(admin), agent.ID, auth.UserPatch{Email: ptr("ADMIN@example.org")}, apperr.CodeConflict, "user.email_taken"},
			{"own email, other case", as(admin), agent.ID, auth.UserPatch{Email: ptr("Agent@Example.org")}, "", ""},
			{"bad email", as(admin), agent.ID, auth.UserPatch{Email: ptr("nope")}, apperr.CodeInvalid, ""},
			{"empty name", as(admin), agent.ID, auth.UserPatch{Name: ptr("  ")}, apperr.CodeInvalid, ""},
			{"bad role", as(admin), agent.ID, auth.UserPatch{Role: ptr(auth.Role("root"))}, apperr.CodeInvalid, ""},
			{"last admin demoted", as(admin), admin.ID, auth.UserPatch{Role: ptr(auth.RoleManager)}, apperr.CodeConflict, "user.last_admin"},
			{"last admin deactivated", as(admin), admin.ID, auth.UserPatch{Active: ptr(false)}, apperr.CodeConflict, "user.last_admin"},
			{"missing user", as(admin), 999, auth.UserPatch{Name: ptr("x")}, apperr.CodeNotFound, "user.not_found"},
			{"manager may not", as(got), admin.ID, auth.UserPatch{Name: ptr("x")}, apperr.CodeForbidden, ""},
			{"promote", as(admin), agent.ID, auth.UserPatch{Role: ptr(auth.RoleAdmin)}, "", ""},
			{"now an admin may step down", as(admin), admin.ID, auth.UserPatch{Active: ptr(false)}, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.UpdateUser(tt.ctx, tt.id, tt.patch)
				if tt.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantErr(t, err, tt.code, tt.key)
			})
		}
		got, _ = s.GetUser(context.Background(), agent.ID)
		if got.Email != "Agent@Example.org" {
			t.Fatalf("email = %q", got.Email)
		}
	})
}

func TestPasswords(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := mustCreate(t, s, auth.NewUser{Email: "p@example.org", Name: "P", Role: auth.RoleAgent})
		if _, err := s.Authenticate(context.Background(), "p@example.org", "", ""); !apperr.Is(err, apperr.CodeUnauthorized) {
			t.Fatalf("no password yet: %v", err)
		}
		if err := s.SetPassword(as(u), u.ID, "first password"); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("agent resets password: %v", err)
		}
		wantErr(t, s.SetPassword(system(), u.ID, "short"), apperr.CodeInvalid, "")
		wantErr(t, s.SetPassword(system(), 999, "long enough pw"), apperr.CodeNotFound, "user.not_found")
		if err := s.SetPassword(system(), u.ID, "first password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(context.Background(), "p@example.org", "first password", ""); err != nil {
			t.Fatal(err)
		}

		e := wantErr(t, s.ChangePassword(as(u), "wrong password", "second password"), apperr.CodeInvalid, "")
		if e.Fields["current_password"].Key != "validation.password_wrong" {
			t.Fatalf("fields %v", e.Fields)
		}
		wantErr(t, s.ChangePassword(as(u), "first password", "2short"), apperr.CodeInvalid, "")
		wantErr(t, s.ChangePassword(system(), "first password", "second password"), apperr.CodeForbidden, "")
		if err := s.ChangePassword(as(u), "first password", "second password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(context.Background(), "p@example.org", "first password", ""); err == nil {
			t.Fatal("old password still works")
		}
		if _, err := s.Authenticate(context.Background(), "P@EXAMPLE.ORG", "second password", ""); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{"user.password_set", "user.password_change"} {
			if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = $1 AND changes IS NULL", action); n != 1 {
				t.Fatalf("%s audit entries without changes = %d", action, n)
			}
		}
	})
}
