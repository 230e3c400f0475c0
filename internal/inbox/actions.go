package inbox

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/inbox/sla"
	"github.com/hearken-org/hearken/internal/people"
)

// maxBodyBytes bounds what an agent may write in one reply or note.
const maxBodyBytes = 1 << 20

// ReplyInput is a staff reply.
type ReplyInput struct {
	Text string `json:"text"`
	// HTML is optional; it is sanitized, and Text is sent beside it.
	HTML string `json:"html"`
	// Status is the conversation's status after the reply; empty means
	// waiting (the person's turn, clocks paused).
	Status Status `json:"status"`
	// PromiseID, when set, is an open promise of the conversation this reply
	// keeps (promises.go).
	PromiseID int64 `json:"promise_id"`
}

// Reply sends text (and optional HTML) to the person as the actor in ctx,
// answering the last inbound message; the conversation then waits for them.
func (s *Service) Reply(ctx context.Context, convID int64, text, html string) (Message, error) {
	return s.ReplyWith(ctx, convID, ReplyInput{Text: text, HTML: html})
}

// ReplyWith is Reply with the status to leave the conversation in.
func (s *Service) ReplyWith(ctx context.Context, convID int64, in ReplyInput) (Message, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Message{}, err
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Status == "" {
		in.Status = StatusWaiting
	}
	v := apperr.Invalid()
	if in.Text == "" {
		v.Field("text", "inbox.error.empty")
	}
	if len(in.Text)+len(in.HTML) > maxBodyBytes {
		v.Field("text", "inbox.error.too_long", "Max", maxBodyBytes)
	}
	if !in.Status.valid() || in.Status == StatusNew {
		v.Field("status", "inbox.error.status")
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
		if c.Channel == ChannelSocial {
			out, err = s.replySocial(ctx, &c, in) // to the platform, through its bridge
			return err
		}
		now := s.now()
		if c.PersonID != 0 {
			dec, err := s.cfg.People.MayContact(ctx, c.PersonID, people.ChannelEmail, people.PurposeService, now)
			if err != nil {
				return err
			}
			if !dec.Allowed {
				return apperr.Conflict("inbox.error.contact_not_allowed", "Reason", dec.Reason)
			}
		}
		parent, err := s.replyParent(ctx, &c)
		if err != nil {
			return err
		}
		if c.MailboxID == 0 {
			return apperr.Conflict("inbox.error.no_mailbox")
		}
		mb, err := s.mailbox(ctx, c.MailboxID)
		if err != nil {
			return err
		}
		to, cc, err := s.replyRecipients(ctx, &parent)
		if err != nil {
			return err
		}
		html := ""
		if in.HTML != "" {
			html = email.SanitizeHTML(in.HTML, true)
		}
		text, html, err := s.withSignature(ctx, &c, in.Text, html)
		if err != nil {
			return err
		}
		m, err := s.queueOutbound(ctx, &c, &mb, &parent, secret, outbound{To: to, Cc: cc, Subject: replySubject(&c),
			Text: text, HTML: html, Language: c.Language, Author: actorID(ctx)})
		if err != nil {
			return err
		}
		if in.PromiseID != 0 {
			if err := s.keepPromise(ctx, c.ID, in.PromiseID, m.ID); err != nil {
				return err
			}
		}
		k, err := s.clocksOf(ctx, &c)
		if err != nil {
			return err
		}
		before := c
		k.responded(&c, now)
		k.setStatus(&c, in.Status, now)
		c.LastMessageAt = now
		if err := s.saveConversation(ctx, &c); err != nil {
			return err
		}
		if err := s.scheduleDeadlines(ctx, &before, &c, k); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, c.ID, EventReplyQueued, map[string]any{"message_id": m.ID, "status": c.Status}, ""); err != nil {
			return err
		}
		if c.PersonID != 0 {
			if err := s.timeline(ctx, c.PersonID, people.Event{Kind: TimelineMessageOut, OccurredAt: now,
				TitleKey: "inbox.timeline.message_out", Summary: truncateRunes(m.Subject, maxSummaryLen),
				Body: truncateRunes(m.Text, maxSnippetLen), RefType: "inbox_conversation", RefID: c.ID,
				Data: []byte(mustJSON(map[string]any{"message_id": m.ID}))}); err != nil {
				return err
			}
		}
		if out, err = s.message(ctx, m.ID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.reply", "inbox_conversation", c.ID, map[string]any{"message_id": m.ID})
	})
	return out, err
}

