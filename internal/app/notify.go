package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/inbox/inboxapi"
	"github.com/hearken-org/hearken/internal/inbox/inboxui"
	"github.com/hearken-org/hearken/internal/notify"
	"github.com/hearken-org/hearken/internal/notify/notifyapi"
	"github.com/hearken-org/hearken/internal/notify/notifyui"
	"github.com/hearken-org/hearken/internal/people"
)

// buildNotify builds staff notifications (in-app, and e-mail through the
// relay when one is configured) with their UI and API. It runs before the
// inbox, which notifies through it.
func (a *App) buildNotify() error {
	cfg := notify.Config{Jobs: a.Jobs, Bundle: a.Bundle, BaseURL: a.Cfg.BaseURL, OrgLocale: a.orgLocale, Log: a.Log, Auditor: a.Auth,
		From: "Hearken <notifications@" + hostOf(a.Cfg.BaseURL) + ">"}
	if a.Cfg.SMTPRelay != "" {
		sender, err := email.NewSender(a.Cfg.SMTPRelay, email.WithSenderLogger(a.Log))
		if err != nil {
			return fmt.Errorf("--smtp-relay: %w", err)
		}
		cfg.Mailer = sender // only when configured: a nil *Sender in the interface is not nil
	}
	var err error
	if a.Notify, err = notify.New(a.DB, cfg); err != nil {
		return err
	}
	if err := a.Bundle.AddCatalog(notify.Locales, "locales"); err != nil {
		return err
	}
	a.webModules = append(a.webModules, notifyui.New(a.Notify))
	a.apiModules = append(a.apiModules, notifyapi.New(a.Notify))
	return nil
}

// mountRouting adds the inbox's routing, queue and availability UI and API.
func (a *App) mountRouting() {
	a.webModules = append(a.webModules, inboxui.NewRouting(a.Inbox))
	a.apiModules = append(a.apiModules, inboxapi.NewRouting(a.Inbox))
}

// resolveMention maps a people-note "@handle" to a staff user, as inbox
// notes do.
func (a *App) resolveMention(ctx context.Context, handle string) (int64, bool, error) {
	id, err := a.Inbox.ResolveHandle(ctx, handle)
	return id, id != 0, err
}

// personEvent notifies the staff mentioned in a note on a person's timeline,
// in the note's transaction.
func (a *App) personEvent(ctx context.Context, e people.Event) error {
	if len(e.Mentions) == 0 || e.Kind != people.EventNote {
		return nil
	}
	actor, _ := auth.ActorFrom(ctx)
	body := e.Body
	if e.Confidential {
		body = "" // a mentioned colleague may not be allowed to read it
	}
	_, err := a.Notify.Send(ctx, e.Mentions, notify.Message{Kind: "people.mention", TitleKey: "notify.title.person_mention",
		Args: map[string]any{"Actor": actor.Name}, Body: body, Link: "/people/" + strconv.FormatInt(e.PersonID, 10),
		SubjectType: "person", SubjectID: e.PersonID, ActorUserID: actor.UserID, DedupeKey: "people.mention:" + strconv.FormatInt(e.ID, 10)})
	return err
}
