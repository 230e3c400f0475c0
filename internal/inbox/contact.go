package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/riverqueue/river"
)

// SocialHandle is who wrote on a social platform.
type SocialHandle struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
	URL      string `json:"url,omitempty"`
}

// Contact is one message arriving on a channel other than e-mail: a web
// form submission, a logged call, a social message or mention.
type Contact struct {
	// Channel is web, phone or social.
	Channel Channel
	// ExternalID identifies the message within its channel (a form token, a
	// platform message id); a second Receive with it changes nothing.
	ExternalID string
	// Who wrote: any of e-mail, phone (E.164 or national) and social handle
	// finds or makes the person. PersonID, when set, is the person already.
	Name     string
	Email    string
	Phone    string
	Social   *SocialHandle
	PersonID int64
	// Source marks a profile made for this contact (people.Source…).
	Source string

	Subject string
	Text    string
	// Language is the sender's language when the channel knows it (the
	// form's); empty detects it from Text.
	Language string
	// Direction is in (the person wrote or called) or out (staff called).
	Direction Direction
	// ConversationID continues that conversation; InReplyTo (an external id
	// of a stored message) continues the one holding it.
	ConversationID int64
	InReplyTo      string
	// SocialChannelID is the social channel the message came through; direct
	// messages of one author continue their open conversation there.
	SocialChannelID int64
	// ContinueOpen continues the person's open conversation on the social
	// channel (direct messages); mentions start their own.
	ContinueOpen bool
	// Headers carry channel details shown with the message (call duration
	// and outcome, the post's address…).
	Headers map[string]string
	// Responded counts the message as staff's answer for the clocks (an
	// outbound call, an inbound call taken).
	Responded bool
	// NoAck: no acknowledgement (staff logged it; the person was spoken to).
	NoAck bool
	// AuthorUserID is the staff member who logged it.
	AuthorUserID int64
	// ReceivedAt is when it happened; zero means now.
	ReceivedAt time.Time
}

// Receive stores one message from a non-e-mail channel, built like Ingest:
// in one transaction it drops a repeat of the same external id, finds or
// makes the person (by e-mail, phone or social handle, a new profile marked
// with the channel's source), continues the given conversation or opens one
// (response clocks, deadlines, open hooks), indexes the message, records it
// on the person's timeline and queues the acknowledgement, which goes out by
// e-mail when the person gave an address.
func (s *Service) Receive(ctx context.Context, in Contact) (Result, error) {
	if err := s.validateContact(&in); err != nil {
		return Result{}, err
	}
	ctx = system(ctx)
	now := s.now()
	received := receivedAt(in.ReceivedAt, now)
	var res Result
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		key := ""
		if in.ExternalID != "" {
			key = externalKey(in)
			if err := s.lockKey(ctx, "ext:"+key); err != nil {
				return err
			}
			var dupID, dupConv int64
			err := s.q.QueryRow(ctx, "MessageByExternalKey", key).Scan(&dupID, &dupConv)
			if err == nil {
				res = Result{ConversationID: dupConv, MessageID: dupID, Duplicate: true}
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var err error
		res, err = s.receive(ctx, in, key, received)
		return err
	})
	return res, err
}

func (s *Service) validateContact(in *Contact) error {
	v := apperr.Invalid()
	switch in.Channel {
	case ChannelWeb, ChannelPhone, ChannelSocial:
	default:
		v.Field("channel", "inbox.error.channel")
	}
	if in.Direction == "" {
		in.Direction = DirectionIn
	}
	if in.Direction != DirectionIn && in.Direction != DirectionOut {
		v.Field("direction", "inbox.error.direction")
	}
	in.Name, in.Email, in.Phone = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	in.Subject, in.Text = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Text)
	for f, val := range map[string]string{"name": in.Name, "email": in.Email, "phone": in.Phone, "subject": in.Subject,
		"text": in.Text, "external_id": in.ExternalID, "in_reply_to": in.InReplyTo} {
		if !utf8.ValidString(val) || strings.ContainsRune(val, 0) {
			v.Field(f, "inbox.error.encoding")
		}
	}
	if len(in.Text) > maxBodyBytes {
		v.Field("text", "inbox.error.too_long", "Max", maxBodyBytes)
	}
	if utf8.RuneCountInString(in.Subject) > maxSubjectRune {
		v.Field("subject", "inbox.error.too_long", "Max", maxSubjectRune)
	}
	if len(in.ExternalID) > 500 || len(in.InReplyTo) > 500 {
		v.Field("external_id", "inbox.error.too_long", "Max", 500)
	}
	return v.OrNil()
}

// externalKey is a message's dedupe key within the non-e-mail channels.
func externalKey(in Contact) string {
	switch in.Channel {
	case ChannelSocial:
		return "social:" + itoa(in.SocialChannelID) + ":" + in.ExternalID
	case ChannelPhone:
		return "call:" + in.ExternalID
	}
	return string(in.Channel) + ":" + in.ExternalID
}

