// Package notifyapi is the notifications API under /api/v1: the caller's
// own notifications, marking them read, and the delivery preference.
package notifyapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/notify"
)

// Module is the notifications API.
type Module struct{ svc *notify.Service }

// New returns the API over svc.
func New(svc *notify.Service) *Module { return &Module{svc: svc} }

var tags = []string{"Notifications"}

type body[T any] struct{ Body T }

// StaffNotification is one notification, its title in the caller's language.
type StaffNotification struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind" doc:"What happened, e.g. inbox.mention, inbox.breach, inbox.queue.pressure."`
	Title       string     `json:"title"`
	Body        string     `json:"body,omitempty" doc:"User content, e.g. the note that mentioned you."`
	Link        string     `json:"link,omitempty" doc:"Path of the subject in the web UI."`
	SubjectType string     `json:"subject_type,omitempty"`
	SubjectID   int64      `json:"subject_id,omitempty"`
	Read        bool       `json:"read"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

// NotificationPage is one page of notifications, newest first.
type NotificationPage struct {
	Items  []StaffNotification `json:"items"`
	Before int64               `json:"before,omitempty" doc:"Pass as before for the next page; absent on the last page."`
	Unread int                 `json:"unread" doc:"The caller's unread count."`
}

// NotificationPrefs is the caller's delivery preference.
type NotificationPrefs struct {
	Email bool `json:"email" doc:"true: in-app and by e-mail; false: in-app only."`
}

func out(ctx context.Context, n notify.Notification) StaffNotification {
	return StaffNotification{ID: n.ID, Kind: n.Kind, Title: n.Title(i18n.FromContext(ctx)), Body: n.Body, Link: n.Link,
		SubjectType: n.SubjectType, SubjectID: n.SubjectID, Read: n.ReadAt != nil, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
}

// MountAPI registers the operations.
func (m *Module) MountAPI(a *api.API) {
	type listIn struct {
		Unread bool  `query:"unread" doc:"Only unread notifications."`
		Before int64 `query:"before" minimum:"0" doc:"Only notifications older than this id."`
		Limit  int   `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}
	huma.Register(a, huma.Operation{OperationID: "listNotifications", Method: http.MethodGet, Path: "/notifications", Tags: tags,
		Summary: "List my notifications", Description: "Newest first, with the unread count."},
		func(ctx context.Context, in *listIn) (*body[NotificationPage], error) {
			p, err := m.svc.List(ctx, in.Before, in.Limit, in.Unread)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			n, err := m.svc.UnreadCount(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			res := NotificationPage{Items: make([]StaffNotification, 0, len(p.Items)), Before: p.Next, Unread: n}
			for _, x := range p.Items {
				res.Items = append(res.Items, out(ctx, x))
			}
			return &body[NotificationPage]{res}, nil
		})

	type idIn struct {
		ID int64 `path:"id" minimum:"1"`
	}
	huma.Register(a, huma.Operation{OperationID: "markNotificationRead", Method: http.MethodPost, Path: "/notifications/{id}/read", Tags: tags,
		Summary: "Mark a notification read"},
		func(ctx context.Context, in *idIn) (*body[StaffNotification], error) {
			n, err := m.svc.MarkRead(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[StaffNotification]{out(ctx, n)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "markAllNotificationsRead", Method: http.MethodPost, Path: "/notifications/read-all", Tags: tags,
		Summary: "Mark all my notifications read", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			if err := m.svc.MarkAllRead(ctx); err != nil {
				return nil, a.Fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getNotificationPreferences", Method: http.MethodGet, Path: "/notifications/preferences", Tags: tags,
		Summary: "Get my notification delivery preference"},
		func(ctx context.Context, _ *struct{}) (*body[NotificationPrefs], error) {
			p, err := m.svc.Prefs(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[NotificationPrefs]{NotificationPrefs{Email: p.Email}}, nil
		})

	type prefsIn struct{ Body NotificationPrefs }
	huma.Register(a, huma.Operation{OperationID: "setNotificationPreferences", Method: http.MethodPut, Path: "/notifications/preferences", Tags: tags,
		Summary: "Set my notification delivery preference"},
		func(ctx context.Context, in *prefsIn) (*body[NotificationPrefs], error) {
			p, err := m.svc.SetPrefs(ctx, notify.Prefs{Email: in.Body.Email})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[NotificationPrefs]{NotificationPrefs{Email: p.Email}}, nil
		})
}
