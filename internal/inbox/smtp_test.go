package inbox

import (
	"bytes"
	"context"
	"io"
	"net"
	netsmtp "net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db"
)

// relay is a real go-smtp server standing in for the outbound relay.
type relay struct {
	mu   sync.Mutex
	msgs []relayed
	addr string
}

type relayed struct {
	from string
	to   []string
	data []byte
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{}
	s := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &relaySession{r: r}, nil }))
	s.Domain = "relay.test"
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() { _ = s.Serve(ln); close(done) }()
	t.Cleanup(func() { s.Close(); <-done })
	return r
}

func (r *relay) received() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayed(nil), r.msgs...)
}

type relaySession struct {
	r    *relay
	from string
	to   []string
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }
func (s *relaySession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *relaySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.msgs = append(s.r.msgs, relayed{from: s.from, to: s.to, data: b})
	return nil
}

// committedReceiver checks, after the inbox's Deliver returns and before the
// listener may answer 250, that the message is visible to another
// connection: it was committed.
type committedReceiver struct {
	*Service
	t         *testing.T
	mu        sync.Mutex
	committed []bool
}

func (c *committedReceiver) Deliver(ctx context.Context, d email.Delivery) error {
	if err := c.Service.Deliver(ctx, d); err != nil {
		return err
	}
	m, err := email.Parse(bytes.NewReader(d.Data), email.Limits{})
	if err != nil {
		return err
	}
	var n int
	err = c.db.Reader.QueryRowContext(ctx, c.db.Rebind("SELECT count(*) FROM inbox_messages WHERE message_id = $1"), m.MessageID).Scan(&n)
	c.mu.Lock()
	c.committed = append(c.committed, err == nil && n == 1)
	c.mu.Unlock()
	return err
}

// TestSMTPEndToEnd: a message arrives over SMTP, is committed before the
// client hears 250, River runs the acknowledgement and the outbox, and the
// acknowledgement reaches a real relay threaded and marked automatic.
func TestSMTPEndToEnd(t *testing.T) {
	t.Parallel()
	var rl *relay // one relay per backend, made with the service
	run(t, func(t *testing.T, e *env) {
		recv := &committedReceiver{Service: e.s, t: t}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := email.NewListener(email.ListenerConfig{Domain: "mx.example.org"}, recv, quiet)
		go func() { _ = l.Serve(ln) }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = l.Shutdown(ctx)
		})
		if err := e.jobs.Start(context.Background()); err != nil {
			t.Fatal(err)
		}

		c, err := netsmtp.Dial(ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		must[any](t)(nil, c.Hello("client.example.net"))
		must[any](t)(nil, c.Mail("yuki@example.jp"))
		if err := c.Rcpt("nobody@example.org"); err == nil {
			t.Error("a recipient that is not a mailbox was accepted")
		}
		must[any](t)(nil, c.Rcpt("Help@Example.org"))
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		raw := "From: =?UTF-8?B?5bGx55SwIOOChuOBjQ==?= <yuki@example.jp>\r\nTo: help@example.org\r\n" +
			"Subject: =?UTF-8?B?44Oc44Op44Oz44OG44Kj44Ki44Gr44Gk44GE44Gm?=\r\nMessage-ID: <smtp-e2e-1@example.jp>\r\n" +
			"Date: Mon, 02 Jun 2025 10:00:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
			"Content-Transfer-Encoding: 8bit\r\n\r\nこんにちは。来月のボランティア活動について教えていただけますか。よろしくお願いします。\r\n"
		if _, err := io.WriteString(w, raw); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil { // returns once the server said 250
			t.Fatalf("DATA: %v", err)
		}
		_ = c.Quit()
		recv.mu.Lock()
		committed := append([]bool(nil), recv.committed...)
		recv.mu.Unlock()
		if len(committed) != 1 || !committed[0] {
			t.Fatalf("message not committed before 250: %v", committed)
		}

		var got []relayed
		deadline := time.Now().Add(15 * time.Second)
		for len(got) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			got = rl.received()
		}
		if len(got) != 1 {
			for _, g := range got {
				t.Logf("relayed %s → %v:\n%s", g.from, g.to, g.data)
			}
			t.Fatalf("relay received %d messages", len(got))
		}
		if got[0].from != "help@example.org" || len(got[0].to) != 1 || got[0].to[0] != "yuki@example.jp" {
			t.Errorf("envelope %s → %v", got[0].from, got[0].to)
		}
		ack, err := email.Parse(bytes.NewReader(got[0].data), email.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var convID int64
		if err := e.d.Reader.QueryRow(e.d.Rebind("SELECT conversation_id FROM inbox_messages WHERE message_id = $1"), "smtp-e2e-1@example.jp").Scan(&convID); err != nil {
			t.Fatal(err)
		}
		if len(ack.InReplyTo) != 1 || ack.InReplyTo[0] != "smtp-e2e-1@example.jp" || !strings.Contains(strings.Join(ack.References, " "), "smtp-e2e-1@example.jp") {
			t.Errorf("In-Reply-To %v References %v", ack.InReplyTo, ack.References)
		}
		if ack.Headers.Get("Auto-Submitted") != "auto-replied" {
			t.Errorf("Auto-Submitted %q", ack.Headers.Get("Auto-Submitted"))
		}
		if len(ack.ReplyTo) != 1 {
			t.Fatalf("Reply-To %v", ack.ReplyTo)
		}
		if id, ok := email.ParseReplyAddress(ack.ReplyTo[0].Email, e.secret); !ok || id != convID {
			t.Errorf("Reply-To %s routes to %d %v, want %d", ack.ReplyTo[0].Email, id, ok, convID)
		}
		if !strings.HasPrefix(ack.Subject, "お問い合わせを受け付けました") || !strings.Contains(ack.Text, "山田 ゆき 様") {
			t.Errorf("acknowledgement %q:\n%s", ack.Subject, ack.Text)
		}
		// The outbox says sent (the job commits right after the relay's 250).
		deadline = time.Now().Add(5 * time.Second)
		for {
			var status string
			err := e.d.Reader.QueryRow(e.d.Rebind("SELECT o.status FROM inbox_outbox o JOIN inbox_messages m ON m.id = o.message_id WHERE m.conversation_id = $1"), convID).Scan(&status)
			if err == nil && status == OutboxSent {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("outbox status %q (%v)", status, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The person answers the acknowledgement to its Reply-To: same
		// conversation.
		reply := "From: yuki@example.jp\r\nTo: " + ack.ReplyTo[0].Email + "\r\nSubject: Re: x\r\nMessage-ID: <smtp-e2e-2@example.jp>\r\n\r\nもう一つ質問があります。\r\n"
		if err := netsmtp.SendMail(ln.Addr().String(), nil, "yuki@example.jp", []string{ack.ReplyTo[0].Email}, []byte(reply)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := e.d.Reader.QueryRow(e.d.Rebind("SELECT count(*) FROM inbox_messages WHERE conversation_id = $1 AND direction = 'in'"), convID).Scan(&n); err != nil || n != 2 {
			t.Errorf("conversation has %d inbound messages (%v), want 2", n, err)
		}
		// Nothing was sent twice, and the answer got no acknowledgement.
		time.Sleep(300 * time.Millisecond)
		if n := len(rl.received()); n != 1 {
			t.Errorf("relay received %d messages in all, want 1", n)
		}
	}, func(c *Config) {
		rl = startRelay(t)
		sender, err := email.NewSender("smtp://"+rl.addr+"?starttls=none", email.WithSenderLogger(quiet), email.WithSenderTimeout(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		c.Sender = sender
		c.Now = db.Now // River runs on the real clock here
	})
}