// receive is Receive's work after deduplication, inside its transaction.
func (s *Service) receive(ctx context.Context, in Contact, key string, received time.Time) (Result, error) {
	lang := in.Language
	if lang == "" {
		lang = i18n.Detect(in.Text)
	}
	personID := in.PersonID
	if personID == 0 {
		var err error
		if personID, err = s.matchContact(ctx, in, lang); err != nil {
			return Result{}, err
		}
	}

	// Which conversation: the one named, the one holding the message
	// answered, or (direct messages) the author's open one on the channel.
	convID := in.ConversationID
	if convID == 0 && in.InReplyTo != "" {
		var msgID int64
		err := s.q.QueryRow(ctx, "MessageByExternalKey", externalKey(Contact{Channel: in.Channel,
			SocialChannelID: in.SocialChannelID, ExternalID: in.InReplyTo})).Scan(&msgID, &convID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Result{}, err
		}
	}
	if convID == 0 && in.ContinueOpen && personID != 0 && in.SocialChannelID != 0 {
		err := s.q.QueryRow(ctx, "OpenSocialConversation", personID, in.SocialChannelID).Scan(&convID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Result{}, err
		}
	}
	var conv Conversation
	var followUp int64
	if convID != 0 {
		var err error
		if conv, err = s.lockedConversation(ctx, convID); err != nil {
			if in.ConversationID != 0 {
				return Result{}, err
			}
			convID = 0 // the message answered went with its conversation
		} else if conv.Status == StatusClosed && in.Direction == DirectionIn && !in.Responded {
			followUp, convID = conv.ID, 0
		}
	}

	mailboxID := int64(0)
	if in.Channel != ChannelSocial {
		// Web and phone conversations are answered by e-mail, so they need
		// a mailbox to send from; the default one serves.
		if convID != 0 {
			mailboxID = conv.MailboxID
		}
		if mailboxID == 0 {
			mb, err := scanMailbox(s.q.QueryRow(ctx, "DefaultMailbox"))
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return Result{}, err
			}
			mailboxID = mb.ID
		}
	}

	now := s.now()
	isNew := convID == 0
	var (
		k   clocks
		err error
	)
	before := conv
	if isNew {
		subject := truncateRunes(in.Subject, maxSubjectRune)
		if subject == "" {
			subject = truncateRunes(firstLine(in.Text), 120)
		}
		conv = Conversation{MailboxID: mailboxID, Subject: subject, PersonID: personID, Channel: in.Channel,
			Status: StatusNew, Priority: PriorityNormal, Language: lang, Tags: []string{}, FollowUpOfID: followUp,
			LastMessageAt: received, CreatedAt: now}
		if mailboxID != 0 {
			if mb, err := s.mailbox(ctx, mailboxID); err == nil {
				conv.TeamID = mb.TeamID
			}
		}
		if in.Direction == DirectionIn {
			conv.LastInboundAt = ptr(received)
		}
		before = Conversation{}
		data := map[string]any{"channel": in.Channel}
		if in.SocialChannelID != 0 {
			data["social_channel_id"] = in.SocialChannelID
		}
		if k, err = s.openConversation(ctx, &conv, received, data); err != nil {
			return Result{}, err
		}
		if in.SocialChannelID != 0 {
			if _, err := s.q.Exec(ctx, "SetConversationSocialChannel", conv.ID, in.SocialChannelID); err != nil {
				return Result{}, err
			}
		}
	} else if in.Direction == DirectionIn {
		if k, err = s.continueConversation(ctx, &conv, received, personID, true); err != nil {
			return Result{}, err
		}
	} else {
		if k, err = s.clocksOf(ctx, &conv); err != nil {
			return Result{}, err
		}
		if received.After(conv.LastMessageAt) {
			conv.LastMessageAt = received
		}
		if conv.PersonID == 0 {
			conv.PersonID = personID
		}
	}
	if in.Responded {
		k.responded(&conv, now)
		if conv.Status == StatusNew {
			k.setStatus(&conv, StatusOpen, now)
		}
	}
	if err := s.saveConversation(ctx, &conv); err != nil {
		return Result{}, err
	}

	msg := &newMessage{Message: Message{ConversationID: conv.ID, MailboxID: mailboxID, Direction: in.Direction,
		Channel: in.Channel, PersonID: personID, AuthorUserID: in.AuthorUserID,
		From:    Address{Name: truncateRunes(in.Name, maxNameLen), Email: strings.ToLower(in.Email)},
		Subject: truncateRunes(in.Subject, maxSubjectRune), Text: in.Text, Headers: in.Headers, Language: lang,
		InReplyTo: in.InReplyTo, CreatedAt: received}, dedupeKey: key, opens: isNew}
	if in.Direction == DirectionOut {
		msg.PersonID = conv.PersonID
	}
	if err := s.insertMessage(ctx, msg); err != nil {
		return Result{}, err
	}
	if pid := msg.PersonID; pid != 0 {
		kind, title := TimelineMessageIn, "inbox.timeline.message_in"
		switch {
		case in.Channel == ChannelPhone:
			kind, title = TimelineCall, "inbox.timeline.call_"+string(in.Direction)
		case in.Direction == DirectionOut:
			kind, title = TimelineMessageOut, "inbox.timeline.message_out"
		}
		summary := in.Subject
		if summary == "" {
			summary = conv.Subject
		}
		if err := s.timeline(ctx, pid, people.Event{Kind: kind, OccurredAt: received, TitleKey: title,
			Summary: truncateRunes(summary, maxSummaryLen), Body: truncateRunes(in.Text, maxSnippetLen),
			RefType: "inbox_conversation", RefID: conv.ID,
			Data: []byte(mustJSON(map[string]any{"message_id": msg.ID, "channel": in.Channel}))}); err != nil {
			return Result{}, err
		}
	}
	var ack []river.InsertManyParams
	if isNew && !in.NoAck && in.Direction == DirectionIn {
		if ack, err = s.ackJob(ctx, &conv, msg, &email.Message{Auto: email.AutoNone}); err != nil {
			return Result{}, err
		}
	}
	if err := s.scheduleDeadlines(ctx, &before, &conv, k, ack...); err != nil {
		return Result{}, err
	}
	return Result{ConversationID: conv.ID, MessageID: msg.ID, New: isNew}, nil
}

