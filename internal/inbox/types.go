package inbox

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

var errMissingDeps = errors.New("inbox: Config.People and Config.Jobs are required")

// Status is where a conversation stands. Clocks run in new and open, pause in
// waiting (the ball is in the person's court) and stop in resolved and closed.
type Status string

const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusWaiting  Status = "waiting"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusOpen, StatusWaiting, StatusResolved, StatusClosed}

func (s Status) valid() bool { return slices.Contains(Statuses, s) }

// running reports whether response clocks run in s.
func (s Status) running() bool { return s == StatusNew || s == StatusOpen }

// done reports whether the conversation is finished.
func (s Status) done() bool { return s == StatusResolved || s == StatusClosed }

// Channel is where a conversation came from.
type Channel string

const (
	ChannelEmail  Channel = "email"
	ChannelWeb    Channel = "web"
	ChannelPhone  Channel = "phone"
	ChannelSocial Channel = "social"
)

// Priority orders work and selects response policies.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Direction says who wrote a message: the person (in), staff or the system
// (out), or staff for staff only (note: an internal note, never sent).
type Direction string

const (
	DirectionIn   Direction = "in"
	DirectionOut  Direction = "out"
	DirectionNote Direction = "note"
)

// Mailbox is an address the organization receives mail at.
type Mailbox struct {
	ID          int64     `json:"id"`
	Address     string    `json:"address"`
	DisplayName string    `json:"display_name"`
	TeamID      int64     `json:"team_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MailboxInput creates or changes a mailbox. The address cannot change once
// created (stored messages are deduplicated per mailbox).
type MailboxInput struct {
	Address     string `json:"address"`
	DisplayName string `json:"display_name"`
	TeamID      int64  `json:"team_id"`
}

// Conversation is one matter with one person, across its messages.
type Conversation struct {
	ID             int64    `json:"id"`
	MailboxID      int64    `json:"mailbox_id,omitempty"`
	Subject        string   `json:"subject"`
	PersonID       int64    `json:"person_id,omitempty"`
	Channel        Channel  `json:"channel"`
	Status         Status   `json:"status"`
	Priority       Priority `json:"priority"`
	TeamID         int64    `json:"team_id,omitempty"`
	AssigneeUserID int64    `json:"assignee_user_id,omitempty"`
	// Reference is the token people quote, "HK-123".
	Reference string   `json:"reference"`
	Language  string   `json:"language,omitempty"`
	Tags      []string `json:"tags"`
	PolicyID  int64    `json:"policy_id,omitempty"`
	// FollowUpOfID is the closed conversation a reply arrived for.
	FollowUpOfID int64 `json:"follow_up_of_id,omitempty"`
	// SnoozedUntil and MergedIntoID are filled by GetConversation (the
	// workspace's columns; lists leave them empty).
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
	MergedIntoID int64      `json:"merged_into_id,omitempty"`

	FirstResponseDueAt *time.Time `json:"first_response_due_at,omitempty"`
	NextResponseDueAt  *time.Time `json:"next_response_due_at,omitempty"`
	ResolutionDueAt    *time.Time `json:"resolution_due_at,omitempty"`
	FirstRespondedAt   *time.Time `json:"first_responded_at,omitempty"`
	LastMessageAt      time.Time  `json:"last_message_at"`
	LastInboundAt      *time.Time `json:"last_inbound_at,omitempty"`
	// WaitingSince is set while the clocks are paused.
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// DueAt is the earliest deadline of a running clock, nil when none runs
// (waiting, resolved, closed, or every target met).
func (c *Conversation) DueAt() *time.Time {
	if !c.Status.running() {
		return nil
	}
	var out *time.Time
	for _, t := range c.pending() {
		if out == nil || t.Before(*out) {
			out = t
		}
	}
	return out
}

// pending lists the deadlines not yet met, running or paused.
func (c *Conversation) pending() []*time.Time {
	var ts []*time.Time
	if c.FirstRespondedAt == nil && c.FirstResponseDueAt != nil {
		ts = append(ts, c.FirstResponseDueAt)
	}
	if c.NextResponseDueAt != nil {
		ts = append(ts, c.NextResponseDueAt)
	}
	if c.ResolutionDueAt != nil && !c.Status.done() {
		ts = append(ts, c.ResolutionDueAt)
	}
	return ts
}

// noDue sorts conversations without a running clock after those with one;
// finishedSort sorts resolved and closed ones after both, so that a view of
// active work reads its index range up to noDue and no further, however
// many finished conversations an agent or team has.
var (
	noDue        = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	finishedSort = time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
)

func (c *Conversation) sortAt() time.Time {
	if d := c.DueAt(); d != nil {
		return *d
	}
	if c.Status.done() {
		return finishedSort
	}
	return noDue
}

// sortUntil is the last sort key a list of these statuses (",a,b,") can hold.
func sortUntil(statuses string) time.Time {
	if strings.Contains(statuses, ","+string(StatusResolved)+",") || strings.Contains(statuses, ","+string(StatusClosed)+",") {
		return finishedSort
	}
	return noDue
}

// Address is a mailbox as shown: display name and e-mail address.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// Message is one message of a conversation, in either direction, or an
// internal note.
type Message struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	MailboxID      int64     `json:"mailbox_id,omitempty"`
	Direction      Direction `json:"direction"`
	Channel        Channel   `json:"channel"`
	PersonID       int64     `json:"person_id,omitempty"`
	AuthorUserID   int64     `json:"author_user_id,omitempty"`
	// AuthorName is the staff member who wrote it (a reply, a note, a
	// logged call); From is the mailbox it went out from.
	AuthorName string    `json:"author_name,omitempty"`
	From       Address   `json:"from"`
	To         []Address `json:"to"`
	Cc         []Address `json:"cc"`
	ReplyTo    string    `json:"reply_to,omitempty"`
	Subject    string    `json:"subject"`
	Text       string    `json:"text"`
	// HTML is sanitized (email.SanitizeHTML) and safe to show.
	HTML       string            `json:"html,omitempty"`
	MessageID  string            `json:"message_id,omitempty"`
	InReplyTo  string            `json:"in_reply_to,omitempty"`
	References []string          `json:"references,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	// AutoKind is email.AutoKind's name: none, auto-reply, bounce, bulk.
	AutoKind string `json:"auto_kind"`
	Language string `json:"language,omitempty"`
	// RawBlob is the BlobStore key of the raw .eml, when kept.
	RawBlob     string       `json:"raw_blob,omitempty"`
	RawSize     int64        `json:"raw_size,omitempty"`
	SentAt      *time.Time   `json:"sent_at,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	Attachments []Attachment `json:"attachments"`
	// Outbox is the delivery state of an outbound message.
	Outbox *OutboxState `json:"outbox,omitempty"`
}

// Attachment is a file that came with a message (metadata; the bytes are in
// the BlobStore under BlobKey, empty when the file was too large to keep).
type Attachment struct {
	ID          int64     `json:"id"`
	MessageID   int64     `json:"message_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	ContentID   string    `json:"content_id,omitempty"`
	Inline      bool      `json:"inline"`
	BlobKey     string    `json:"blob_key,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Outbox statuses.
const (
	OutboxQueued = "queued"
	OutboxSent   = "sent"
	OutboxFailed = "failed"
)

// OutboxState is where an outbound message is on its way out.
type OutboxState struct {
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// Event is something that happened to a conversation besides a message.
type Event struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	Kind           string          `json:"kind"`
	ActorUserID    int64           `json:"actor_user_id,omitempty"`
	Data           json.RawMessage `json:"data"`
	CreatedAt      time.Time       `json:"created_at"`
}

// Conversation event kinds.
const (
	EventCreated      = "created"
	EventReopened     = "reopened"
	EventStatus       = "status"
	EventAssigned     = "assigned"
	EventTeam         = "team"
	EventAckQueued    = "ack.queued"
	EventAckSkipped   = "ack.skipped"
	EventSent         = "message.sent"
	EventSendFailed   = "message.failed"
	EventSLAWarning   = "sla.warning"
	EventSLABreach    = "sla.breach"
	EventPriority     = "priority"
	EventTags         = "tags"
	EventFollowUp     = "follow_up"
	EventNoteAdded    = "note"
	EventReplyQueued  = "reply"
	EventBounce       = "bounce"
	TimelineMessageIn = "message.in"
	// TimelineMessageOut is the person's timeline kind for a staff reply.
	TimelineMessageOut = "message.out"
)

// ConversationDetail is a conversation with its messages (oldest first,
// attachments included) and events.
type ConversationDetail struct {
	Conversation
	Messages []Message `json:"messages"`
	Events   []Event   `json:"events"`
}

// View is a predefined conversation list.
type View string

const (
	// ViewMine: assigned to the actor and not finished.
	ViewMine View = "mine"
	// ViewUnassigned: nobody's yet, new or open.
	ViewUnassigned View = "unassigned"
	// ViewTeam: the actor's teams' (or Filter.TeamID's), not finished.
	ViewTeam View = "team"
	// ViewWaiting: waiting for the person.
	ViewWaiting View = "waiting"
	// ViewAll: everything.
	ViewAll View = "all"
)

// Filter selects conversations for ListConversations. Status, when set,
// replaces the view's own status selection.
type Filter struct {
	View   View   `json:"view"`
	Q      string `json:"q"`
	Status Status `json:"status"`
	TeamID int64  `json:"team_id"`
	// Workspace filters and order (workspace.go): empty means any / due.
	Channel    Channel  `json:"channel,omitempty"`
	Priority   Priority `json:"priority,omitempty"`
	Tag        string   `json:"tag,omitempty"`
	AssigneeID int64    `json:"assignee_id,omitempty"`
	Sort       Sort     `json:"sort,omitempty"`
}

// Page is one page of a cursor-paginated list; Next is empty on the last page.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}
