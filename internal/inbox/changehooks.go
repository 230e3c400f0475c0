package inbox

import (
	"context"
	"strconv"
	"time"
)

// Change event types: what outside listeners (webhooks) hear about.
const (
	ChangeConversationCreated       = "conversation.created"
	ChangeConversationStatusChanged = "conversation.status_changed"
	ChangeConversationAssigned      = "conversation.assigned"
	ChangeMessageReceived           = "message.received"
	ChangeMessageSent               = "message.sent"
)

// ChangeTypes lists every change event type, for a webhook's subscription.
var ChangeTypes = []string{ChangeConversationCreated, ChangeConversationStatusChanged, ChangeConversationAssigned,
	ChangeMessageReceived, ChangeMessageSent}

// changeOf maps conversation event kinds to change types.
var changeOf = map[string]string{
	EventCreated:  ChangeConversationCreated,
	EventStatus:   ChangeConversationStatusChanged,
	EventReopened: ChangeConversationStatusChanged,
	EventAssigned: ChangeConversationAssigned,
	EventSent:     ChangeMessageSent,
}

// ChangeEvent is one conversation or message event for listeners.
type ChangeEvent struct {
	Type         string
	Conversation ChangeConversation
	// Message is set for message events.
	Message *ChangeMessage
	// Data is the conversation event's own data (from/to of a status change
	// or assignment).
	Data any
	At   time.Time
}

// ChangeConversation is the conversation as listeners see it.
type ChangeConversation struct {
	ID             int64    `json:"id"`
	Reference      string   `json:"reference"`
	Subject        string   `json:"subject"`
	Status         Status   `json:"status"`
	Channel        Channel  `json:"channel"`
	Priority       Priority `json:"priority"`
	PersonID       int64    `json:"person_id,omitempty"`
	TeamID         int64    `json:"team_id,omitempty"`
	AssigneeUserID int64    `json:"assignee_user_id,omitempty"`
	Language       string   `json:"language,omitempty"`
	Tags           []string `json:"tags"`
}

// ChangeMessage is a message as listeners see it; Text is cut at
// maxChangeText bytes.
type ChangeMessage struct {
	ID        int64     `json:"id"`
	Direction Direction `json:"direction"`
	From      Address   `json:"from"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	Truncated bool      `json:"truncated,omitempty"`
	// Automatic is set on what Hearken sent by itself (acknowledgements).
	Automatic bool      `json:"automatic,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

const maxChangeText = 64 << 10

// ChangeHook runs inside the transaction of a change, so what it writes (a
// webhook delivery) commits or rolls back with it. An error rolls the change
// back.
type ChangeHook func(ctx context.Context, e ChangeEvent) error

type changeHook struct {
	wants func(ctx context.Context, typ string) (bool, error)
	h     ChangeHook
}

// OnChange registers h before the service is used (not safe for concurrent
// registration).
func (s *Service) OnChange(h ChangeHook) { s.OnChangeIf(nil, h) }

// OnChangeIf registers h for the event types wants accepts (asked inside the
// transaction, before the event is built, so that nobody listening costs
// little); a nil wants accepts every type.
func (s *Service) OnChangeIf(wants func(ctx context.Context, typ string) (bool, error), h ChangeHook) {
	s.changeHooks = append(s.changeHooks, changeHook{wants: wants, h: h})
}

// listeners are the hooks that want typ.
func (s *Service) listeners(ctx context.Context, typ string) ([]ChangeHook, error) {
	var out []ChangeHook
	for _, ch := range s.changeHooks {
		if ch.wants != nil {
			ok, err := ch.wants(ctx, typ)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, ch.h)
	}
	return out, nil
}

// emitEvent tells the change hooks about a conversation event of kind, when
// it is one they hear about.
func (s *Service) emitEvent(ctx context.Context, convID int64, kind string, data any) error {
	if len(s.changeHooks) == 0 {
		return nil
	}
	typ, ok := changeOf[kind]
	if !ok {
		return nil
	}
	hooks, err := s.listeners(ctx, typ)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var msg *ChangeMessage
	if typ == ChangeMessageSent {
		m, _ := data.(map[string]any)
		id, _ := m["message_id"].(int64)
		if id == 0 {
			return nil
		}
		got, err := s.message(ctx, id)
		if err != nil {
			return err
		}
		msg = changeMessage(&got)
	}
	return s.emit(ctx, hooks, convID, typ, msg, data)
}

// emitMessage tells the change hooks about a message received.
func (s *Service) emitMessage(ctx context.Context, m *Message) error {
	if len(s.changeHooks) == 0 || m.Direction != DirectionIn {
		return nil
	}
	hooks, err := s.listeners(ctx, ChangeMessageReceived)
	if err != nil || len(hooks) == 0 {
		return err
	}
	return s.emit(ctx, hooks, m.ConversationID, ChangeMessageReceived, changeMessage(m), nil)
}

func (s *Service) emit(ctx context.Context, hooks []ChangeHook, convID int64, typ string, msg *ChangeMessage, data any) error {
	c, err := s.conversation(ctx, convID)
	if err != nil {
		return err
	}
	ref := c.Reference
	if ref == "" { // a conversation being created gets its reference on save
		ref = "HK-" + strconv.FormatInt(c.ID, 10)
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	e := ChangeEvent{Type: typ, Message: msg, Data: data, At: s.now(), Conversation: ChangeConversation{ID: c.ID, Reference: ref,
		Subject: c.Subject, Status: c.Status, Channel: c.Channel, Priority: c.Priority, PersonID: c.PersonID, TeamID: c.TeamID,
		AssigneeUserID: c.AssigneeUserID, Language: c.Language, Tags: tags}}
	for _, h := range hooks {
		if err := h(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

func changeMessage(m *Message) *ChangeMessage {
	out := &ChangeMessage{ID: m.ID, Direction: m.Direction, From: m.From, Subject: m.Subject, Text: m.Text, CreatedAt: m.CreatedAt,
		Automatic: m.Direction == DirectionOut && m.AuthorUserID == 0}
	if len(out.Text) > maxChangeText {
		out.Text, out.Truncated = truncateBytes(out.Text, maxChangeText), true
	}
	return out
}

// truncateBytes cuts s to at most n bytes on a character boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
