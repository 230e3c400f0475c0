package inbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/people"
)

// TestIngestCorpus stores every message of the e-mail corpus (each charset,
// multipart shape, bounce, auto-reply and list mail) and checks what comes
// back from the database is what the parser read.
func TestIngestCorpus(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "channel", "email", "testdata", "corpus", "*.eml"))
	if err != nil || len(files) < 20 {
		t.Fatalf("corpus: %v (%d files)", err, len(files))
	}
	run(t, func(t *testing.T, e *env) {
		convs := map[int64]bool{}
		byFile := map[string]int64{}
		for _, f := range files {
			name := filepath.Base(f)
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := email.Parse(bytes.NewReader(raw), email.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.s.Ingest(context.Background(), raw, Envelope{To: []string{"help@example.org"}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.Duplicate || !res.New || convs[res.ConversationID] {
				t.Errorf("%s: result %+v: every corpus message is a conversation of its own", name, res)
			}
			convs[res.ConversationID] = true
			byFile[name] = res.ConversationID
			c := e.conversation(res.ConversationID)
			if len(c.Messages) != 1 {
				t.Fatalf("%s: %d messages", name, len(c.Messages))
			}
			m := c.Messages[0]
			if m.Subject != want.Subject || m.Text != want.Text || m.From.Email != want.From.Email || m.MessageID != want.MessageID {
				t.Errorf("%s: stored %q / %q / %q, parsed %q / %q / %q", name, m.Subject, m.From.Email, m.MessageID,
					want.Subject, want.From.Email, want.MessageID)
			}
			if m.AutoKind != want.Auto.String() || m.Direction != DirectionIn {
				t.Errorf("%s: auto %s direction %s, want %s in", name, m.AutoKind, m.Direction, want.Auto)
			}
			if len(m.Attachments) != len(want.Attachments) {
				t.Errorf("%s: %d attachments, parsed %d", name, len(m.Attachments), len(want.Attachments))
			}
			for i, a := range m.Attachments {
				if a.Filename != want.Attachments[i].Filename || a.Size != want.Attachments[i].Size {
					t.Errorf("%s: attachment %d = %s %d, want %s %d", name, i, a.Filename, a.Size, want.Attachments[i].Filename, want.Attachments[i].Size)
				}
				if !want.Attachments[i].Omitted {
					_, data, err := e.s.Attachment(sys(), a.ID)
					if err != nil || !bytes.Equal(data, want.Attachments[i].Data) {
						t.Errorf("%s: attachment %s bytes differ (%v)", name, a.Filename, err)
					}
				}
			}
			rawBack, err := e.s.RawMessage(sys(), m.ID)
			if err != nil || !bytes.Equal(rawBack, raw) {
				t.Errorf("%s: raw message not kept byte for byte (%v)", name, err)
			}
			// A person's own message gets a profile; machines do not.
			if (m.PersonID != 0) != (want.Auto == email.AutoNone && want.From.Email != "") {
				t.Errorf("%s: person %d for auto %s", name, m.PersonID, want.Auto)
			}
			if want.From.Email != "" {
				page := must[Page[Conversation]](t)(e.s.ListConversations(sys(), Filter{Q: want.From.Email}, "", 10))
				if !slices.ContainsFunc(page.Items, func(c Conversation) bool { return c.ID == res.ConversationID }) {
					t.Errorf("%s: search for %s does not find the conversation", name, want.From.Email)
				}
			}
		}
		// Search by words in several scripts, through the shared analyzer.
		for q, file := range map[string]string{"adhésion": "01-utf8-plain-fr.eml", "makbuzu": "06-iso-8859-9-tr.eml", "kuitti": "07-iso-8859-15-fi.eml"} {
			page := must[Page[Conversation]](t)(e.s.ListConversations(sys(), Filter{Q: q}, "", 10))
			if !slices.ContainsFunc(page.Items, func(c Conversation) bool { return c.ID == byFile[file] }) {
				t.Errorf("search %q does not find the conversation of %s", q, file)
			}
		}
	})
}

func TestIngestPersonMatching(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		known := must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Claire Martin", GivenName: "Claire", Language: "fr"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "claire.martin@exemple.fr"}},
		}))
		// The corpus message writes the domain in capitals.
		res := must[Result](t)(e.s.Ingest(context.Background(), corpus(t, "01-utf8-plain-fr.eml"), Envelope{}))
		c := e.conversation(res.ConversationID)
		if c.PersonID != known.ID || c.Messages[0].PersonID != known.ID {
			t.Fatalf("person %d, want the known profile %d", c.PersonID, known.ID)
		}
		tl := must[people.Page[people.Event]](t)(e.people.Timeline(sys(), known.ID, "", 10, false))
		if len(tl.Items) == 0 || tl.Items[0].Kind != TimelineMessageIn || tl.Items[0].RefID != c.ID {
			t.Fatalf("timeline = %+v, want a message.in event for conversation %d", tl.Items, c.ID)
		}

		// A new sender gets a profile from the From display name, marked
		// email, in the language the message is written in.
		res = must[Result](t)(e.s.Ingest(context.Background(), corpus(t, "06-iso-8859-9-tr.eml"), Envelope{}))
		c = e.conversation(res.ConversationID)
		p := must[people.Person](t)(e.people.GetPerson(sys(), c.PersonID))
		if p.DisplayName != "Ayşe Yılmaz" || p.Source != people.SourceEmail || p.Language != "tr" {
			t.Fatalf("new profile = %q source %q language %q", p.DisplayName, p.Source, p.Language)
		}
		if c.Language != "tr" {
			t.Errorf("conversation language %q", c.Language)
		}
		// Her second message finds the same profile.
		res = e.ingest(msg{From: "ayse.yilmaz@example.com.tr", Subject: "Bir sorum daha var", ID: "second@example.com.tr"}.String())
		if got := e.conversation(res.ConversationID).PersonID; got != p.ID {
			t.Errorf("second message matched person %d, want %d", got, p.ID)
		}
		if n := count(t, e.d, "SELECT count(*) FROM people WHERE source = 'email'"); n != 1 {
			t.Errorf("%d email-sourced profiles, want 1", n)
		}
	})
}

