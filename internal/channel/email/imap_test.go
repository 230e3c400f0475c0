package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// imapTestServer is a real IMAP server (go-imap's in-memory backend) on a
// loopback port. restart closes every connection and listens again on the
// same port with the same mailboxes.
type imapTestServer struct {
	t    *testing.T
	mem  *imapmemserver.Server
	user *imapmemserver.User
	addr string

	// tlsConfig, when set, offers STARTTLS, or with implicit serves IMAPS.
	tlsConfig *tls.Config
	implicit  bool

	mu  sync.Mutex
	srv *imapserver.Server
}

func startIMAPServer(t *testing.T) *imapTestServer {
	return startIMAPServerTLS(t, nil, false)
}

func startIMAPServerTLS(t *testing.T, tlsConfig *tls.Config, implicit bool) *imapTestServer {
	t.Helper()
	s := &imapTestServer{t: t, mem: imapmemserver.New(), user: imapmemserver.NewUser("inbox@org.test", "s3cret"),
		tlsConfig: tlsConfig, implicit: implicit}
	s.mem.AddUser(s.user)
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	s.listen("127.0.0.1:0")
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.srv.Close()
	})
	return s
}

func (s *imapTestServer) listen(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	// The old socket may linger for a moment after a restart.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	}
	if s.tlsConfig != nil && !s.implicit {
		opts.TLSConfig = s.tlsConfig
		opts.InsecureAuth = false
	}
	srv := imapserver.New(opts)
	s.mu.Lock()
	s.srv = srv
	s.addr = ln.Addr().String()
	s.mu.Unlock()
	if s.implicit {
		ln = tls.NewListener(ln, s.tlsConfig)
	}
	go srv.Serve(ln)
}

func (s *imapTestServer) restart() {
	s.t.Helper()
	s.mu.Lock()
	s.srv.Close()
	s.mu.Unlock()
	s.listen(s.addr)
}

func (s *imapTestServer) append(subject string) {
	s.t.Helper()
	msg := fmt.Sprintf("From: someone@example.org\r\nTo: inbox@org.test\r\nSubject: %s\r\nMessage-ID: <%s@example.org>\r\n\r\nBody of %s.\r\n",
		subject, strings.ReplaceAll(subject, " ", "-"), subject)
	if _, err := s.user.Append("INBOX", bytes.NewReader([]byte(msg)), &imap.AppendOptions{Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}); err != nil {
		s.t.Fatal(err)
	}
}

// recreateInbox deletes and creates INBOX, which gives it a new UIDVALIDITY.
func (s *imapTestServer) recreateInbox() {
	s.t.Helper()
	if err := s.user.Delete("INBOX"); err != nil {
		s.t.Fatal(err)
	}
	if err := s.user.Create("INBOX", nil); err != nil {
		s.t.Fatal(err)
	}
}

type imapTestStore struct {
	mu sync.Mutex
	m  map[string]MailboxState
}

func (s *imapTestStore) Load(_ context.Context, key string) (MailboxState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *imapTestStore) Save(_ context.Context, key string, st MailboxState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]MailboxState{}
	}
	s.m[key] = st
	return nil
}

// imapTestSink collects deliveries and checks, at each one, that the state
// of the previous delivery was already saved.
type imapTestSink struct {
	t     *testing.T
	store *imapTestStore
	key   string

	mu       sync.Mutex
	subjects []string
	cursors  []uint32 // stored LastUID seen at each delivery
	failAt   string   // subject whose delivery fails once
	ch       chan string
}

func newIMAPTestSink(t *testing.T, store *imapTestStore) *imapTestSink {
	return &imapTestSink{t: t, store: store, ch: make(chan string, 100)}
}

func (k *imapTestSink) deliver(ctx context.Context, d Delivery) error {
	subject := ""
	for _, line := range strings.Split(string(d.Data), "\r\n") {
		if s, ok := strings.CutPrefix(line, "Subject: "); ok {
			subject = s
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if subject == k.failAt {
		k.failAt = ""
		return errors.New("store unavailable")
	}
	if d.ReceivedAt != time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) {
		k.t.Errorf("ReceivedAt = %v, want the INTERNALDATE", d.ReceivedAt)
	}
	st, _ := k.store.Load(ctx, k.key)
	k.cursors = append(k.cursors, st.LastUID)
	k.subjects = append(k.subjects, subject)
	k.ch <- subject
	return nil
}

func (k *imapTestSink) got() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.subjects...)
}

