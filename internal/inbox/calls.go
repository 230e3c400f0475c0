package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/people"
)

// Call outcomes.
const (
	CallAnswered    = "answered"
	CallVoicemail   = "voicemail"
	CallNoAnswer    = "no_answer"
	CallBusy        = "busy"
	CallWrongNumber = "wrong_number"
)

// CallOutcomes lists the outcomes a call may have, the usual first.
var CallOutcomes = []string{CallAnswered, CallVoicemail, CallNoAnswer, CallBusy, CallWrongNumber}

// Headers of a call message (Message.Headers), read back by Message.Call.
const (
	hdrCallDirection = "Call-Direction"
	hdrCallDuration  = "Call-Duration"
	hdrCallOutcome   = "Call-Outcome"
	hdrCallNumber    = "Call-Number"
)

// maxCallDuration bounds a logged call (a typo of minutes for seconds).
const maxCallDuration = 24 * 60 * 60

// CallInput is a phone call staff log.
type CallInput struct {
	// Direction: in (the person called) or out (staff called); in when empty.
	Direction Direction `json:"direction"`
	// DurationSecs is how long the call lasted, in seconds.
	DurationSecs int `json:"duration_secs"`
	// Outcome is one of CallOutcomes; answered when empty.
	Outcome string `json:"outcome"`
	Notes   string `json:"notes"`
	// Number is the person's number (any format People reads).
	Number string `json:"number"`
	// PersonID and Subject are for a call that starts a conversation.
	PersonID int64  `json:"person_id"`
	Subject  string `json:"subject"`
	// At is when the call took place; zero means now.
	At time.Time `json:"at"`
}

// Call is a call message's details.
type Call struct {
	Direction    Direction `json:"direction"`
	DurationSecs int       `json:"duration_secs"`
	Outcome      string    `json:"outcome"`
	Number       string    `json:"number,omitempty"`
}

// Call returns the call a phone message records, nil for other messages.
func (m Message) Call() *Call {
	if m.Channel != ChannelPhone || m.Headers[hdrCallOutcome] == "" {
		return nil
	}
	d, _ := strconv.Atoi(m.Headers[hdrCallDuration])
	return &Call{Direction: Direction(m.Headers[hdrCallDirection]), DurationSecs: d,
		Outcome: m.Headers[hdrCallOutcome], Number: m.Headers[hdrCallNumber]}
}

// Length is the duration as minutes:seconds ("5:07").
func (c *Call) Length() string {
	return strconv.Itoa(c.DurationSecs/60) + ":" + fmt.Sprintf("%02d", c.DurationSecs%60)
}

func (in *CallInput) validate() error {
	v := apperr.Invalid()
	if in.Direction == "" {
		in.Direction = DirectionIn
	}
	if in.Direction != DirectionIn && in.Direction != DirectionOut {
		v.Field("direction", "inbox.error.direction")
	}
	if in.Outcome == "" {
		in.Outcome = CallAnswered
	}
	if !slices.Contains(CallOutcomes, in.Outcome) {
		v.Field("outcome", "inbox.error.call_outcome")
	}
	if in.DurationSecs < 0 || in.DurationSecs > maxCallDuration {
		v.Field("duration_secs", "inbox.error.call_duration")
	}
	in.Notes, in.Number = strings.TrimSpace(in.Notes), strings.TrimSpace(in.Number)
	if len(in.Notes) > maxBodyBytes {
		v.Field("notes", "inbox.error.too_long", "Max", maxBodyBytes)
	}
	if len(in.Number) > 40 {
		v.Field("number", "inbox.error.too_long", "Max", 40)
	}
	return v.OrNil()
}

