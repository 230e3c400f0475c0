package auth

import "slices"

// Role is a staff user's role. Every permission check goes through Can, so what a
// role may do is read from the table below and nowhere else.
type Role string

const (
	RoleAdmin                Role = "admin"
	RoleManager              Role = "manager"
	RoleAgent                Role = "agent"
	RoleFundraiser           Role = "fundraiser"
	RoleVolunteerCoordinator Role = "volunteer_coordinator"
	RoleViewer               Role = "viewer"
)

// Roles lists the roles, most powerful first (the order a role picker shows).
func Roles() []Role {
	return []Role{RoleAdmin, RoleManager, RoleAgent, RoleFundraiser, RoleVolunteerCoordinator, RoleViewer}
}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return slices.Contains(Roles(), r) }

// Permission names one capability a role may have. Handlers and services ask
// Require(ctx, PermX); they never compare roles themselves.
type Permission string

// Foundation permissions.
const (
	PermUsersManage     Permission = "users.manage"      // create, edit, deactivate users; reset passwords
	PermTokensManageOwn Permission = "tokens.manage_own" // create, list, revoke one's own API tokens
	PermTokensManageAll Permission = "tokens.manage_all" // … anyone's API tokens
	PermAuditView       Permission = "audit.view"        // read the audit log
	PermOrgManage       Permission = "org.manage"        // organization settings
	PermTeamsManage     Permission = "teams.manage"      // create and edit teams and their members
)

// Capability permissions, defined now so later capabilities only use them.
const (
	PermPeopleView             Permission = "people.view"
	PermPeopleEdit             Permission = "people.edit"
	PermPeopleViewConfidential Permission = "people.view_confidential" // fields and notes marked confidential
	PermPeopleImport           Permission = "people.import"
	PermPeopleExport           Permission = "people.export"
	PermPeopleErase            Permission = "people.erase" // irreversible erasure (right to be forgotten)
	PermPeopleMerge            Permission = "people.merge"

	PermInboxView   Permission = "inbox.view"
	PermInboxReply  Permission = "inbox.reply"
	PermInboxAssign Permission = "inbox.assign"
	PermInboxManage Permission = "inbox.manage" // channels, routing rules, canned replies

	PermGivingView   Permission = "giving.view"
	PermGivingEdit   Permission = "giving.edit"
	PermGivingImport Permission = "giving.import"
	PermGivingExport Permission = "giving.export"
	PermGivingManage Permission = "giving.manage" // funds, campaigns, receipt settings

	PermVolunteersView   Permission = "volunteers.view"
	PermVolunteersEdit   Permission = "volunteers.edit"
	PermVolunteersManage Permission = "volunteers.manage" // opportunities, shifts, requirements

	PermListeningView   Permission = "listening.view"
	PermListeningEdit   Permission = "listening.edit"   // tag and triage feedback
	PermListeningManage Permission = "listening.manage" // surveys and sources

	PermInsightsView Permission = "insights.view"
)

// grants is THE permission table: one row per permission, listing the roles other
// than admin that hold it (admin holds every permission in the table). A new
// capability adds its constants above and its rows here; TestPermissionMatrix
// pins the result.
//
// The policy is least privilege: viewer only reads; agent works the inbox and
// edits people but cannot bulk-export or erase; fundraiser handles people and
// giving; volunteer_coordinator people and volunteers; manager everything
// operational except users, organization settings and other people's tokens.
var grants = []struct {
	perm  Permission
	roles []Role
}{
	{PermUsersManage, nil},
	{PermTokensManageOwn, []Role{RoleManager, RoleAgent, RoleFundraiser, RoleVolunteerCoordinator, RoleViewer}},
	{PermTokensManageAll, nil},
	{PermAuditView, []Role{RoleManager}},
	{PermOrgManage, nil},
	{PermTeamsManage, []Role{RoleManager}},

	{PermPeopleView, []Role{RoleManager, RoleAgent, RoleFundraiser, RoleVolunteerCoordinator, RoleViewer}},
	{PermPeopleEdit, []Role{RoleManager, RoleAgent, RoleFundraiser, RoleVolunteerCoordinator}},
	{PermPeopleViewConfidential, []Role{RoleManager}},
	{PermPeopleImport, []Role{RoleManager}},
	{PermPeopleExport, []Role{RoleManager}},
	{PermPeopleErase, []Role{RoleManager}},
	{PermPeopleMerge, []Role{RoleManager}},

	{PermInboxView, []Role{RoleManager, RoleAgent, RoleViewer}},
	{PermInboxReply, []Role{RoleManager, RoleAgent}},
	{PermInboxAssign, []Role{RoleManager, RoleAgent}},
	{PermInboxManage, []Role{RoleManager}},

	{PermGivingView, []Role{RoleManager, RoleFundraiser, RoleViewer}},
	{PermGivingEdit, []Role{RoleManager, RoleFundraiser}},
	{PermGivingImport, []Role{RoleManager, RoleFundraiser}},
	{PermGivingExport, []Role{RoleManager}},
	{PermGivingManage, []Role{RoleManager}},

	{PermVolunteersView, []Role{RoleManager, RoleVolunteerCoordinator, RoleViewer}},
	{PermVolunteersEdit, []Role{RoleManager, RoleVolunteerCoordinator}},
	{PermVolunteersManage, []Role{RoleManager, RoleVolunteerCoordinator}},

	{PermListeningView, []Role{RoleManager, RoleAgent, RoleViewer}},
	{PermListeningEdit, []Role{RoleManager, RoleAgent}},
	{PermListeningManage, []Role{RoleManager}},

	{PermInsightsView, []Role{RoleManager, RoleFundraiser, RoleVolunteerCoordinator, RoleViewer}},
}

// grantIndex is grants as a lookup, built once.
var grantIndex = func() map[Permission]map[Role]bool {
	m := make(map[Permission]map[Role]bool, len(grants))
	for _, g := range grants {
		if _, dup := m[g.perm]; dup {
			panic("auth: permission listed twice: " + string(g.perm))
		}
		rs := map[Role]bool{RoleAdmin: true}
		for _, r := range g.roles {
			rs[r] = true
		}
		m[g.perm] = rs
	}
	return m
}()

// Permissions lists every permission in table order.
func Permissions() []Permission {
	out := make([]Permission, len(grants))
	for i, g := range grants {
		out[i] = g.perm
	}
	return out
}

// Can reports whether role holds permission p. An unknown permission (a typo)
// is held by nobody, not even admin, so it fails closed and a test notices.
func Can(role Role, p Permission) bool { return grantIndex[p][role] }

// PermissionsOf lists the permissions role holds, in table order (for the UI to
// show what a role means).
func PermissionsOf(role Role) []Permission {
	var out []Permission
	for _, g := range grants {
		if Can(role, g.perm) {
			out = append(out, g.perm)
		}
	}
	return out
}
