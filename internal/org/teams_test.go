package org_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/org"
)

func TestCreateTeam(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		tests := []struct {
			name     string
			ctx      context.Context
			in       org.NewTeam
			slug     string
			code     apperr.Code
			key      string
			field    string
			fieldKey string
		}{
			{name: "derived slug", in: org.NewTeam{Name: "Front Desk — Helsinki!", TimeZone: "Europe/Helsinki", ManagerUserID: &f.manager.ID}, slug: "front-desk-helsinki"},
			{name: "taken derived slug gets a suffix", in: org.NewTeam{Name: "front desk helsinki"}, slug: "front-desk-helsinki-2"},
			{name: "and another", in: org.NewTeam{Name: "Front-Desk Helsinki"}, slug: "front-desk-helsinki-3"},
			{name: "Turkish", in: org.NewTeam{Name: "Bağış İlişkileri"}, slug: "bağış-ilişkileri"},
			{name: "Japanese", in: org.NewTeam{Name: "東京 チーム"}, slug: "東京-チーム"},
			{name: "Persian", in: org.NewTeam{Name: "تیم داوطلبان"}, slug: "تیم-داوطلبان"},
			{name: "symbols only", in: org.NewTeam{Name: "★★★"}, slug: "team"},
			{name: "explicit slug normalised", in: org.NewTeam{Name: "Donors", Slug: " Major Donors "}, slug: "major-donors"},
			{name: "explicit slug taken", in: org.NewTeam{Name: "Other", Slug: "major-donors"}, code: apperr.CodeConflict, key: "team.slug_taken"},
			{name: "explicit slug empty after normalising", in: org.NewTeam{Name: "X", Slug: "!!!"}, code: apperr.CodeInvalid, field: "slug", fieldKey: "validation.slug"},
			{name: "no name", in: org.NewTeam{Name: "  "}, code: apperr.CodeInvalid, field: "name", fieldKey: "validation.required"},
			{name: "bad zone", in: org.NewTeam{Name: "Z", TimeZone: "Nowhere/Town"}, code: apperr.CodeInvalid, field: "time_zone", fieldKey: "validation.time_zone"},
			{name: "long description", in: org.NewTeam{Name: "Z", Description: strings.Repeat("ä", 2001)}, code: apperr.CodeInvalid, field: "description", fieldKey: "validation.too_long"},
			{name: "missing manager", in: org.NewTeam{Name: "Z", ManagerUserID: ptr(int64(999))}, code: apperr.CodeInvalid, field: "manager_user_id", fieldKey: "validation.not_found"},
			{name: "agent may not", ctx: as(f.agent), in: org.NewTeam{Name: "Z"}, code: apperr.CodeForbidden},
			{name: "manager may", ctx: as(f.manager), in: org.NewTeam{Name: "Managers' own"}, slug: "managers-own"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := tt.ctx
				if ctx == nil {
					ctx = as(f.admin)
				}
				team, err := f.org.CreateTeam(ctx, tt.in)
				if tt.code != "" {
					e := wantCode(t, err, tt.code, tt.key)
					if tt.field != "" && e.Fields[tt.field].Key != tt.fieldKey {
						t.Fatalf("fields %v", e.Fields)
					}
					return
				}
				if err != nil || team.Slug != tt.slug || team.ID == 0 {
					t.Fatalf("CreateTeam = %+v, %v; want slug %q", team, err, tt.slug)
				}
				got, err := f.org.GetTeam(context.Background(), team.ID)
				if err != nil || got.Slug != tt.slug || got.Name != team.Name || !got.CreatedAt.Equal(team.CreatedAt) ||
					(tt.in.ManagerUserID != nil) != (got.ManagerUserID != nil) {
					t.Fatalf("GetTeam = %+v, %v", got, err)
				}
			})
		}
		if n := auditCount(t, d, "team.create"); n != 9 {
			t.Fatalf("team.create entries = %d, want 9", n)
		}
		if _, err := f.org.GetTeam(context.Background(), 999); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("missing team: %v", err)
		}
		// A team creation rolled back with its transaction leaves no team and no audit entry.
		boom := errors.New("boom")
		err := d.InTx(as(f.admin), func(ctx context.Context) error {
			if _, err := f.org.CreateTeam(ctx, org.NewTeam{Name: "Ephemeral"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		teams, _ := f.org.ListTeams(context.Background())
		if len(teams) != 9 || auditCount(t, d, "team.create") != 9 {
			t.Fatalf("after rollback: %d teams", len(teams))
		}
	})
}

func TestTeamMembers(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		desk, err := f.org.CreateTeam(as(f.manager), org.NewTeam{Name: "desk"})
		if err != nil {
			t.Fatal(err)
		}
		donors, err := f.org.CreateTeam(as(f.manager), org.NewTeam{Name: "Aid donors"})
		if err != nil {
			t.Fatal(err)
		}

		for _, uid := range []int64{f.agent.ID, f.admin.ID, f.manager.ID, f.agent.ID} { // the repeat is a no-op
			if err := f.org.AddMember(as(f.manager), desk.ID, uid); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.org.AddMember(as(f.manager), donors.ID, f.agent.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.org.AddMember(as(f.agent), desk.ID, f.agent.ID), apperr.CodeForbidden, "")
		wantCode(t, f.org.AddMember(as(f.manager), 999, f.agent.ID), apperr.CodeNotFound, "team.not_found")
		wantCode(t, f.org.AddMember(as(f.manager), desk.ID, 999), apperr.CodeNotFound, "user.not_found")
		if n := auditCount(t, d, "team.member_add"); n != 4 {
			t.Fatalf("member_add entries = %d, want 4", n)
		}

		members, err := f.org.Members(ctx, desk.ID)
		if err != nil || len(members) != 3 {
			t.Fatalf("Members = %+v, %v", members, err)
		}
		var names []string
		for _, m := range members {
			names = append(names, m.Name)
		}
		if strings.Join(names, ",") != "Aino Manager,Zeynep Admin,Émile Agent" {
			t.Fatalf("member order %v", names)
		}
		if m := members[2]; m.UserID != f.agent.ID || m.Email != "agent@example.org" || m.Role != auth.RoleAgent || !m.Active || m.AddedAt.IsZero() {
			t.Fatalf("member %+v", m)
		}
		if _, err := f.org.Members(ctx, 999); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("members of missing team: %v", err)
		}

		teams, err := f.org.TeamsOf(ctx, f.agent.ID)
		if err != nil || len(teams) != 2 || teams[0].ID != donors.ID || teams[1].ID != desk.ID || teams[1].MemberCount != 3 {
			t.Fatalf("TeamsOf = %+v, %v", teams, err)
		}
		if all, _ := f.org.ListTeams(ctx); len(all) != 2 || all[0].Name != "Aid donors" {
			t.Fatalf("ListTeams = %+v", all)
		}

		if err := f.org.RemoveMember(as(f.manager), desk.ID, f.agent.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.org.RemoveMember(as(f.manager), desk.ID, f.agent.ID); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "team.member_remove"); n != 1 {
			t.Fatalf("member_remove entries = %d", n)
		}
		if teams, _ := f.org.TeamsOf(ctx, f.agent.ID); len(teams) != 1 || teams[0].ID != donors.ID {
			t.Fatalf("after removal: %+v", teams)
		}
		if teams, _ := f.org.TeamsOf(ctx, 999); teams == nil || len(teams) != 0 {
			t.Fatalf("TeamsOf(unknown) = %#v", teams)
		}
	})
}

