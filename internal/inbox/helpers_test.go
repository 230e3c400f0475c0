package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/jobs"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

var modules = []db.Module{auth.Module, org.Module, people.Module(), jobs.Module(), Module()}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testStart is the fake clock's start: a Monday, 10:00 in Helsinki.
var testStart = time.Date(2025, 6, 2, 7, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// fakeSender records what the outbox sends; errs are returned first, one
// per Send.
type fakeSender struct {
	mu   sync.Mutex
	sent []email.OutMessage
	errs []error
}

func (f *fakeSender) Send(_ context.Context, m email.OutMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeSender) messages() []email.OutMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]email.OutMessage(nil), f.sent...)
}

// env is one test's inbox on a fresh database.
type env struct {
	t      testing.TB
	d      *db.DB
	s      *Service
	people *people.Service
	org    *org.Service
	auth   *auth.Service
	jobs   *jobs.Jobs
	clock  *fakeClock
	sender *fakeSender
	mb     Mailbox
	secret []byte
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func newEnv(t testing.TB, d *db.DB, opts ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, d: d, clock: &fakeClock{t: testStart}, sender: &fakeSender{}, secret: testSecret}
	j, err := jobs.New(d, quiet, jobs.Options{FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = j.Stop(ctx)
	})
	e.jobs = j
	e.auth = auth.NewService(d)
	e.org = org.NewService(d, e.auth)
	e.org.Now = e.clock.Now
	e.people = people.New(d, people.Config{Now: e.clock.Now})
	cfg := Config{People: e.people, Jobs: j, Org: e.org, Now: e.clock.Now, Sender: e.sender, ReplySecret: testSecret, Log: quiet,
		SendBackoff: func(int) time.Duration { return time.Millisecond }}
	for _, o := range opts {
		o(&cfg)
	}
	if e.s, err = New(d, cfg); err != nil {
		t.Fatal(err)
	}
	e.mb = e.mustMailbox("help@example.org", "Hearken Help")
	return e
}

func (e *env) mustMailbox(addr, name string) Mailbox {
	e.t.Helper()
	mb, err := e.s.CreateMailbox(sys(), MailboxInput{Address: addr, DisplayName: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return mb
}

// run runs fn on every backend with a fresh environment.
func run(t *testing.T, fn func(t *testing.T, e *env), opts ...func(*Config)) {
	t.Helper()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) { fn(t, newEnv(t, d, opts...)) })
}

func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor("test")) }

// agent creates a staff user and returns a context acting as them.
func (e *env) agent(name string, role auth.Role) (auth.User, context.Context) {
	e.t.Helper()
	u, err := e.auth.CreateUser(sys(), auth.NewUser{Email: strings.ToLower(name) + "@staff.example.org", Name: name, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return u, auth.WithActor(context.Background(), auth.ActorFor(u, nil))
}

// setOrg sets the organization's time zone and language.
func (e *env) setOrg(tz, locale string) {
	e.t.Helper()
	if _, err := e.org.Update(sys(), org.SettingsPatch{TimeZone: &tz, DefaultLocale: &locale}); err != nil {
		e.t.Fatal(err)
	}
}

// ingest delivers raw as the SMTP listener would.
func (e *env) ingest(raw string) Result {
	e.t.Helper()
	res, err := e.s.Ingest(context.Background(), []byte(raw), Envelope{To: []string{e.mb.Address}, ReceivedAt: e.clock.Now()})
	if err != nil {
		e.t.Fatalf("Ingest: %v", err)
	}
	return res
}

// msg is a minimal message for tests.
type msg struct {
	From, To, Subject, ID, InReplyTo, References, Body string
	Headers                                            []string
}

func (m msg) String() string {
	var b strings.Builder
	if m.To == "" {
		m.To = "help@example.org"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 02 Jun 2025 10:00:00 +0300\r\n", m.From, m.To, m.Subject)
	if m.ID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.ID)
	}
	if m.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.InReplyTo)
	}
	if m.References != "" {
		fmt.Fprintf(&b, "References: %s\r\n", m.References)
	}
	for _, h := range m.Headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	body := m.Body
	if body == "" {
		body = "Hello, I would like to know more about volunteering with you this summer. Thank you!"
	}
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
	return b.String()
}

func corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "channel", "email", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Writer.QueryRowContext(context.Background(), d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func wantErr(t testing.TB, err error, code apperr.Code, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

// job is a committed, not yet run River job.
type job struct {
	id   int64
	kind string
	args []byte
	at   time.Time
}

// pendingJobs lists the jobs of kind waiting to run, by schedule. Tests run
// them by hand (runJobs) so that fake clocks and ordering are exact; the
// SMTP test runs River for real.
func (e *env) pendingJobs(kind string) []job {
	e.t.Helper()
	args := "json(args)"
	if e.d.Dialect == db.Postgres {
		args = "args::text"
	}
	rows, err := e.d.Writer.QueryContext(context.Background(), e.d.Rebind(
		"SELECT id, kind, "+args+", scheduled_at FROM river_job WHERE kind = $1 AND state IN ('available', 'scheduled', 'retryable') ORDER BY scheduled_at, id"), kind)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []job
	for rows.Next() {
		var j job
		var args string
		if err := rows.Scan(&j.id, &j.kind, &args, &j.at); err != nil {
			e.t.Fatal(err)
		}
		j.args = []byte(args)
		out = append(out, j)
	}
	return out
}

// runJobs runs the pending jobs of kind scheduled up to until (zero: all)
// and removes them; it returns their errors in order.
func (e *env) runJobs(kind string, until time.Time) []error {
	e.t.Helper()
	var errs []error
	for _, j := range e.pendingJobs(kind) {
		if !until.IsZero() && j.at.After(until) {
			continue
		}
		var err error
		ctx := context.Background()
		switch kind {
		case ackArgs{}.Kind():
			var a ackArgs
			must[any](e.t)(nil, json.Unmarshal(j.args, &a))
			err = e.s.acknowledge(ctx, a.ConversationID, a.MessageID)
		case sendArgs{}.Kind():
			var a sendArgs
			must[any](e.t)(nil, json.Unmarshal(j.args, &a))
			err = e.s.sendQueued(ctx, a.MessageID, 1)
		case deadlineArgs{}.Kind():
			var a deadlineArgs
			must[any](e.t)(nil, json.Unmarshal(j.args, &a))
			err = e.s.deadline(ctx, a)
		default:
			e.t.Fatalf("no runner for %s", kind)
		}
		if _, derr := e.d.Writer.Exec(e.d.Rebind("DELETE FROM river_job WHERE id = $1"), j.id); derr != nil {
			e.t.Fatal(derr)
		}
		errs = append(errs, err)
	}
	return errs
}

// ack runs the acknowledgement jobs and then the outbox, returning what was
// sent.
func (e *env) flush() []email.OutMessage {
	e.t.Helper()
	for _, err := range e.runJobs(ackArgs{}.Kind(), time.Time{}) {
		if err != nil {
			e.t.Fatalf("ack job: %v", err)
		}
	}
	for _, err := range e.runJobs(sendArgs{}.Kind(), time.Time{}) {
		if err != nil {
			e.t.Fatalf("send job: %v", err)
		}
	}
	return e.sender.messages()
}

func (e *env) conversation(id int64) ConversationDetail {
	e.t.Helper()
	c, err := e.s.GetConversation(sys(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) eventKinds(id int64) []string {
	var out []string
	for _, ev := range e.conversation(id).Events {
		out = append(out, ev.Kind)
	}
	return out
}

// mustJobs is a second job system on e's database (for a second instance).
// otherInstance is a second inbox service on e's database with its own job
// client: another Hearken instance sharing it.
func (e *env) otherInstance(t testing.TB) *Service {
	t.Helper()
	cfg := e.s.cfg
	cfg.Jobs = mustJobs(t, e)
	other, err := New(e.d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return other
}

func mustJobs(t testing.TB, e *env) *jobs.Jobs {
	t.Helper()
	j, err := jobs.New(e.d, quiet, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Stop(context.Background()) })
	return j
}
