package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/people"
)

func TestReceiveWebForm(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		opened := 0
		e.s.onOpen(func(ctx context.Context, c *Conversation) error {
			opened++
			// The hook runs after the conversation's "created" event.
			evs, err := e.s.events(ctx, c.ID)
			if err != nil || len(evs) == 0 || evs[len(evs)-1].Kind != EventCreated {
				t.Errorf("hook ran before the created event: %+v, %v", evs, err)
			}
			return nil
		})
		in := Contact{Channel: ChannelWeb, ExternalID: "tok-1", Name: "Aylin Yılmaz", Email: "Aylin@Example.com",
			Phone: "+90 532 123 45 67", Subject: "Gönüllülük", Text: "Merhaba, yaz boyunca gönüllü olmak istiyorum. Nasıl başvurabilirim?"}
		res, err := e.s.Receive(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if !res.New || res.Duplicate || opened != 1 {
			t.Fatalf("res = %+v, opened %d", res, opened)
		}
		again, err := e.s.Receive(context.Background(), in)
		if err != nil || !again.Duplicate || again.MessageID != res.MessageID || opened != 1 {
			t.Fatalf("resubmission = %+v, %v (opened %d)", again, err, opened)
		}
		c := e.conversation(res.ConversationID)
		if c.Channel != ChannelWeb || c.Status != StatusNew || c.FirstResponseDueAt == nil || c.MailboxID != e.mb.ID || c.Language != "tr" {
			t.Fatalf("conversation = %+v", c.Conversation)
		}
		if len(c.Messages) != 1 || c.Messages[0].From.Email != "aylin@example.com" || c.Messages[0].Channel != ChannelWeb {
			t.Fatalf("messages = %+v", c.Messages)
		}
		p, err := e.people.GetPerson(sys(), c.PersonID)
		if err != nil || p.Source != people.SourceWebForm || p.DisplayName != "Aylin Yılmaz" {
			t.Fatalf("person = %+v, %v", p, err)
		}
		ids, _ := e.people.FindByContact(sys(), people.Phone, "+905321234567")
		if len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("phone not on the profile: %v", ids)
		}
		if n := count(t, e.d, "SELECT count(*) FROM timeline_events WHERE person_id = $1 AND kind = 'message.in'", p.ID); n != 1 {
			t.Fatalf("timeline events = %d", n)
		}
		page, err := e.s.ListConversations(sys(), Filter{View: ViewAll, Q: "gönüllü"}, "", 10)
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("search = %+v, %v", page.Items, err)
		}
		// The acknowledgement goes by e-mail to the address given, in the
		// language written.
		sent := e.flush()
		if len(sent) != 1 || !strings.Contains(sent[0].To[0], "<aylin@example.com>") || !strings.Contains(sent[0].Subject, c.Reference) {
			t.Fatalf("ack = %+v", sent)
		}
		// A staff reply goes to the form's address by e-mail.
		_, ctx := e.agent("Mia", auth.RoleAgent)
		if _, err := e.s.Reply(ctx, c.ID, "Hoş geldiniz!", ""); err != nil {
			t.Fatal(err)
		}
		sent = e.flush()
		if len(sent) != 2 || !strings.Contains(sent[1].To[0], "<aylin@example.com>") {
			t.Fatalf("reply = %+v", sent)
		}

		// A second submission from the same address is the same person.
		res2 := must[Result](t)(e.s.Receive(context.Background(), Contact{Channel: ChannelWeb, ExternalID: "tok-2",
			Name: "A. Yılmaz", Email: "aylin@example.com", Text: "Another question"}))
		if !res2.New || e.conversation(res2.ConversationID).PersonID != p.ID {
			t.Fatal("second submission not matched to the person")
		}
	})
}

func TestReceiveValidation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for name, in := range map[string]Contact{
			"channel":  {Channel: ChannelEmail, Text: "x"},
			"encoding": {Channel: ChannelWeb, Email: "a@example.com", Text: "bad \xff byte"},
			"too long": {Channel: ChannelWeb, Email: "a@example.com", Text: strings.Repeat("x", maxBodyBytes+1)},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := e.s.Receive(context.Background(), in)
				wantErr(t, err, apperr.CodeInvalid, "")
			})
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_conversations"); n != 0 {
			t.Fatalf("conversations after refusals = %d", n)
		}
	})
}

