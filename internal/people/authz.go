package people

import (
	"context"

	"github.com/hearken-org/hearken/internal/auth"
)

// Permissions this package checks (auth's table says who holds them).
// Defining tags' and custom fields' shape is an organization setting.
const (
	permView             = auth.PermPeopleView
	permEdit             = auth.PermPeopleEdit
	permViewConfidential = auth.PermPeopleViewConfidential
	permMerge            = auth.PermPeopleMerge
	permImport           = auth.PermPeopleImport
	permExport           = auth.PermPeopleExport
	permErase            = auth.PermPeopleErase
	permAdmin            = auth.PermOrgManage
)

func requirePerm(ctx context.Context, p auth.Permission) error { return auth.Require(ctx, p) }

// actorID is the acting user's id, 0 for the system.
func actorID(ctx context.Context) int64 {
	a, _ := auth.ActorFrom(ctx)
	return a.UserID
}

// audit writes an audit entry in the caller's transaction.
func (s *Service) audit(ctx context.Context, action, entityType string, entityID int64, changes any) error {
	return s.cfg.Auditor.Audit(ctx, action, entityType, entityID, changes)
}