func TestIngestDuplicates(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		raw := msg{From: "Ann <ann@example.net>", Subject: "Donation receipt", ID: "dup-1@example.net"}.String()
		first := e.ingest(raw)
		// An SMTP retry arrives with a new Received header from our listener;
		// an IMAP re-poll with identical bytes.
		again := e.ingest("Received: from mx.example.net by mx.example.org; Mon, 02 Jun 2025 10:05:00 +0300\r\n" + raw)
		third := e.ingest(raw)
		for _, r := range []Result{again, third} {
			if !r.Duplicate || r.New || r.ConversationID != first.ConversationID || r.MessageID != first.MessageID {
				t.Fatalf("redelivery = %+v, want duplicate of %+v", r, first)
			}
		}
		// No Message-ID at all: recognised by content.
		noID := msg{From: "bob@example.net", Subject: "No id", Body: "Please call me back about my membership."}.String()
		a, b := e.ingest(noID), e.ingest("Received: from x by y; Mon, 02 Jun 2025 10:06:00 +0300\r\n"+noID)
		if !b.Duplicate || b.MessageID != a.MessageID {
			t.Fatalf("message without Message-ID stored twice: %+v, %+v", a, b)
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_messages"); n != 2 {
			t.Errorf("%d messages stored, want 2", n)
		}
		if n := len(e.pendingJobs(ackArgs{}.Kind())); n != 2 {
			t.Errorf("%d acknowledgement jobs, want 2", n)
		}
		// The same Message-ID in another mailbox is another delivery.
		other := e.mustMailbox("volunteers@example.org", "Volunteers")
		res := must[Result](t)(e.s.Ingest(context.Background(), []byte(raw), Envelope{To: []string{other.Address}}))
		if res.Duplicate {
			t.Errorf("a copy to another mailbox was taken for a duplicate")
		}
	})
}

func TestIngestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		raw := []byte(msg{From: "Concurrent <c@example.net>", Subject: "Twice at once", ID: "race@example.net"}.String())
		const n = 6
		errs := make(chan error, n)
		results := make(chan Result, n)
		for range n {
			go func() {
				r, err := e.s.Ingest(context.Background(), raw, Envelope{To: []string{"help@example.org"}})
				errs <- err
				results <- r
			}()
		}
		news := 0
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			if r := <-results; r.New {
				news++
			}
		}
		if news != 1 || count(t, e.d, "SELECT count(*) FROM inbox_messages") != 1 || count(t, e.d, "SELECT count(*) FROM people") != 1 {
			t.Fatalf("%d new results, want one message, one conversation, one profile", news)
		}
	})
}

