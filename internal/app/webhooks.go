package app

import (
	"context"

	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/webhooks"
	"github.com/hearken-org/hearken/internal/webhooks/webhooksapi"
	"github.com/hearken-org/hearken/internal/webhooks/webhooksui"
)

// buildWebhooks builds outgoing webhooks and connects the inbox's change
// events to them: every conversation and message event is queued in the
// transaction that made it.
func (a *App) buildWebhooks() error {
	var err error
	if a.Webhooks, err = webhooks.New(a.DB, webhooks.Config{Jobs: a.Jobs, Auditor: a.Auth, Log: a.Log}); err != nil {
		return err
	}
	if err := webhooks.AddCatalog(a.Bundle); err != nil {
		return err
	}
	a.Webhooks.RegisterEventTypes(inbox.ChangeTypes...)
	a.Inbox.OnChangeIf(a.Webhooks.Wants, func(ctx context.Context, e inbox.ChangeEvent) error {
		data := map[string]any{"conversation": e.Conversation}
		if e.Message != nil {
			data["message"] = e.Message
		}
		if e.Data != nil && e.Type != inbox.ChangeMessageSent {
			data["changes"] = e.Data
		}
		_, err := a.Webhooks.Publish(ctx, e.Type, data)
		return err
	})
	a.webModules = append(a.webModules, webhooksui.New(a.Webhooks))
	a.apiModules = append(a.apiModules, webhooksapi.New(a.Webhooks))
	return nil
}
