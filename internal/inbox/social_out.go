package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/people"
)

// socialSendArgs hands one staff reply to a social channel's bridge.
type socialSendArgs struct {
	MessageID int64 `json:"message_id"`
}

func (socialSendArgs) Kind() string { return "inbox.social.send" }

type socialSendWorker struct {
	river.WorkerDefaults[socialSendArgs]
	s      *Service
	client *http.Client
}

func (w *socialSendWorker) Work(ctx context.Context, job *river.Job[socialSendArgs]) error {
	return w.s.deliverSocial(ctx, w.client, job.Args.MessageID, job.Attempt)
}

// NextRetry follows the outbox's backoff, as e-mail does.
func (w *socialSendWorker) NextRetry(job *river.Job[socialSendArgs]) time.Time {
	return time.Now().Add(w.s.cfg.SendBackoff(job.Attempt))
}

// SocialReply is what the bridge receives at the channel's outbound URL,
// signed like inbound requests (SignatureHeader).
type SocialReply struct {
	ChannelID      int64  `json:"channel_id"`
	Platform       string `json:"platform"`
	MessageID      int64  `json:"message_id"`
	ConversationID int64  `json:"conversation_id"`
	Reference      string `json:"reference"`
	// To is the handle answered; InReplyTo the platform id of the message
	// answered.
	To        string    `json:"to"`
	InReplyTo string    `json:"in_reply_to,omitempty"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// replySocial records a staff reply on a social conversation (inside
// ReplyWith's transaction, c locked) and queues it for the bridge.
func (s *Service) replySocial(ctx context.Context, c *Conversation, in ReplyInput) (Message, error) {
	now := s.now()
	if c.PersonID != 0 {
		dec, err := s.cfg.People.MayContact(ctx, c.PersonID, people.ChannelSocial, people.PurposeService, now)
		if err != nil {
			return Message{}, err
		}
		if !dec.Allowed {
			return Message{}, apperr.Conflict("inbox.error.contact_not_allowed", "Reason", dec.Reason)
		}
	}
	var chID sql.NullInt64
	if err := s.q.QueryRow(ctx, "ConversationSocialChannel", c.ID).Scan(&chID); err != nil {
		return Message{}, err
	}
	if !chID.Valid {
		return Message{}, apperr.Conflict("inbox.error.channel_not_found")
	}
	var parentID int64
	if err := s.q.QueryRow(ctx, "LastInbound", c.ID).Scan(&parentID); errors.Is(err, sql.ErrNoRows) {
		return Message{}, apperr.Invalid().Field("conversation", "inbox.error.no_recipient")
	} else if err != nil {
		return Message{}, err
	}
	parent, err := s.message(ctx, parentID)
	if err != nil {
		return Message{}, err
	}
	a, _ := auth.ActorFrom(ctx)
	m := &newMessage{Message: Message{ConversationID: c.ID, Direction: DirectionOut, Channel: ChannelSocial,
		PersonID: c.PersonID, AuthorUserID: a.UserID, AuthorName: a.Name, From: Address{Name: a.Name},
		To:   []Address{{Name: parent.From.Name, Email: ""}},
		Text: in.Text, Language: c.Language, InReplyTo: parent.Headers["Social-ID"],
		Headers:   map[string]string{"Social-Handle": parent.Headers["Social-Handle"], "Social-Channel": itoa(chID.Int64)},
		CreatedAt: now}}
	if err := s.insertMessage(ctx, m); err != nil {
		return Message{}, err
	}
	if _, err := s.q.Exec(ctx, "InsertOutbox", m.ID, now); err != nil {
		return Message{}, err
	}
	if _, err := s.cfg.Jobs.Enqueue(ctx, socialSendArgs{MessageID: m.ID}, &river.InsertOpts{MaxAttempts: s.cfg.SendMaxAttempts + 1}); err != nil {
		return Message{}, err
	}
	k, err := s.clocksOf(ctx, c)
	if err != nil {
		return Message{}, err
	}
	before := *c
	k.responded(c, now)
	k.setStatus(c, in.Status, now)
	c.LastMessageAt = now
	if err := s.saveConversation(ctx, c); err != nil {
		return Message{}, err
	}
	if err := s.scheduleDeadlines(ctx, &before, c, k); err != nil {
		return Message{}, err
	}
	if _, err := s.addEvent(ctx, c.ID, EventReplyQueued, map[string]any{"message_id": m.ID, "status": c.Status}, ""); err != nil {
		return Message{}, err
	}
	if c.PersonID != 0 {
		if err := s.timeline(ctx, c.PersonID, people.Event{Kind: TimelineMessageOut, OccurredAt: now,
			TitleKey: "inbox.timeline.message_out", Summary: truncateRunes(c.Subject, maxSummaryLen),
			Body: truncateRunes(m.Text, maxSnippetLen), RefType: "inbox_conversation", RefID: c.ID,
			Data: []byte(mustJSON(map[string]any{"message_id": m.ID, "channel": ChannelSocial}))}); err != nil {
			return Message{}, err
		}
	}
	out, err := s.message(ctx, m.ID)
	if err != nil {
		return Message{}, err
	}
	return out, s.cfg.Auditor.Audit(ctx, "inbox.reply", "inbox_conversation", c.ID, map[string]any{"message_id": m.ID})
}

// errPermanent marks a delivery the bridge refused for good.
type errPermanent struct{ error }

// deliverSocial posts one queued social reply to its channel's bridge:
// claimed in a transaction, posted outside any, the outcome recorded in
// another (the e-mail outbox's pattern and rows, so the message shows its
// delivery state the same way).
func (s *Service) deliverSocial(ctx context.Context, client *http.Client, msgID int64, attempt int) error {
	ctx = system(ctx)
	var (
		payload      []byte
		target       string
		secret       []byte
		claimed      bool
		claimedUntil time.Time
		convID       int64
	)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if ok, err := s.checkClaimable(ctx, msgID, &claimedUntil); !ok {
			return err
		}
		now := s.now()
		m, err := s.message(ctx, msgID)
		if err != nil {
			return err
		}
		c, err := s.conversation(ctx, m.ConversationID)
		if err != nil {
			return err
		}
		convID = c.ID
		var chID sql.NullInt64
		if err := s.q.QueryRow(ctx, "ConversationSocialChannel", c.ID).Scan(&chID); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "ClaimOutbox", msgID, now.Add(claimTTL), now); err != nil {
			return err
		}
		claimed = true
		if !chID.Valid {
			return nil // recorded as failed below: target stays empty
		}
		ch, err := s.socialChannel(ctx, chID.Int64)
		if err != nil && !isNotFound(err) {
			return err
		}
		target, secret = ch.OutboundURL, ch.secret
		payload, err = json.Marshal(SocialReply{ChannelID: ch.ID, Platform: ch.Platform, MessageID: m.ID,
			ConversationID: c.ID, Reference: c.Reference, To: m.Headers["Social-Handle"], InReplyTo: m.InReplyTo,
			Text: m.Text, CreatedAt: m.CreatedAt})
		return err
	})
	if errors.Is(err, errClaimed) {
		return river.JobSnooze(time.Until(claimedUntil) + time.Second)
	}
	if err != nil || !claimed {
		return err
	}

	var sendErr error
	if target == "" {
		sendErr = errPermanent{errors.New("the social channel has no outbound URL")}
	} else {
		sendErr = postSigned(ctx, client, target, secret, payload, s.cfg.Now())
	}

	var perm errPermanent
	retry, err := s.recordSendOutcome(ctx, msgID, convID, attempt, sendErr, errors.As(sendErr, &perm), "social reply")
	if err != nil {
		return err
	}
	if retry {
		return sendErr
	}
	return nil
}

// postSigned POSTs body to target with a SignatureHeader. A 2xx answer is
// delivery; 4xx other than 408 and 429 is a permanent refusal; anything
// else (5xx, network) is worth retrying.
func postSigned(ctx context.Context, client *http.Client, target string, secret, body []byte, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return errPermanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hearken")
	req.Header.Set(SignatureHeader, Sign(secret, now, body))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("bridge answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return errPermanent{err}
	}
	return err
}
