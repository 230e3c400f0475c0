package inbox

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// outbound is a message for queueOutbound.
type outbound struct {
	To, Cc   []Address
	Subject  string
	Text     string
	HTML     string // already sanitized
	Headers  map[string]string
	Language string
	Author   int64
	// Attachments are stored files to send along (a forward's); they are
	// recorded on the new message under the same blob keys.
	Attachments []Attachment
}

// queueOutbound stores an outbound message answering parent (In-Reply-To,
// References) from the conversation's mailbox, with a Reply-To routing
// answers back to the conversation, and queues it in the outbox: the row and
// the send job commit with the caller's transaction.
func (s *Service) queueOutbound(ctx context.Context, c *Conversation, mb *Mailbox, parent *Message, secret []byte, o outbound) (*newMessage, error) {
	now := s.now()
	_, domain, _ := strings.Cut(mb.Address, "@")
	id := strings.Trim(email.NewMessageID(domain), "<>")
	var refs []string
	inReplyTo := ""
	if parent != nil {
		refs = append(refs, parent.References...)
		if parent.MessageID != "" {
			inReplyTo = parent.MessageID
			refs = append(refs, parent.MessageID)
		}
		refs = slices.Compact(refs)
		if len(refs) > maxReferences {
			refs = append(refs[:1:1], refs[len(refs)-maxReferences+1:]...)
		}
	}
	m := &newMessage{Message: Message{
		ConversationID: c.ID, MailboxID: mb.ID, Direction: DirectionOut, Channel: ChannelEmail, PersonID: c.PersonID,
		AuthorUserID: o.Author, From: Address{Name: mb.DisplayName, Email: mb.Address}, To: o.To, Cc: o.Cc,
		ReplyTo: formatAddress(mb.DisplayName, email.ReplyAddress(mb.Address, c.ID, secret)),
		Subject: o.Subject, Text: o.Text, HTML: o.HTML, MessageID: id, InReplyTo: inReplyTo, References: refs,
		Headers: o.Headers, Language: o.Language, CreatedAt: now,
	}, dedupeKey: id}
	if a, ok := auth.ActorFrom(ctx); ok && o.Author != 0 && a.UserID == o.Author {
		m.AuthorName = a.Name // as read back, where it comes from the users table
	}
	for _, a := range o.Attachments {
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size,
			ContentID: a.ContentID, Inline: a.Inline, BlobKey: a.BlobKey})
	}
	// The dedupe key is our Message-ID: should the message come back to the
	// mailbox (a Bcc, a forwarding loop), it is recognised as already stored.
	if err := s.insertMessage(ctx, m); err != nil {
		return nil, err
	}
	if _, err := s.q.Exec(ctx, "InsertOutbox", m.ID, now); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Jobs.Enqueue(ctx, sendArgs{MessageID: m.ID}, &river.InsertOpts{MaxAttempts: s.cfg.SendMaxAttempts + 1}); err != nil {
		return nil, err
	}
	return m, nil
}

// formatAddress renders a mailbox for a header (RFC 2047 for non-ASCII
// names, quoting where needed).
func formatAddress(name, addr string) string {
	return (&mail.Address{Name: name, Address: addr}).String()
}

// claimTTL is how long a worker holds a message it is sending; a crashed
// worker's claim lapses and another attempt may go ahead.
const claimTTL = 10 * time.Minute

var errClaimed = errors.New("inbox: message is being sent by another worker")

// sendQueued sends one outbox message: claim it in a transaction (only if
// still queued and not held by another worker), talk to the relay outside
// any transaction, then record the outcome in another, again only if still
// queued. A message is sent twice only if the process dies between the
// relay's acceptance and that last commit.
func (s *Service) sendQueued(ctx context.Context, msgID int64, attempt int) error {
	if s.cfg.Sender == nil {
		s.noRelayOnce.Do(func() {
			s.log.Warn("no outbound relay configured: outgoing mail stays queued (set --smtp-relay)")
		})
		return river.JobSnooze(s.cfg.NoRelayRetry)
	}
	ctx = system(ctx)
	var (
		out          email.OutMessage
		claimed      bool
		claimedUntil time.Time
	)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if ok, err := s.checkClaimable(ctx, msgID, &claimedUntil); !ok {
			return err
		}
		now := s.now()
		if _, err := s.q.Exec(ctx, "ClaimOutbox", msgID, now.Add(claimTTL), now); err != nil {
			return err
		}
		m, err := s.message(ctx, msgID)
		if err != nil {
			return err
		}
		out, claimed = toOutMessage(&m), true
		if out.Attachments, err = s.outAttachments(ctx, msgID); err != nil {
			return err
		}
		return nil
	})
	if errors.Is(err, errClaimed) {
		return river.JobSnooze(time.Until(claimedUntil) + time.Second)
	}
	if err != nil || !claimed {
		return err
	}

	sendErr := s.cfg.Sender.Send(ctx, out)

	retry, err := s.recordSendOutcome(ctx, msgID, 0, attempt, sendErr, email.IsPermanent(sendErr), "outbound message")
	if err != nil {
		return err
	}
	if retry {
		// River schedules the retry with sendWorker.NextRetry.
		return sendErr
	}
	return nil
}

// toOutMessage rebuilds the message to send from what was stored, so the
// relay gets exactly what the conversation shows.
func toOutMessage(m *Message) email.OutMessage {
	out := email.OutMessage{
		From: formatAddress(m.From.Name, m.From.Email), ReplyTo: m.ReplyTo, Subject: m.Subject, Text: m.Text,
		HTML: m.HTML, MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		Headers: m.Headers, Date: m.CreatedAt,
	}
	for _, a := range m.To {
		out.To = append(out.To, formatAddress(a.Name, a.Email))
	}
	for _, a := range m.Cc {
		out.Cc = append(out.Cc, formatAddress(a.Name, a.Email))
	}
	if out.Text == "" {
		out.Text = email.HTMLToText(m.HTML)
	}
	return out
}

// RequeueOutbox enqueues a send job for every queued outbox message, for
// instance after a relay was configured on a system whose jobs gave up
// waiting. Sending stays exactly-once per message: see sendQueued.
func (s *Service) RequeueOutbox(ctx context.Context) (int, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return 0, err
	}
	ids, err := s.ids(ctx, "QueuedOutbox")
	if err != nil {
		return 0, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			if _, err := s.cfg.Jobs.Enqueue(ctx, sendArgs{MessageID: id}, &river.InsertOpts{MaxAttempts: s.cfg.SendMaxAttempts + 1}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(ids), err
}