func TestThreading(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		first := e.ingest(msg{From: "Lea <lea@example.net>", Subject: "Volunteering in July", ID: "lea-1@example.net"}.String())
		sent := e.flush()
		if len(sent) != 1 {
			t.Fatalf("%d acknowledgements sent", len(sent))
		}
		ack := sent[0]
		ref := fmt.Sprintf("[HK-%d]", first.ConversationID)
		route := email.ReplyAddress("help@example.org", first.ConversationID, e.secret)

		cases := []struct {
			name  string
			m     msg
			envTo string
			want  string // threaded_by, "" for a new conversation
		}{
			{"In-Reply-To our acknowledgement", msg{From: "lea@example.net", Subject: "Re: anything", ID: "lea-2@example.net", InReplyTo: strings.Trim(ack.MessageID, "<>")}, "", "references"},
			{"References to her first message", msg{From: "lea@example.net", Subject: "More", ID: "lea-3@example.net", References: "<unknown@elsewhere> <lea-1@example.net>"}, "", "references"},
			{"signed reply address, no headers", msg{From: "lea.other@example.com", To: route, Subject: "From my other address", ID: "lea-4@example.com"}, route, "reply_address"},
			{"subject token from a participant", msg{From: "lea@example.net", Subject: "Question " + ref, ID: "lea-5@example.net"}, "", "subject_ref"},
			{"subject token from a stranger", msg{From: "mallory@example.com", Subject: "Hi " + ref, ID: "m-1@example.com"}, "", ""},
			{"forged reply address", msg{From: "mallory@example.com", To: strings.Replace(route, "+c", "+c9", 1), Subject: "x", ID: "m-2@example.com"}, "", ""},
			{"same subject, same sender, no references", msg{From: "lea@example.net", Subject: "Volunteering in July", ID: "lea-6@example.net"}, "", ""},
		}
		for _, tc := range cases {
			to := []string{"help@example.org"}
			if tc.envTo != "" {
				to = []string{tc.envTo}
			}
			res, err := e.s.Ingest(context.Background(), []byte(tc.m.String()), Envelope{To: to})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if tc.want == "" {
				if !res.New || res.ConversationID == first.ConversationID {
					t.Errorf("%s: threaded into %d by %q, want a new conversation", tc.name, res.ConversationID, res.ThreadedBy)
				}
				continue
			}
			if res.ConversationID != first.ConversationID || res.ThreadedBy != tc.want {
				t.Errorf("%s: conversation %d by %q, want %d by %s", tc.name, res.ConversationID, res.ThreadedBy, first.ConversationID, tc.want)
			}
		}
		c := e.conversation(first.ConversationID)
		if len(c.Messages) != 6 { // 1 + ack + 4 threaded
			t.Errorf("conversation has %d messages, want 6", len(c.Messages))
		}
		for i := 1; i < len(c.Messages); i++ {
			if c.Messages[i].ID < c.Messages[i-1].ID {
				t.Fatal("messages out of order")
			}
		}
	})
}

// TestNewsletterReplyStorm: readers answer a newsletter (whose copy reached
// the mailbox too) all with the same subject and references; each is a
// conversation of their own.
func TestNewsletterReplyStorm(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		nl := e.ingest(msg{From: "News <news@example.org>", Subject: "Our spring newsletter", ID: "newsletter-2025-04@example.org",
			Headers: []string{"List-Unsubscribe: <mailto:unsubscribe@example.org>", "Precedence: bulk"}}.String())
		seen := map[int64]bool{nl.ConversationID: true}
		for i := range 12 {
			res := e.ingest(msg{From: fmt.Sprintf("Reader %d <reader%d@example.com>", i, i), Subject: "Re: Our spring newsletter",
				ID: fmt.Sprintf("r%d@example.com", i), InReplyTo: "newsletter-2025-04@example.org",
				References: "<newsletter-2025-04@example.org>", Body: fmt.Sprintf("Thanks! Reader %d has a question about the spring fair.", i)}.String())
			if !res.New || seen[res.ConversationID] {
				t.Fatalf("reply %d merged into conversation %d (%s)", i, res.ConversationID, res.ThreadedBy)
			}
			seen[res.ConversationID] = true
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_conversations"); n != 13 {
			t.Errorf("%d conversations, want 13", n)
		}
	})
}

// RCPT answers from each instance's copy of the mailbox addresses: an
// address added on another instance is accepted at once, one deleted there
// within recipientsTTL, one deleted here at once.
func TestRecipientsFollowMailboxes(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		other := e.otherInstance(t)
		ctx := context.Background()
		if !e.s.AcceptRecipient(ctx, "help@example.org") || e.s.AcceptRecipient(ctx, "lahjoitukset@example.org") {
			t.Fatal("before: wrong answers")
		}
		mb, err := other.CreateMailbox(sys(), MailboxInput{Address: "lahjoitukset@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if !e.s.AcceptRecipient(ctx, "Lahjoitukset+x@example.org") || !other.AcceptRecipient(ctx, "lahjoitukset@example.org") {
			t.Error("a new mailbox is refused")
		}
		if err := other.DeleteMailbox(sys(), mb.ID); err != nil {
			t.Fatal(err)
		}
		if !e.s.AcceptRecipient(ctx, "lahjoitukset@example.org") {
			t.Errorf("deleted on another instance: refused before %v", recipientsTTL)
		}
		if other.AcceptRecipient(ctx, "lahjoitukset@example.org") {
			t.Error("the deleting instance still accepts the address")
		}
		e.clock.Advance(recipientsTTL)
		if e.s.AcceptRecipient(ctx, "lahjoitukset@example.org") {
			t.Errorf("deleted on another instance: accepted %v later", recipientsTTL)
		}
		if !e.s.AcceptRecipient(ctx, "help@example.org") {
			t.Error("a kept mailbox is refused after the copy is read again")
		}
	})
}

