package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/textsearch"
)

type scanner = db.Scanner

// conflict is a Conflict error keeping its cause for the logs (a unique
// index refused the change: one hours per team, one default).
func conflict(key string, err error) error {
	return &apperr.Error{Code: apperr.CodeConflict, Key: key, Err: err}
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func ptr(t time.Time) *time.Time { return &t }

// stamp is a computed time in the stored form (UTC, microseconds), so that
// what a job carries compares equal to what the row holds.
func stamp(t time.Time) *time.Time { return ptr(t.UTC().Truncate(time.Microsecond)) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain types are marshalled
	}
	return string(b)
}

// lockKey takes a transaction-scoped lock on name (PostgreSQL; SQLite's
// single writer needs none).
func (s *Service) lockKey(ctx context.Context, name string) error {
	if s.db.Dialect == db.SQLite {
		return nil // one writer at a time: every write is serialized already
	}
	h := fnv.New64a()
	h.Write([]byte("inbox:" + name))
	_, err := s.q.Exec(ctx, "LockKey", int64(h.Sum64()))
	return err
}

// scanConversation reads a conversation row (the columns of
// GetConversation and ConversationsByID, then extra), nullable ids given as
// 0. Its targets are one allocation, not one per nullable column: a list's
// cache misses and every view scan these.
func scanConversation(r scanner, extra ...any) (Conversation, error) {
	t := &struct {
		c                                    Conversation
		tags                                 []byte
		firstDue, nextDue, resDue, responded sql.NullTime
		lastIn, waiting, resolved            sql.NullTime
		channel, status, priority            string
		dest                                 [28]any
	}{}
	c := &t.c
	dest := append(t.dest[:0], &c.ID, &c.MailboxID, &c.Subject, &c.PersonID, &t.channel, &t.status, &t.priority,
		&c.TeamID, &c.AssigneeUserID, &c.Reference, &c.Language, &t.tags, &c.PolicyID, &c.FollowUpOfID, &t.firstDue,
		&t.nextDue, &t.resDue, &t.responded, &c.LastMessageAt, &t.lastIn, &t.waiting, &t.resolved, &c.CreatedAt, &c.UpdatedAt)
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return Conversation{}, err
	}
	if len(t.tags) > 2 { // most have none: "[]"
		_ = json.Unmarshal(t.tags, &c.Tags)
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	c.Channel, c.Status, c.Priority = Channel(t.channel), Status(t.status), Priority(t.priority)
	c.FirstResponseDueAt, c.NextResponseDueAt, c.ResolutionDueAt = timePtr(t.firstDue), timePtr(t.nextDue), timePtr(t.resDue)
	c.FirstRespondedAt, c.LastInboundAt, c.WaitingSince, c.ResolvedAt = timePtr(t.responded), timePtr(t.lastIn), timePtr(t.waiting), timePtr(t.resolved)
	c.LastMessageAt, c.CreatedAt, c.UpdatedAt = c.LastMessageAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return *c, nil
}

// conversation reads one conversation, with the workspace's columns that
// lists leave out.
func (s *Service) conversation(ctx context.Context, id int64) (Conversation, error) {
	c, err := scanFullConversation(s.q.QueryRow(ctx, "GetConversation", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("inbox.error.conversation_not_found")
	}
	return c, err
}

// scanFullConversation reads a GetConversation row.
func scanFullConversation(r scanner) (Conversation, error) {
	var (
		until  sql.NullTime
		merged int64
	)
	c, err := scanConversation(r, &until, &merged)
	c.SnoozedUntil, c.MergedIntoID = timePtr(until), merged
	return c, err
}

// lockedConversation reads a conversation for change, holding its row lock
// until the transaction ends.
func (s *Service) lockedConversation(ctx context.Context, id int64) (Conversation, error) {
	var got int64
	err := s.q.QueryRow(ctx, "LockConversation", id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, apperr.NotFound("inbox.error.conversation_not_found")
	}
	if err != nil {
		return Conversation{}, err
	}
	return s.conversation(ctx, id)
}

// insertConversation stores a new conversation with a random row version:
// SQLite may reuse a deleted conversation's id, and the new row must not
// match what the conversation cache kept of the old one.
func (s *Service) insertConversation(ctx context.Context, c *Conversation) error {
	if c.Tags == nil {
		c.Tags = []string{}
	}
	err := s.q.QueryRowW(ctx, "InsertConversation", nullInt(c.MailboxID), c.Subject, nullInt(c.PersonID), string(c.Channel),
		string(c.Status), string(c.Priority), nullInt(c.TeamID), nullInt(c.AssigneeUserID), c.Reference, c.Language,
		mustJSON(c.Tags), nullInt(c.PolicyID), nullInt(c.FollowUpOfID), nullTime(c.FirstResponseDueAt),
		nullTime(c.NextResponseDueAt), nullTime(c.ResolutionDueAt), nullTime(c.FirstRespondedAt), c.LastMessageAt,
		nullTime(c.LastInboundAt), nullTime(c.WaitingSince), nullTime(c.ResolvedAt), c.sortAt(), c.CreatedAt, rand.Int64()).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert conversation: %w", err)
	}
	c.UpdatedAt = c.CreatedAt
	return nil
}