// contact turns a call into what Receive stores: an outbound call, or an
// inbound one taken, is staff's answer for the response clocks; staff spoke
// with the person, so no acknowledgement goes out.
func (in *CallInput) contact(ctx context.Context, convID int64) Contact {
	a, _ := auth.ActorFrom(ctx)
	return Contact{Channel: ChannelPhone, Phone: in.Number, PersonID: in.PersonID, Subject: in.Subject,
		Text: in.Notes, Direction: in.Direction, ConversationID: convID, ReceivedAt: in.At, NoAck: true,
		Responded: in.Direction == DirectionOut || in.Outcome == CallAnswered, AuthorUserID: a.UserID,
		Headers: map[string]string{hdrCallDirection: string(in.Direction), hdrCallDuration: strconv.Itoa(in.DurationSecs),
			hdrCallOutcome: in.Outcome, hdrCallNumber: in.Number}}
}

// LogCall records a call in an existing conversation as the actor in ctx.
func (s *Service) LogCall(ctx context.Context, convID int64, in CallInput) (Message, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Message{}, err
	}
	if err := in.validate(); err != nil {
		return Message{}, err
	}
	in.PersonID, in.Subject = 0, ""
	return s.logCall(ctx, convID, in)
}

// StartCall records a call that starts a new conversation with the person
// (PersonID) or the number's owner (a profile is made for a new number).
func (s *Service) StartCall(ctx context.Context, in CallInput) (Message, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Message{}, err
	}
	if err := in.validate(); err != nil {
		return Message{}, err
	}
	if in.PersonID == 0 && in.Number == "" {
		return Message{}, apperr.Invalid().Field("number", "inbox.error.call_who")
	}
	return s.logCall(ctx, 0, in)
}

func (s *Service) logCall(ctx context.Context, convID int64, in CallInput) (Message, error) {
	c := in.contact(ctx, convID)
	if err := s.validateContact(&c); err != nil {
		return Message{}, err
	}
	var out Message
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if in.PersonID != 0 {
			if _, err := s.cfg.People.GetPerson(system(ctx), in.PersonID); err != nil {
				if isNotFound(err) {
					return apperr.Invalid().Field("person_id", "inbox.error.person")
				}
				return err
			}
		}
		now := s.now()
		at := c.ReceivedAt.UTC().Truncate(time.Microsecond)
		if at.IsZero() || at.After(now) {
			c.ReceivedAt = now
		}
		// People's checks run as the inbox; the audit entry names the staff member.
		res, err := s.receive(system(ctx), c, "", c.ReceivedAt)
		if err != nil {
			return err
		}
		if out, err = s.message(ctx, res.MessageID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.call", "inbox_conversation", res.ConversationID,
			map[string]any{"message_id": res.MessageID, "direction": in.Direction, "outcome": in.Outcome, "new": res.New})
	})
	return out, err
}

// replyParent is the message an e-mail reply answers: the last inbound one.
// A call (or a phone conversation with outbound calls only) has no address
// to answer, so the reply goes to the person's e-mail address instead.
func (s *Service) replyParent(ctx context.Context, c *Conversation) (Message, error) {
	var parentID int64
	err := s.q.QueryRow(ctx, "LastInbound", c.ID).Scan(&parentID)
	var parent Message
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if c.Channel != ChannelPhone {
			return Message{}, apperr.Invalid().Field("conversation", "inbox.error.no_recipient")
		}
	case err != nil:
		return Message{}, err
	default:
		if parent, err = s.message(ctx, parentID); err != nil {
			return Message{}, err
		}
	}
	if parent.From.Email == "" && parent.ReplyTo == "" && c.PersonID != 0 {
		cps, err := s.cfg.People.Contacts(system(ctx), c.PersonID)
		if err != nil {
			return Message{}, err
		}
		for _, cp := range cps {
			if cp.Kind == people.Email && cp.Value != "" {
				parent.ReplyTo = cp.Value
				break
			}
		}
	}
	if parent.From.Email == "" && parent.ReplyTo == "" {
		return Message{}, apperr.Invalid().Field("conversation", "inbox.error.no_recipient")
	}
	return parent, nil
}