func TestUpdateTeam(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		a, _ := f.org.CreateTeam(as(f.admin), org.NewTeam{Name: "Alpha"})
		b, _ := f.org.CreateTeam(as(f.admin), org.NewTeam{Name: "Beta", ManagerUserID: &f.manager.ID})

		tests := []struct {
			name  string
			ctx   context.Context
			id    int64
			patch org.TeamPatch
			code  apperr.Code
			key   string
			check func(org.Team) bool
		}{
			{name: "rename and describe", id: a.ID, patch: org.TeamPatch{Name: ptr("Alpha Desk"), Description: ptr(" Calls "), TimeZone: ptr("Asia/Tokyo")},
				check: func(t org.Team) bool {
					return t.Name == "Alpha Desk" && t.Slug == "alpha" && t.Description == "Calls" && t.TimeZone == "Asia/Tokyo"
				}},
			{name: "new slug", id: a.ID, patch: org.TeamPatch{Slug: ptr("Alpha Desk")}, check: func(t org.Team) bool { return t.Slug == "alpha-desk" }},
			{name: "slug taken", id: a.ID, patch: org.TeamPatch{Slug: ptr("beta")}, code: apperr.CodeConflict, key: "team.slug_taken"},
			{name: "set manager", id: a.ID, patch: org.TeamPatch{ManagerUserID: &f.agent.ID},
				check: func(t org.Team) bool { return t.ManagerUserID != nil && *t.ManagerUserID == f.agent.ID }},
			{name: "clear manager", id: b.ID, patch: org.TeamPatch{ManagerUserID: ptr(int64(0))},
				check: func(t org.Team) bool { return t.ManagerUserID == nil }},
			{name: "missing manager", id: a.ID, patch: org.TeamPatch{ManagerUserID: ptr(int64(999))}, code: apperr.CodeInvalid},
			{name: "zone back to the organization's", id: a.ID, patch: org.TeamPatch{TimeZone: ptr("")}, check: func(t org.Team) bool { return t.TimeZone == "" }},
			{name: "missing team", id: 999, patch: org.TeamPatch{Name: ptr("x")}, code: apperr.CodeNotFound, key: "team.not_found"},
			{name: "agent may not", ctx: as(f.agent), id: a.ID, patch: org.TeamPatch{Name: ptr("x")}, code: apperr.CodeForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := tt.ctx
				if ctx == nil {
					ctx = as(f.manager)
				}
				got, err := f.org.UpdateTeam(ctx, tt.id, tt.patch)
				if tt.code != "" {
					wantCode(t, err, tt.code, tt.key)
					return
				}
				if err != nil || !tt.check(got) {
					t.Fatalf("UpdateTeam = %+v, %v", got, err)
				}
				if stored, err := f.org.GetTeam(context.Background(), tt.id); err != nil || !tt.check(stored) {
					t.Fatalf("stored = %+v, %v", stored, err)
				}
			})
		}
		if n := auditCount(t, d, "team.update"); n != 5 {
			t.Fatalf("team.update entries = %d, want 5", n)
		}
		page, err := f.users.ListAudit(system(), auth.AuditFilter{EntityType: "team", EntityID: b.ID})
		if err != nil || len(page.Items) != 2 || string(page.Items[0].Changes) == "" ||
			!strings.Contains(string(page.Items[0].Changes), "manager_user_id") || *page.Items[0].ActorUserID != f.manager.ID {
			t.Fatalf("team audit = %+v, %v", page.Items, err)
		}
	})
}
