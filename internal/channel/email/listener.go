package email

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Delivery is one message handed over by a transport (the SMTP listener or the
// IMAP poller). Data is the raw RFC 5322 message; parsing is not done here.
type Delivery struct {
	// From is the envelope sender (MAIL FROM); empty for bounces and for
	// messages fetched over IMAP, which carry no envelope.
	From string
	// To holds the envelope recipients accepted for this message (empty for IMAP).
	To []string
	// Data is the raw message. The SMTP listener prepends a Received: header.
	Data []byte
	// RemoteAddr is the peer's address (SMTP) or the IMAP server's address.
	RemoteAddr string
	// ReceivedAt is when the message was accepted (SMTP) or the server's
	// INTERNALDATE (IMAP), in UTC.
	ReceivedAt time.Time
}

// Receiver decides which recipients the listener accepts and stores what it
// receives. Implementations must be safe for concurrent use: each SMTP
// connection calls them from its own goroutine.
type Receiver interface {
	// AcceptRecipient reports whether mail for addr (an RCPT TO address)
	// should be accepted. Returning false answers 550 5.1.1.
	AcceptRecipient(ctx context.Context, addr string) bool
	// Deliver stores a message durably. The listener answers 250 to the
	// sender only after Deliver returns nil; an error is answered with a
	// temporary 451 so the sending server retries later.
	Deliver(ctx context.Context, d Delivery) error
}

// ListenerConfig configures the inbound SMTP listener. Zero values take the
// defaults documented on each field.
type ListenerConfig struct {
	// Addr is the TCP address for ListenAndServe, e.g. ":25" or ":2525".
	Addr string
	// Domain is the name announced in the greeting and in Received headers
	// (default: the host name).
	Domain string
	// MaxMessageBytes is the largest message accepted; larger ones get
	// 552 5.3.4 (default 25 MiB).
	MaxMessageBytes int64
	// MaxRecipients is the largest number of RCPT TO per message; more get
	// 452 4.5.3 (default 100, the minimum RFC 5321 asks servers to accept).
	MaxRecipients int
	// ReadTimeout bounds the wait for each command and for the whole DATA
	// transfer (default 5 minutes, RFC 5321 section 4.5.3.2).
	ReadTimeout time.Duration
	// WriteTimeout bounds each reply (default 1 minute).
	WriteTimeout time.Duration
	// TLSConfig enables STARTTLS when set.
	TLSConfig *tls.Config
	// MaxConnections caps simultaneous connections; extra ones get 421 and
	// are closed (default 200). go-smtp itself has no limit.
	MaxConnections int
}

const (
	defaultMaxMessageBytes = 25 << 20
	defaultMaxRecipients   = 100
	defaultReadTimeout     = 5 * time.Minute
	defaultWriteTimeout    = time.Minute
	defaultMaxConnections  = 200
)

// Listener is the inbound SMTP server (an MX or a relay target).
type Listener struct {
	cfg    ListenerConfig
	recv   Receiver
	log    *slog.Logger
	server *smtp.Server

	// ctx is handed to the Receiver; it is cancelled only when Shutdown gives
	// up waiting, so in-flight deliveries are not interrupted by a graceful stop.
	ctx    context.Context
	cancel context.CancelFunc
}

// NewListener creates a listener; a nil log means slog.Default().
func NewListener(cfg ListenerConfig, r Receiver, log *slog.Logger) *Listener {
	if log == nil {
		log = slog.Default()
	}
	if cfg.Domain == "" {
		cfg.Domain, _ = os.Hostname()
		if cfg.Domain == "" {
			cfg.Domain = "localhost"
		}
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = defaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = defaultMaxRecipients
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = defaultReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = defaultMaxConnections
	}

	l := &Listener{cfg: cfg, recv: r, log: log.With("component", "smtp-listener")}
	l.ctx, l.cancel = context.WithCancel(context.Background())

	s := smtp.NewServer(smtp.BackendFunc(l.newSession))
	s.Addr = cfg.Addr
	s.Domain = cfg.Domain
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = cfg.MaxRecipients
	s.ReadTimeout = cfg.ReadTimeout
	s.WriteTimeout = cfg.WriteTimeout
	s.TLSConfig = cfg.TLSConfig
	// The message is stored as raw bytes, so UTF-8 envelopes and headers
	// (RFC 6531) need nothing special from us.
	s.EnableSMTPUTF8 = true
	s.ErrorLog = smtpLogAdapter{l.log}
	l.server = s
	return l
}

// ListenAndServe listens on cfg.Addr and serves until Shutdown. It returns nil
// after a Shutdown.
func (l *Listener) ListenAndServe() error {
	addr := l.cfg.Addr
	if addr == "" {
		addr = ":25"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp listener: %w", err)
	}
	return l.Serve(ln)
}

// Serve accepts connections on ln until Shutdown. It returns nil after a Shutdown.
func (l *Listener) Serve(ln net.Listener) error {
	l.log.Info("smtp listener started", "addr", ln.Addr().String(), "domain", l.cfg.Domain)
	err := l.server.Serve(&smtpLimitListener{Listener: ln, sem: make(chan struct{}, l.cfg.MaxConnections)})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for open sessions to end.
// When ctx expires first, remaining connections are closed, in-flight
// deliveries see their context cancelled (their senders get no 250 and will
// retry), and ctx's error is returned.
func (l *Listener) Shutdown(ctx context.Context) error {
	err := l.server.Shutdown(ctx)
	if err != nil && ctx.Err() != nil {
		l.server.Close()
		l.cancel()
		return ctx.Err()
	}
	l.cancel()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{l: l, conn: c}, nil
}

// smtpSession holds one SMTP transaction's envelope. The mutex matters for
// BDAT (CHUNKING), where go-smtp runs Data in its own goroutine and may call
// Reset concurrently when the client aborts.
type smtpSession struct {
	l    *Listener
	conn *smtp.Conn

	mu   sync.Mutex
	from string
	to   []string
	utf8 bool
}

func (s *smtpSession) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.from, s.to, s.utf8 = "", nil, false
}

func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Mail(from string, opts *smtp.MailOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.from = from
	s.to = nil
	s.utf8 = opts != nil && opts.UTF8
	return nil
}

var errNoSuchUser = &smtp.SMTPError{
	Code:         550,
	EnhancedCode: smtp.EnhancedCode{5, 1, 1},
	Message:      "No such user here",
}

var errTryLater = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message:      "Temporary failure storing the message, please try again later",
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.l.recv.AcceptRecipient(s.l.ctx, to) {
		s.l.log.Debug("smtp recipient rejected", "rcpt", to, "remote", s.conn.Conn().RemoteAddr().String())
		return errNoSuchUser
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	// Read everything before storing anything: a size overflow
	// (smtp.ErrDataTooLarge, answered 552) or a connection dropped mid-DATA
	// (unexpected EOF, ErrDataReset) must never reach the Receiver.
	body, err := io.ReadAll(r)
	if err != nil {
		var smtpErr *smtp.SMTPError
		if errors.As(err, &smtpErr) {
			s.l.log.Info("smtp message refused", "reason", smtpErr.Message, "remote", s.conn.Conn().RemoteAddr().String())
			return smtpErr
		}
		s.l.log.Info("smtp message aborted", "err", err, "remote", s.conn.Conn().RemoteAddr().String())
		return err
	}

	s.mu.Lock()
	from, to, utf8 := s.from, append([]string(nil), s.to...), s.utf8
	s.mu.Unlock()

	now := time.Now().UTC()
	id := smtpTraceID()
	remote := s.conn.Conn().RemoteAddr().String()
	tlsState, isTLS := s.conn.TLSConnectionState()
	hdr := smtpReceivedHeader(s.conn.Hostname(), remote, s.l.cfg.Domain, id, to, utf8, isTLS, tlsState, now)

	data := make([]byte, 0, len(hdr)+len(body))
	data = append(data, hdr...)
	data = append(data, body...)

	d := Delivery{From: from, To: to, Data: data, RemoteAddr: remote, ReceivedAt: now}
	if err := s.l.recv.Deliver(s.l.ctx, d); err != nil {
		s.l.log.Error("smtp delivery failed, answered 451", "id", id, "err", err, "from", from, "remote", remote)
		return errTryLater
	}
	s.l.log.Info("smtp message accepted", "id", id, "from", from, "rcpts", len(to), "bytes", len(data), "remote", remote)
	return nil
}

// smtpReceivedHeader builds the RFC 5321 section 4.4 trace header, folded
// and CRLF-terminated. "for" is only written for a single recipient so that
// one copy does not disclose the other recipients.
func smtpReceivedHeader(helo, remote, domain, id string, to []string, utf8, isTLS bool, st tls.ConnectionState, at time.Time) string {
	ip := remote
	if host, _, err := net.SplitHostPort(remote); err == nil {
		ip = host
	}
	if strings.Contains(ip, ":") {
		ip = "IPv6:" + ip // address-literal syntax, RFC 5321 section 4.1.3
	}
	proto := "ESMTP"
	if utf8 {
		proto = "UTF8SMTP" // RFC 6531 section 3.7.3
	}
	if isTLS {
		proto += "S" // RFC 3848
	}

	var b strings.Builder
	b.WriteString("Received: from ")
	b.WriteString(smtpHeaderToken(helo, "unknown"))
	b.WriteString(" ([")
	b.WriteString(ip)
	b.WriteString("])")
	if isTLS {
		fmt.Fprintf(&b, "\r\n\t(using %s with cipher %s)", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	}
	b.WriteString("\r\n\tby ")
	b.WriteString(smtpHeaderToken(domain, "localhost"))
	b.WriteString(" (Hearken) with ")
	b.WriteString(proto)
	b.WriteString(" id ")
	b.WriteString(id)
	if len(to) == 1 {
		if t := smtpHeaderToken(to[0], ""); t != "" {
			b.WriteString("\r\n\tfor <")
			b.WriteString(t)
			b.WriteString(">")
		}
	}
	b.WriteString("; ")
	b.WriteString(at.Format(time.RFC1123Z))
	b.WriteString("\r\n")
	return b.String()
}

// smtpHeaderToken keeps client-supplied text (the HELO name, an address)
// from breaking the header: no controls, spaces or comment delimiters.
// UTF-8 is kept, as RFC 6532 allows it in header values.
func smtpHeaderToken(s, fallback string) string {
	if len(s) > 255 {
		s = s[:255]
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x21 || r == 0x7f, r == '(', r == ')', r == '<', r == '>', r == ';', r == '\\', r == '"':
			return '_'
		case r == 0xfffd: // invalid UTF-8
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return fallback
	}
	return s
}

func smtpTraceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// smtpLimitListener refuses connections beyond a fixed number with an
// immediate 421, instead of letting them queue unanswered in the backlog.
type smtpLimitListener struct {
	net.Listener
	sem chan struct{}
}

func (ll *smtpLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case ll.sem <- struct{}{}:
			return &smtpLimitConn{Conn: c, release: func() { <-ll.sem }}, nil
		default:
			go func() {
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				_, _ = io.WriteString(c, "421 4.7.0 Too many connections, try again later\r\n")
				_ = c.Close()
			}()
		}
	}
}

type smtpLimitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *smtpLimitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// smtpLogAdapter routes go-smtp's internal messages (mostly peers that
// misbehave or disconnect) to slog.
type smtpLogAdapter struct{ log *slog.Logger }

func (a smtpLogAdapter) Printf(format string, v ...interface{}) {
	a.log.Info(strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (a smtpLogAdapter) Println(v ...interface{}) {
	a.log.Info(strings.TrimSpace(fmt.Sprintln(v...)))
}
