package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/riverqueue/river"
)

// Envelope is what the transport knows about a message beyond its bytes.
type Envelope struct {
	// Mailbox is the address the transport serves (an IMAP poller's mailbox);
	// optional when To names it.
	Mailbox string
	// From is the envelope sender (MAIL FROM), empty for bounces and IMAP.
	From string
	// To holds the envelope recipients (RCPT TO).
	To []string
	// ReceivedAt is when the transport accepted the message; zero means now.
	// Response clocks start here.
	ReceivedAt time.Time
	RemoteAddr string
}

// Result says what Ingest did with a message.
type Result struct {
	ConversationID int64
	MessageID      int64
	// Duplicate: the message was stored before (SMTP retry, IMAP re-poll);
	// nothing changed and the IDs are those of the stored copy.
	Duplicate bool
	// New: the message started a conversation.
	New bool
	// ThreadedBy says how an existing conversation was found: "references",
	// "reply_address" or "subject_ref"; empty for a new one.
	ThreadedBy string
}

// Caps on what one message may make us do.
const (
	maxThreadKeys  = 50
	maxReferences  = 50
	maxSummaryLen  = 300
	maxSnippetLen  = 1000
	maxNameLen     = 200
	maxSubjectRune = 998
)

// Ingest stores one raw inbound e-mail. In a single transaction it drops a
// redelivery, threads the message (References/In-Reply-To, then the signed
// reply address, then an [HK-n] subject token from a participant — never the
// subject text), matches or creates the sender's profile, opens, reopens or
// updates the conversation and its deadlines, indexes the message, records
// it on the person's timeline and queues the acknowledgement. Everything is
// committed when Ingest returns nil, so a transport may confirm receipt.
func (s *Service) Ingest(ctx context.Context, raw []byte, env Envelope) (Result, error) {
	m, err := email.Parse(bytes.NewReader(raw), s.cfg.ParseLimits)
	if err != nil {
		code := apperr.CodeBadRequest
		if errors.Is(err, email.ErrTooLarge) {
			code = apperr.CodeTooLarge
		}
		return Result{}, &apperr.Error{Code: code, Key: "inbox.error.unparseable", Err: err}
	}
	secret, err := s.replySecret(ctx)
	if err != nil {
		return Result{}, err
	}
	ctx = system(ctx)
	now := s.now()
	received := receivedAt(env.ReceivedAt, now)
	var res Result
	// Deliveries from several SMTP sessions or pollers at once share one
	// SQLite transaction, each in its own savepoint (group commit).
	err = s.db.InTxGrouped(ctx, func(ctx context.Context) error {
		mb, err := s.mailboxFor(ctx, env, m)
		if err != nil {
			return err
		}
		in := inbound(m, raw, mb, received)
		// Concurrent deliveries of one message queue here; the second then
		// finds the first's row.
		if err := s.lockKey(ctx, "msg:"+strconv.FormatInt(mb.ID, 10)+":"+in.dedupeKey); err != nil {
			return err
		}
		var dupID, dupConv int64
		err = s.q.QueryRow(ctx, "MessageByDedupeKey", mb.ID, in.dedupeKey).Scan(&dupID, &dupConv)
		if err == nil {
			res = Result{ConversationID: dupConv, MessageID: dupID, Duplicate: true}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err = s.store(ctx, m, raw, env, mb, &in, secret)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// store is Ingest's work after deduplication, inside its transaction.
func (s *Service) store(ctx context.Context, m *email.Message, raw []byte, env Envelope, mb *Mailbox, in *newMessage, secret []byte) (Result, error) {
	var res Result
	now := s.now()
	received := in.CreatedAt
	sender := strings.ToLower(m.From.Email)
	own, err := s.mailboxByAddress(ctx, sender)
	if err != nil {
		return res, err
	}
	if own != nil {
		sender = "" // our own mail coming back (a loop or a copy): nobody to match
	}

	convID, how, err := s.thread(ctx, mb, m, env, secret, sender)
	if err != nil {
		return res, err
	}
	var (
		conv     Conversation
		followUp int64
	)
	if convID != 0 {
		if convID, err = s.followMerge(ctx, convID); err != nil {
			return res, err
		}
		if conv, err = s.lockedConversation(ctx, convID); err != nil {
			return res, err
		}
		if conv.Status == StatusClosed {
			// A closed matter stays closed; the reply starts a follow-up.
			followUp, convID = conv.ID, 0
		}
	}

	// Profiles are made for people writing, not for robots: bounces,
	// auto-replies and list mail are attached to a known profile only.
	personID, err := s.matchPerson(ctx, m, sender, in.Language, m.Auto == email.AutoNone)
	if err != nil {
		return res, err
	}
	in.PersonID = personID

	if err := s.storeBlobs(ctx, raw, m, in); err != nil {
		return res, err
	}

	isNew := convID == 0
	var k clocks
	before := conv
	if isNew {
		conv = Conversation{
			MailboxID: mb.ID, Subject: truncateRunes(email.NormalizeSubject(m.Subject), maxSubjectRune),
			PersonID: personID, Channel: ChannelEmail, Status: StatusNew, Priority: PriorityNormal, TeamID: mb.TeamID,
			Language: in.Language, Tags: []string{}, FollowUpOfID: followUp, LastMessageAt: received,
			LastInboundAt: ptr(received), CreatedAt: now,
		}
		before = Conversation{}
		if k, err = s.openConversation(ctx, &conv, received, map[string]any{"mailbox": mb.Address}); err != nil {
			return res, err
		}
	} else {
		if k, err = s.continueConversation(ctx, &conv, received, personID, m.Auto == email.AutoNone); err != nil {
			return res, err
		}
		if m.Auto == email.AutoBounce {
			if _, err := s.addEvent(ctx, conv.ID, EventBounce, bounceData(m), ""); err != nil {
				return res, err
			}
		}
	}
	if err := s.saveConversation(ctx, &conv); err != nil {
		return res, err
	}

	in.ConversationID, in.opens = conv.ID, isNew
	if err := s.insertMessage(ctx, in); err != nil {
		return res, err
	}
	var ack []river.InsertManyParams
	if isNew {
		if ack, err = s.ackJob(ctx, &conv, in, m); err != nil {
			return res, err
		}
	}
	if err := s.scheduleDeadlines(ctx, &before, &conv, k, ack...); err != nil {
		return res, err
	}
	if personID != 0 {
		if err := s.timeline(ctx, personID, people.Event{Kind: TimelineMessageIn, OccurredAt: received,
			TitleKey: "inbox.timeline.message_in", Summary: truncateRunes(m.Subject, maxSummaryLen),
			Body: truncateRunes(m.Text, maxSnippetLen), RefType: "inbox_conversation", RefID: conv.ID,
			Data: []byte(mustJSON(map[string]any{"message_id": in.ID, "mailbox": mb.Address}))}); err != nil {
			return res, err
		}
	}
	return Result{ConversationID: conv.ID, MessageID: in.ID, New: isNew, ThreadedBy: how}, nil
}

// openConversation inserts a new conversation (every channel's path): its
// language from the person when the message gave none, the response policy
// and clocks started at received, the reference, the "created" event (with
// data and the policy) and, for a follow-up, the closed one's event; then the
// open hooks, once. The caller saves it and schedules its deadlines.
func (s *Service) openConversation(ctx context.Context, conv *Conversation, received time.Time, data map[string]any) (clocks, error) {
	if conv.Language == "" && conv.PersonID != 0 {
		if p, err := s.cfg.People.GetPerson(ctx, conv.PersonID); err == nil {
			conv.Language = p.Language
		}
	}
	k, err := s.selectClocks(ctx, conv)
	if err != nil {
		return k, err
	}
	k.start(conv, received)
	if err := s.insertConversation(ctx, conv); err != nil {
		return k, err
	}
	conv.Reference = "HK-" + strconv.FormatInt(conv.ID, 10)
	data["policy"] = k.policy.Name
	if conv.FollowUpOfID != 0 {
		data["follow_up_of"] = conv.FollowUpOfID
		if _, err := s.addEvent(ctx, conv.FollowUpOfID, EventFollowUp, map[string]any{"conversation_id": conv.ID}, ""); err != nil {
			return k, err
		}
	}
	if _, err := s.addEvent(ctx, conv.ID, EventCreated, data, ""); err != nil {
		return k, err
	}
	return k, s.opened(ctx, conv)
}

// continueConversation adds an inbound message received at that time to an
// existing conversation. Only a person's own words (own) reopen a matter and
// restart the clocks; an out-of-office reply to our answer must not.
func (s *Service) continueConversation(ctx context.Context, conv *Conversation, received time.Time, personID int64, own bool) (clocks, error) {
	k, err := s.clocksOf(ctx, conv)
	if err != nil {
		return k, err
	}
	if received.After(conv.LastMessageAt) {
		conv.LastMessageAt = received
	}
	conv.LastInboundAt = ptr(received)
	if !own {
		return k, nil
	}
	if conv.Status == StatusWaiting || conv.Status == StatusResolved {
		if _, err := s.addEvent(ctx, conv.ID, EventReopened, map[string]any{"from": conv.Status}, ""); err != nil {
			return k, err
		}
		k.setStatus(conv, StatusOpen, s.now())
	}
	k.inbound(conv, received)
	if conv.PersonID == 0 {
		conv.PersonID = personID
	}
	return k, nil
}

// ackJob is the acknowledgement job of a new conversation, for the caller to
// enqueue, or none, recorded at once, when the reason is known now. Consent
// and cooldown are checked when the job runs, against the state of that
// moment.
func (s *Service) ackJob(ctx context.Context, c *Conversation, in *newMessage, m *email.Message) ([]river.InsertManyParams, error) {
	reason := ""
	switch {
	case m.Auto != email.AutoNone:
		reason = "auto:" + m.Auto.String()
	case c.PersonID == 0 || in.From.Email == "":
		reason = "no_person"
	}
	if reason != "" {
		_, err := s.addEvent(ctx, c.ID, EventAckSkipped, map[string]any{"reason": reason}, ackKey(c.ID))
		return nil, err
	}
	return []river.InsertManyParams{{Args: ackArgs{ConversationID: c.ID, MessageID: in.ID}}}, nil
}

func ackKey(convID int64) string { return "ack:" + strconv.FormatInt(convID, 10) }

func bounceData(m *email.Message) map[string]any {
	data := map[string]any{"reason": m.AutoReason}
	if m.DSN != nil {
		data["original_message_id"] = m.DSN.OriginalMessageID
		var failed []string
		for _, r := range m.DSN.Recipients {
			failed = append(failed, r.Email+" "+r.Status)
		}
		data["recipients"] = failed
	}
	return data
}

// inbound turns a parsed message into a row (without conversation and
// person, which threading and matching decide).
func inbound(m *email.Message, raw []byte, mb *Mailbox, received time.Time) newMessage {
	in := newMessage{Message: Message{
		MailboxID: mb.ID, Direction: DirectionIn, Channel: ChannelEmail,
		From: Address{Name: truncateRunes(m.From.Name, maxNameLen), Email: m.From.Email},
		To:   addresses(m.To), Cc: addresses(m.Cc),
		Subject: truncateRunes(m.Subject, maxSubjectRune), Text: m.Text,
		HTML:      email.SanitizeHTML(m.HTML, false),
		MessageID: m.MessageID, References: m.References,
		AutoKind: m.Auto.String(), Language: detectLanguage(m), RawSize: int64(len(raw)),
		CreatedAt: received,
	}}
	if len(m.ReplyTo) > 0 {
		in.ReplyTo = m.ReplyTo[0].Email
	}
	if len(m.InReplyTo) > 0 {
		in.InReplyTo = m.InReplyTo[0]
	}
	if len(in.References) > maxReferences {
		// Keep the root and the most recent ancestors (RFC 5322 3.6.4).
		in.References = append(in.References[:1:1], in.References[len(in.References)-maxReferences+1:]...)
	}
	if !m.Date.IsZero() {
		in.SentAt = ptr(m.Date.UTC().Truncate(time.Microsecond))
	}
	in.dedupeKey = m.MessageID
	if in.dedupeKey == "" {
		// No Message-ID (broken clients, some gateways): recognise a
		// redelivery by what the sender wrote; our own Received header
		// differs each time, so the raw bytes cannot serve.
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\x00", m.From.Email, m.Date.UTC().Format(time.RFC3339), m.Subject, m.Text, len(m.Attachments))
		in.dedupeKey = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	for _, a := range m.Attachments {
		in.Attachments = append(in.Attachments, Attachment{Filename: truncateRunes(a.Filename, 255),
			ContentType: a.ContentType, Size: a.Size, ContentID: a.ContentID, Inline: a.Inline})
	}
	return in
}

// detectLanguage guesses the language of what the sender wrote, for the
// acknowledgement and policy rules.
func detectLanguage(m *email.Message) string {
	if l := i18n.Detect(m.Text); l != "" {
		return l
	}
	return i18n.Detect(m.Subject + "\n" + m.Text)
}

func addresses(as []email.Address) []Address {
	out := make([]Address, 0, len(as))
	for _, a := range as {
		if a.Email != "" {
			out = append(out, Address{Name: truncateRunes(a.Name, maxNameLen), Email: a.Email})
		}
	}
	return out
}

// storeBlobs keeps the raw message and the attachments' bytes. What is over
// the store's limit is kept as metadata only; the message itself is never
// refused for it.
func (s *Service) storeBlobs(ctx context.Context, raw []byte, m *email.Message, in *newMessage) error {
	key, err := s.cfg.Blobs.Put(ctx, raw)
	switch {
	case errors.Is(err, ErrBlobTooLarge):
		s.log.Warn("raw message not kept: too large", "bytes", len(raw), "message_id", m.MessageID)
	case err != nil:
		return err
	default:
		in.RawBlob = key
	}
	for i, a := range m.Attachments {
		if a.Omitted || a.Data == nil {
			continue
		}
		key, err := s.cfg.Blobs.Put(ctx, a.Data)
		if errors.Is(err, ErrBlobTooLarge) {
			continue
		}
		if err != nil {
			return err
		}
		in.Attachments[i].BlobKey = key
	}
	return nil
}

// mailboxFor decides which mailbox a message was delivered to: the
// transport's, an envelope recipient, the headers' recipients, else the first
// mailbox (an IMAP account receiving for several aliases).
func (s *Service) mailboxFor(ctx context.Context, env Envelope, m *email.Message) (*Mailbox, error) {
	candidates := append([]string{env.Mailbox}, env.To...)
	for _, h := range []string{"Delivered-To", "X-Original-To"} {
		candidates = append(candidates, m.Headers.Values(h)...)
	}
	for _, a := range append(m.To, m.Cc...) {
		candidates = append(candidates, a.Email)
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		mb, err := s.mailboxByAddress(ctx, c)
		if err != nil || mb != nil {
			return mb, err
		}
	}
	mb, err := scanMailbox(s.q.QueryRow(ctx, "DefaultMailbox"))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Invalid().Field("mailbox", "inbox.error.no_mailbox")
	}
	if err != nil {
		return nil, err
	}
	return &mb, nil
}

// thread finds the conversation a message belongs to, or 0. The order is
// the brief's: Message-ID references within the mailbox (JWZ: the first
// known ID, most specific first), then the signed reply address, then an
// [HK-n] subject token if the sender already takes part. The subject text
// alone never threads: a newsletter's "Re: Spring appeal" from a hundred
// people is a hundred conversations.
func (s *Service) thread(ctx context.Context, mb *Mailbox, m *email.Message, env Envelope, secret []byte, sender string) (int64, string, error) {
	keys := email.ThreadKeys(m)
	if m.Auto == email.AutoBounce && m.DSN != nil && m.DSN.OriginalMessageID != "" {
		keys = append([]string{m.DSN.OriginalMessageID}, keys...)
	}
	for i, key := range keys {
		if i >= maxThreadKeys {
			break
		}
		var id int64
		err := s.q.QueryRow(ctx, "ConversationOfMessageID", mb.ID, key).Scan(&id)
		if err == nil {
			return id, "references", nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, "", err
		}
	}
	recipients := append([]string{}, env.To...)
	for _, h := range []string{"Delivered-To", "X-Original-To"} {
		recipients = append(recipients, m.Headers.Values(h)...)
	}
	for _, a := range append(m.To, m.Cc...) {
		recipients = append(recipients, a.Email)
	}
	for _, r := range recipients {
		if id, ok := email.ParseReplyAddress(r, secret); ok {
			if exists, err := s.conversationExists(ctx, id); err != nil || exists {
				return id, "reply_address", err
			}
		}
	}
	if id, ok := email.FindRef(m.Subject); ok && sender != "" {
		ok, err := s.isParticipant(ctx, id, sender)
		if err != nil || ok {
			return id, "subject_ref", err
		}
	}
	return 0, "", nil
}

func (s *Service) conversationExists(ctx context.Context, id int64) (bool, error) {
	var status string
	err := s.q.QueryRow(ctx, "ConversationExists", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// isParticipant reports whether addr wrote or was written to in the
// conversation, or belongs to its person.
func (s *Service) isParticipant(ctx context.Context, convID int64, addr string) (bool, error) {
	var n int
	if err := s.q.QueryRow(ctx, "IsParticipant", convID, strings.ToLower(addr)).Scan(&n); err != nil || n > 0 {
		return n > 0, err
	}
	c, err := s.conversation(ctx, convID)
	if isNotFound(err) || (err == nil && c.PersonID == 0) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ids, err := s.cfg.People.FindByContact(ctx, people.Email, addr)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if id == c.PersonID {
			return true, nil
		}
	}
	return false, nil
}

// matchPerson finds the sender's profile by e-mail address or, when create
// is set, makes one marked with source "email": named from the From
// display name, in the detected language.
func (s *Service) matchPerson(ctx context.Context, m *email.Message, sender, lang string, create bool) (int64, error) {
	if sender == "" {
		return 0, nil
	}
	// Two first messages from one new sender at once must not make two
	// profiles.
	if err := s.lockKey(ctx, "person:"+sender); err != nil {
		return 0, err
	}
	ids, err := s.cfg.People.FindByContact(ctx, people.Email, sender)
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		return ids[0], nil
	}
	if !create {
		return 0, nil
	}
	name := strings.TrimSpace(m.From.Name)
	if name == "" || strings.Contains(name, "@") {
		name, _, _ = strings.Cut(m.From.Email, "@")
	}
	np := people.NewPerson{
		PersonInput: people.PersonInput{Kind: people.Individual, DisplayName: truncateRunes(name, maxNameLen),
			Language: lang, Source: people.SourceEmail},
		Contacts: []people.ContactInput{{Kind: people.Email, Value: m.From.Email, Primary: true}},
	}
	p, err := s.cfg.People.CreatePerson(ctx, np)
	if apperr.Is(err, apperr.CodeInvalid) {
		// The people service refused what the sender wrote (an address it
		// cannot normalise, a name it rejects): keep the message, unmatched.
		s.log.Warn("sender profile not created", "from", m.From.Email, "err", err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

// timeline adds a person's timeline event in the caller's transaction.
func (s *Service) timeline(ctx context.Context, personID int64, e people.Event) error {
	e.PersonID = personID
	_, err := s.cfg.People.AddEvent(ctx, e)
	return err
}

func isNotFound(err error) bool { return apperr.Is(err, apperr.CodeNotFound) }

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// receivedAt is when a channel says a message arrived, to the microsecond
// the databases keep; none, or a time after now, is now.
func receivedAt(t, now time.Time) time.Time {
	t = t.UTC().Truncate(time.Microsecond)
	if t.IsZero() || t.After(now) {
		return now
	}
	return t
}
