// Package webhooksapi is the webhooks' JSON API under /api/v1: endpoints,
// their delivery log and the test action. Everything needs org.manage.
package webhooksapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/webhooks"
)

// Module is the webhooks API.
type Module struct{ svc *webhooks.Service }

// New returns the API over svc.
func New(svc *webhooks.Service) *Module { return &Module{svc: svc} }

// WebhookEndpoint is a URL events are posted to.
type WebhookEndpoint webhooks.Endpoint

// WebhookDelivery is one event sent to one endpoint: the log row.
type WebhookDelivery webhooks.Delivery

type body[T any] struct{ Body T }

type items[T any] struct {
	Items []T `json:"items"`
}

type idPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The endpoint's id."`
}

type endpointBody struct {
	Name       string   `json:"name" maxLength:"200"`
	URL        string   `json:"url" maxLength:"2000" doc:"http:// or https://, without user information. Redirects are not followed."`
	EventTypes []string `json:"event_types" doc:"Event types to send, or [\"*\"] for all: conversation.created, conversation.status_changed, conversation.assigned, message.received, message.sent."`
	Active     bool     `json:"active"`
}

func (b endpointBody) input() webhooks.EndpointInput {
	return webhooks.EndpointInput{Name: b.Name, URL: b.URL, EventTypes: b.EventTypes, Active: b.Active}
}

var tags = []string{"Webhooks"}

// MountAPI registers the operations.
func (m *Module) MountAPI(a *api.API) {
	huma.Register(a, huma.Operation{OperationID: "listWebhooks", Method: http.MethodGet, Path: "/webhooks", Tags: tags,
		Summary: "List webhook endpoints", Description: "Needs org.manage."},
		func(ctx context.Context, _ *struct{}) (*body[items[WebhookEndpoint]], error) {
			es, err := m.svc.Endpoints(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := items[WebhookEndpoint]{Items: make([]WebhookEndpoint, 0, len(es))}
			for _, e := range es {
				out.Items = append(out.Items, WebhookEndpoint(e))
			}
			return &body[items[WebhookEndpoint]]{out}, nil
		})

	type createIn struct{ Body endpointBody }
	huma.Register(a, huma.Operation{OperationID: "createWebhook", Method: http.MethodPost, Path: "/webhooks", Tags: tags,
		Summary: "Add a webhook endpoint", DefaultStatus: http.StatusCreated,
		Description: "A random signing secret is generated and returned. See docs/api.md for verifying signatures."},
		func(ctx context.Context, in *createIn) (*body[WebhookEndpoint], error) {
			e, err := m.svc.CreateEndpoint(ctx, in.Body.input())
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[WebhookEndpoint]{WebhookEndpoint(e)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getWebhook", Method: http.MethodGet, Path: "/webhooks/{id}", Tags: tags,
		Summary: "Get a webhook endpoint"},
		func(ctx context.Context, in *idPath) (*body[WebhookEndpoint], error) {
			e, err := m.svc.Endpoint(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[WebhookEndpoint]{WebhookEndpoint(e)}, nil
		})

	type updateIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body endpointBody
	}
	huma.Register(a, huma.Operation{OperationID: "updateWebhook", Method: http.MethodPut, Path: "/webhooks/{id}", Tags: tags,
		Summary: "Change a webhook endpoint", Description: "Replaces its name, URL, events and state; the secret stays."},
		func(ctx context.Context, in *updateIn) (*body[WebhookEndpoint], error) {
			e, err := m.svc.UpdateEndpoint(ctx, in.ID, in.Body.input())
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[WebhookEndpoint]{WebhookEndpoint(e)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "deleteWebhook", Method: http.MethodDelete, Path: "/webhooks/{id}", Tags: tags,
		Summary: "Delete a webhook endpoint", DefaultStatus: http.StatusNoContent, Description: "Its delivery log goes with it."},
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := m.svc.DeleteEndpoint(ctx, in.ID); err != nil {
				return nil, a.Fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(a, huma.Operation{OperationID: "rotateWebhookSecret", Method: http.MethodPost, Path: "/webhooks/{id}/rotate-secret", Tags: tags,
		Summary: "Generate a new signing secret"},
		func(ctx context.Context, in *idPath) (*body[WebhookEndpoint], error) {
			e, err := m.svc.RotateSecret(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[WebhookEndpoint]{WebhookEndpoint(e)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "testWebhook", Method: http.MethodPost, Path: "/webhooks/{id}/test", Tags: tags,
		Summary: "Send a test event", DefaultStatus: http.StatusAccepted,
		Description: "Queues a webhook.test event to this endpoint (even a paused one); follow it in the delivery log."},
		func(ctx context.Context, in *idPath) (*body[WebhookDelivery], error) {
			d, err := m.svc.SendTest(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[WebhookDelivery]{WebhookDelivery(d)}, nil
		})

	type deliveriesIn struct {
		ID     int64 `path:"id" minimum:"1"`
		Before int64 `query:"before" minimum:"0" doc:"Only deliveries older than this delivery id (the next page)."`
		Limit  int   `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}
	huma.Register(a, huma.Operation{OperationID: "listWebhookDeliveries", Method: http.MethodGet, Path: "/webhooks/{id}/deliveries", Tags: tags,
		Summary: "The delivery log", Description: "Newest first: status, attempts, last HTTP status, duration and the start of the answer."},
		func(ctx context.Context, in *deliveriesIn) (*body[items[WebhookDelivery]], error) {
			ds, err := m.svc.Deliveries(ctx, in.ID, in.Before, in.Limit)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := items[WebhookDelivery]{Items: make([]WebhookDelivery, 0, len(ds))}
			for _, d := range ds {
				out.Items = append(out.Items, WebhookDelivery(d))
			}
			return &body[items[WebhookDelivery]]{out}, nil
		})
}
