package inboxapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
)

var channelTags = []string{"Channels"}

// InboxCall is a phone message's call details.
type InboxCall struct {
	Direction    string `json:"direction" enum:"in,out"`
	DurationSecs int    `json:"duration_secs"`
	Outcome      string `json:"outcome" enum:"answered,voicemail,no_answer,busy,wrong_number"`
	Number       string `json:"number,omitempty"`
}

// channelFields adds what the non-e-mail channels show on a message.
func channelFields(out *InboxMessage, m inbox.Message) {
	out.Channel = string(m.Channel)
	if c := m.Call(); c != nil {
		out.Call = &InboxCall{Direction: string(c.Direction), DurationSecs: c.DurationSecs, Outcome: c.Outcome, Number: c.Number}
	}
	if m.Outbox != nil {
		out.Delivery = m.Outbox.Status
		out.DeliveryError = m.Outbox.LastError
	}
}

// CallBody is a call to log.
type CallBody struct {
	Direction    string    `json:"direction,omitempty" enum:"in,out" doc:"in: the person called; out: staff called. Default in."`
	DurationSecs int       `json:"duration_secs,omitempty" minimum:"0" maximum:"86400"`
	Outcome      string    `json:"outcome,omitempty" enum:"answered,voicemail,no_answer,busy,wrong_number" doc:"Default answered."`
	Notes        string    `json:"notes,omitempty"`
	Number       string    `json:"number,omitempty" doc:"The person's number, E.164 or national."`
	At           time.Time `json:"at,omitempty" doc:"When the call took place; now when absent."`
}

func (b CallBody) input() inbox.CallInput {
	return inbox.CallInput{Direction: inbox.Direction(b.Direction), DurationSecs: b.DurationSecs, Outcome: b.Outcome,
		Notes: b.Notes, Number: b.Number, At: b.At}
}

// InboxCallResult is a logged call: its message and conversation.
type InboxCallResult struct {
	ConversationID int64        `json:"conversation_id"`
	Message        InboxMessage `json:"message"`
}

// SocialChannelOut is a social channel as shown (never its secret).
type SocialChannelOut struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Platform    string    `json:"platform"`
	OutboundURL string    `json:"outbound_url"`
	WebhookPath string    `json:"webhook_path" doc:"Where the bridge posts, under the API prefix."`
	CreatedAt   time.Time `json:"created_at"`
}

// SocialChannelCreated is a new social channel with its secret, shown once.
type SocialChannelCreated struct {
	SocialChannelOut
	Secret string `json:"secret" doc:"The HMAC key for X-Hearken-Signature, both directions. Shown only now."`
}

// SocialSecret is a rotated secret, shown once.
type SocialSecret struct {
	Secret string `json:"secret"`
}

// MentionRowErrorOut is a row of a mentions file that was not imported.
type MentionRowErrorOut struct {
	Row     int    `json:"row" doc:"1-based data row (the header is row 0)."`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MentionImportOut says what a mentions import did.
type MentionImportOut struct {
	Rows       int                  `json:"rows"`
	Imported   int                  `json:"imported"`
	Duplicates int                  `json:"duplicates"`
	Encoding   string               `json:"encoding"`
	Errors     []MentionRowErrorOut `json:"errors"`
}

// SocialReceived says what became of a bridge's post.
type SocialReceived struct {
	ConversationID int64 `json:"conversation_id"`
	MessageID      int64 `json:"message_id"`
	Duplicate      bool  `json:"duplicate" doc:"The platform message id was stored before; nothing changed."`
	New            bool  `json:"new" doc:"The post started a conversation."`
}

func socialOut(c inbox.SocialChannel) SocialChannelOut {
	return SocialChannelOut{ID: c.ID, Name: c.Name, Platform: c.Platform, OutboundURL: c.OutboundURL,
		WebhookPath: "/channels/social/" + strconv.FormatInt(c.ID, 10) + "/messages", CreatedAt: c.CreatedAt}
}

type socialChannelBody struct {
	Name        string `json:"name" maxLength:"100"`
	Platform    string `json:"platform" doc:"x, instagram, facebook, linkedin, mastodon, bluesky, tiktok, youtube, telegram, whatsapp or other."`
	OutboundURL string `json:"outbound_url,omitempty" doc:"Where staff replies are POSTed (signed) for the bridge to publish."`
}

func (b socialChannelBody) input() inbox.SocialChannelInput {
	return inbox.SocialChannelInput{Name: b.Name, Platform: b.Platform, OutboundURL: b.OutboundURL}
}

type socialIDPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The social channel's id."`
}