func TestMailboxes(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		for addr, want := range map[string]bool{
			"help@example.org": true, "HELP@Example.ORG": true, "help+c12.abc@example.org": true,
			"<Help+x@example.org>": true, "helpdesk@example.org": false, "help@example.com": false, "": false,
		} {
			if got := e.s.AcceptRecipient(context.Background(), addr); got != want {
				t.Errorf("AcceptRecipient(%q) = %v", addr, got)
			}
		}
		_, err := e.s.CreateMailbox(sys(), MailboxInput{Address: "Help@example.org"})
		wantErr(t, err, apperr.CodeInvalid, "")
		_, err = e.s.CreateMailbox(sys(), MailboxInput{Address: "help+tag@example.org"})
		wantErr(t, err, apperr.CodeInvalid, "")
		_, viewer := e.agent("Viv", "viewer")
		_, err = e.s.CreateMailbox(viewer, MailboxInput{Address: "x@example.org"})
		wantErr(t, err, apperr.CodeForbidden, "")
		// Mail for an address that is not a mailbox (an IMAP account's alias)
		// lands in the first mailbox rather than being lost.
		res := must[Result](t)(e.s.Ingest(context.Background(), corpus(t, "25-mailing-list-fr.eml"), Envelope{}))
		if got := e.conversation(res.ConversationID).MailboxID; got != e.mb.ID {
			t.Errorf("mailbox %d, want the default %d", got, e.mb.ID)
		}
		// A message that cannot be read is refused as bad input, never a 500;
		// Deliver accepts and drops it so the sender stops retrying.
		_, err = e.s.Ingest(context.Background(), []byte("\r\n\r\n"), Envelope{})
		wantErr(t, err, apperr.CodeBadRequest, "inbox.error.unparseable")
		if err := e.s.Deliver(context.Background(), email.Delivery{Data: []byte("")}); err != nil {
			t.Errorf("Deliver(garbage) = %v, want nil", err)
		}
	})
}

func TestPersonHooks(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		a := e.ingest(msg{From: "A <a@example.net>", Subject: "One", ID: "a1@example.net"}.String())
		b := e.ingest(msg{From: "B <b@example.net>", Subject: "Two", ID: "b1@example.net"}.String())
		pa, pb := e.conversation(a.ConversationID).PersonID, e.conversation(b.ConversationID).PersonID
		if err := e.d.InTx(sys(), func(ctx context.Context) error { return e.s.MovePerson(ctx, pa, pb) }); err != nil {
			t.Fatal(err)
		}
		if got := e.conversation(b.ConversationID).PersonID; got != pa {
			t.Fatalf("after merge conversation person %d, want %d", got, pa)
		}
		if err := e.d.InTx(sys(), func(ctx context.Context) error { return e.s.ErasePerson(ctx, pa) }); err != nil {
			t.Fatal(err)
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_conversations"); n != 0 {
			t.Errorf("%d conversations left after erasure", n)
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_blobs"); n != 0 {
			t.Errorf("%d blobs left after erasure", n)
		}
		if page := must[Page[Conversation]](t)(e.s.ListConversations(sys(), Filter{Q: "a@example.net"}, "", 10)); len(page.Items) != 0 {
			t.Errorf("search still finds erased mail")
		}
	})
}

// TestReplySecretStored: without a configured secret, one is generated once
// and shared through the database by every instance.
func TestReplySecretStored(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		a := must[[]byte](t)(e.s.replySecret(context.Background()))
		b := must[[]byte](t)(e.s.replySecret(context.Background()))
		other, err := New(e.d, Config{People: e.people, Jobs: mustJobs(t, e), Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		c := must[[]byte](t)(other.replySecret(context.Background()))
		if len(a) != 32 || !bytes.Equal(a, b) || !bytes.Equal(a, c) {
			t.Fatalf("secrets differ: %x %x %x", a, b, c)
		}
	}, func(c *Config) { c.ReplySecret = nil })
}