// TimelineCall is the person's timeline kind for a logged call.
const TimelineCall = "call"

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

// matchContact finds the person by e-mail, then phone, then social handle,
// or makes a profile with every contact point given, marked with the
// channel's source. What People refuses to store keeps the message
// unmatched rather than losing it.
func (s *Service) matchContact(ctx context.Context, in Contact, lang string) (int64, error) {
	type probe struct {
		kind  people.ContactKind
		value string
	}
	var probes []probe
	if in.Email != "" {
		probes = append(probes, probe{people.Email, in.Email})
	}
	if in.Phone != "" {
		probes = append(probes, probe{people.Phone, in.Phone})
	}
	if in.Social != nil {
		if k := people.SocialKey(in.Social.Platform, in.Social.Handle); k != "" {
			probes = append(probes, probe{people.Social, k})
		}
	}
	if len(probes) == 0 {
		return 0, nil
	}
	for _, p := range probes {
		// Two first messages from one new person at once must not make two
		// profiles.
		if err := s.lockKey(ctx, "person:"+string(p.kind)+":"+strings.ToLower(p.value)); err != nil {
			return 0, err
		}
	}
	for _, p := range probes {
		ids, err := s.cfg.People.FindByContact(ctx, p.kind, p.value)
		if err != nil {
			return 0, err
		}
		if len(ids) > 0 {
			return ids[0], nil
		}
	}
	name := in.Name
	if name == "" && in.Social != nil {
		name = in.Social.Handle
	}
	if name == "" && in.Email != "" {
		name, _, _ = strings.Cut(in.Email, "@")
	}
	if name == "" {
		name = in.Phone
	}
	source := in.Source
	if source == "" {
		source = map[Channel]string{ChannelWeb: people.SourceWebForm, ChannelPhone: "phone", ChannelSocial: "social"}[in.Channel]
	}
	np := people.NewPerson{PersonInput: people.PersonInput{Kind: people.Individual, DisplayName: truncateRunes(name, maxNameLen),
		Language: lang, Source: source}}
	if in.Email != "" {
		np.Contacts = append(np.Contacts, people.ContactInput{Kind: people.Email, Value: in.Email, Primary: true})
	}
	if in.Phone != "" {
		np.Contacts = append(np.Contacts, people.ContactInput{Kind: people.Phone, Value: in.Phone, Primary: true})
	}
	if in.Social != nil && in.Social.Handle != "" {
		np.Contacts = append(np.Contacts, people.ContactInput{Kind: people.Social, Platform: in.Social.Platform,
			Value: in.Social.Handle, Primary: true})
	}
	p, err := s.cfg.People.CreatePerson(ctx, np)
	if apperr.Is(err, apperr.CodeInvalid) && len(np.Contacts) > 1 {
		// One contact point People refuses (a number it cannot read) must
		// not lose the others.
		np.Contacts = np.Contacts[:1]
		p, err = s.cfg.People.CreatePerson(ctx, np)
	}
	if apperr.Is(err, apperr.CodeInvalid) {
		s.log.Warn("contact profile not created", "channel", in.Channel, "err", err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

// ConversationRef is the reference people quote for a conversation
// ("HK-12"), for the public form's thank-you page.
func (s *Service) ConversationRef(ctx context.Context, id int64) (string, error) {
	c, err := s.conversation(ctx, id)
	return c.Reference, err
}
