package inboxapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/inbox"
)

// InboxCannedVariant is a canned response's text in one language.
type InboxCannedVariant struct {
	Language string `json:"language" enum:"en,fr,tr,fi,ja,fa" doc:"The language this text is written in."`
	Title    string `json:"title,omitempty" doc:"The title in that language; the response's title when empty."`
	Body     string `json:"body" doc:"The text, with {{variables}}: first_name, last_name, greeting_name, name, tenure, reference, subject, agent_name, org_name, due."`
}

// InboxCannedResponse is a reusable reply.
type InboxCannedResponse struct {
	ID          int64                `json:"id"`
	Title       string               `json:"title"`
	Shortcut    string               `json:"shortcut" doc:"Typed in the reply box after a slash to find it."`
	Personal    bool                 `json:"personal" doc:"True for the caller's own; false for a shared one."`
	OwnerUserID int64                `json:"owner_user_id,omitempty"`
	Variants    []InboxCannedVariant `json:"variants"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

// InboxCannedInput creates or replaces a canned response.
type InboxCannedInput struct {
	Title    string               `json:"title" maxLength:"200"`
	Shortcut string               `json:"shortcut,omitempty" maxLength:"33"`
	Personal bool                 `json:"personal,omitempty" doc:"The caller's own; shared ones need inbox.manage."`
	Variants []InboxCannedVariant `json:"variants" minItems:"1" maxItems:"6"`
}

// InboxRenderedCanned is a canned response filled for a conversation.
type InboxRenderedCanned struct {
	CannedID int64  `json:"canned_id"`
	Title    string `json:"title"`
	Language string `json:"language" doc:"The variant used: the person's language when there is one."`
	Dir      string `json:"dir" enum:"ltr,rtl"`
	Text     string `json:"text"`
}

// InboxSignature is a signature in one language.
type InboxSignature struct {
	Language string `json:"language" doc:"en, fr, tr, fi, ja, fa, or empty for any language."`
	Body     string `json:"body" maxLength:"2000"`
}

// InboxViewer is another staff member on a conversation.
type InboxViewer struct {
	UserID int64     `json:"user_id"`
	Name   string    `json:"name"`
	Typing bool      `json:"typing" doc:"Typing a reply right now."`
	SeenAt time.Time `json:"seen_at"`
}

// InboxPresence is who else is on a conversation.
type InboxPresence struct {
	Viewers       []InboxViewer `json:"viewers"`
	LastMessageID int64         `json:"last_message_id" doc:"The conversation's newest message: compare before sending."`
}

// InboxBulkResult is one conversation's outcome of a bulk action.
type InboxBulkResult struct {
	ID           int64              `json:"id"`
	OK           bool               `json:"ok"`
	Conversation *InboxConversation `json:"conversation,omitempty"`
	Error        *api.ErrorDetail   `json:"error,omitempty"`
}

// InboxViewCounts counts each view's conversations for the caller, each up to
// inbox.CountCap (1000): that value means "1000 or more".
type InboxViewCounts struct {
	Mine       int `json:"mine"`
	Team       int `json:"team"`
	Unassigned int `json:"unassigned"`
	Waiting    int `json:"waiting"`
	Breaching  int `json:"breaching" doc:"A running clock due within the warn window, or overdue."`
	All        int `json:"all"`
	Snoozed    int `json:"snoozed"`
}

func cannedOut(c inbox.CannedResponse) InboxCannedResponse {
	out := InboxCannedResponse{ID: c.ID, Title: c.Title, Shortcut: c.Shortcut, OwnerUserID: c.OwnerUserID,
		Personal: c.OwnerUserID != 0, Variants: []InboxCannedVariant{}, UpdatedAt: c.UpdatedAt}
	for _, v := range c.Variants {
		out.Variants = append(out.Variants, InboxCannedVariant(v))
	}
	return out
}

func cannedIn(in InboxCannedInput) inbox.CannedInput {
	out := inbox.CannedInput{Title: in.Title, Shortcut: in.Shortcut, Personal: in.Personal}
	for _, v := range in.Variants {
		out.Variants = append(out.Variants, inbox.CannedVariant(v))
	}
	return out
}

func sigsOut(sigs []inbox.Signature) []InboxSignature {
	out := []InboxSignature{}
	for _, s := range sigs {
		out = append(out, InboxSignature(s))
	}
	return out
}

func toSignatures(sigs []InboxSignature) []inbox.Signature {
	var out []inbox.Signature
	for _, s := range sigs {
		out = append(out, inbox.Signature(s))
	}
	return out
}

// mountWorkspace registers the agent workspace's operations: canned
// responses, signatures, presence, snooze, merge, split, forward, priority,
// bulk actions and view counts.
func (m *Module) mountWorkspace(a *api.API) {
	type inboxCannedListIn struct {
		Q string `query:"q" doc:"Part of a title or shortcut."`
	}
	huma.Register(a, huma.Operation{OperationID: "listCannedResponses", Method: http.MethodGet, Path: "/canned-responses", Tags: tags,
		Summary: "List canned responses", Description: "The shared canned responses and the caller's own, by shortcut and title."},
		func(ctx context.Context, in *inboxCannedListIn) (*body[[]InboxCannedResponse], error) {
			list, err := m.svc.CannedResponses(ctx, in.Q)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := []InboxCannedResponse{}
			for _, c := range list {
				out = append(out, cannedOut(c))
			}
			return &body[[]InboxCannedResponse]{out}, nil
		})

	type inboxCannedIDIn struct {
		ID int64 `path:"id" minimum:"1" doc:"The canned response's id."`
	}
	huma.Register(a, huma.Operation{OperationID: "getCannedResponse", Method: http.MethodGet, Path: "/canned-responses/{id}", Tags: tags,
		Summary: "Get a canned response"},
		func(ctx context.Context, in *inboxCannedIDIn) (*body[InboxCannedResponse], error) {
			return respond(ctx, a, cannedOut)(m.svc.Canned(ctx, in.ID))
		})

	type inboxCannedCreateIn struct {
		Body InboxCannedInput
	}
	huma.Register(a, huma.Operation{OperationID: "createCannedResponse", Method: http.MethodPost, Path: "/canned-responses", Tags: tags,
		Summary: "Create a canned response", DefaultStatus: http.StatusCreated,
		Description: "A personal one needs inbox.reply; a shared one inbox.manage."},
		func(ctx context.Context, in *inboxCannedCreateIn) (*body[InboxCannedResponse], error) {
			return respond(ctx, a, cannedOut)(m.svc.SaveCanned(ctx, 0, cannedIn(in.Body)))
		})

	type inboxCannedUpdateIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body InboxCannedInput
	}
	huma.Register(a, huma.Operation{OperationID: "updateCannedResponse", Method: http.MethodPut, Path: "/canned-responses/{id}", Tags: tags,
		Summary: "Replace a canned response", Description: "Replaces the title, shortcut and every variant."},
		func(ctx context.Context, in *inboxCannedUpdateIn) (*body[InboxCannedResponse], error) {
			return respond(ctx, a, cannedOut)(m.svc.SaveCanned(ctx, in.ID, cannedIn(in.Body)))
		})

	huma.Register(a, huma.Operation{OperationID: "deleteCannedResponse", Method: http.MethodDelete, Path: "/canned-responses/{id}", Tags: tags,
		Summary: "Delete a canned response", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *inboxCannedIDIn) (*struct{}, error) {
			return noContent(ctx, a, m.svc.DeleteCanned(ctx, in.ID))
		})

	type inboxRenderIn struct {
		ID       int64 `path:"id" minimum:"1" doc:"The conversation's id."`
		CannedID int64 `path:"canned_id" minimum:"1"`
	}
	huma.Register(a, huma.Operation{OperationID: "renderCannedResponse", Method: http.MethodGet, Path: "/conversations/{id}/canned-responses/{canned_id}", Tags: tags,
		Summary:     "Fill a canned response for a conversation",
		Description: "The variant in the person's language (else the conversation's, the organization's, English) with its variables filled."},
		func(ctx context.Context, in *inboxRenderIn) (*body[InboxRenderedCanned], error) {
			r, err := m.svc.RenderCanned(ctx, in.CannedID, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[InboxRenderedCanned]{InboxRenderedCanned(r)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getMySignatures", Method: http.MethodGet, Path: "/signatures/me", Tags: tags,
		Summary: "Get my signatures", Description: "The caller's own signatures, per language."},
		func(ctx context.Context, _ *struct{}) (*body[[]InboxSignature], error) {
			return respond(ctx, a, sigsOut)(m.svc.Signatures(ctx, actorID(ctx), 0))
		})

	type inboxSigsIn struct {
		Body struct {
			Signatures []InboxSignature `json:"signatures" maxItems:"7"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setMySignatures", Method: http.MethodPut, Path: "/signatures/me", Tags: tags,
		Summary: "Replace my signatures", Description: "Appended to the caller's replies, in the conversation's language."},
		func(ctx context.Context, in *inboxSigsIn) (*body[[]InboxSignature], error) {
			return respond(ctx, a, sigsOut)(m.svc.SetSignatures(ctx, 0, toSignatures(in.Body.Signatures)))
		})

	type inboxTeamIn struct {
		TeamID int64 `path:"team_id" minimum:"1"`
	}
	huma.Register(a, huma.Operation{OperationID: "getTeamSignatures", Method: http.MethodGet, Path: "/signatures/teams/{team_id}", Tags: tags,
		Summary: "Get a team's signatures"},
		func(ctx context.Context, in *inboxTeamIn) (*body[[]InboxSignature], error) {
			return respond(ctx, a, sigsOut)(m.svc.Signatures(ctx, 0, in.TeamID))
		})

	type inboxTeamSigsIn struct {
		TeamID int64 `path:"team_id" minimum:"1"`
		Body   struct {
			Signatures []InboxSignature `json:"signatures" maxItems:"7"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setTeamSignatures", Method: http.MethodPut, Path: "/signatures/teams/{team_id}", Tags: tags,
		Summary: "Replace a team's signatures", Description: "Appended after the agent's own to replies on the team's conversations. The team's manager or inbox.manage."},
		func(ctx context.Context, in *inboxTeamSigsIn) (*body[[]InboxSignature], error) {
			return respond(ctx, a, sigsOut)(m.svc.SetSignatures(ctx, in.TeamID, toSignatures(in.Body.Signatures)))
		})

	type inboxPresenceIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Typing bool `json:"typing,omitempty" doc:"The caller is typing a reply."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "conversationHeartbeat", Method: http.MethodPost, Path: "/conversations/{id}/presence", Tags: tags,
		Summary:     "Say you are on a conversation",
		Description: "A heartbeat (every few seconds; it lapses after 15 s) and the answer: who else is viewing or typing, and the newest message id."},
		func(ctx context.Context, in *inboxPresenceIn) (*body[InboxPresence], error) {
			p, err := m.svc.Heartbeat(ctx, in.ID, in.Body.Typing)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := InboxPresence{Viewers: []InboxViewer{}, LastMessageID: p.LastMessageID}
			for _, v := range p.Viewers {
				out.Viewers = append(out.Viewers, InboxViewer(v))
			}
			return &body[InboxPresence]{out}, nil
		})

	type inboxSnoozeIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Until time.Time `json:"until" doc:"When the conversation comes back; within a year."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "snoozeConversation", Method: http.MethodPost, Path: "/conversations/{id}/snooze", Tags: tags,
		Summary:     "Snooze a conversation",
		Description: "It leaves the views until the time given, or until the person writes."},
		func(ctx context.Context, in *inboxSnoozeIn) (*body[InboxConversation], error) {
			return respond(ctx, a, convOut)(m.svc.Snooze(ctx, in.ID, in.Body.Until))
		})
	huma.Register(a, huma.Operation{OperationID: "unsnoozeConversation", Method: http.MethodDelete, Path: "/conversations/{id}/snooze", Tags: tags,
		Summary: "Wake a snoozed conversation"},
		func(ctx context.Context, in *idPath) (*body[InboxConversation], error) {
			return respond(ctx, a, convOut)(m.svc.Unsnooze(ctx, in.ID))
		})

	type inboxMergeIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"The conversation that is kept."`
		Body struct {
			ConversationID int64 `json:"conversation_id" minimum:"1" doc:"The conversation merged into this one: its messages, events and participants move here; it is closed and points here."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "mergeConversation", Method: http.MethodPost, Path: "/conversations/{id}/merge", Tags: tags,
		Summary: "Merge another conversation into this one", Description: "Needs inbox.assign. Audited."},
		func(ctx context.Context, in *inboxMergeIn) (*body[InboxConversationDetail], error) {
			if _, err := m.svc.Merge(ctx, in.ID, in.Body.ConversationID); err != nil {
				return nil, a.Fail(ctx, err)
			}
			return m.detail(ctx, in.ID)
		})

	type inboxSplitIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			MessageID int64 `json:"message_id" minimum:"1" doc:"The message that becomes a conversation of its own."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "splitConversation", Method: http.MethodPost, Path: "/conversations/{id}/split", Tags: tags,
		Summary: "Split a message off into a new conversation", DefaultStatus: http.StatusCreated,
		Description: "Answers the new conversation. Needs inbox.assign."},
		func(ctx context.Context, in *inboxSplitIn) (*body[InboxConversationDetail], error) {
			c, err := m.svc.Split(ctx, in.ID, in.Body.MessageID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return m.detail(ctx, c.ID)
		})

	type inboxForwardIn struct {
		ID        int64 `path:"id" minimum:"1"`
		MessageID int64 `path:"message_id" minimum:"1"`
		Body      struct {
			To   string `json:"to" doc:"The outside address, e.g. Name <someone@example.org>."`
			Text string `json:"text,omitempty" doc:"A note above the forwarded message."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "forwardMessage", Method: http.MethodPost, Path: "/conversations/{id}/messages/{message_id}/forward", Tags: tags,
		Summary: "Forward a message", DefaultStatus: http.StatusCreated,
		Description: "Sends a copy with its attachments through the outbox, from the conversation's mailbox."},
		func(ctx context.Context, in *inboxForwardIn) (*body[InboxMessage], error) {
			return respond(ctx, a, msgOut)(m.svc.Forward(ctx, in.ID, in.MessageID, inbox.ForwardInput{To: in.Body.To, Text: in.Body.Text}))
		})

	type inboxPriorityIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Priority string `json:"priority" enum:"low,normal,high,urgent"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setConversationPriority", Method: http.MethodPut, Path: "/conversations/{id}/priority", Tags: tags,
		Summary: "Change a conversation's priority", Description: "May select another response policy; open deadlines move with it."},
		func(ctx context.Context, in *inboxPriorityIn) (*body[InboxConversation], error) {
			return respond(ctx, a, convOut)(m.svc.SetPriority(ctx, in.ID, inbox.Priority(in.Body.Priority)))
		})

	type inboxBulkIn struct {
		Body struct {
			IDs      []int64 `json:"ids" minItems:"1" maxItems:"500"`
			Action   string  `json:"action" enum:"assign,status,priority,tag,untag"`
			UserID   int64   `json:"user_id,omitempty" minimum:"0" doc:"assign: the user; 0 unassigns."`
			Status   string  `json:"status,omitempty" enum:"open,waiting,resolved,closed"`
			Priority string  `json:"priority,omitempty" enum:"low,normal,high,urgent"`
			Tag      string  `json:"tag,omitempty"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "bulkConversations", Method: http.MethodPost, Path: "/conversations/bulk", Tags: tags,
		Summary:     "Change many conversations at once",
		Description: "Each conversation changes on its own: the answer says, per conversation, whether it did and why not."},
		func(ctx context.Context, in *inboxBulkIn) (*body[[]InboxBulkResult], error) {
			res, err := m.svc.Bulk(ctx, in.Body.IDs, inbox.BulkAction{Action: in.Body.Action, UserID: in.Body.UserID,
				Status: inbox.Status(in.Body.Status), Priority: inbox.Priority(in.Body.Priority), Tag: in.Body.Tag})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := []InboxBulkResult{}
			for _, r := range res {
				row := InboxBulkResult{ID: r.ConversationID, OK: r.Err == nil}
				if r.Err != nil {
					var eb *api.ErrorBody
					if errors.As(a.Fail(ctx, r.Err), &eb) {
						row.Error = &eb.Err
					}
				} else {
					c := convOut(r.Conversation)
					row.Conversation = &c
				}
				out = append(out, row)
			}
			return &body[[]InboxBulkResult]{out}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "conversationCounts", Method: http.MethodGet, Path: "/conversations/counts", Tags: tags,
		Summary: "Count each view's conversations", Description: "For the caller: mine, team, unassigned, waiting, breaching soon, all, snoozed. Each count stops at 1000, which means 1000 or more."},
		func(ctx context.Context, _ *struct{}) (*body[InboxViewCounts], error) {
			n, err := m.svc.ViewCounts(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[InboxViewCounts]{InboxViewCounts{Mine: n[inbox.ViewMine], Team: n[inbox.ViewTeam], Unassigned: n[inbox.ViewUnassigned],
				Waiting: n[inbox.ViewWaiting], Breaching: n[inbox.ViewBreaching], All: n[inbox.ViewAll], Snoozed: n[inbox.ViewSnoozed]}}, nil
		})
}

func actorID(ctx context.Context) int64 {
	a, _ := auth.ActorFrom(ctx)
	return a.UserID
}