func TestCalls(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, ctx := e.agent("Ana", auth.RoleAgent)
		// An outbound call to a new number starts a conversation that
		// counts as answered.
		m, err := e.s.StartCall(ctx, CallInput{Direction: DirectionOut, DurationSecs: 320, Number: "+358 40 1234567",
			Notes: "Called back about the gala tickets.", Subject: "Gala tickets"})
		if err != nil {
			t.Fatal(err)
		}
		call := m.Call()
		if call == nil || call.Direction != DirectionOut || call.DurationSecs != 320 || call.Outcome != CallAnswered {
			t.Fatalf("call = %+v", call)
		}
		c := e.conversation(m.ConversationID)
		if c.Channel != ChannelPhone || c.FirstRespondedAt == nil || c.Subject != "Gala tickets" || c.PersonID == 0 {
			t.Fatalf("conversation = %+v", c.Conversation)
		}
		if n := count(t, e.d, "SELECT count(*) FROM timeline_events WHERE person_id = $1 AND kind = 'call'", c.PersonID); n != 1 {
			t.Fatalf("timeline calls = %d", n)
		}
		if n := len(e.pendingJobs(ackArgs{}.Kind())); n != 0 {
			t.Fatalf("ack jobs for a call = %d", n)
		}

		// An inbound voicemail logged into an e-mail conversation restarts
		// its next-response clock; calling back answers it.
		res := e.ingest(msg{From: "Ben <ben@example.org>", Subject: "Receipt", ID: "r1@example.org"}.String())
		if _, err := e.s.Reply(ctx, res.ConversationID, "Looking into it.", ""); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		if _, err := e.s.LogCall(ctx, res.ConversationID, CallInput{Outcome: CallVoicemail, Notes: "Asks for a call back"}); err != nil {
			t.Fatal(err)
		}
		c = e.conversation(res.ConversationID)
		if c.Status != StatusOpen || c.NextResponseDueAt == nil {
			t.Fatalf("after voicemail: %s next due %v", c.Status, c.NextResponseDueAt)
		}
		if _, err := e.s.LogCall(ctx, res.ConversationID, CallInput{Direction: DirectionOut, DurationSecs: 60}); err != nil {
			t.Fatal(err)
		}
		c = e.conversation(res.ConversationID)
		if c.NextResponseDueAt != nil || len(c.Messages) != 4 || c.Messages[3].Channel != ChannelPhone {
			t.Fatalf("after call back: next due %v, %d messages", c.NextResponseDueAt, len(c.Messages))
		}

		for name, in := range map[string]CallInput{
			"outcome":  {Outcome: "maybe", Number: "+358401234567"},
			"duration": {DurationSecs: -5, Number: "+358401234567"},
			"who":      {},
		} {
			_, err := e.s.StartCall(ctx, in)
			wantErr(t, err, apperr.CodeInvalid, "")
			_ = name
		}
		_, vctx := e.agent("Val", auth.RoleViewer)
		_, err = e.s.StartCall(vctx, CallInput{Number: "+358401234567"})
		wantErr(t, err, apperr.CodeForbidden, "")
	})
}

// bridge is a social platform bridge: it records the replies Hearken posts,
// checking their signature.
type bridge struct {
	mu      sync.Mutex
	secret  []byte
	got     []SocialReply
	status  int
	badSigs int
}

