package inbox

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db"
)

// The service is the SMTP listener's (and IMAP poller's) receiver.
var _ email.Receiver = (*Service)(nil)

// AcceptRecipient accepts mail for configured mailboxes, in any letter case
// and with any plus tag (reply routes are help+c12.x@…). Known addresses
// come from the instance's copy of them (s.rcpts); an address the copy
// lacks, or any once the copy is recipientsTTL old, reads them all again, so
// a mailbox added on any instance takes mail at once. When the database
// cannot answer it accepts: Deliver then fails with a temporary error and
// the sender retries, where a refusal here would bounce the mail for good.
func (s *Service) AcceptRecipient(ctx context.Context, addr string) bool {
	key := mailboxKey(addr)
	if !strings.Contains(key, "@") {
		return false
	}
	now := s.now()
	if s.rcpts.fresh(now, recipientsTTL)[key] {
		return true
	}
	addrs, err := s.rcpts.load(now, func() (map[string]bool, error) { return s.readRecipients(ctx) })
	if err != nil {
		s.log.Error("mailbox lookup failed; accepting the recipient for a later retry", "rcpt", addr, "err", err)
		return true
	}
	return addrs[key]
}

// recipientsTTL bounds how long a deleted mailbox's address is still
// accepted by another instance than the one that deleted it (that one
// forgets it at once); such mail is filed in the default mailbox. Every
// inbound message asks at RCPT whether its recipient is a mailbox: reading
// the mailbox row each time was a twentieth of SMTP ingest's CPU, so each
// instance answers from its copy of the addresses (s.rcpts).
const recipientsTTL = 30 * time.Second

// readRecipients reads every mailbox address.
func (s *Service) readRecipients(ctx context.Context) (map[string]bool, error) {
	rows, err := s.q.Query(ctx, "MailboxAddresses")
	if err != nil {
		return nil, err
	}
	list, err := db.ReadAll(rows, func(r db.Scanner) (a string, err error) { return a, r.Scan(&a) })
	if err != nil {
		return nil, err
	}
	addrs := make(map[string]bool, len(list))
	for _, a := range list {
		addrs[a] = true
	}
	return addrs, nil
}

// Deliver ingests a delivered message; it returns only after the message is
// committed, so the listener answers 250 for stored mail only. Input that no
// retry can fix (no header at all, over the size limit) is logged and
// accepted, since refusing it temporarily would make the sender retry for
// days.
func (s *Service) Deliver(ctx context.Context, d email.Delivery) error {
	res, err := s.Ingest(ctx, d.Data, Envelope{From: d.From, To: d.To, ReceivedAt: d.ReceivedAt, RemoteAddr: d.RemoteAddr})
	var ae *apperr.Error
	if errors.As(err, &ae) && (ae.Code == apperr.CodeBadRequest || ae.Code == apperr.CodeTooLarge) {
		s.log.Error("inbound message dropped: unreadable", "from", d.From, "remote", d.RemoteAddr, "bytes", len(d.Data), "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	s.log.Info("inbound message stored", "conversation", res.ConversationID, "message", res.MessageID,
		"new", res.New, "duplicate", res.Duplicate, "threaded_by", res.ThreadedBy)
	return nil
}

// DeliverTo returns a Deliver for a transport serving one mailbox (an IMAP
// poller), whose deliveries carry no envelope recipient.
func (s *Service) DeliverTo(mailbox string) func(ctx context.Context, d email.Delivery) error {
	return func(ctx context.Context, d email.Delivery) error {
		res, err := s.Ingest(ctx, d.Data, Envelope{Mailbox: mailbox, From: d.From, To: d.To, ReceivedAt: d.ReceivedAt, RemoteAddr: d.RemoteAddr})
		if apperr.Is(err, apperr.CodeBadRequest) || apperr.Is(err, apperr.CodeTooLarge) {
			s.log.Error("inbound message dropped: unreadable", "mailbox", mailbox, "err", err)
			return nil
		}
		if err == nil {
			s.log.Debug("inbound message stored", "conversation", res.ConversationID, "duplicate", res.Duplicate)
		}
		return err
	}
}

// MovePerson moves a merged profile's conversations, messages and
// acknowledgement history to the surviving profile; wire it into people's
// Hooks.OnMerge. It runs in the merge's transaction.
func (s *Service) MovePerson(ctx context.Context, keepID, mergeID int64) error {
	for _, q := range []string{"MovePersonConversations", "MovePersonMessages", "MovePersonAcks"} {
		if _, err := s.q.Exec(ctx, q, keepID, mergeID); err != nil {
			return err
		}
	}
	return nil
}

// ErasePerson deletes a person's conversations (messages, attachments,
// search rows and, when nothing else refers to them, their stored bytes) and
// unlinks them from messages in other conversations; wire it into people's
// Hooks.OnErase. It runs in the erasure's transaction.
func (s *Service) ErasePerson(ctx context.Context, personID int64) error {
	rows, err := s.q.Query(ctx, "BlobsOfPerson", personID)
	if err != nil {
		return err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range []string{"DeletePersonConversations", "DeletePersonAcks", "UnlinkPersonMessages"} {
		if _, err := s.q.Exec(ctx, q, personID); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := s.cfg.Blobs.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