// mountChannels registers the phone and social operations.
func (m *Module) mountChannels(a *api.API) {
	type logCallIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body CallBody
	}
	huma.Register(a, huma.Operation{OperationID: "logCall", Method: http.MethodPost, Path: "/conversations/{id}/calls", Tags: tags,
		Summary: "Log a phone call in a conversation", DefaultStatus: http.StatusCreated,
		Description: "Records a call (direction, duration, outcome, notes) as a message of the conversation and on the person's timeline. An outbound call, or an inbound one answered, counts as a response for the clocks. Needs inbox.reply."},
		func(ctx context.Context, in *logCallIn) (*body[InboxCallResult], error) {
			msg, err := m.svc.LogCall(ctx, in.ID, in.Body.input())
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[InboxCallResult]{InboxCallResult{ConversationID: msg.ConversationID, Message: msgOut(msg)}}, nil
		})

	type startCallIn struct {
		Body struct {
			CallBody
			PersonID int64  `json:"person_id,omitempty" doc:"The person called or calling; else the number finds or makes one."`
			Subject  string `json:"subject,omitempty"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "startCall", Method: http.MethodPost, Path: "/calls", Tags: tags,
		Summary: "Log a call that starts a conversation", DefaultStatus: http.StatusCreated,
		Description: "A phone conversation with the person (person_id) or the owner of the number (a profile marked with source phone is made for an unknown number). Needs inbox.reply."},
		func(ctx context.Context, in *startCallIn) (*body[InboxCallResult], error) {
			ci := in.Body.input()
			ci.PersonID, ci.Subject = in.Body.PersonID, in.Body.Subject
			msg, err := m.svc.StartCall(ctx, ci)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[InboxCallResult]{InboxCallResult{ConversationID: msg.ConversationID, Message: msgOut(msg)}}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listSocialChannels", Method: http.MethodGet, Path: "/channels/social", Tags: channelTags,
		Summary: "List social channels"},
		func(ctx context.Context, _ *struct{}) (*body[[]SocialChannelOut], error) {
			chs, err := m.svc.SocialChannels(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := make([]SocialChannelOut, 0, len(chs))
			for _, c := range chs {
				out = append(out, socialOut(c))
			}
			return &body[[]SocialChannelOut]{out}, nil
		})

	type createSocialIn struct {
		Body socialChannelBody
	}
	huma.Register(a, huma.Operation{OperationID: "createSocialChannel", Method: http.MethodPost, Path: "/channels/social", Tags: channelTags,
		Summary: "Add a social channel", DefaultStatus: http.StatusCreated,
		Description: "Returns the channel's secret once: the bridge signs its posts with it and verifies Hearken's. Needs inbox.manage."},
		func(ctx context.Context, in *createSocialIn) (*body[SocialChannelCreated], error) {
			c, secret, err := m.svc.CreateSocialChannel(ctx, in.Body.input())
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[SocialChannelCreated]{SocialChannelCreated{SocialChannelOut: socialOut(c), Secret: secret}}, nil
		})

	type updateSocialIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body socialChannelBody
	}
	huma.Register(a, huma.Operation{OperationID: "updateSocialChannel", Method: http.MethodPut, Path: "/channels/social/{id}", Tags: channelTags,
		Summary: "Change a social channel", Description: "Needs inbox.manage."},
		func(ctx context.Context, in *updateSocialIn) (*body[SocialChannelOut], error) {
			return respond(ctx, a, socialOut)(m.svc.UpdateSocialChannel(ctx, in.ID, in.Body.input()))
		})

	huma.Register(a, huma.Operation{OperationID: "deleteSocialChannel", Method: http.MethodDelete, Path: "/channels/social/{id}", Tags: channelTags,
		Summary: "Remove a social channel", DefaultStatus: http.StatusNoContent, Description: "Its conversations stay. Needs inbox.manage."},
		func(ctx context.Context, in *socialIDPath) (*struct{}, error) {
			return noContent(ctx, a, m.svc.DeleteSocialChannel(ctx, in.ID))
		})

	huma.Register(a, huma.Operation{OperationID: "rotateSocialSecret", Method: http.MethodPost, Path: "/channels/social/{id}/secret", Tags: channelTags,
		Summary: "Replace a social channel's secret", Description: "The old secret stops working at once; the new one is shown only now. Needs inbox.manage."},
		func(ctx context.Context, in *socialIDPath) (*body[SocialSecret], error) {
			secret, err := m.svc.RotateSocialSecret(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[SocialSecret]{SocialSecret{Secret: secret}}, nil
		})

	type importMentionsIn struct {
		ID      int64  `path:"id" minimum:"1"`
		RawBody []byte `contentType:"text/csv"`
	}
	huma.Register(a, huma.Operation{OperationID: "importMentions", Method: http.MethodPost, Path: "/channels/social/{id}/import", Tags: channelTags,
		Summary: "Import mentions from a CSV file",
		Description: "Columns by header name: date, handle, name, text, url, id (id, handle and text required); encodings as the people import detects them. " +
			"Each row becomes a mention like a webhook post; ids seen before count as duplicates; bad rows are reported and skipped. Needs inbox.manage."},
		func(ctx context.Context, in *importMentionsIn) (*body[MentionImportOut], error) {
			res, err := m.svc.ImportMentions(ctx, in.ID, in.RawBody)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			l := i18n.FromContext(ctx)
			out := MentionImportOut{Rows: res.Rows, Imported: res.Imported, Duplicates: res.Duplicates, Encoding: res.Encoding, Errors: []MentionRowErrorOut{}}
			for _, e := range res.Errors {
				out.Errors = append(out.Errors, MentionRowErrorOut{Row: e.Row, Field: e.Field, Code: e.Key, Message: l.T(e.Key)})
			}
			return &body[MentionImportOut]{out}, nil
		})

	type socialWebhookIn struct {
		ID        int64  `path:"id" minimum:"1"`
		Signature string `header:"X-Hearken-Signature" doc:"t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" with the channel's secret>."`
		RawBody   []byte `contentType:"application/json"`
	}
	huma.Register(a, huma.Operation{OperationID: "receiveSocialMessage", Method: http.MethodPost, Path: "/channels/social/{id}/messages", Tags: channelTags,
		Summary: "Receive a social message or mention (bridge webhook)",
		Description: "For a platform bridge, authenticated by its signature instead of a token: requests older than five minutes, replayed or badly signed are refused. " +
			"Body: {\"id\": platform message id, \"author\": {\"handle\", \"name\", \"profile_url\"}, \"text\", \"kind\": \"message\"|\"mention\", \"in_reply_to\": platform id, \"url\", \"at\"}. " +
			"A repeated platform id is stored once. Direct messages continue the author's open conversation on the channel.",
		Security: []map[string][]string{},
		// The signature covers the raw bytes: the service parses them.
		SkipValidateBody: true,
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{
			Type: "object", Required: []string{"id", "author", "text"},
			Properties: map[string]*huma.Schema{
				"id":          {Type: "string"},
				"author":      {Type: "object", Properties: map[string]*huma.Schema{"handle": {Type: "string"}, "name": {Type: "string"}, "profile_url": {Type: "string"}}},
				"text":        {Type: "string"},
				"kind":        {Type: "string", Enum: []any{"message", "mention"}},
				"in_reply_to": {Type: "string"},
				"url":         {Type: "string"},
				"at":          {Type: "string", Format: "date-time"},
			}}}}},
	},
		func(ctx context.Context, in *socialWebhookIn) (*body[SocialReceived], error) {
			res, err := m.svc.ReceiveSocialWebhook(ctx, in.ID, in.Signature, in.RawBody)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[SocialReceived]{SocialReceived{ConversationID: res.ConversationID, MessageID: res.MessageID,
				Duplicate: res.Duplicate, New: res.New}}, nil
		})
}