func (b *bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := verify(b.secret, r.Header.Get(SignatureHeader), body, time.Now()); err != nil {
		b.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if b.status != 0 && b.status != http.StatusOK {
		w.WriteHeader(b.status)
		return
	}
	var rep SocialReply
	_ = json.Unmarshal(body, &rep)
	b.got = append(b.got, rep)
}

func TestSocialChannel(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.clock.Set(time.Now().UTC())
		br := &bridge{}
		srv := httptest.NewServer(br)
		defer srv.Close()
		_, admin := e.agent("Ada", auth.RoleAdmin)
		ch, secret, err := e.s.CreateSocialChannel(admin, SocialChannelInput{Name: "Instagram", Platform: "instagram", OutboundURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		br.secret = []byte(secret)
		post := func(body string, at time.Time) (Result, error) {
			return e.s.ReceiveSocialWebhook(context.Background(), ch.ID, Sign([]byte(secret), at, []byte(body)), []byte(body))
		}
		dm := `{"id":"ig-1","author":{"handle":"@lea.k","name":"Lea K","profile_url":"https://instagram.com/lea.k"},"text":"Hi! Do you take clothes donations?","kind":"message"}`
		res, err := post(dm, time.Now())
		if err != nil || !res.New {
			t.Fatalf("first post = %+v, %v", res, err)
		}
		// The same request again is a replay; the same message re-signed is
		// a duplicate; a stale or forged signature is refused.
		hdr := Sign([]byte(secret), time.Now().Add(-2*time.Second), []byte(dm))
		if _, err := e.s.ReceiveSocialWebhook(context.Background(), ch.ID, hdr, []byte(dm)); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.ReceiveSocialWebhook(context.Background(), ch.ID, hdr, []byte(dm))
		wantErr(t, err, apperr.CodeConflict, "inbox.error.replay")
		_, err = post(dm, time.Now().Add(-6*time.Minute))
		wantErr(t, err, apperr.CodeUnauthorized, "inbox.error.signature_expired")
		_, err = e.s.ReceiveSocialWebhook(context.Background(), ch.ID, Sign([]byte("wrong"), time.Now(), []byte(dm)), []byte(dm))
		wantErr(t, err, apperr.CodeUnauthorized, "inbox.error.signature")
		_, err = post(`{"id":"x","author":{"handle":""},"text":""}`, time.Now())
		wantErr(t, err, apperr.CodeInvalid, "")

		// A second direct message continues the conversation; a mention
		// starts its own.
		res2 := must[Result](t)(post(`{"id":"ig-2","author":{"handle":"lea.k"},"text":"Also shoes?","kind":"message"}`, time.Now()))
		if res2.New || res2.ConversationID != res.ConversationID {
			t.Fatalf("second DM = %+v", res2)
		}
		res3 := must[Result](t)(post(`{"id":"ig-3","author":{"handle":"lea.k"},"text":"Great work @harborlight","kind":"mention","url":"https://instagram.com/p/1"}`, time.Now()))
		if !res3.New {
			t.Fatalf("mention = %+v", res3)
		}
		c := e.conversation(res.ConversationID)
		if c.Channel != ChannelSocial || len(c.Messages) != 2 || c.PersonID == 0 {
			t.Fatalf("conversation = %+v", c)
		}
		ids, _ := e.people.FindByContact(sys(), people.Social, people.SocialKey("instagram", "Lea.K"))
		if len(ids) != 1 || ids[0] != c.PersonID {
			t.Fatalf("handle match = %v", ids)
		}

		// A staff reply goes to the bridge, signed; a failing bridge is
		// retried, then the state shows sent.
		_, ag := e.agent("Sam", auth.RoleAgent)
		m, err := e.s.Reply(ag, c.ID, "Yes, we do! Drop them at the shop.", "")
		if err != nil {
			t.Fatal(err)
		}
		if m.Outbox == nil || m.Outbox.Status != OutboxQueued || m.Channel != ChannelSocial {
			t.Fatalf("reply = %+v", m)
		}
		if jobs := e.pendingJobs(socialSendArgs{}.Kind()); len(jobs) != 1 {
			t.Fatalf("social jobs = %d", len(jobs))
		}
		br.status = http.StatusBadGateway
		if err := e.s.deliverSocial(context.Background(), http.DefaultClient, m.ID, 1); err == nil {
			t.Fatal("a 502 from the bridge is not an error")
		}
		if got := must[Message](t)(e.s.message(context.Background(), m.ID)); got.Outbox.Status != OutboxQueued || got.Outbox.LastError == "" {
			t.Fatalf("after 502: %+v", got.Outbox)
		}
		br.status = http.StatusOK
		if err := e.s.deliverSocial(context.Background(), http.DefaultClient, m.ID, 2); err != nil {
			t.Fatal(err)
		}
		got := must[Message](t)(e.s.message(context.Background(), m.ID))
		if got.Outbox.Status != OutboxSent || len(br.got) != 1 || br.badSigs != 0 {
			t.Fatalf("delivery = %+v, bridge got %+v (%d bad signatures)", got.Outbox, br.got, br.badSigs)
		}
		if r := br.got[0]; r.To != "lea.k" || r.InReplyTo != "ig-2" || r.Reference != c.Reference || r.Text != "Yes, we do! Drop them at the shop." {
			t.Fatalf("bridge payload = %+v", r)
		}
		if c := e.conversation(c.ID); c.FirstRespondedAt == nil || c.Status != StatusWaiting {
			t.Fatalf("after reply: %+v", c.Conversation)
		}
		// A bridge refusing for good marks the reply failed at once.
		m2 := must[Message](t)(e.s.Reply(ag, res3.ConversationID, "Thank you!", ""))
		br.status = http.StatusUnprocessableEntity
		if err := e.s.deliverSocial(context.Background(), http.DefaultClient, m2.ID, 1); err != nil {
			t.Fatal(err)
		}
		if got := must[Message](t)(e.s.message(context.Background(), m2.ID)); got.Outbox.Status != OutboxFailed {
			t.Fatalf("after 422: %+v", got.Outbox)
		}
		// The e-mail outbox never picks social replies up.
		if n := must[int](t)(e.s.RequeueOutbox(admin)); n != 0 {
			t.Fatalf("requeued %d", n)
		}
	})
}

func TestRateLimit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for i := 1; i <= 4; i++ {
			ok, err := e.s.Allow(context.Background(), "form:192.0.2.1", 3, 10*time.Minute)
			if err != nil || ok != (i <= 3) {
				t.Fatalf("hit %d: %v %v", i, ok, err)
			}
		}
		if ok, _ := e.s.Allow(context.Background(), "form:192.0.2.2", 3, 10*time.Minute); !ok {
			t.Fatal("another address is limited")
		}
		e.clock.Advance(10 * time.Minute)
		if ok, _ := e.s.Allow(context.Background(), "form:192.0.2.1", 3, 10*time.Minute); !ok {
			t.Fatal("still limited in the next window")
		}
	})
}

