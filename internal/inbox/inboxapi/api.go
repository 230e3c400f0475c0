// Package inboxapi is the inbox capability's JSON API under /api/v1:
// conversations (list, search, read), replies, internal notes, assignment,
// status, tags and attachment downloads.
package inboxapi

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/inbox"
)

// Module is the inbox API.
type Module struct {
	svc *inbox.Service
	a   *api.API
}

// New returns the inbox API over svc.
func New(svc *inbox.Service) *Module { return &Module{svc: svc} }

var tags = []string{"Inbox"}

type body[T any] struct {
	Body T
}

// InboxConversation is a conversation as listed.
type InboxConversation struct {
	ID                 int64      `json:"id"`
	Reference          string     `json:"reference" doc:"The token people quote, HK-123."`
	Subject            string     `json:"subject"`
	PersonID           int64      `json:"person_id,omitempty"`
	Status             string     `json:"status" enum:"new,open,waiting,resolved,closed"`
	Channel            string     `json:"channel"`
	Priority           string     `json:"priority" enum:"low,normal,high,urgent"`
	AssigneeUserID     int64      `json:"assignee_user_id,omitempty"`
	TeamID             int64      `json:"team_id,omitempty"`
	Tags               []string   `json:"tags"`
	FirstResponseDueAt *time.Time `json:"first_response_due_at,omitempty"`
	DueAt              *time.Time `json:"due_at,omitempty" doc:"The earliest deadline of a running clock."`
	LastMessageAt      time.Time  `json:"last_message_at"`
	CreatedAt          time.Time  `json:"created_at"`
	SnoozedUntil       *time.Time `json:"snoozed_until,omitempty" doc:"Set while snoozed (on a single conversation)."`
	MergedIntoID       int64      `json:"merged_into_id,omitempty" doc:"The conversation this one was merged into."`
}

// InboxAttachment is a file that came with a message.
type InboxAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// InboxMessage is one message of a conversation, or an internal note.
type InboxMessage struct {
	ID          int64             `json:"id"`
	Direction   string            `json:"direction" enum:"in,out,note"`
	From        string            `json:"from" doc:"The sender's address."`
	FromName    string            `json:"from_name,omitempty"`
	Author      string            `json:"author,omitempty" doc:"The staff member who wrote a reply, note or logged call (from is the mailbox it went out from)."`
	Subject     string            `json:"subject"`
	Text        string            `json:"text" doc:"Plain-text rendition."`
	CreatedAt   time.Time         `json:"created_at"`
	Attachments []InboxAttachment `json:"attachments"`
	// Channel fields (web, phone, social): see channels.go.
	Channel       string     `json:"channel,omitempty" enum:"email,web,phone,social"`
	Call          *InboxCall `json:"call,omitempty" doc:"A logged call's details."`
	Delivery      string     `json:"delivery,omitempty" enum:"queued,sent,failed" doc:"Delivery state of an outbound message."`
	DeliveryError string     `json:"delivery_error,omitempty"`
}

// InboxConversationDetail is a conversation with its messages in order.
type InboxConversationDetail struct {
	InboxConversation
	Messages []InboxMessage `json:"messages"`
}

func convOut(c inbox.Conversation) InboxConversation {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return InboxConversation{ID: c.ID, Reference: c.Reference, Subject: c.Subject, PersonID: c.PersonID,
		Status: string(c.Status), Channel: string(c.Channel), Priority: string(c.Priority),
		AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID, Tags: tags,
		FirstResponseDueAt: c.FirstResponseDueAt, DueAt: c.DueAt(), LastMessageAt: c.LastMessageAt, CreatedAt: c.CreatedAt,
		SnoozedUntil: c.SnoozedUntil, MergedIntoID: c.MergedIntoID}
}

func msgOut(m inbox.Message) InboxMessage {
	text := m.Text
	if text == "" && m.HTML != "" {
		text = email.HTMLToText(m.HTML)
	}
	out := InboxMessage{ID: m.ID, Direction: string(m.Direction), From: m.From.Email, FromName: m.From.Name, Author: m.AuthorName,
		Subject: m.Subject, Text: text, CreatedAt: m.CreatedAt, Attachments: []InboxAttachment{}}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, InboxAttachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	channelFields(&out, m)
	return out
}

type idPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The conversation's id."`
}

type inboxListIn struct {
	Q      string `query:"q" doc:"Search text: subjects, senders, message text and file names."`
	View   string `query:"view" enum:"mine,unassigned,team,waiting,breaching,all,snoozed" default:"all" doc:"breaching: a running clock due within the warn window, or overdue; snoozed: only snoozed ones (the others leave them out)."`
	Status string `query:"status" enum:"new,open,waiting,resolved,closed" doc:"Replaces the view's own status selection."`
	TeamID int64  `query:"team_id"`
	// Workspace filters and order.
	Channel    string `query:"channel" enum:"email,web,phone,social"`
	Priority   string `query:"priority" enum:"low,normal,high,urgent"`
	Tag        string `query:"tag" doc:"Only conversations with this tag."`
	AssigneeID int64  `query:"assignee_id" minimum:"0" doc:"Only this user's conversations."`
	Sort       string `query:"sort" enum:"due,newest,oldest" default:"due" doc:"due: earliest running deadline first; newest: latest message first; oldest: oldest conversation first."`
	Cursor     string `query:"cursor" doc:"Opaque cursor from a previous page's next_cursor."`
	Limit      int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// MountAPI registers the inbox operations.
func (m *Module) MountAPI(a *api.API) {
	m.a = a
	m.mountChannels(a)
	m.mountWorkspace(a)
	m.mountFollowups(a)

	huma.Register(a, huma.Operation{OperationID: "listConversations", Method: http.MethodGet, Path: "/conversations", Tags: tags,
		Summary:     "List or search conversations",
		Description: "A view's conversations, most urgent first: by the earliest running deadline, then those with no clock running, then resolved and closed ones. With q, only those whose messages match."},
		func(ctx context.Context, in *inboxListIn) (*body[api.Page[InboxConversation]], error) {
			page, err := m.svc.ListConversations(ctx, inbox.Filter{View: inbox.View(in.View), Q: in.Q, Status: inbox.Status(in.Status), TeamID: in.TeamID,
				Channel: inbox.Channel(in.Channel), Priority: inbox.Priority(in.Priority), Tag: in.Tag, AssigneeID: in.AssigneeID, Sort: inbox.Sort(in.Sort)}, in.Cursor, in.Limit)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := api.Page[InboxConversation]{Items: make([]InboxConversation, 0, len(page.Items)), NextCursor: page.Next}
			for _, c := range page.Items {
				out.Items = append(out.Items, convOut(c))
			}
			return &body[api.Page[InboxConversation]]{out}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getConversation", Method: http.MethodGet, Path: "/conversations/{id}", Tags: tags,
		Summary: "Get a conversation", Description: "The conversation with its messages and internal notes, oldest first."},
		func(ctx context.Context, in *idPath) (*body[InboxConversationDetail], error) {
			return m.detail(ctx, in.ID)
		})

	type inboxReplyIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Text   string `json:"text" doc:"The reply as plain text."`
			HTML   string `json:"html,omitempty" doc:"Optional HTML alternative; it is sanitized."`
			Status string `json:"status,omitempty" enum:"open,waiting,resolved,closed" doc:"The status after the reply; waiting when absent."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "replyToConversation", Method: http.MethodPost, Path: "/conversations/{id}/replies", Tags: tags,
		Summary: "Reply to the person", DefaultStatus: http.StatusCreated,
		Description: "Queues an e-mail to the person answering their last message. Needs inbox.reply."},
		func(ctx context.Context, in *inboxReplyIn) (*body[InboxMessage], error) {
			return respond(ctx, a, msgOut)(m.svc.ReplyWith(ctx, in.ID, inbox.ReplyInput{Text: in.Body.Text, HTML: in.Body.HTML, Status: inbox.Status(in.Body.Status)}))
		})

	type inboxNoteIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Text string `json:"text"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "addConversationNote", Method: http.MethodPost, Path: "/conversations/{id}/notes", Tags: tags,
		Summary: "Add an internal note", DefaultStatus: http.StatusCreated,
		Description: "A note for staff only; it is never sent. Needs inbox.reply."},
		func(ctx context.Context, in *inboxNoteIn) (*body[InboxMessage], error) {
			return respond(ctx, a, msgOut)(m.svc.AddNote(ctx, in.ID, in.Body.Text))
		})

	type inboxAssignIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			UserID int64 `json:"user_id" minimum:"0" doc:"The staff user; 0 unassigns."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "assignConversation", Method: http.MethodPost, Path: "/conversations/{id}/assign", Tags: tags,
		Summary: "Assign a conversation", Description: "Needs inbox.assign."},
		func(ctx context.Context, in *inboxAssignIn) (*body[InboxConversation], error) {
			return respond(ctx, a, convOut)(m.svc.Assign(ctx, in.ID, in.Body.UserID))
		})

	type inboxStatusIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Status string `json:"status" enum:"open,waiting,resolved,closed" doc:"new cannot be set again."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setConversationStatus", Method: http.MethodPut, Path: "/conversations/{id}/status", Tags: tags,
		Summary: "Change a conversation's status", Description: "Waiting pauses the response clocks; resolved and closed stop them."},
		func(ctx context.Context, in *inboxStatusIn) (*body[InboxConversation], error) {
			return respond(ctx, a, convOut)(m.svc.SetStatus(ctx, in.ID, inbox.Status(in.Body.Status)))
		})

	type inboxTagsIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Tags []string `json:"tags" doc:"The full set of tags; replaces the current ones."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setConversationTags", Method: http.MethodPut, Path: "/conversations/{id}/tags", Tags: tags,
		Summary: "Replace a conversation's tags"},
		func(ctx context.Context, in *inboxTagsIn) (*body[InboxConversation], error) {
			return respond(ctx, a, convOut)(m.svc.SetTags(ctx, in.ID, in.Body.Tags))
		})

	type inboxAttachmentIn struct {
		ID int64 `path:"id" minimum:"1" doc:"The attachment's id."`
	}
	huma.Register(a, huma.Operation{OperationID: "getAttachment", Method: http.MethodGet, Path: "/attachments/{id}", Tags: tags,
		Summary: "Download an attachment", Description: "The file's bytes with its content type. A file too large to keep is not found.",
		Responses: map[string]*huma.Response{"200": {Description: "The file.", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		func(ctx context.Context, in *inboxAttachmentIn) (*huma.StreamResponse, error) {
			att, data, err := m.svc.Attachment(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			if data == nil {
				return nil, a.Fail(ctx, notKept())
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				ct := att.ContentType
				if _, _, perr := mime.ParseMediaType(ct); ct == "" || perr != nil {
					ct = "application/octet-stream"
				}
				hctx.SetHeader("Content-Type", ct)
				hctx.SetHeader("Content-Length", strconv.Itoa(len(data)))
				hctx.SetHeader("X-Content-Type-Options", "nosniff")
				hctx.SetHeader("Content-Security-Policy", "sandbox")
				hctx.SetHeader("Content-Disposition", disposition(att.Filename))
				_, _ = hctx.BodyWriter().Write(data)
			}}, nil
		})
}

func (m *Module) detail(ctx context.Context, id int64) (*body[InboxConversationDetail], error) {
	d, err := m.svc.GetConversation(ctx, id)
	if err != nil {
		return nil, m.a.Fail(ctx, err)
	}
	out := InboxConversationDetail{InboxConversation: convOut(d.Conversation), Messages: make([]InboxMessage, 0, len(d.Messages))}
	for _, msg := range d.Messages {
		out.Messages = append(out.Messages, msgOut(msg))
	}
	return &body[InboxConversationDetail]{out}, nil
}

// disposition is an attachment Content-Disposition with the file name
// (RFC 6266: an ASCII fallback and the UTF-8 name).
func disposition(name string) string {
	if name == "" {
		name = "attachment"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

func notKept() error { return apperr.NotFound("inbox.error.attachment_not_found") }
