package inbox

import (
	"context"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// AckData is what an acknowledgement says.
type AckData struct {
	// Lang is the language to write in (a supported tag or anything
	// i18n.Bundle.Localizer accepts).
	Lang string
	// Name is the person's greeting name; empty greets without one.
	Name string
	// Reference is the conversation token, "HK-123".
	Reference string
	// Subject is the subject the person wrote, without reply prefixes.
	Subject string
	// Due is when a first answer is expected; nil says nothing about it.
	Due *time.Time
	// Location is the time zone Due is shown in (the team's hours').
	Location *time.Location
	// Signature closes the message (the mailbox's display name).
	Signature string
	// Channel is the conversation's channel (email, web, social): templates
	// are kept per language and channel.
	Channel string
	// FirstName is the person's given name, when known.
	FirstName string
	// SupporterSince is the year of the person's earliest role (tenure), 0
	// when none.
	SupporterSince int
}

// AckTemplates renders acknowledgements. The default renders the inbox
// catalog; an organization's own wording plugs in here.
type AckTemplates interface {
	Ack(ctx context.Context, d AckData) (subject, text string, err error)
}

// CatalogTemplates renders acknowledgements from the inbox catalog
// (locales/*.toml), with a bundle of its own so that it works whatever the
// application's bundle holds.
type CatalogTemplates struct{ b *i18n.Bundle }

// NewCatalogTemplates loads the inbox catalog.
func NewCatalogTemplates() (*CatalogTemplates, error) {
	b, err := i18n.NewBundle("en")
	if err != nil {
		return nil, err
	}
	if err := AddCatalog(b); err != nil {
		return nil, err
	}
	return &CatalogTemplates{b: b}, nil
}

// Ack renders d.
func (t *CatalogTemplates) Ack(_ context.Context, d AckData) (string, string, error) {
	l := t.b.Localizer(d.Lang)
	subject := l.T("inbox.ack.subject_empty")
	if d.Subject != "" {
		subject = l.T("inbox.ack.subject", "Subject", d.Subject)
	}
	if d.Reference != "" {
		subject += " [" + d.Reference + "]"
	}
	var b strings.Builder
	para := func(s string) {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	if d.Name != "" {
		para(l.T("inbox.ack.greeting", "Name", d.Name))
	} else {
		para(l.T("inbox.ack.greeting_anonymous"))
	}
	para(l.T("inbox.ack.body"))
	if d.Due != nil {
		loc := d.Location
		if loc == nil {
			loc = time.UTC
		}
		para(l.T("inbox.ack.expected", "Due", l.DateTime(*d.Due, loc), "TimeZone", loc.String()))
	}
	if d.Reference != "" {
		para(l.T("inbox.ack.reference", "Reference", d.Reference))
	}
	para(l.T("inbox.ack.automatic"))
	para(l.T("inbox.ack.closing"))
	if d.Signature != "" {
		b.WriteString("\n" + d.Signature)
	}
	return subject, b.String() + "\n", nil
}

// acknowledge is the acknowledgement job: at most one per conversation, only
// for a person's own message, only if they may be contacted for service by
// e-mail, and not twice to one person within the cooldown. It writes the
// outbound message and hands it to the outbox in one transaction.
func (s *Service) acknowledge(ctx context.Context, convID, inboundID int64) error {
	secret, err := s.replySecret(ctx)
	if err != nil {
		return err
	}
	settings, err := s.cfg.OrgSettings(ctx)
	if err != nil {
		return err
	}
	ctx = system(ctx)
	return s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.PersonID == 0 {
			return nil
		}
		// One acknowledgement decision per person at a time, so two new
		// conversations cannot both pass the cooldown.
		if err := s.lockKey(ctx, "ack:person:"+itoa(c.PersonID)); err != nil {
			return err
		}
		var n int
		if err := s.q.QueryRow(ctx, "AckOfConversation", c.ID).Scan(&n); err != nil || n > 0 {
			return err
		}
		in, err := s.message(ctx, inboundID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		skip := func(reason string) error {
			_, err := s.addEvent(ctx, c.ID, EventAckSkipped, map[string]any{"reason": reason}, ackKey(c.ID))
			return err
		}
		if in.AutoKind != email.AutoNone.String() {
			return skip("auto:" + in.AutoKind)
		}
		if c.FirstRespondedAt != nil || c.Status.done() {
			return skip("answered")
		}
		dec, err := s.cfg.People.MayContact(ctx, c.PersonID, people.ChannelEmail, people.PurposeService, now)
		if err != nil {
			return err
		}
		if !dec.Allowed {
			return skip(dec.Reason)
		}
		if err := s.q.QueryRow(ctx, "RecentAck", c.PersonID, string(ChannelEmail), now.Add(-s.cfg.AckCooldown)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return skip("cooldown")
		}
		if c.MailboxID == 0 {
			return skip("no_mailbox")
		}
		mb, err := s.mailbox(ctx, c.MailboxID)
		if err != nil {
			return err
		}
		p, err := s.cfg.People.GetPerson(ctx, c.PersonID)
		if err != nil {
			return err
		}
		k, err := s.clocksOf(ctx, &c)
		if err != nil {
			return err
		}
		lang := firstNonEmpty(p.Language, in.Language, c.Language, settings.DefaultLocale, "en")
		signature := firstNonEmpty(mb.DisplayName, settings.Name)
		subject, text, err := s.cfg.AckTemplates.Ack(ctx, AckData{Lang: lang, Name: p.GreetingName, Reference: c.Reference,
			Subject: c.Subject, Due: c.FirstResponseDueAt, Location: k.hours.Location, Signature: signature,
			Channel: string(c.Channel), FirstName: p.GivenName, SupporterSince: s.supporterSince(ctx, p.ID)})
		if err != nil {
			return err
		}
		out, err := s.queueOutbound(ctx, &c, &mb, &in, secret, outbound{
			To: []Address{in.From}, Subject: subject, Text: text, Language: lang,
			// RFC 3834: marks the answer automatic so that other robots do
			// not answer it; the Exchange header asks Outlook not to send
			// out-of-office replies to it.
			Headers: map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
		})
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "InsertAck", c.PersonID, string(ChannelEmail), c.ID, out.ID, now); err != nil {
			return err
		}
		_, err = s.addEvent(ctx, c.ID, EventAckQueued, map[string]any{"message_id": out.ID, "language": lang}, ackKey(c.ID))
		return err
	})
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
