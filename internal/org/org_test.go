package org_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/org"
)

// auth first: teams reference users.
var modules = []db.Module{auth.Module, org.Module}

type fixture struct {
	d       *db.DB
	users   *auth.Service
	org     *org.Service
	admin   auth.User
	manager auth.User
	agent   auth.User
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	f := fixture{d: d, users: auth.NewService(d)}
	f.users.Password = auth.PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	f.org = org.NewService(d, f.users)
	for _, u := range []struct {
		dst         *auth.User
		email, name string
		role        auth.Role
	}{
		{&f.admin, "admin@example.org", "Zeynep Admin", auth.RoleAdmin},
		{&f.manager, "manager@example.org", "Aino Manager", auth.RoleManager},
		{&f.agent, "agent@example.org", "Émile Agent", auth.RoleAgent},
	} {
		var err error
		if *u.dst, err = f.users.CreateUser(system(), auth.NewUser{Email: u.email, Name: u.name, Role: u.role}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func system() context.Context {
	return auth.WithActor(context.Background(), auth.SystemActor("test"))
}

func as(u auth.User) context.Context {
	return auth.WithActor(context.Background(), auth.ActorFor(u, nil))
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code apperr.Code, key string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
	return e
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Reader.QueryRow(d.Rebind("SELECT count(*) FROM audit_log WHERE action = $1"), action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSettings(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		st, err := f.org.Get(ctx)
		if err != nil || st.DefaultLocale != "en" || st.TimeZone != "UTC" || st.Currency != "EUR" || st.Name != "" ||
			// The seed row is written by the migration, so on PostgreSQL it dates from
			// when the shared test template was built: only require it not to be in
			// the future.
			st.CreatedAt.IsZero() || st.CreatedAt.After(time.Now()) || st.Location() != time.UTC {
			t.Fatalf("seeded settings = %+v, %v", st, err)
		}

		tests := []struct {
			name   string
			ctx    context.Context
			patch  org.SettingsPatch
			code   apperr.Code
			fields map[string]string
			check  func(org.Settings) bool
		}{
			{name: "set up", ctx: as(f.admin), patch: org.SettingsPatch{
				Name: ptr("  Yardım Derneği "), DefaultLocale: ptr("tr"), TimeZone: ptr("Europe/Istanbul"),
				Currency: ptr("try"), ReplyToDomain: ptr("Örnek.ORG"),
			}, check: func(s org.Settings) bool {
				return s.Name == "Yardım Derneği" && s.DefaultLocale == "tr" && s.TimeZone == "Europe/Istanbul" &&
					s.Currency == "TRY" && s.ReplyToDomain == "örnek.org" && s.Location().String() == "Europe/Istanbul"
			}},
			{name: "punycode domain is shown in Unicode", ctx: as(f.admin), patch: org.SettingsPatch{ReplyToDomain: ptr("xn--rnek-4qa.org")},
				check: func(s org.Settings) bool { return s.ReplyToDomain == "örnek.org" }},
			{name: "clear domain", ctx: as(f.admin), patch: org.SettingsPatch{ReplyToDomain: ptr("")},
				check: func(s org.Settings) bool { return s.ReplyToDomain == "" && s.Currency == "TRY" }},
			{name: "invalid", ctx: as(f.admin), patch: org.SettingsPatch{
				Name: ptr(" "), DefaultLocale: ptr("de"), TimeZone: ptr("Mars/Olympus"), Currency: ptr("EURO"), ReplyToDomain: ptr("user@example.org"),
			}, code: apperr.CodeInvalid, fields: map[string]string{"name": "validation.required", "default_locale": "validation.one_of",
				"time_zone": "validation.time_zone", "currency": "validation.currency", "reply_to_domain": "validation.domain"}},
			{name: "unknown currency and Local zone", ctx: as(f.admin), patch: org.SettingsPatch{Currency: ptr("ZZZ"), TimeZone: ptr("Local")},
				code: apperr.CodeInvalid, fields: map[string]string{"currency": "validation.currency", "time_zone": "validation.time_zone"}},
			{name: "bad domains", ctx: as(f.admin), patch: org.SettingsPatch{ReplyToDomain: ptr("-bad-.org")},
				code: apperr.CodeInvalid, fields: map[string]string{"reply_to_domain": "validation.domain"}},
			{name: "dotless domain", ctx: as(f.admin), patch: org.SettingsPatch{ReplyToDomain: ptr("localhost")},
				code: apperr.CodeInvalid, fields: map[string]string{"reply_to_domain": "validation.domain"}},
			{name: "manager may not", ctx: as(f.manager), patch: org.SettingsPatch{Name: ptr("x")}, code: apperr.CodeForbidden},
			{name: "no actor", ctx: context.Background(), patch: org.SettingsPatch{Name: ptr("x")}, code: apperr.CodeUnauthorized},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.org.Update(tt.ctx, tt.patch)
				if tt.code != "" {
					e := wantCode(t, err, tt.code, "")
					for field, key := range tt.fields {
						if e.Fields[field].Key != key {
							t.Errorf("field %s = %q, want %q", field, e.Fields[field].Key, key)
						}
					}
					return
				}
				if err != nil || !tt.check(got) {
					t.Fatalf("Update = %+v, %v", got, err)
				}
				stored, err := f.org.Get(ctx)
				if err != nil || !tt.check(stored) {
					t.Fatalf("stored = %+v, %v", stored, err)
				}
			})
		}
		// The punycode spelling of the stored domain changed nothing, so it was not audited.
		if n := auditCount(t, d, "org.update"); n != 2 {
			t.Fatalf("org.update entries = %d, want 2", n)
		}
		if _, err := f.org.Update(as(f.admin), org.SettingsPatch{Currency: ptr("try")}); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "org.update"); n != 2 {
			t.Fatalf("no-op update audited")
		}
		page, err := f.users.ListAudit(system(), auth.AuditFilter{EntityType: "organization", EntityID: 1, Limit: 1})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("latest org audit = %+v, %v", page.Items, err)
		}
		var changes map[string][2]string // jsonb re-spaces the text, so compare decoded
		if err := json.Unmarshal(page.Items[0].Changes, &changes); err != nil || len(changes) != 1 ||
			changes["reply_to_domain"] != [2]string{"örnek.org", ""} {
			t.Fatalf("latest org changes = %s, %v", page.Items[0].Changes, err)
		}
	})
}
