package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
)

// Merge moves everything of the conversation sourceID (messages, events,
// participants, acknowledgements) into targetID, which keeps its own state,
// gains the source's tags and the later message times; the source is closed
// and points at the target. Both must be open to change (not merged away).
func (s *Service) Merge(ctx context.Context, targetID, sourceID int64) (Conversation, error) {
	if err := auth.Require(ctx, auth.PermInboxAssign); err != nil {
		return Conversation{}, err
	}
	if targetID == sourceID {
		return Conversation{}, apperr.Invalid().Field("source_id", "inbox.error.merge_self")
	}
	var out Conversation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		// Lock in id order, so two opposite merges cannot deadlock.
		lo, hi := min(targetID, sourceID), max(targetID, sourceID)
		a, err := s.lockedConversation(ctx, lo)
		if err != nil {
			return err
		}
		b, err := s.lockedConversation(ctx, hi)
		if err != nil {
			return err
		}
		t, src := a, b
		if t.ID != targetID {
			t, src = b, a
		}
		for _, c := range []*Conversation{&t, &src} {
			if c.MergedIntoID != 0 {
				return apperr.Conflict("inbox.error.merged_already", "Reference", c.Reference)
			}
		}
		moved, err := s.countMessages(ctx, src.ID)
		if err != nil {
			return err
		}
		for _, q := range []string{"MoveMessages", "MoveEvents", "MoveAcks", "CopyParticipants"} {
			if _, err := s.q.Exec(ctx, q, t.ID, src.ID); err != nil {
				return fmt.Errorf("merge %s: %w", q, err)
			}
		}
		if _, err := s.q.Exec(ctx, "DeleteParticipants", src.ID); err != nil {
			return err
		}
		now := s.now()
		before := t
		if src.LastMessageAt.After(t.LastMessageAt) {
			t.LastMessageAt = src.LastMessageAt
		}
		if src.LastInboundAt != nil && (t.LastInboundAt == nil || src.LastInboundAt.After(*t.LastInboundAt)) {
			t.LastInboundAt = src.LastInboundAt
		}
		tags := slices.Concat(t.Tags, src.Tags)
		slices.Sort(tags)
		t.Tags = slices.Compact(tags)
		if t.PersonID == 0 {
			t.PersonID = src.PersonID
		}
		kt, err := s.clocksOf(ctx, &t)
		if err != nil {
			return err
		}
		if err := s.saveConversation(ctx, &t); err != nil {
			return err
		}
		if err := s.scheduleDeadlines(ctx, &before, &t, kt); err != nil {
			return err
		}
		ks, err := s.clocksOf(ctx, &src)
		if err != nil {
			return err
		}
		srcBefore := src
		ks.setStatus(&src, StatusClosed, now)
		if err := s.saveConversation(ctx, &src); err != nil {
			return err
		}
		if err := s.scheduleDeadlines(ctx, &srcBefore, &src, ks); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "SetMergedInto", src.ID, t.ID, now); err != nil {
			return err
		}
		data := map[string]any{"target_id": t.ID, "target": t.Reference, "source_id": src.ID, "source": src.Reference, "messages": moved}
		if _, err := s.addEvent(ctx, t.ID, EventMerged, data, ""); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, src.ID, EventMergedInto, data, ""); err != nil {
			return err
		}
		out = t
		return s.cfg.Auditor.Audit(ctx, "inbox.merge", "inbox_conversation", t.ID, data)
	})
	return out, err
}

func (s *Service) countMessages(ctx context.Context, convID int64) (int, error) {
	var n int
	err := s.q.QueryRow(ctx, "WorkspaceCountMessages", convID).Scan(&n)
	return n, err
}