// replyRecipients answers the Reply-To, else the sender, copying the other
// recipients of the message answered (reply all) but never our own mailboxes.
func (s *Service) replyRecipients(ctx context.Context, parent *Message) (to, cc []Address, err error) {
	main := parent.From
	if parent.ReplyTo != "" {
		main = Address{Email: parent.ReplyTo}
		if parent.ReplyTo == parent.From.Email {
			main.Name = parent.From.Name
		}
	}
	if main.Email == "" {
		return nil, nil, apperr.Invalid().Field("conversation", "inbox.error.no_recipient")
	}
	seen := map[string]bool{strings.ToLower(main.Email): true}
	for _, a := range slices.Concat(parent.To, parent.Cc) {
		key := strings.ToLower(a.Email)
		if seen[key] {
			continue
		}
		seen[key] = true
		own, err := s.mailboxByAddress(ctx, a.Email)
		if err != nil {
			return nil, nil, err
		}
		if own == nil {
			cc = append(cc, a)
		}
	}
	return []Address{main}, cc, nil
}

// replySubject is "Re: <subject> [HK-n]": the token lets replies from
// clients that drop our headers still find the conversation.
func replySubject(c *Conversation) string {
	subject := "Re: " + c.Subject
	if c.Subject == "" {
		subject = "Re:"
	}
	return subject + " [" + c.Reference + "]"
}

// AddNote adds an internal note (never sent) as the actor in ctx.
func (s *Service) AddNote(ctx context.Context, convID int64, text string) (Message, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Message{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxBodyBytes {
		return Message{}, apperr.Invalid().Field("text", "inbox.error.empty")
	}
	var out Message
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		a, _ := auth.ActorFrom(ctx)
		m := &newMessage{Message: Message{ConversationID: c.ID, MailboxID: c.MailboxID, Direction: DirectionNote,
			Channel: c.Channel, AuthorUserID: a.UserID, AuthorName: a.Name, From: Address{Name: a.Name, Email: a.Email}, Text: text,
			CreatedAt: s.now()}}
		if err := s.insertMessage(ctx, m); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, c.ID, EventNoteAdded, map[string]any{"message_id": m.ID}, ""); err != nil {
			return err
		}
		if err := s.noteMentions(ctx, &c, &m.Message); err != nil {
			return err
		}
		if out, err = s.message(ctx, m.ID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.note", "inbox_conversation", c.ID, map[string]any{"message_id": m.ID})
	})
	return out, err
}

// change runs fn on a locked conversation and saves it with its deadlines;
// the event is recorded when fn reports a change.
func (s *Service) change(ctx context.Context, perm auth.Permission, convID int64, action string,
	fn func(ctx context.Context, c *Conversation, k *clocks, now time.Time) (event string, data map[string]any, err error)) (Conversation, error) {
	if err := auth.Require(ctx, perm); err != nil {
		return Conversation{}, err
	}
	var out Conversation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		k, err := s.clocksOf(ctx, &c)
		if err != nil {
			return err
		}
		before := c
		event, data, err := fn(ctx, &c, &k, s.now())
		if err != nil || event == "" {
			out = c
			return err
		}
		if err := s.saveConversation(ctx, &c); err != nil {
			return err
		}
		if err := s.scheduleDeadlines(ctx, &before, &c, k); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, c.ID, event, data, ""); err != nil {
			return err
		}
		out = c
		return s.cfg.Auditor.Audit(ctx, action, "inbox_conversation", c.ID, data)
	})
	return out, err
}

// Assign gives the conversation to a user (0 unassigns). A new conversation
// becomes open once someone owns it.
func (s *Service) Assign(ctx context.Context, convID, userID int64) (Conversation, error) {
	return s.change(ctx, auth.PermInboxAssign, convID, "inbox.assign",
		func(ctx context.Context, c *Conversation, k *clocks, now time.Time) (string, map[string]any, error) {
			if c.AssigneeUserID == userID {
				return "", nil, nil
			}
			if userID != 0 {
				var n int
				if err := s.q.QueryRow(ctx, "UserExists", userID).Scan(&n); err != nil {
					return "", nil, err
				}
				if n == 0 {
					return "", nil, apperr.Invalid().Field("user_id", "inbox.error.user")
				}
			}
			data := map[string]any{"from": c.AssigneeUserID, "to": userID}
			c.AssigneeUserID = userID
			if userID != 0 && c.Status == StatusNew {
				k.setStatus(c, StatusOpen, now)
			}
			if err := s.assignedByHand(ctx, c, now); err != nil {
				return "", nil, err
			}
			return EventAssigned, data, nil
		})
}

