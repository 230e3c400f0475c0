package inboxapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/inbox"
)

// InboxPromise is a follow-up an agent promised on a conversation.
type InboxPromise inbox.Promise

// InboxEscalation is a conversation raised to leadership.
type InboxEscalation inbox.Escalation

// InboxTopic is one topic of the managed list.
type InboxTopic inbox.Topic

// InboxConversationTopic is a conversation's topic with how many other
// people raised it in other conversations in the last 30 days.
type InboxConversationTopic struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	OtherPeople int    `json:"other_people" doc:"Distinct other people who raised this topic in other conversations in the last 30 days."`
}

// InboxAckTemplate is the organization's acknowledgement wording for one
// language and channel.
type InboxAckTemplate inbox.AckTemplate

type promisePath struct {
	ID  int64 `path:"id" minimum:"1" doc:"The conversation's id."`
	PID int64 `path:"pid" minimum:"1" doc:"The promise's id."`
}

type topicPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The topic's id."`
}

type items[T any] struct {
	Items []T `json:"items"`
}

// itemsOf converts a service list into the items envelope with out (an
// empty list, never null).
func itemsOf[T, O any](out func(T) O) func([]T) items[O] {
	return func(xs []T) items[O] {
		r := items[O]{Items: make([]O, 0, len(xs))}
		for _, x := range xs {
			r.Items = append(r.Items, out(x))
		}
		return r
	}
}

func promiseOut(p inbox.Promise) InboxPromise             { return InboxPromise(p) }
func escalationOut(e inbox.Escalation) InboxEscalation    { return InboxEscalation(e) }
func topicOut(t inbox.Topic) InboxTopic                   { return InboxTopic(t) }
func ackTemplateOut(t inbox.AckTemplate) InboxAckTemplate { return InboxAckTemplate(t) }
func topicStatOut(t inbox.TopicStat) InboxConversationTopic {
	return InboxConversationTopic{ID: t.ID, Name: t.Name, OtherPeople: t.OtherPeople}
}

var (
	promisesOut   = itemsOf(promiseOut)
	topicStatsOut = itemsOf(topicStatOut)
)

