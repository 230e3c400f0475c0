package inbox

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
	"github.com/hearken-org/hearken/internal/people"
)

func TestCatalog(t *testing.T) {
	i18ntest.CheckCatalog(t, locales, "locales")
}

func TestAcknowledgement(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		e.setOrg("Europe/Helsinki", "en")
		_ = must[Hours](t)(e.s.SaveHours(sys(), Hours{Name: "Office", Default: true, Schedule: officeSchedule()}))
		// Friday 16:00 in Helsinki, 7 open hours a day: 1 h on Friday, 21 h
		// Monday to Wednesday, the last 2 h on Thursday morning.
		e.clock.Set(time.Date(2025, 6, 6, 13, 0, 0, 0, time.UTC))
		in := msg{From: "Lea Virtanen <lea@example.net>", Subject: "Re: Volunteering in July", ID: "lea-1@example.net",
			References: "<older@example.net>"}
		res := e.ingest(in.String())
		sent := e.flush()
		if len(sent) != 1 {
			t.Fatalf("%d messages sent, want the acknowledgement", len(sent))
		}
		ack := sent[0]
		ref := "HK-" + itoa(res.ConversationID)
		if ack.Headers["Auto-Submitted"] != "auto-replied" {
			t.Errorf("Auto-Submitted = %q", ack.Headers["Auto-Submitted"])
		}
		if ack.InReplyTo != "lea-1@example.net" || strings.Join(ack.References, " ") != "older@example.net lea-1@example.net" {
			t.Errorf("In-Reply-To %q References %q", ack.InReplyTo, ack.References)
		}
		if !strings.HasSuffix(ack.MessageID, "@example.org") {
			t.Errorf("Message-ID %q is not ours", ack.MessageID)
		}
		if len(ack.To) != 1 || !strings.Contains(ack.To[0], "lea@example.net") {
			t.Errorf("To = %v", ack.To)
		}
		rt, err := mail.ParseAddress(ack.ReplyTo)
		if err != nil {
			t.Fatal(err)
		}
		if id, ok := email.ParseReplyAddress(rt.Address, e.secret); !ok || id != res.ConversationID || rt.Name != "Hearken Help" {
			t.Errorf("Reply-To %q routes to %d, %v", ack.ReplyTo, id, ok)
		}
		if ack.Subject != "We have received your message: Volunteering in July ["+ref+"]" {
			t.Errorf("subject %q", ack.Subject)
		}
		for _, want := range []string{"Hello Lea Virtanen,", ref, "June 12, 2025 at 11:00\u202fAM (Europe/Helsinki)", "Hearken Help"} {
			if !strings.Contains(ack.Text, want) {
				t.Errorf("acknowledgement lacks %q:\n%s", want, ack.Text)
			}
		}
		c := e.conversation(res.ConversationID)
		out := c.Messages[1]
		if out.Direction != DirectionOut || out.Outbox == nil || out.Outbox.Status != OutboxSent || out.SentAt == nil {
			t.Errorf("stored acknowledgement = %+v", out)
		}
		if c.FirstRespondedAt != nil || c.Status != StatusNew {
			t.Errorf("an acknowledgement is no first response: %+v", c.Conversation)
		}
		// Running the job again (a River retry) sends nothing more.
		if err := e.s.acknowledge(context.Background(), res.ConversationID, res.MessageID); err != nil {
			t.Fatal(err)
		}
		if n := len(e.pendingJobs(sendArgs{}.Kind())); n != 0 {
			t.Errorf("repeated acknowledgement queued %d more", n)
		}
		// A reply to the acknowledgement threads and gets none.
		e.ingest(msg{From: "lea@example.net", Subject: "Re: " + ack.Subject, ID: "lea-2@example.net", InReplyTo: strings.Trim(ack.MessageID, "<>")}.String())
		if n := len(e.pendingJobs(ackArgs{}.Kind())); n != 0 {
			t.Errorf("a reply queued an acknowledgement")
		}
	})
}

func TestNoAckForAutomaticMail(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		for _, f := range []string{"24-out-of-office-fi.eml", "23-dsn-bounce.eml", "25-mailing-list-fr.eml"} {
			res := must[Result](t)(e.s.Ingest(context.Background(), corpus(t, f), Envelope{}))
			if kinds := e.eventKinds(res.ConversationID); !strings.Contains(strings.Join(kinds, ","), EventAckSkipped) {
				t.Errorf("%s: events %v, want ack.skipped", f, kinds)
			}
		}
		// Auto-Submitted from a known person too.
		e.ingest(msg{From: "Known <known@example.net>", Subject: "Hello", ID: "k1@example.net"}.String())
		e.flush()
		before := len(e.sender.messages())
		e.ingest(msg{From: "known@example.net", Subject: "Out of office", ID: "k2@example.net", Headers: []string{"Auto-Submitted: auto-replied"}}.String())
		if got := e.flush(); len(got) != before {
			t.Errorf("automatic mail was acknowledged: %d sent", len(got)-before)
		}
		if n := len(e.sender.messages()); n != 1 {
			t.Errorf("%d sent in all, want 1", n)
		}
	})
}