func (k *imapTestSink) waitFor(t *testing.T, subject string, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case s := <-k.ch:
			if s == subject {
				return
			}
		case <-timeout:
			t.Fatalf("%q not delivered within %v; delivered so far: %v", subject, within, k.got())
		}
	}
}

func newTestPoller(srv *imapTestServer, store *imapTestStore, sink *imapTestSink, cfg IMAPConfig, logw io.Writer) *Poller {
	cfg.Addr = srv.addr
	cfg.Username = "inbox@org.test"
	cfg.Password = "s3cret"
	if logw == nil {
		logw = io.Discard
	}
	p := NewPoller(cfg, store, sink.deliver, slog.New(slog.NewTextHandler(logw, nil)))
	sink.key = p.MailboxKey()
	p.backoffMin, p.backoffMax = 20*time.Millisecond, 200*time.Millisecond
	return p
}

func TestPollerPollOnce(t *testing.T) {
	srv := startIMAPServer(t)
	store := &imapTestStore{}
	sink := newIMAPTestSink(t, store)
	p := newTestPoller(srv, store, sink, IMAPConfig{}, nil)
	ctx := context.Background()

	for _, s := range []string{"one", "two", "three"} {
		srv.append(s)
	}
	n, err := p.PollOnce(ctx)
	if err != nil || n != 3 {
		t.Fatalf("first poll: n=%d err=%v", n, err)
	}
	if got := strings.Join(sink.got(), ","); got != "one,two,three" {
		t.Errorf("delivered %s", got)
	}
	st, _ := store.Load(ctx, p.MailboxKey())
	if st.LastUID != 3 || st.UIDValidity == 0 {
		t.Errorf("state = %+v", st)
	}

	n, err = p.PollOnce(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second poll: n=%d err=%v", n, err)
	}

	srv.append("four")
	srv.append("five")
	n, err = p.PollOnce(ctx)
	if err != nil || n != 2 {
		t.Fatalf("third poll: n=%d err=%v", n, err)
	}
	if got := strings.Join(sink.got(), ","); got != "one,two,three,four,five" {
		t.Errorf("delivered %s", got)
	}
	// The cursor was saved after every single delivery, not per batch.
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if got := fmt.Sprint(sink.cursors); got != "[0 1 2 3 4]" {
		t.Errorf("stored LastUID at each delivery = %s, want [0 1 2 3 4]", got)
	}
}

func TestPollerDeliverFailureDoesNotSkip(t *testing.T) {
	srv := startIMAPServer(t)
	store := &imapTestStore{}
	sink := newIMAPTestSink(t, store)
	p := newTestPoller(srv, store, sink, IMAPConfig{}, nil)
	ctx := context.Background()

	for _, s := range []string{"a", "b", "c"} {
		srv.append(s)
	}
	sink.failAt = "b"
	n, err := p.PollOnce(ctx)
	if err == nil || n != 1 {
		t.Fatalf("poll with failing delivery: n=%d err=%v", n, err)
	}
	if st, _ := store.Load(ctx, p.MailboxKey()); st.LastUID != 1 {
		t.Errorf("cursor moved past the failed message: %+v", st)
	}
	n, err = p.PollOnce(ctx)
	if err != nil || n != 2 {
		t.Fatalf("retry poll: n=%d err=%v", n, err)
	}
	if got := strings.Join(sink.got(), ","); got != "a,b,c" {
		t.Errorf("delivered %s", got)
	}
}

func TestPollerUIDValidityChange(t *testing.T) {
	srv := startIMAPServer(t)
	store := &imapTestStore{}
	sink := newIMAPTestSink(t, store)
	var logs syncBuffer
	p := newTestPoller(srv, store, sink, IMAPConfig{}, &logs)
	ctx := context.Background()

	srv.append("old-1")
	srv.append("old-2")
	srv.append("old-3")
	if n, err := p.PollOnce(ctx); err != nil || n != 3 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	before, _ := store.Load(ctx, p.MailboxKey())

	// The server rebuilds the mailbox: new UIDVALIDITY, UIDs restart at 1,
	// and the same messages come back.
	srv.recreateInbox()
	srv.append("old-1")
	srv.append("old-2")
	n, err := p.PollOnce(ctx)
	if err != nil || n != 2 {
		t.Fatalf("after UIDVALIDITY change: n=%d err=%v", n, err)
	}
	after, _ := store.Load(ctx, p.MailboxKey())
	if after.UIDValidity == before.UIDValidity || after.LastUID != 2 {
		t.Errorf("state before %+v, after %+v", before, after)
	}
	if got := strings.Join(sink.got(), ","); got != "old-1,old-2,old-3,old-1,old-2" {
		t.Errorf("delivered %s", got)
	}
	if !strings.Contains(logs.String(), "UIDVALIDITY changed") {
		t.Errorf("UIDVALIDITY change not logged:\n%s", logs.String())
	}
}

