package peopleapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

func (m *Module) mountTimeline(a *api.API) {
	type timelineIn struct {
		ID     int64  `path:"id" minimum:"1"`
		Cursor string `query:"cursor" doc:"Opaque cursor from a previous page's next_cursor."`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}
	huma.Register(a, huma.Operation{OperationID: "getTimeline", Method: http.MethodGet, Path: "/people/{id}/timeline", Tags: tags,
		Summary:     "A person's timeline, newest first",
		Description: "Notes, role changes, consent changes, imports, merges and every other capability's events. Confidential entries are included only for callers holding people.view_confidential."},
		func(ctx context.Context, in *timelineIn) (*body[api.Page[PersonEvent]], error) {
			page, err := m.svc.Timeline(ctx, in.ID, in.Cursor, in.Limit, canConfidential(ctx))
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			out := api.Page[PersonEvent]{Items: conv(page.Items, func(e people.Event) PersonEvent { return PersonEvent(e) }), NextCursor: page.Next}
			return &body[api.Page[PersonEvent]]{out}, nil
		})

	type noteIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Body         string     `json:"body" doc:"The note. Mentions of colleagues: @handle or @[Name](user:12)."`
			Confidential bool       `json:"confidential,omitempty" doc:"Needs people.view_confidential."`
			Pinned       bool       `json:"pinned,omitempty"`
			OccurredAt   *time.Time `json:"occurred_at,omitempty" doc:"When it happened; defaults to now."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "addNote", Method: http.MethodPost, Path: "/people/{id}/notes", Tags: tags,
		Summary: "Add a note to the timeline", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *noteIn) (*body[PersonEvent], error) {
			n := people.NoteInput{Body: in.Body.Body, Confidential: in.Body.Confidential, Pinned: in.Body.Pinned}
			if in.Body.OccurredAt != nil {
				n.OccurredAt = *in.Body.OccurredAt
			}
			e, err := m.svc.AddNote(ctx, in.ID, n)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PersonEvent]{PersonEvent(e)}, nil
		})

	type requestIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Body string `json:"body" doc:"A standing need: \"needs a wheelchair-accessible room\"."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "addSpecialRequest", Method: http.MethodPost, Path: "/people/{id}/special-requests", Tags: tags,
		Summary: "Record a special request", Description: "Shown on the profile to everyone until resolved.", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *requestIn) (*body[PersonSpecialRequest], error) {
			sr, err := m.svc.AddSpecialRequest(ctx, in.ID, in.Body.Body)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PersonSpecialRequest]{PersonSpecialRequest(sr)}, nil
		})
}