// Split moves one message into a new conversation of its own (same person,
// mailbox, team and priority), which gets its own response clocks from
// that message's time. The last message of a conversation cannot be split
// off.
func (s *Service) Split(ctx context.Context, convID, messageID int64) (Conversation, error) {
	if err := auth.Require(ctx, auth.PermInboxAssign); err != nil {
		return Conversation{}, err
	}
	var out Conversation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		m, err := s.messageOf(ctx, c.ID, messageID)
		if err != nil {
			return err
		}
		if n, err := s.countMessages(ctx, c.ID); err != nil {
			return err
		} else if n < 2 {
			return apperr.Conflict("inbox.error.split_last")
		}
		now := s.now()
		subject := truncateRunes(email.NormalizeSubject(m.Subject), maxSubjectRune)
		if subject == "" {
			subject = c.Subject
		}
		nc := Conversation{MailboxID: c.MailboxID, Subject: subject, PersonID: c.PersonID, Channel: c.Channel,
			Status: StatusOpen, Priority: c.Priority, TeamID: c.TeamID, AssigneeUserID: c.AssigneeUserID,
			Language: firstNonEmpty(m.Language, c.Language), Tags: slices.Clone(c.Tags), LastMessageAt: m.CreatedAt,
			CreatedAt: now}
		if m.PersonID != 0 {
			nc.PersonID = m.PersonID
		}
		if m.Direction == DirectionIn {
			nc.LastInboundAt = ptr(m.CreatedAt)
		}
		k, err := s.selectClocks(ctx, &nc)
		if err != nil {
			return err
		}
		if m.Direction == DirectionIn {
			k.start(&nc, m.CreatedAt)
		}
		if err := s.insertConversation(ctx, &nc); err != nil {
			return err
		}
		nc.Reference = "HK-" + strconv.FormatInt(nc.ID, 10)
		if err := s.saveConversation(ctx, &nc); err != nil {
			return err
		}
		if err := s.scheduleDeadlines(ctx, &Conversation{}, &nc, k); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "SplitMoveMessage", nc.ID, m.ID); err != nil {
			return err
		}
		for _, a := range slices.Concat([]Address{m.From}, m.To, m.Cc) {
			addr := strings.ToLower(strings.TrimSpace(a.Email))
			if addr == "" {
				continue
			}
			if mb, _ := s.mailboxByAddress(ctx, addr); mb != nil {
				continue
			}
			if _, err := s.q.Exec(ctx, "InsertParticipant", nc.ID, addr); err != nil {
				return err
			}
		}
		data := map[string]any{"message_id": m.ID, "from_id": c.ID, "from": c.Reference, "to_id": nc.ID, "to": nc.Reference}
		if _, err := s.addEvent(ctx, nc.ID, EventCreated, map[string]any{"split_from": c.ID, "policy": k.policy.Name}, ""); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, nc.ID, EventSplitFrom, data, ""); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, c.ID, EventSplit, data, ""); err != nil {
			return err
		}
		if err := s.opened(ctx, &nc); err != nil {
			return err
		}
		out = nc
		return s.cfg.Auditor.Audit(ctx, "inbox.split", "inbox_conversation", c.ID, data)
	})
	return out, err
}

// ForwardInput forwards one message to an outside address.
type ForwardInput struct {
	To string `json:"to"`
	// Text is a note written above the forwarded message.
	Text string `json:"text"`
}

// Forward sends a copy of a message, with its attachments, to an outside
// address through the outbox, from the conversation's mailbox. The copy is
// recorded on the conversation as an outbound message.
func (s *Service) Forward(ctx context.Context, convID, messageID int64, in ForwardInput) (Message, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Message{}, err
	}
	v := apperr.Invalid()
	addr, err := mail.ParseAddress(strings.TrimSpace(in.To))
	if err != nil || !strings.Contains(addr.Address, "@") {
		v.Field("to", "inbox.error.forward_to")
	}
	in.Text = strings.TrimSpace(in.Text)
	if len(in.Text) > maxBodyBytes {
		v.Field("text", "inbox.error.too_long", "Max", maxBodyBytes)
	}
	if err := v.OrNil(); err != nil {
		return Message{}, err
	}
	secret, err := s.replySecret(ctx)
	if err != nil {
		return Message{}, err
	}
	var out Message
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		m, err := s.messageOf(ctx, c.ID, messageID)
		if err != nil {
			return err
		}
		if c.MailboxID == 0 {
			return apperr.Conflict("inbox.error.no_mailbox")
		}
		if own, err := s.mailboxByAddress(ctx, addr.Address); err != nil {
			return err
		} else if own != nil {
			return apperr.Invalid().Field("to", "inbox.error.forward_own")
		}
		mb, err := s.mailbox(ctx, c.MailboxID)
		if err != nil {
			return err
		}
		atts, err := s.messageAttachments(ctx, m.ID)
		if err != nil {
			return err
		}
		text, html := forwardBody(in.Text, &m)
		text, html, err = s.withSignature(ctx, &c, text, html)
		if err != nil {
			return err
		}
		subject := "Fwd: " + firstNonEmpty(m.Subject, c.Subject)
		nm, err := s.queueOutbound(ctx, &c, &mb, nil, secret, outbound{To: []Address{{Name: addr.Name, Email: addr.Address}},
			Subject: subject, Text: text, HTML: html, Language: c.Language, Author: actorID(ctx), Attachments: atts})
		if err != nil {
			return err
		}
		data := map[string]any{"message_id": nm.ID, "forwarded_id": m.ID, "to": addr.Address}
		if _, err := s.addEvent(ctx, c.ID, EventForwarded, data, ""); err != nil {
			return err
		}
		if out, err = s.message(ctx, nm.ID); err != nil {
			return err
		}
		out.Attachments, err = s.messageAttachments(ctx, nm.ID)
		if err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.forward", "inbox_conversation", c.ID, data)
	})
	return out, err
}