// SetTeam moves the conversation to a team (0 for none). Deadlines already
// set keep their times; later ones follow the new team's hours.
func (s *Service) SetTeam(ctx context.Context, convID, teamID int64) (Conversation, error) {
	return s.change(ctx, auth.PermInboxAssign, convID, "inbox.team",
		func(ctx context.Context, c *Conversation, _ *clocks, _ time.Time) (string, map[string]any, error) {
			if c.TeamID == teamID {
				return "", nil, nil
			}
			if teamID != 0 {
				var n int
				if err := s.q.QueryRow(ctx, "TeamExists", teamID).Scan(&n); err != nil {
					return "", nil, err
				}
				if n == 0 {
					return "", nil, apperr.Invalid().Field("team_id", "inbox.error.team")
				}
			}
			data := map[string]any{"from": c.TeamID, "to": teamID}
			c.TeamID = teamID
			return EventTeam, data, nil
		})
}

// SetStatus moves the conversation: waiting pauses the clocks, open resumes
// them with the time they had left, resolved and closed stop them, and
// reopening a resolved conversation restarts its resolution target.
func (s *Service) SetStatus(ctx context.Context, convID int64, status Status) (Conversation, error) {
	if !status.valid() || status == StatusNew {
		return Conversation{}, apperr.Invalid().Field("status", "inbox.error.status")
	}
	return s.change(ctx, auth.PermInboxReply, convID, "inbox.status",
		func(_ context.Context, c *Conversation, k *clocks, now time.Time) (string, map[string]any, error) {
			if c.Status == status {
				return "", nil, nil
			}
			data := map[string]any{"from": c.Status, "to": status}
			k.setStatus(c, status, now)
			return EventStatus, data, nil
		})
}

// SetPriority changes the priority and, when that selects another response
// policy, moves each open deadline to the new target minus the open time
// already used.
func (s *Service) SetPriority(ctx context.Context, convID int64, p Priority) (Conversation, error) {
	if !slices.Contains(Priorities, p) {
		return Conversation{}, apperr.Invalid().Field("priority", "inbox.error.priority")
	}
	return s.change(ctx, auth.PermInboxAssign, convID, "inbox.priority",
		func(ctx context.Context, c *Conversation, k *clocks, now time.Time) (string, map[string]any, error) {
			if c.Priority == p {
				return "", nil, nil
			}
			data := map[string]any{"from": c.Priority, "to": p}
			c.Priority = p
			old := *k
			nk, err := s.selectClocks(ctx, c)
			if err != nil {
				return "", nil, err
			}
			if nk.policy.ID != old.policy.ID {
				retarget(c, old, nk, now)
				*k = nk
				data["policy"] = nk.policy.Name
			}
			return EventPriority, data, nil
		})
}

// retarget moves c's open deadlines from policy old to policy nk: what was
// used of the old target counts against the new one. The reference point
// is the pause when the clocks are paused, so resuming still works.
func retarget(c *Conversation, old, nk clocks, now time.Time) {
	ref := now
	if c.WaitingSince != nil {
		ref = *c.WaitingSince
	}
	move := func(due **time.Time, kind string, pending bool) {
		if !pending {
			return
		}
		t1 := nk.policy.target(kind)
		switch {
		case t1 <= 0:
			*due = nil
		case *due == nil:
			if kind != dueNextResponse {
				*due = nk.due(c.CreatedAt, t1)
			}
		default:
			used := old.policy.target(kind) - sla.Elapsed(ref, **due, old.hours)
			if left := t1 - used; left > 0 {
				*due = stamp(sla.Due(ref, left, nk.hours))
			} else {
				*due = ptr(ref)
			}
		}
	}
	move(&c.FirstResponseDueAt, dueFirstResponse, c.FirstRespondedAt == nil)
	move(&c.NextResponseDueAt, dueNextResponse, c.NextResponseDueAt != nil)
	move(&c.ResolutionDueAt, dueResolution, !c.Status.done())
}

// SetTags replaces the conversation's topics/tags (trimmed, deduplicated,
// sorted).
func (s *Service) SetTags(ctx context.Context, convID int64, tags []string) (Conversation, error) {
	clean := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > 64 || len(clean) >= 50 {
			return Conversation{}, apperr.Invalid().Field("tags", "inbox.error.too_long", "Max", 64)
		}
		clean = append(clean, t)
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)
	return s.change(ctx, auth.PermInboxReply, convID, "inbox.tags",
		func(_ context.Context, c *Conversation, _ *clocks, _ time.Time) (string, map[string]any, error) {
			if slices.Equal(c.Tags, clean) {
				return "", nil, nil
			}
			data := map[string]any{"from": c.Tags, "to": clean}
			c.Tags = clean
			return EventTags, data, nil
		})
}