// saveConversation writes c's mutable state back.
func (s *Service) saveConversation(ctx context.Context, c *Conversation) error {
	c.UpdatedAt = s.now()
	if c.Tags == nil {
		c.Tags = []string{}
	}
	_, err := s.q.Exec(ctx, "SaveConversation", c.ID, c.Subject, nullInt(c.PersonID), string(c.Status), string(c.Priority),
		nullInt(c.TeamID), nullInt(c.AssigneeUserID), c.Reference, c.Language, mustJSON(c.Tags), nullInt(c.PolicyID),
		nullTime(c.FirstResponseDueAt), nullTime(c.NextResponseDueAt), nullTime(c.ResolutionDueAt),
		nullTime(c.FirstRespondedAt), c.LastMessageAt, nullTime(c.LastInboundAt), nullTime(c.WaitingSince),
		nullTime(c.ResolvedAt), c.sortAt(), c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save conversation %d: %w", c.ID, err)
	}
	return nil
}

// addEvent records a conversation event. A non-empty dedupeKey makes it
// idempotent (retried jobs); it reports whether the event was new.
func (s *Service) addEvent(ctx context.Context, convID int64, kind string, data any, dedupeKey string) (bool, error) {
	if data == nil {
		data = map[string]any{}
	}
	var id int64
	err := s.q.QueryRowW(ctx, "InsertEvent", convID, kind, nullInt(actorID(ctx)), mustJSON(data), nullStr(dedupeKey), s.now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("conversation event %s: %w", kind, err)
	}
	return true, s.emitEvent(ctx, convID, kind, data)
}

func (s *Service) events(ctx context.Context, convID int64) ([]Event, error) {
	return db.QueryAll(ctx, s.q, scanEvent, "ListEvents", convID)
}

func scanEvent(r scanner) (Event, error) {
	var (
		e     Event
		actor sql.NullInt64
		data  []byte
	)
	if err := r.Scan(&e.ID, &e.ConversationID, &e.Kind, &actor, &data, &e.CreatedAt); err != nil {
		return e, err
	}
	e.ActorUserID, e.CreatedAt = actor.Int64, e.CreatedAt.UTC()
	e.Data = json.RawMessage(slices.Clone(data))
	return e, nil
}

// newMessage is a message row to insert.
type newMessage struct {
	Message
	dedupeKey string
	// opens: the message starts its conversation, which cannot be snoozed.
	opens bool
}

// emptyNotNil gives the lists and the map that hold nothing an empty value
// instead of nil, as they are stored and as the API answers.
func (m *Message) emptyNotNil() {
	if m.To == nil {
		m.To = []Address{}
	}
	if m.Cc == nil {
		m.Cc = []Address{}
	}
	if m.References == nil {
		m.References = []string{}
	}
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
}

func (s *Service) insertMessage(ctx context.Context, m *newMessage) error {
	m.emptyNotNil()
	if m.AutoKind == "" {
		m.AutoKind = "none"
	}
	err := s.q.QueryRowW(ctx, "InsertMessage", m.ConversationID, nullInt(m.MailboxID), string(m.Direction), string(m.Channel),
		nullInt(m.PersonID), nullInt(m.AuthorUserID), m.From.Email, m.From.Name, mustJSON(m.To), mustJSON(m.Cc), m.ReplyTo,
		m.Subject, m.Text, m.HTML, nullStr(m.MessageID), nullStr(m.dedupeKey), m.InReplyTo, mustJSON(m.References),
		mustJSON(m.Headers), m.AutoKind, m.Language, nullStr(m.RawBlob), m.RawSize, nullTime(m.SentAt), m.CreatedAt,
		len(m.Attachments)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	for i := range m.Attachments {
		a := &m.Attachments[i]
		a.MessageID, a.CreatedAt = m.ID, m.CreatedAt
		if err := s.q.QueryRowW(ctx, "InsertAttachment", m.ID, a.Filename, a.ContentType, a.Size, a.ContentID, a.Inline,
			nullStr(a.BlobKey), a.CreatedAt).Scan(&a.ID); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	if err := s.index(ctx, &m.Message); err != nil {
		return err
	}
	if err := s.emitMessage(ctx, &m.Message); err != nil {
		return err
	}
	if !m.opens {
		if err := s.wakeOnInbound(ctx, &m.Message); err != nil {
			return err
		}
	}
	if m.Direction == DirectionNote {
		return nil // staff writing to staff take no part in the mail exchange
	}
	// Participants: whoever wrote or was addressed, except our own mailboxes
	// (all of which share a conversation's reply routes anyway).
	addrs := []string{m.From.Email}
	for _, a := range slices.Concat(m.To, m.Cc) {
		addrs = append(addrs, a.Email)
	}
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if mb, _ := s.mailboxByAddress(ctx, a); mb != nil {
			continue
		}
		if _, err := s.q.Exec(ctx, "InsertParticipant", m.ConversationID, a); err != nil {
			return fmt.Errorf("participant: %w", err)
		}
	}
	return nil
}

// index writes a message's search row: subject, sender, recipients, text and
// attachment names, through the one analyzer every capability uses.
func (s *Service) index(ctx context.Context, m *Message) error {
	fields := []string{m.Subject, m.From.Name, m.From.Email, m.Text}
	for _, a := range slices.Concat(m.To, m.Cc) {
		fields = append(fields, a.Name, a.Email)
	}
	for _, a := range m.Attachments {
		fields = append(fields, a.Filename)
	}
	id, body := m.ID, textsearch.IndexText(fields...)
	return db.GroupDefer(ctx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "UpsertSearch", id, body); err != nil {
			return fmt.Errorf("index message %d: %w", id, err)
		}
		return nil
	})
}