func TestPollerRunIdle(t *testing.T) {
	srv := startIMAPServer(t)
	store := &imapTestStore{}
	sink := newIMAPTestSink(t, store)
	var logs syncBuffer
	// A long PollInterval: only IDLE can explain a prompt delivery.
	p := newTestPoller(srv, store, sink, IMAPConfig{PollInterval: time.Minute}, &logs)

	srv.append("before")
	stop := runPoller(t, p)
	sink.waitFor(t, "before", 2*time.Second)

	time.Sleep(100 * time.Millisecond) // let the poller enter IDLE
	start := time.Now()
	srv.append("while idling")
	sink.waitFor(t, "while idling", 2*time.Second)
	t.Logf("delivered %v after APPEND", time.Since(start))

	if !strings.Contains(logs.String(), "idle=true") {
		t.Errorf("poller did not use IDLE:\n%s", logs.String())
	}
	stop()
}

func TestPollerRunPollingAndReconnect(t *testing.T) {
	srv := startIMAPServer(t)
	store := &imapTestStore{}
	sink := newIMAPTestSink(t, store)
	var logs syncBuffer
	p := newTestPoller(srv, store, sink, IMAPConfig{DisableIDLE: true, PollInterval: 50 * time.Millisecond}, &logs)

	stop := runPoller(t, p)
	srv.append("first")
	sink.waitFor(t, "first", 2*time.Second)

	srv.restart() // drops the poller's connection
	srv.append("after restart")
	sink.waitFor(t, "after restart", 3*time.Second)

	if !strings.Contains(logs.String(), "reconnecting") {
		t.Errorf("no reconnect logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "idle=false") {
		t.Errorf("DisableIDLE ignored:\n%s", logs.String())
	}
	stop()
	if got := strings.Join(sink.got(), ","); got != "first,after restart" {
		t.Errorf("delivered %s", got)
	}
}

func TestPollerIdleReconnect(t *testing.T) {
	srv := startIMAPServer(t)
	store := &imapTestStore{}
	sink := newIMAPTestSink(t, store)
	p := newTestPoller(srv, store, sink, IMAPConfig{PollInterval: time.Minute}, nil)

	srv.append("first")
	stop := runPoller(t, p)
	sink.waitFor(t, "first", 2*time.Second)
	time.Sleep(50 * time.Millisecond)

	srv.restart() // the server goes away while the poller idles
	srv.append("second")
	sink.waitFor(t, "second", 3*time.Second)
	stop()
}

func TestPollerTLS(t *testing.T) {
	srvTLS := &tls.Config{Certificates: []tls.Certificate{selfSignedCert(t, "imap.org.test")}}
	for _, tc := range []struct {
		name     string
		implicit bool
		cfg      IMAPConfig
	}{
		{"implicit TLS", true, IMAPConfig{TLS: true, InsecureSkipVerify: true}},
		{"STARTTLS", false, IMAPConfig{StartTLS: true, InsecureSkipVerify: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startIMAPServerTLS(t, srvTLS, tc.implicit)
			store := &imapTestStore{}
			sink := newIMAPTestSink(t, store)
			srv.append("secure")
			p := newTestPoller(srv, store, sink, tc.cfg, nil)
			if n, err := p.PollOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("n=%d err=%v", n, err)
			}
			// Certificate verification is on unless asked otherwise.
			tc.cfg.InsecureSkipVerify = false
			p = newTestPoller(srv, store, sink, tc.cfg, nil)
			if _, err := p.PollOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("self-signed certificate accepted: %v", err)
			}
		})
	}
}

func TestPollerRefusesPlaintextPassword(t *testing.T) {
	p := NewPoller(IMAPConfig{Addr: "imap.example.org:143", Username: "u", Password: "p"},
		&imapTestStore{}, func(context.Context, Delivery) error { return nil }, quietLogger())
	_, err := p.PollOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "without TLS") {
		t.Fatalf("err = %v", err)
	}
	// A configuration error ends Run at once instead of retrying forever.
	if err := p.Run(context.Background()); err == nil {
		t.Fatal("Run accepted a plaintext password")
	}
}

// runPoller starts p.Run and returns a function that cancels it and checks
// that Run returns nil promptly.
func runPoller(t *testing.T, p *Poller) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(3 * time.Second):
				t.Error("Run did not stop after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