// forwardBody is the note, then the forwarded message's headers and text.
func forwardBody(note string, m *Message) (string, string) {
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	b.WriteString("---------- Forwarded message ----------\n")
	from := m.From.Email
	if m.From.Name != "" {
		from = m.From.Name + " <" + m.From.Email + ">"
	}
	fmt.Fprintf(&b, "From: %s\nDate: %s\nSubject: %s\n", from, m.CreatedAt.Format(time.RFC1123Z), m.Subject)
	if len(m.To) > 0 {
		var to []string
		for _, a := range m.To {
			to = append(to, a.Email)
		}
		fmt.Fprintf(&b, "To: %s\n", strings.Join(to, ", "))
	}
	text := m.Text
	if text == "" && m.HTML != "" {
		text = email.HTMLToText(m.HTML)
	}
	b.WriteString("\n" + text)
	html := ""
	if m.HTML != "" {
		head := strings.ReplaceAll(htmlEscape(strings.TrimSuffix(b.String()[:len(b.String())-len(text)], "\n")), "\n", "<br>")
		html = "<div>" + head + "</div><blockquote>" + m.HTML + "</blockquote>"
	}
	return b.String(), html
}

func (s *Service) messageAttachments(ctx context.Context, messageID int64) ([]Attachment, error) {
	rows, err := s.q.Query(ctx, "WorkspaceMessageAttachments", messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// outAttachments loads an outbound message's attachments with their bytes,
// for the relay. A file too large to have been kept is left out.
func (s *Service) outAttachments(ctx context.Context, messageID int64) ([]email.OutAttachment, error) {
	atts, err := s.messageAttachments(ctx, messageID)
	if err != nil {
		return nil, err
	}
	var out []email.OutAttachment
	for _, a := range atts {
		if a.BlobKey == "" {
			continue
		}
		data, err := s.cfg.Blobs.Get(ctx, a.BlobKey)
		if err != nil {
			return nil, fmt.Errorf("attachment %d: %w", a.ID, err)
		}
		out = append(out, email.OutAttachment{Filename: a.Filename, ContentType: a.ContentType, Data: data})
	}
	return out, nil
}

// followMerge is where a conversation's mail goes now: the conversation it
// was merged into (following a chain of merges), else itself. A reply
// routed to a merged conversation (its Reply-To address, its reference)
// lands in the one that was kept.
func (s *Service) followMerge(ctx context.Context, convID int64) (int64, error) {
	for range 8 {
		var (
			until  sql.NullTime
			merged sql.NullInt64
		)
		err := s.q.QueryRow(ctx, "ConversationExtra", convID).Scan(&until, &merged)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !merged.Valid) {
			return convID, nil
		}
		if err != nil {
			return 0, err
		}
		convID = merged.Int64
	}
	return convID, nil
}

// messageOf reads message messageID of conversation convID: NotFound when
// it belongs to another conversation.
func (s *Service) messageOf(ctx context.Context, convID, messageID int64) (Message, error) {
	m, err := s.message(ctx, messageID)
	if err == nil && m.ConversationID != convID {
		return Message{}, apperr.NotFound("inbox.error.message_not_found")
	}
	return m, err
}