func TestNoAckWhenOptedOut(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		p := must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Quiet Person"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "quiet@example.net"}},
		}))
		if err := e.people.SetConsent(sys(), p.ID, people.ConsentInput{Channel: people.ChannelEmail, Status: people.OptOut, Source: "test",
			At: testStart.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		res := e.ingest(msg{From: "quiet@example.net", Subject: "A question", ID: "q1@example.net"}.String())
		if sent := e.flush(); len(sent) != 0 {
			t.Fatalf("opted-out person got %d messages", len(sent))
		}
		ev := e.conversation(res.ConversationID).Events
		if last := ev[len(ev)-1]; last.Kind != EventAckSkipped || !strings.Contains(string(last.Data), people.ReasonChannelOptOut) {
			t.Errorf("last event = %s %s", last.Kind, last.Data)
		}
		// Do-not-contact too.
		p2 := must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "DNC"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "dnc@example.net"}},
		}))
		if err := e.people.SetDoNotContact(sys(), p2.ID, true, "test", ""); err != nil {
			t.Fatal(err)
		}
		e.ingest(msg{From: "dnc@example.net", Subject: "Another", ID: "d1@example.net"}.String())
		if sent := e.flush(); len(sent) != 0 {
			t.Fatalf("do-not-contact person got %d messages", len(sent))
		}
	})
}

func TestAckCooldown(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		e.ingest(msg{From: "Busy <busy@example.net>", Subject: "First", ID: "b1@example.net"}.String())
		if n := len(e.flush()); n != 1 {
			t.Fatalf("%d sent, want 1", n)
		}
		e.clock.Advance(23 * time.Hour)
		second := e.ingest(msg{From: "busy@example.net", Subject: "Second matter", ID: "b2@example.net"}.String())
		if n := len(e.flush()); n != 1 {
			t.Fatalf("%d sent within the cooldown, want still 1", n)
		}
		if kinds := e.eventKinds(second.ConversationID); kinds[len(kinds)-1] != EventAckSkipped {
			t.Errorf("events %v", kinds)
		}
		e.clock.Advance(2 * time.Hour)
		e.ingest(msg{From: "busy@example.net", Subject: "Third matter", ID: "b3@example.net"}.String())
		if n := len(e.flush()); n != 2 {
			t.Fatalf("%d sent after the cooldown, want 2", n)
		}
	})
}