func (m *Module) mountConsent(a *api.API) {
	huma.Register(a, huma.Operation{OperationID: "getConsent", Method: http.MethodGet, Path: "/people/{id}/consent", Tags: tags,
		Summary: "Consent and communication preferences, with their full history"},
		func(ctx context.Context, in *idPath) (*body[PersonPreferences], error) {
			return m.preferences(ctx, in.ID)
		})

	type consentIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Channel string     `json:"channel" enum:"email,phone,sms,post,social"`
			Purpose string     `json:"purpose,omitempty" enum:"service,fundraising,volunteering,newsletter,surveys," doc:"Empty for every purpose on the channel."`
			Status  string     `json:"status" enum:"opt_in,opt_out,unknown"`
			Source  string     `json:"source,omitempty" doc:"How it was given: web_form, phone call, paper form…"`
			Note    string     `json:"note,omitempty"`
			At      *time.Time `json:"at,omitempty" doc:"When the person decided; defaults to now. An earlier date than the current decision goes into the history only."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setConsent", Method: http.MethodPut, Path: "/people/{id}/consent", Tags: tags,
		Summary: "Record a consent decision", Description: "Answers with the consent state after the change."},
		func(ctx context.Context, in *consentIn) (*body[PersonPreferences], error) {
			c := people.ConsentInput{Channel: in.Body.Channel, Purpose: in.Body.Purpose, Status: in.Body.Status, Source: in.Body.Source, Note: in.Body.Note}
			if c.Source == "" {
				c.Source = "api"
			}
			if in.Body.At != nil {
				c.At = *in.Body.At
			}
			if err := m.svc.SetConsent(ctx, in.ID, c); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return m.preferences(ctx, in.ID)
		})

	type prefsIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			DoNotContact     *bool   `json:"do_not_contact,omitempty" doc:"Overrides every consent."`
			PreferredChannel *string `json:"preferred_channel,omitempty" enum:"email,phone,sms,post,social,"`
			PreferredTime    *string `json:"preferred_time,omitempty" doc:"Free text: \"weekday afternoons\"."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setPreferences", Method: http.MethodPut, Path: "/people/{id}/preferences", Tags: tags,
		Summary: "Change communication preferences", Description: "Changes the fields present in the body."},
		func(ctx context.Context, in *prefsIn) (*body[PersonPreferences], error) {
			p, err := m.svc.GetPerson(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			if in.Body.PreferredChannel != nil || in.Body.PreferredTime != nil {
				pr := people.Preferences{Channel: p.PreferredChannel, Time: p.PreferredTime, FromHour: p.PreferredFromHour, ToHour: p.PreferredToHour, Source: "api"}
				if in.Body.PreferredChannel != nil {
					pr.Channel = *in.Body.PreferredChannel
				}
				if in.Body.PreferredTime != nil {
					pr.Time = *in.Body.PreferredTime
				}
				if err := m.svc.SetPreferences(ctx, in.ID, pr); err != nil {
					return nil, m.fail(ctx, err, nil)
				}
			}
			if d := in.Body.DoNotContact; d != nil && *d != p.DoNotContact {
				if err := m.svc.SetDoNotContact(ctx, in.ID, *d, "api", ""); err != nil {
					return nil, m.fail(ctx, err, nil)
				}
			}
			return m.preferences(ctx, in.ID)
		})

	type mayIn struct {
		ID      int64     `path:"id" minimum:"1"`
		Channel string    `query:"channel" required:"true" enum:"email,phone,sms,post,social"`
		Purpose string    `query:"purpose" required:"true" enum:"service,fundraising,volunteering,newsletter,surveys"`
		At      time.Time `query:"at" doc:"As of this time; defaults to now."`
	}
	huma.Register(a, huma.Operation{OperationID: "mayContact", Method: http.MethodGet, Path: "/people/{id}/may-contact", Tags: tags,
		Summary: "May we contact this person on a channel for a purpose?", Description: "The one check every outbound feature makes, under the organization's consent policy."},
		func(ctx context.Context, in *mayIn) (*body[ContactDecision], error) {
			at := in.At
			if at.IsZero() {
				at = time.Now()
			}
			if _, err := m.svc.GetPerson(ctx, in.ID); err != nil { // the permission check, too
				return nil, m.fail(ctx, err, nil)
			}
			d, err := m.svc.MayContact(ctx, in.ID, in.Channel, in.Purpose, at)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[ContactDecision]{ContactDecision{Allowed: d.Allowed, Reason: d.Reason, Message: i18n.FromContext(ctx).T(d.Reason)}}, nil
		})
}

func (m *Module) preferences(ctx context.Context, id int64) (*body[PersonPreferences], error) {
	p, err := m.svc.GetPerson(ctx, id)
	if err != nil {
		return nil, m.fail(ctx, err, nil)
	}
	cs, err := m.svc.Consents(ctx, id)
	if err != nil {
		return nil, m.fail(ctx, err, nil)
	}
	hist, err := m.svc.PreferenceHistory(ctx, id)
	if err != nil {
		return nil, m.fail(ctx, err, nil)
	}
	return &body[PersonPreferences]{PersonPreferences{DoNotContact: p.DoNotContact, PreferredChannel: p.PreferredChannel,
		PreferredTime: p.PreferredTime, Consents: conv(cs, func(c people.Consent) PersonConsent { return PersonConsent(c) }),
		History: conv(hist, func(c people.PreferenceChange) PersonPreferenceChange { return PersonPreferenceChange(c) })}}, nil
}
