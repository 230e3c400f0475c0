package auth_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
)

// TestPermissionMatrix pins the whole role × permission table: changing a grant
// means changing this test, on purpose.
func TestPermissionMatrix(t *testing.T) {
	want := map[auth.Role][]auth.Permission{
		auth.RoleAdmin: auth.Permissions(),
		auth.RoleManager: {
			"tokens.manage_own", "audit.view", "teams.manage",
			"people.view", "people.edit", "people.view_confidential", "people.import", "people.export", "people.erase", "people.merge",
			"inbox.view", "inbox.reply", "inbox.assign", "inbox.manage",
			"giving.view", "giving.edit", "giving.import", "giving.export", "giving.manage",
			"volunteers.view", "volunteers.edit", "volunteers.manage",
			"listening.view", "listening.edit", "listening.manage",
			"insights.view",
		},
		auth.RoleAgent: {
			"tokens.manage_own", "people.view", "people.edit",
			"inbox.view", "inbox.reply", "inbox.assign", "listening.view", "listening.edit",
		},
		auth.RoleFundraiser: {
			"tokens.manage_own", "people.view", "people.edit",
			"giving.view", "giving.edit", "giving.import", "insights.view",
		},
		auth.RoleVolunteerCoordinator: {
			"tokens.manage_own", "people.view", "people.edit",
			"volunteers.view", "volunteers.edit", "volunteers.manage", "insights.view",
		},
		auth.RoleViewer: {
			"tokens.manage_own", "people.view", "inbox.view", "giving.view", "volunteers.view", "listening.view", "insights.view",
		},
	}
	if len(want) != len(auth.Roles()) {
		t.Fatalf("matrix covers %d roles, there are %d", len(want), len(auth.Roles()))
	}
	for _, role := range auth.Roles() {
		for _, p := range auth.Permissions() {
			if got, exp := auth.Can(role, p), slices.Contains(want[role], p); got != exp {
				t.Errorf("Can(%s, %s) = %v, want %v", role, p, got, exp)
			}
		}
	}
	// Least privilege, stated as rules so a new row cannot quietly break them.
	for _, p := range auth.Permissions() {
		verb := p[strings.LastIndexByte(string(p), '.')+1:]
		if auth.Can(auth.RoleViewer, p) && verb != "view" && p != auth.PermTokensManageOwn {
			t.Errorf("viewer may %s", p)
		}
		for _, r := range auth.Roles() {
			if r != auth.RoleAdmin && (strings.HasPrefix(string(p), "users.") || strings.HasPrefix(string(p), "org.") || p == auth.PermTokensManageAll) && auth.Can(r, p) {
				t.Errorf("%s may %s", r, p)
			}
		}
	}
	for _, p := range []auth.Permission{auth.PermPeopleExport, auth.PermPeopleErase} {
		if auth.Can(auth.RoleAgent, p) {
			t.Errorf("agent may %s", p)
		}
	}
	if auth.Can(auth.RoleAdmin, "people.veiw") || auth.Can("", auth.PermPeopleView) || auth.Can("owner", auth.PermPeopleView) {
		t.Error("unknown permission or role granted")
	}
	if !auth.ValidRole(auth.RoleVolunteerCoordinator) || auth.ValidRole("owner") || auth.ValidRole("") {
		t.Error("ValidRole")
	}
	if got := auth.PermissionsOf(auth.RoleAgent); !slices.Equal(got, want[auth.RoleAgent]) {
		t.Errorf("PermissionsOf(agent) = %v", got)
	}
}

func TestRequire(t *testing.T) {
	ctx := context.Background()
	viewer := auth.WithActor(ctx, auth.Actor{UserID: 1, Role: auth.RoleViewer})
	tests := []struct {
		name string
		ctx  context.Context
		p    auth.Permission
		code apperr.Code
	}{
		{"no actor", ctx, auth.PermPeopleView, apperr.CodeUnauthorized},
		{"allowed", viewer, auth.PermPeopleView, ""},
		{"forbidden", viewer, auth.PermPeopleEdit, apperr.CodeForbidden},
		{"system", auth.WithActor(ctx, auth.SystemActor("cli")), auth.PermUsersManage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.Require(tt.ctx, tt.p)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tt.code, "")
		})
	}
	a, ok := auth.ActorFrom(auth.WithActor(ctx, auth.SystemActor("")))
	if !ok || a.Label != "system" || !a.IsSystem() {
		t.Fatalf("SystemActor = %+v", a)
	}
}