// messageScan holds the scan targets of a message row (GetMessage,
// ConversationMessages), reused for each row of a query: a view scans a
// dozen rows, and a target of its own for each column of each row was a
// fifth of the client's CPU on PostgreSQL. The queries give nullable ids and
// texts as 0 and "".
type messageScan struct {
	m                     Message
	direction, channel    string
	to, cc, refs, headers []byte
	sent, oNext, oSent    sql.NullTime
	oStatus, oErr         string
	oAttempts             int
	attachments           int
	dest                  []any
}

// newMessageScan prepares the targets.
func newMessageScan() *messageScan {
	t := &messageScan{}
	m := &t.m
	t.dest = []any{&m.ID, &m.ConversationID, &m.MailboxID, &t.direction, &t.channel, &m.PersonID, &m.AuthorUserID,
		&m.From.Email, &m.From.Name, &t.to, &t.cc, &m.ReplyTo, &m.Subject, &m.Text, &m.HTML, &m.MessageID, &m.InReplyTo,
		&t.refs, &t.headers, &m.AutoKind, &m.Language, &m.RawBlob, &m.RawSize, &t.sent, &m.CreatedAt,
		&t.oStatus, &t.oAttempts, &t.oErr, &t.oNext, &t.oSent, &t.attachments}
	return t
}

// scan reads one row. AuthorName is left to fillAuthorNames.
func (t *messageScan) scan(r scanner) (Message, error) {
	t.m = Message{}
	if err := r.Scan(t.dest...); err != nil {
		return Message{}, err
	}
	// Most are "[]" or "{}": nothing to decode. Decoded into t, which is
	// on the heap already, so that m stays on the stack.
	for _, f := range [...]struct {
		data []byte
		dst  any
	}{{t.to, &t.m.To}, {t.cc, &t.m.Cc}, {t.refs, &t.m.References}, {t.headers, &t.m.Headers}} {
		if len(f.data) > 2 {
			_ = json.Unmarshal(f.data, f.dst)
		}
	}
	m := t.m
	m.Direction, m.Channel = Direction(t.direction), Channel(t.channel)
	m.SentAt, m.CreatedAt = timePtr(t.sent), m.CreatedAt.UTC()
	m.emptyNotNil()
	m.Attachments = []Attachment{}
	if t.oStatus != "" {
		m.Outbox = &OutboxState{Status: t.oStatus, Attempts: t.oAttempts, LastError: t.oErr,
			NextAttemptAt: timePtr(t.oNext), SentAt: timePtr(t.oSent)}
	}
	return m, nil
}

func (s *Service) message(ctx context.Context, id int64) (Message, error) {
	m, err := newMessageScan().scan(s.q.QueryRow(ctx, "GetMessage", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFound("inbox.error.message_not_found")
	}
	if err != nil {
		return m, err
	}
	one := []Message{m}
	err = s.fillAuthorNames(ctx, one)
	return one[0], err
}

func scanAttachment(r scanner) (Attachment, error) {
	var (
		a    Attachment
		blob sql.NullString
	)
	err := r.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.ContentID, &a.Inline, &blob, &a.CreatedAt)
	a.BlobKey, a.CreatedAt = blob.String, a.CreatedAt.UTC()
	return a, err
}

// readMessages reads ConversationMessages rows and says whether any of the
// messages has attachments (attach adds them).
func readMessages(r db.Rows) (out []Message, attached bool, err error) {
	out = []Message{}
	t := newMessageScan()
	for r.Next() {
		m, err := t.scan(r)
		if err != nil {
			return nil, false, err
		}
		out = append(out, m)
		attached = attached || t.attachments > 0
	}
	return out, attached, nil
}

// attach adds their attachments to a conversation's messages.
func (s *Service) attach(ctx context.Context, convID int64, msgs []Message) error {
	byID := make(map[int64]int, len(msgs))
	for i, m := range msgs {
		byID[m.ID] = i
	}
	rows, err := s.q.Query(ctx, "ConversationAttachments", convID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return err
		}
		if i, ok := byID[a.MessageID]; ok {
			msgs[i].Attachments = append(msgs[i].Attachments, a)
		}
	}
	return rows.Err()
}
