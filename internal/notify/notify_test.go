package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
	"github.com/hearken-org/hearken/internal/jobs"
)

var modules = []db.Module{auth.Module, jobs.Module(), Module()}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestCatalog(t *testing.T) {
	i18ntest.CheckCatalog(t, Locales, "locales", i18ntest.AllowIdentical("notify.nav", "notify.page.title"))
}

func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor("test")) }

type fixture struct {
	d    *db.DB
	s    *Service
	j    *jobs.Jobs
	auth *auth.Service
}

func setup(t *testing.T, d *db.DB, mailer Mailer) *fixture {
	t.Helper()
	j, err := jobs.New(d, quiet, jobs.Options{FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = j.Stop(ctx)
	})
	b, err := i18n.NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddCatalog(Locales, "locales"); err != nil {
		t.Fatal(err)
	}
	s, err := New(d, Config{Jobs: j, Bundle: b, Mailer: mailer, From: "Hearken <notifications@example.org>",
		BaseURL: "https://hearken.example.org", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{d: d, s: s, j: j, auth: auth.NewService(d)}
}

func (f *fixture) user(t *testing.T, name, locale string) (auth.User, context.Context) {
	t.Helper()
	u, err := f.auth.CreateUser(sys(), auth.NewUser{Email: strings.ToLower(name) + "@staff.example.org", Name: name, Role: auth.RoleAgent, Locale: locale})
	if err != nil {
		t.Fatal(err)
	}
	return u, auth.WithActor(context.Background(), auth.ActorFor(u, nil))
}

func TestReadUnread(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil)
		ada, actx := f.user(t, "Ada", "")
		bo, bctx := f.user(t, "Bo", "")
		gone, _ := f.user(t, "Gone", "")
		inactive := false
		if _, err := f.auth.UpdateUser(sys(), gone.ID, auth.UserPatch{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		msg := func(ref, key string) Message {
			return Message{Kind: "inbox.mention", TitleKey: "notify.title.mention", Args: map[string]any{"Actor": "Bo", "Reference": ref, "Subject": "Gift"},
				Link: "/inbox/1", ActorUserID: bo.ID, DedupeKey: key}
		}
		// The actor and inactive users are skipped; a dedupe key notifies once.
		for _, m := range []Message{msg("HK-1", "k1"), msg("HK-1", "k1"), msg("HK-2", "k2"), msg("HK-3", "")} {
			if _, err := f.s.Send(sys(), []int64{ada.ID, bo.ID, gone.ID, ada.ID}, m); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := f.s.UnreadCount(actx); n != 3 {
			t.Fatalf("unread %d, want 3", n)
		}
		if n, _ := f.s.UnreadCount(bctx); n != 0 {
			t.Fatalf("actor notified: %d", n)
		}
		page, err := f.s.List(actx, 0, 2, false)
		if err != nil || len(page.Items) != 2 || page.Next == 0 {
			t.Fatalf("page %+v %v", page, err)
		}
		if page.Items[0].Args["Reference"] != "HK-3" {
			t.Fatalf("newest first: %+v", page.Items[0])
		}
		if _, err := f.s.MarkRead(actx, page.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.MarkRead(bctx, page.Items[1].ID); err == nil {
			t.Fatal("marked someone else's notification")
		}
		if n, _ := f.s.UnreadCount(actx); n != 2 {
			t.Fatalf("unread after one read %d", n)
		}
		unread, _ := f.s.List(actx, 0, 10, true)
		if len(unread.Items) != 2 {
			t.Fatalf("unread list %+v", unread.Items)
		}
		if err := f.s.MarkAllRead(actx); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.s.UnreadCount(actx); n != 0 {
			t.Fatalf("unread after all read %d", n)
		}
		// No relay: nothing queued for e-mail.
		if n := countJobs(t, d); n != 0 {
			t.Fatalf("%d e-mail jobs without a relay", n)
		}
	})
}

func countJobs(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Writer.QueryRow("SELECT count(*) FROM river_job WHERE kind = 'notify.email'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// smtpSink is a real SMTP server (go-smtp) that keeps what it receives.
type smtpSink struct {
	mu   sync.Mutex
	msgs []sinkMsg
	got  chan struct{}
}

type sinkMsg struct {
	to   []string
	data []byte
}

type sinkSession struct {
	s  *smtpSink
	to []string
}

func (x *sinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, sinkMsg{to: x.to, data: b})
	x.s.mu.Unlock()
	x.s.got <- struct{}{}
	return nil
}
func (x *sinkSession) Reset()        { x.to = nil }
func (x *sinkSession) Logout() error { return nil }

func startSink(t *testing.T) (*smtpSink, string) {
	t.Helper()
	sink := &smtpSink{got: make(chan struct{}, 10)}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &sinkSession{s: sink}, nil }))
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return sink, "smtp://" + ln.Addr().String()
}

func TestEmailToStaff(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		sink, url := startSink(t)
		sender, err := email.NewSender(url, email.WithSenderLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		f := setup(t, d, sender)
		ada, _ := f.user(t, "Ada", "fr")
		bo, bctx := f.user(t, "Bo", "")
		if _, err := f.s.SetPrefs(bctx, Prefs{Email: false}); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.s.Prefs(bctx); p.Email {
			t.Fatal("preference not saved")
		}
		// Sent inside a transaction that rolls back: nothing at all.
		boom := errors.New("boom")
		err = d.InTx(sys(), func(ctx context.Context) error {
			if _, err := f.s.Send(ctx, []int64{ada.ID}, Message{Kind: "x", TitleKey: "notify.title.generic"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || countJobs(t, d) != 0 {
			t.Fatalf("rolled back send left jobs: %v", err)
		}
		if _, err := f.s.Send(sys(), []int64{ada.ID, bo.ID}, Message{Kind: "inbox.breach", TitleKey: "notify.title.sla_breach",
			Args: map[string]any{"Reference": "HK-7", "Subject": "Reçu fiscal"}, Body: "", Link: "/inbox/7"}); err != nil {
			t.Fatal(err)
		}
		if n := countJobs(t, d); n != 1 {
			t.Fatalf("%d e-mail jobs, want 1 (Bo wants in-app only)", n)
		}
		if err := f.j.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sink.got:
		case <-time.After(15 * time.Second):
			t.Fatal("no e-mail delivered")
		}
		sink.mu.Lock()
		m := sink.msgs[0]
		sink.mu.Unlock()
		if len(m.to) != 1 || m.to[0] != "ada@staff.example.org" {
			t.Fatalf("recipients %v", m.to)
		}
		parsed, err := email.Parse(bytes.NewReader(m.data), email.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(parsed.Subject, "Échéance dépassée sur HK-7 : Reçu fiscal") ||
			!strings.Contains(parsed.Text, "https://hearken.example.org/inbox/7") || !strings.Contains(parsed.Text, "Bonjour Ada") {
			t.Fatalf("e-mail in French with link, got subject %q text %q", parsed.Subject, parsed.Text)
		}
		// The notification records the delivery.
		deadline := time.Now().Add(5 * time.Second)
		for {
			var n int
			if err := d.Writer.QueryRow("SELECT count(*) FROM notifications WHERE emailed_at IS NOT NULL").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("emailed_at not recorded")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