func TestAckLanguage(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		e.setOrg("Asia/Tokyo", "fr")
		// A Japanese message from someone new: answered in Japanese, greeting
		// by the name the profile derived (family name), with 様.
		res := must[Result](t)(e.s.Ingest(context.Background(), corpus(t, "03-shift_jis.eml"), Envelope{}))
		sent := e.flush()
		if len(sent) != 1 {
			t.Fatalf("%d sent", len(sent))
		}
		p := must[people.Person](t)(e.people.GetPerson(sys(), e.conversation(res.ConversationID).PersonID))
		if p.Language != "ja" {
			t.Fatalf("profile language %q", p.Language)
		}
		ja := sent[0]
		if !strings.HasPrefix(ja.Subject, "お問い合わせを受け付けました") || !strings.Contains(ja.Text, p.GreetingName+" 様") ||
			!strings.Contains(ja.Text, "（Asia/Tokyo）") {
			t.Errorf("Japanese acknowledgement:\n%s\n%s", ja.Subject, ja.Text)
		}
		// A Finnish-speaking supporter writing in English: the profile's
		// language wins over detection.
		must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Matti Korhonen", GivenName: "Matti", FamilyName: "Korhonen", Language: "fi"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "matti@example.fi"}},
		}))
		e.ingest(msg{From: "matti@example.fi", Subject: "Question", ID: "m1@example.fi"}.String())
		fi := e.flush()[1]
		if !strings.HasPrefix(fi.Text, "Hei Matti,") || !strings.Contains(fi.Text, "klo") {
			t.Errorf("Finnish acknowledgement:\n%s", fi.Text)
		}
		// Nothing to go on: the organization's language.
		e.ingest(msg{From: "x@example.net", Subject: "?", ID: "x1@example.net", Body: "?"}.String())
		fr := e.flush()[2]
		if !strings.HasPrefix(fr.Subject, "Nous avons bien reçu votre message") {
			t.Errorf("default-language acknowledgement: %s", fr.Subject)
		}
	})
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		res := e.ingest(msg{From: "o@example.net", Subject: "Outbox", ID: "o1@example.net"}.String())
		for _, err := range e.runJobs(ackArgs{}.Kind(), time.Time{}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		jobs := e.pendingJobs(sendArgs{}.Kind())
		if len(jobs) != 1 {
			t.Fatalf("%d send jobs", len(jobs))
		}
		c := e.conversation(res.ConversationID)
		id := c.Messages[1].ID
		temp := &email.SendError{Err: errors.New("421 try later")}
		e.sender.errs = []error{temp}
		// Attempt 1 fails temporarily: the job errs so River retries, the row
		// says why and when.
		if err := e.s.sendQueued(context.Background(), id, 1); !errors.Is(err, temp) {
			t.Fatalf("temporary failure returned %v", err)
		}
		ob := e.conversation(res.ConversationID).Messages[1].Outbox
		if ob.Status != OutboxQueued || ob.Attempts != 1 || ob.LastError == "" || ob.NextAttemptAt == nil {
			t.Fatalf("after a temporary failure: %+v", ob)
		}
		if err := e.s.sendQueued(context.Background(), id, 2); err != nil {
			t.Fatal(err)
		}
		// Sent: a repeated job (duplicate enqueue, River retry after a crash
		// between commit and completion) sends nothing.
		if err := e.s.sendQueued(context.Background(), id, 3); err != nil {
			t.Fatal(err)
		}
		if n := len(e.sender.messages()); n != 1 {
			t.Fatalf("sent %d times", n)
		}
		ob = e.conversation(res.ConversationID).Messages[1].Outbox
		if ob.Status != OutboxSent || ob.Attempts != 2 || ob.LastError != "" {
			t.Fatalf("after sending: %+v", ob)
		}

		// A permanent refusal marks the message failed at once.
		_, agent := e.agent("Agent", "agent")
		reply := must[Message](t)(e.s.Reply(agent, res.ConversationID, "Thanks!", ""))
		e.sender.errs = []error{&email.SendError{Permanent: true, Code: 550, Err: errors.New("550 no such user")}}
		if err := e.s.sendQueued(context.Background(), reply.ID, 1); err != nil {
			t.Fatal(err)
		}
		m := must[Message](t)(e.s.message(context.Background(), reply.ID))
		if m.Outbox.Status != OutboxFailed || !strings.Contains(m.Outbox.LastError, "550") {
			t.Fatalf("after a permanent failure: %+v", m.Outbox)
		}
		if kinds := e.eventKinds(res.ConversationID); kinds[len(kinds)-1] != EventSendFailed {
			t.Errorf("events %v", kinds)
		}
		// Temporary failures up to the last attempt also end failed.
		reply2 := must[Message](t)(e.s.Reply(agent, res.ConversationID, "Again", ""))
		e.sender.errs = []error{temp}
		if err := e.s.sendQueued(context.Background(), reply2.ID, e.s.cfg.SendMaxAttempts); err != nil {
			t.Fatal(err)
		}
		if m := must[Message](t)(e.s.message(context.Background(), reply2.ID)); m.Outbox.Status != OutboxFailed {
			t.Fatalf("after the last attempt: %+v", m.Outbox)
		}
	})
}

func TestOutboxWithoutRelay(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		res := e.ingest(msg{From: "n@example.net", Subject: "No relay", ID: "n1@example.net"}.String())
		e.runJobs(ackArgs{}.Kind(), time.Time{})
		errs := e.runJobs(sendArgs{}.Kind(), time.Time{})
		var snooze *river.JobSnoozeError
		if len(errs) != 1 || !errors.As(errs[0], &snooze) {
			t.Fatalf("send without relay = %v, want a snooze", errs)
		}
		if ob := e.conversation(res.ConversationID).Messages[1].Outbox; ob.Status != OutboxQueued || ob.Attempts != 0 {
			t.Fatalf("outbox %+v, want queued and untried", ob)
		}
		if n := must[int](t)(e.s.RequeueOutbox(sys())); n != 1 {
			t.Errorf("requeued %d", n)
		}
	}, func(c *Config) { c.Sender = nil })
}

func officeSchedule() map[string][][2]string {
	day := [][2]string{{"09:00", "12:00"}, {"13:00", "17:00"}}
	return map[string][][2]string{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}
}