// mountFollowups registers promises, escalations, topics and
// acknowledgement templates.
func (m *Module) mountFollowups(a *api.API) {
	ptags := []string{"Follow-ups"}

	type addPromiseIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Text        string    `json:"text" maxLength:"500" doc:"What was promised, e.g. \"I'll confirm the receipt by Friday\"."`
			DueAt       time.Time `json:"due_at" doc:"When it is due; within a year."`
			OwnerUserID int64     `json:"owner_user_id,omitempty" minimum:"0" doc:"The teammate who owns it; the caller when absent."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "addPromise", Method: http.MethodPost, Path: "/conversations/{id}/promises", Tags: ptags,
		Summary: "Record a promise", DefaultStatus: http.StatusCreated,
		Description: "A tracked follow-up: the owner is warned two hours before it is due (halfway for shorter ones), told when it is missed, and the team manager four hours later. Needs inbox.reply."},
		func(ctx context.Context, in *addPromiseIn) (*body[InboxPromise], error) {
			return respond(ctx, a, promiseOut)(m.svc.AddPromise(ctx, in.ID, inbox.PromiseInput{Text: in.Body.Text, DueAt: in.Body.DueAt, OwnerUserID: in.Body.OwnerUserID}))
		})

	huma.Register(a, huma.Operation{OperationID: "listConversationPromises", Method: http.MethodGet, Path: "/conversations/{id}/promises", Tags: ptags,
		Summary: "A conversation's promises", Description: "Open ones first, by due time."},
		func(ctx context.Context, in *idPath) (*body[items[InboxPromise]], error) {
			return respond(ctx, a, promisesOut)(m.svc.Promises(ctx, in.ID))
		})

	huma.Register(a, huma.Operation{OperationID: "keepPromise", Method: http.MethodPost, Path: "/conversations/{id}/promises/{pid}/done", Tags: ptags,
		Summary: "Mark a promise kept", Description: "A reply can keep a promise too: pass promise_id with it. Needs inbox.reply."},
		func(ctx context.Context, in *promisePath) (*body[InboxPromise], error) {
			return respond(ctx, a, promiseOut)(m.svc.KeepPromise(ctx, in.ID, in.PID))
		})

	huma.Register(a, huma.Operation{OperationID: "cancelPromise", Method: http.MethodPost, Path: "/conversations/{id}/promises/{pid}/cancel", Tags: ptags,
		Summary: "Withdraw a promise", Description: "For a promise that no longer applies; nothing more is sent about it."},
		func(ctx context.Context, in *promisePath) (*body[InboxPromise], error) {
			return respond(ctx, a, promiseOut)(m.svc.CancelPromise(ctx, in.ID, in.PID))
		})

	type listPromisesIn struct {
		Mine      bool  `query:"mine" default:"true" doc:"The caller's open promises."`
		UserID    int64 `query:"user_id" minimum:"0" doc:"Another user's open promises instead (needs inbox.assign)."`
		DueWithin int   `query:"due_within_hours" minimum:"0" doc:"Only those due within this many hours (overdue included); 0 for all."`
		Limit     int   `query:"limit" minimum:"1" maximum:"500" default:"100"`
	}
	huma.Register(a, huma.Operation{OperationID: "listPromises", Method: http.MethodGet, Path: "/promises", Tags: ptags,
		Summary: "Open promises of a user", Description: "Soonest first: overdue ones, then those due soon."},
		func(ctx context.Context, in *listPromisesIn) (*body[items[InboxPromise]], error) {
			user := int64(0)
			if in.UserID != 0 {
				if err := a.Require(ctx, auth.PermInboxAssign); err != nil {
					return nil, err
				}
				user = in.UserID
			} else if act, ok := auth.ActorFrom(ctx); ok {
				user = act.UserID
			}
			var until time.Time
			if in.DueWithin > 0 {
				until = time.Now().Add(time.Duration(in.DueWithin) * time.Hour)
			}
			return respond(ctx, a, promisesOut)(m.svc.OpenPromisesOf(ctx, user, until, in.Limit))
		})

	etags := []string{"Escalations"}
	type escalateIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Reason   string `json:"reason" maxLength:"2000" doc:"Why leadership must look at this."`
			Severity string `json:"severity,omitempty" enum:"low,medium,high,critical" doc:"high when absent."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "escalateConversation", Method: http.MethodPost, Path: "/conversations/{id}/escalations", Tags: etags,
		Summary: "Escalate to leadership", DefaultStatus: http.StatusCreated,
		Description: "Recorded on the conversation (banner and event) and sent to every active administrator. Needs inbox.reply."},
		func(ctx context.Context, in *escalateIn) (*body[InboxEscalation], error) {
			return respond(ctx, a, escalationOut)(m.svc.Escalate(ctx, in.ID, inbox.EscalationInput{Reason: in.Body.Reason, Severity: in.Body.Severity}))
		})

	huma.Register(a, huma.Operation{OperationID: "listEscalations", Method: http.MethodGet, Path: "/conversations/{id}/escalations", Tags: etags,
		Summary: "A conversation's escalations", Description: "Oldest first, open and resolved."},
		func(ctx context.Context, in *idPath) (*body[items[InboxEscalation]], error) {
			return respond(ctx, a, itemsOf(escalationOut))(m.svc.Escalations(ctx, in.ID))
		})

	type resolveIn struct {
		ID   int64 `path:"id" minimum:"1"`
		EID  int64 `path:"eid" minimum:"1"`
		Body struct {
			Resolution string `json:"resolution,omitempty" maxLength:"2000" doc:"What was done."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "resolveEscalation", Method: http.MethodPost, Path: "/conversations/{id}/escalations/{eid}/resolve", Tags: etags,
		Summary: "Resolve (de-escalate)", Description: "Records the resolution and tells whoever raised it."},
		func(ctx context.Context, in *resolveIn) (*body[InboxEscalation], error) {
			return respond(ctx, a, escalationOut)(m.svc.ResolveEscalation(ctx, in.ID, in.EID, in.Body.Resolution))
		})

	ttags := []string{"Topics"}
	huma.Register(a, huma.Operation{OperationID: "listTopics", Method: http.MethodGet, Path: "/topics", Tags: ttags,
		Summary: "The managed list of topics"},
		func(ctx context.Context, _ *struct{}) (*body[items[InboxTopic]], error) {
			return respond(ctx, a, itemsOf(topicOut))(m.svc.Topics(ctx))
		})

	type topicIn struct {
		Body struct {
			Name string `json:"name" maxLength:"100"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "createTopic", Method: http.MethodPost, Path: "/topics", Tags: ttags,
		Summary: "Add a topic", DefaultStatus: http.StatusCreated, Description: "Names are unique regardless of case. Needs inbox.manage."},
		func(ctx context.Context, in *topicIn) (*body[InboxTopic], error) {
			return respond(ctx, a, topicOut)(m.svc.CreateTopic(ctx, in.Body.Name))
		})

	type renameTopicIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Name string `json:"name" maxLength:"100"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "renameTopic", Method: http.MethodPatch, Path: "/topics/{id}", Tags: ttags,
		Summary: "Rename a topic", Description: "Needs inbox.manage."},
		func(ctx context.Context, in *renameTopicIn) (*body[InboxTopic], error) {
			return respond(ctx, a, topicOut)(m.svc.RenameTopic(ctx, in.ID, in.Body.Name))
		})

	huma.Register(a, huma.Operation{OperationID: "deleteTopic", Method: http.MethodDelete, Path: "/topics/{id}", Tags: ttags,
		Summary: "Delete a topic", DefaultStatus: http.StatusNoContent, Description: "It is removed from every conversation. Needs inbox.manage."},
		func(ctx context.Context, in *topicPath) (*struct{}, error) {
			return noContent(ctx, a, m.svc.DeleteTopic(ctx, in.ID))
		})

	huma.Register(a, huma.Operation{OperationID: "getConversationTopics", Method: http.MethodGet, Path: "/conversations/{id}/topics", Tags: ttags,
		Summary: "A conversation's topics", Description: "Each with the number of distinct other people who raised it in other conversations in the last 30 days."},
		func(ctx context.Context, in *idPath) (*body[items[InboxConversationTopic]], error) {
			return respond(ctx, a, topicStatsOut)(m.svc.ConversationTopics(ctx, in.ID))
		})

	type setTopicsIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			TopicIDs []int64 `json:"topic_ids" maxItems:"20" doc:"The full set; replaces the current topics."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setConversationTopics", Method: http.MethodPut, Path: "/conversations/{id}/topics", Tags: ttags,
		Summary: "Replace a conversation's topics", Description: "Needs inbox.reply."},
		func(ctx context.Context, in *setTopicsIn) (*body[items[InboxConversationTopic]], error) {
			return respond(ctx, a, topicStatsOut)(m.svc.SetTopics(ctx, in.ID, in.Body.TopicIDs))
		})

	type topicConvsIn struct {
		ID     int64 `path:"id" minimum:"1"`
		Except int64 `query:"except" minimum:"0" doc:"A conversation to leave out, with its person (the one being viewed)."`
	}
	huma.Register(a, huma.Operation{OperationID: "listTopicConversations", Method: http.MethodGet, Path: "/topics/{id}/conversations", Tags: ttags,
		Summary: "Who else raised a topic", Description: "Other people's conversations with this topic from the last 30 days, newest first."},
		func(ctx context.Context, in *topicConvsIn) (*body[items[InboxConversation]], error) {
			return respond(ctx, a, itemsOf(convOut))(m.svc.TopicConversations(ctx, in.ID, in.Except, 200))
		})

	atags := []string{"Acknowledgement templates"}
	huma.Register(a, huma.Operation{OperationID: "listAckTemplates", Method: http.MethodGet, Path: "/ack-templates", Tags: atags,
		Summary:     "The organization's acknowledgement templates",
		Description: "Per language and channel. Where none is set, the built-in wording of that language is used. Needs inbox.manage."},
		func(ctx context.Context, _ *struct{}) (*body[items[InboxAckTemplate]], error) {
			return respond(ctx, a, itemsOf(ackTemplateOut))(m.svc.ListAckTemplates(ctx))
		})

	type ackBody struct {
		Subject string `json:"subject" maxLength:"300" doc:"Template text; the reference is appended when left out."`
		Body    string `json:"body" maxLength:"10000" doc:"Template text. Variables: {{.FirstName}}, {{.GreetingName}}, {{.SupporterSince}} (a year), {{.Reference}}, {{.Subject}}, {{.ExpectedReply}}, {{.TimeZone}}, {{.Signature}}; {{if .X}}…{{else}}…{{end}} tests one."`
	}
	type saveAckIn struct {
		Language string `path:"language" enum:"en,tr,fr,fi,ja,fa"`
		Channel  string `path:"channel" enum:"email,web,social"`
		Body     ackBody
	}
	huma.Register(a, huma.Operation{OperationID: "saveAckTemplate", Method: http.MethodPut, Path: "/ack-templates/{language}/{channel}", Tags: atags,
		Summary: "Set a language's and channel's template", Description: "Creates or replaces it. An unknown variable is a field error naming it. Needs inbox.manage."},
		func(ctx context.Context, in *saveAckIn) (*body[InboxAckTemplate], error) {
			return respond(ctx, a, ackTemplateOut)(m.svc.SaveAckTemplate(ctx, inbox.AckTemplateInput{Language: in.Language, Channel: in.Channel, Subject: in.Body.Subject, Body: in.Body.Body}))
		})

	type delAckIn struct {
		ID int64 `path:"id" minimum:"1" doc:"The template's id."`
	}
	huma.Register(a, huma.Operation{OperationID: "deleteAckTemplate", Method: http.MethodDelete, Path: "/ack-templates/{id}", Tags: atags,
		Summary: "Remove a template", DefaultStatus: http.StatusNoContent, Description: "The built-in wording applies again."},
		func(ctx context.Context, in *delAckIn) (*struct{}, error) {
			return noContent(ctx, a, m.svc.DeleteAckTemplate(ctx, in.ID))
		})

	type previewIn struct {
		Body struct {
			Language string `json:"language" enum:"en,tr,fr,fi,ja,fa"`
			Channel  string `json:"channel" enum:"email,web,social"`
			Subject  string `json:"subject" maxLength:"300"`
			Body     string `json:"body" maxLength:"10000"`
		}
	}
	type preview struct {
		Subject string `json:"subject"`
		Text    string `json:"text"`
	}
	huma.Register(a, huma.Operation{OperationID: "previewAckTemplate", Method: http.MethodPost, Path: "/ack-templates/preview", Tags: atags,
		Summary: "Preview a template", Description: "Validates it and renders it with sample data in its language."},
		func(ctx context.Context, in *previewIn) (*body[preview], error) {
			subj, text, err := m.svc.PreviewAckTemplate(ctx, inbox.AckTemplateInput{Language: in.Body.Language, Channel: in.Body.Channel,
				Subject: in.Body.Subject, Body: in.Body.Body})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[preview]{preview{Subject: subj, Text: text}}, nil
		})
}