func TestParseIMAPURL(t *testing.T) {
	for _, tc := range []struct {
		url, addr, user, box string
		tls, starttls, ok    bool
	}{
		{"imaps://help@mail.example.org/INBOX", "mail.example.org:993", "help", "INBOX", true, false, true},
		{"imap://help%40example.org@127.0.0.1:1143/Support?starttls=off", "127.0.0.1:1143", "help@example.org", "Support", false, false, true},
		{"imap://help@mail.example.org", "mail.example.org:143", "help", "", false, true, true},
		{"imaps://help:pw@mail.example.org/INBOX", "", "", "", false, false, false},
		{"https://help@mail.example.org/", "", "", "", false, false, false},
		{"imaps://mail.example.org/INBOX", "", "", "", false, false, false},
		{"imaps://help@mail.example.org:99999/", "", "", "", false, false, false},
	} {
		cfg, err := ParseIMAPURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.url, err)
			continue
		}
		if tc.ok && (cfg.Addr != tc.addr || cfg.Username != tc.user || cfg.Mailbox != tc.box || cfg.TLS != tc.tls || cfg.StartTLS != tc.starttls) {
			t.Errorf("%s: %+v", tc.url, cfg)
		}
	}
}

// TestIMAPPollerWired: a mailbox with IMAP settings gets a poller that
// fetches from a real IMAP server into the inbox, once.
func TestIMAPPollerWired(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		mem := imapmemserver.New()
		user := imapmemserver.NewUser("help@example.org", "s3cret")
		mem.AddUser(user)
		if err := user.Create("INBOX", nil); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := imapserver.New(&imapserver.Options{
			NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
				return mem.NewSession(), nil, nil
			},
			Caps: imap.CapSet{imap.CapIMAP4rev1: {}}, InsecureAuth: true, Logger: log.New(io.Discard, "", 0),
		})
		go srv.Serve(ln)
		defer srv.Close()
		raw := msg{From: "Noor <noor@example.net>", Subject: "Volunteering", ID: "imap-1@example.net"}.String()
		if _, err := user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
		_, admin := e.agent("Ida", auth.RoleAdmin)
		url := "imap://help%40example.org@" + ln.Addr().String() + "/INBOX?starttls=off"
		err = e.s.SetMailboxIMAP(admin, e.mb.ID, url, "")
		wantErr(t, err, apperr.CodeInvalid, "")
		if err := e.s.SetMailboxIMAP(admin, e.mb.ID, url, "s3cret"); err != nil {
			t.Fatal(err)
		}
		accts := must[[]IMAPAccount](t)(e.s.IMAPAccounts(admin))
		if len(accts) != 1 || accts[0].URL != url {
			t.Fatalf("accounts = %+v", accts)
		}
		if b, _ := json.Marshal(accts); strings.Contains(string(b), "s3cret") {
			t.Fatal("password shown back")
		}
		for round := 0; round < 2; round++ {
			pollers := must[[]*email.Poller](t)(e.s.IMAPPollers(sys(), quiet))
			if len(pollers) != 1 {
				t.Fatalf("pollers = %d", len(pollers))
			}
			n, err := pollers[0].PollOnce(context.Background())
			if err != nil || n != 1-round {
				t.Fatalf("round %d: delivered %d, %v", round, n, err)
			}
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_messages WHERE message_id = 'imap-1@example.net' AND mailbox_id = $1", e.mb.ID); n != 1 {
			t.Fatalf("stored %d", n)
		}
	})
}

func TestImportMentions(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, admin := e.agent("Ada", auth.RoleAdmin)
		ch, _, err := e.s.CreateSocialChannel(admin, SocialChannelInput{Name: "X", Platform: "twitter"})
		if err != nil {
			t.Fatal(err)
		}
		csv := "Date;Handle;Name;Text;URL;ID\r\n" +
			"2025-06-01;@renee;Renée Dupont;Merci pour la collecte de dimanche !;https://x.com/renee/status/1;1\r\n" +
			"2025-06-01T10:00:00Z;mehmet;Mehmet;Harika bir etkinlik;https://x.com/mehmet/status/2;2\r\n" +
			"yesterday;someone;;Hello;;3\r\n" +
			";;;No handle;;4\r\n" +
			"2025-06-02;@renee;Renée Dupont;Merci pour la collecte de dimanche !;https://x.com/renee/status/1;1\r\n"
		// Windows-1252, as spreadsheet exports often are.
		var b []byte
		for _, r := range csv {
			switch r {
			case 'é':
				b = append(b, 0xE9)
			default:
				b = append(b, byte(r))
			}
		}
		res, err := e.s.ImportMentions(admin, ch.ID, b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 5 || res.Imported != 2 || res.Duplicates != 1 || len(res.Errors) != 2 ||
			res.Errors[0].Row != 3 || res.Errors[0].Key != "inbox.error.csv_date" || res.Errors[1].Row != 4 {
			t.Fatalf("import = %+v", res)
		}
		ids, _ := e.people.FindByContact(sys(), people.Social, people.SocialKey("x", "renee"))
		if len(ids) != 1 {
			t.Fatalf("renee's profile: %v", ids)
		}
		p := must[people.Person](t)(e.people.GetPerson(sys(), ids[0]))
		if p.DisplayName != "Renée Dupont" || p.Source != "social" {
			t.Fatalf("person = %+v", p)
		}
		_, err = e.s.ImportMentions(admin, ch.ID, []byte("who,what\nx,y\n"))
		wantErr(t, err, apperr.CodeInvalid, "")
		_, agent := e.agent("Sam", auth.RoleAgent)
		_, err = e.s.ImportMentions(agent, ch.ID, b)
		wantErr(t, err, apperr.CodeForbidden, "")
	})
}
