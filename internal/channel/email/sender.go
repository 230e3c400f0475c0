package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// StartTLSMode says whether a plain smtp:// connection is upgraded with STARTTLS.
type StartTLSMode string

const (
	// StartTLSRequired fails the send when the relay does not offer STARTTLS.
	StartTLSRequired StartTLSMode = "required"
	// StartTLSOpportunistic uses STARTTLS when offered and sends in clear otherwise.
	StartTLSOpportunistic StartTLSMode = "opportunistic"
	// StartTLSNone never upgrades.
	StartTLSNone StartTLSMode = "none"
)

// RelayConfig is a parsed relay URL.
type RelayConfig struct {
	Host string
	Port int
	// ImplicitTLS is set for smtps:// (TLS from the first byte, usually port 465).
	ImplicitTLS bool
	// StartTLS applies to smtp:// only.
	StartTLS           StartTLSMode
	Username, Password string
	// InsecureSkipVerify (query insecure_skip_verify=true) accepts any
	// certificate, for relays with self-signed certificates.
	InsecureSkipVerify bool
}

// String renders the relay as a URL with the password redacted, for logs.
func (r RelayConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(r.Host, strconv.Itoa(r.Port))}
	if r.ImplicitTLS {
		u.Scheme = "smtps"
	} else {
		u.RawQuery = "starttls=" + string(r.StartTLS)
	}
	if r.Username != "" {
		u.User = url.UserPassword(r.Username, "xxxxx")
	}
	return u.String()
}

// ParseRelayURL parses the outbound relay setting:
//
//	smtp://user:pass@host:port?starttls=required|opportunistic|none
//	smtps://user:pass@host:port
//
// User and password are percent-decoded. The default port is 587 for smtp://
// and 465 for smtps://. The default starttls is "required", except for a
// loopback host (a local MTA), where it is "opportunistic". The query may also
// carry insecure_skip_verify=true.
func ParseRelayURL(raw string) (RelayConfig, error) {
	var rc RelayConfig
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error would echo the password.
		return rc, errors.New("relay URL: cannot parse (check percent-encoding of user and password)")
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		rc.Port = 587
	case "smtps":
		rc.ImplicitTLS = true
		rc.Port = 465
	default:
		return rc, fmt.Errorf("relay URL: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	rc.Host = u.Hostname()
	if rc.Host == "" {
		return rc, errors.New("relay URL: host is missing")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return rc, fmt.Errorf("relay URL: invalid port %q", p)
		}
		rc.Port = n
	}
	if u.User != nil {
		rc.Username = u.User.Username()
		rc.Password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return rc, fmt.Errorf("relay URL: unexpected path %q", u.Path)
	}

	rc.StartTLS = StartTLSRequired
	if hostIsLoopback(rc.Host) {
		rc.StartTLS = StartTLSOpportunistic
	}
	q := u.Query()
	for k, vs := range q {
		v := strings.ToLower(vs[len(vs)-1])
		switch strings.ToLower(k) {
		case "starttls":
			switch StartTLSMode(v) {
			case StartTLSRequired, StartTLSOpportunistic, StartTLSNone:
				rc.StartTLS = StartTLSMode(v)
			default:
				return rc, fmt.Errorf("relay URL: starttls must be required, opportunistic or none, not %q", v)
			}
			if rc.ImplicitTLS {
				return rc, errors.New("relay URL: starttls does not apply to smtps")
			}
		case "insecure_skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return rc, fmt.Errorf("relay URL: insecure_skip_verify: %w", err)
			}
			rc.InsecureSkipVerify = b
		default:
			// An unknown key is most likely a typo in a security setting.
			return rc, fmt.Errorf("relay URL: unknown parameter %q", k)
		}
	}
	if rc.ImplicitTLS {
		rc.StartTLS = StartTLSNone
	}
	return rc, nil
}

// OutMessage is a message to send. Addresses are RFC 5322 mailboxes, either
// "user@example.org" or "Name <user@example.org>"; non-ASCII names are fine.
type OutMessage struct {
	From    string
	ReplyTo string // optional
	To      []string
	Cc      []string // optional
	Subject string
	// Text is the text/plain body. It is required when HTML is set, so that
	// every message carries a plain-text alternative.
	Text string
	HTML string // optional; sent as multipart/alternative beside Text
	// MessageID, InReplyTo and References take message IDs with or without
	// angle brackets; they are written with them. An empty MessageID gets
	// one generated from the From domain: set it yourself to record it.
	MessageID  string
	InReplyTo  string
	References []string
	// Headers holds extra header fields, e.g. "Auto-Submitted":
	// "auto-replied". Fields that BuildMIME manages (From, To, Subject,
	// Message-ID, Content-Type, ...) are refused.
	Headers     map[string]string
	Attachments []OutAttachment
	// Date defaults to now.
	Date time.Time
}

// OutAttachment is a file attached to an OutMessage.
type OutAttachment struct {
	Filename    string
	ContentType string // default: from the extension, else application/octet-stream
	Data        []byte
	// Inline marks a part shown in the HTML body (multipart/related) and
	// referenced there as "cid:<ContentID>".
	Inline    bool
	ContentID string
}

var outManagedHeaders = map[string]bool{
	"From": true, "Sender": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true,
	"Subject": true, "Date": true, "Message-Id": true, "In-Reply-To": true, "References": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
	"Content-Disposition": true, "Content-Id": true,
}

// BuildMIME renders m as an RFC 5322 message with CRLF line endings: UTF-8
// with quoted-printable bodies, encoded words for non-ASCII subjects and
// names, and multipart/alternative when HTML is given.
func BuildMIME(m OutMessage) ([]byte, error) {
	msg, err := outBuildMsg(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("email: render message: %w", err)
	}
	return buf.Bytes(), nil
}

func outBuildMsg(m OutMessage) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())

	if m.From == "" {
		return nil, errors.New("email: From is required")
	}
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("email: From: %w", err)
	}
	if len(m.To) == 0 {
		return nil, errors.New("email: at least one To address is required")
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("email: To: %w", err)
	}
	if len(m.Cc) > 0 {
		if err := msg.Cc(m.Cc...); err != nil {
			return nil, fmt.Errorf("email: Cc: %w", err)
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("email: Reply-To: %w", err)
		}
	}
	// A subject copied from incoming mail may still carry folding line
	// breaks; they are whitespace, not content.
	msg.Subject(strings.Join(strings.FieldsFunc(m.Subject, func(r rune) bool { return r == '\r' || r == '\n' }), " "))

	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)

	id := m.MessageID
	if id == "" {
		id = NewMessageID(outDomainOf(msg))
	}
	bare, err := outBareMsgID(id)
	if err != nil {
		return nil, fmt.Errorf("email: Message-ID: %w", err)
	}
	msg.SetMessageIDWithValue(bare)

	if m.InReplyTo != "" {
		bare, err := outBareMsgID(m.InReplyTo)
		if err != nil {
			return nil, fmt.Errorf("email: In-Reply-To: %w", err)
		}
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+bare+">")
	}
	if len(m.References) > 0 {
		refs := make([]string, 0, len(m.References))
		for _, r := range m.References {
			// References is advisory and often copied from mangled incoming
			// mail; a bad entry is dropped rather than failing the reply.
			if bare, err := outBareMsgID(r); err == nil {
				refs = append(refs, "<"+bare+">")
			}
		}
		if len(refs) > 0 {
			// Space-separated, so the header writer folds long chains.
			msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
		}
	}

	for k, v := range m.Headers {
		name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		if !outValidHeaderName(name) {
			return nil, fmt.Errorf("email: invalid header name %q", k)
		}
		if outManagedHeaders[name] {
			return nil, fmt.Errorf("email: header %q is set from OutMessage fields", name)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("email: header %q: line breaks are not allowed in the value", name)
		}
		// Non-ASCII values are written as encoded words by go-mail.
		msg.SetGenHeader(gomail.Header(name), v)
	}

	if m.HTML != "" && m.Text == "" {
		return nil, errors.New("email: an HTML body needs a Text alternative")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}

	for i, a := range m.Attachments {
		if a.Filename == "" {
			return nil, fmt.Errorf("email: attachment %d has no file name", i)
		}
		var opts []gomail.FileOption
		if a.ContentType != "" {
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		if a.Inline {
			if a.ContentID != "" {
				bare, err := outBareMsgID(a.ContentID)
				if err != nil {
					bare = a.ContentID
				}
				opts = append(opts, gomail.WithFileContentID("<"+bare+">"))
			}
			if err := msg.EmbedReader(a.Filename, bytes.NewReader(a.Data), opts...); err != nil {
				return nil, fmt.Errorf("email: inline part %q: %w", a.Filename, err)
			}
		} else if err := msg.AttachReader(a.Filename, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, fmt.Errorf("email: attachment %q: %w", a.Filename, err)
		}
	}
	return msg, nil
}

// outBareMsgID strips one pair of angle brackets and checks what is left
// can stand between them: printable ASCII, no spaces or brackets.
func outBareMsgID(id string) (string, error) {
	s := strings.TrimSpace(id)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	if s == "" {
		return "", fmt.Errorf("empty message ID %q", id)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return "", fmt.Errorf("invalid message ID %q", id)
		}
	}
	return s, nil
}

func outValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

func outDomainOf(msg *gomail.Msg) string {
	if from := msg.GetFrom(); len(from) > 0 {
		if i := strings.LastIndexByte(from[0].Address, '@'); i >= 0 {
			return from[0].Address[i+1:]
		}
	}
	return ""
}

var outIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewMessageID returns a new globally unique message ID in header form,
// "<random.time@domain>". An empty domain falls back to the host name.
func NewMessageID(domain string) string {
	domain = strings.Trim(strings.TrimSpace(domain), "<>[]@")
	if domain == "" || strings.ContainsAny(domain, " \t<>@") {
		domain, _ = os.Hostname()
		if domain == "" {
			domain = "localhost"
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "<" + strings.ToLower(outIDEncoding.EncodeToString(b[:])) + "." +
		strconv.FormatInt(time.Now().UnixMilli(), 36) + "@" + domain + ">"
}

// SendError is what Send returns on failure. The outbox retries temporary
// errors and gives up on permanent ones.
type SendError struct {
	// Permanent is true when the relay refused the message itself with a 5xx
	// reply (MAIL, RCPT or DATA), or the message could not be built.
	// Connection, TLS and authentication failures are temporary: they are
	// relay or configuration trouble that retrying can outlive.
	Permanent bool
	// Code is the SMTP reply code, 0 when there was none.
	Code int
	// EnhancedCode is the RFC 3463 status such as "5.1.1", when given.
	EnhancedCode string
	Err          error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return "email send (" + kind + "): " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a SendError that retrying cannot fix.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// SenderOption adjusts a Sender.
type SenderOption func(*Sender)

// WithSenderHELO sets the name sent in EHLO (default: the host name).
func WithSenderHELO(name string) SenderOption { return func(s *Sender) { s.helo = name } }

// WithSenderTimeout bounds the connection and each protocol step (default 60 s).
func WithSenderTimeout(d time.Duration) SenderOption { return func(s *Sender) { s.timeout = d } }

// WithSenderTLSConfig sets the TLS configuration, e.g. RootCAs for a private
// relay. ServerName defaults to the relay host.
func WithSenderTLSConfig(c *tls.Config) SenderOption { return func(s *Sender) { s.tlsConfig = c } }

// WithSenderLogger sets the logger (default slog.Default()).
func WithSenderLogger(l *slog.Logger) SenderOption { return func(s *Sender) { s.log = l } }

// Sender submits messages to one relay. It is safe for concurrent use; each
// Send uses its own connection.
type Sender struct {
	relay     RelayConfig
	helo      string
	timeout   time.Duration
	tlsConfig *tls.Config
	log       *slog.Logger
}

// NewSender parses relayURL (see ParseRelayURL) and returns a Sender.
func NewSender(relayURL string, opts ...SenderOption) (*Sender, error) {
	rc, err := ParseRelayURL(relayURL)
	if err != nil {
		return nil, err
	}
	s := &Sender{relay: rc, timeout: 60 * time.Second}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "smtp-sender", "relay", rc.String())
	if s.timeout <= 0 {
		s.timeout = 60 * time.Second
	}
	if s.tlsConfig == nil {
		s.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		s.tlsConfig = s.tlsConfig.Clone()
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = rc.Host
	}
	if rc.InsecureSkipVerify {
		s.tlsConfig.InsecureSkipVerify = true //nolint:gosec // explicit opt-in in the relay URL
	}
	return s, nil
}

// Relay returns the parsed relay configuration.
func (s *Sender) Relay() RelayConfig { return s.relay }

// Send builds m and submits it to the relay. Errors are *SendError; use
// IsPermanent to decide whether to retry. Cancelling ctx aborts the
// connection, and the message then counts as not sent.
func (s *Sender) Send(ctx context.Context, m OutMessage) error {
	msg, err := outBuildMsg(m)
	if err != nil {
		return &SendError{Permanent: true, Err: err}
	}

	// go-mail only honours ctx while dialling; closing the connection when
	// ctx ends is what interrupts a send stuck on a slow relay.
	var (
		mu    sync.Mutex
		stops []func() bool
	)
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, stop := range stops {
			stop()
		}
	}()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{}
		conn, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		if s.relay.ImplicitTLS {
			tc := tls.Client(conn, s.tlsConfig)
			if err := tc.HandshakeContext(dctx); err != nil {
				conn.Close()
				return nil, err
			}
			conn = tc
		}
		mu.Lock()
		stops = append(stops, context.AfterFunc(ctx, func() { conn.Close() }))
		mu.Unlock()
		return conn, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(s.relay.Port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	if s.helo != "" {
		opts = append(opts, gomail.WithHELO(s.helo))
	}
	switch {
	case s.relay.ImplicitTLS:
		// Our dialer already did the TLS handshake; this stops go-mail from
		// also trying STARTTLS.
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case s.relay.StartTLS == StartTLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case s.relay.StartTLS == StartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.relay.Username != "" {
		// PLAIN and LOGIN are refused by go-mail on an unencrypted
		// connection to anything but localhost, so a stripped STARTTLS
		// cannot leak the password.
		opts = append(opts,
			gomail.WithUsername(s.relay.Username),
			gomail.WithPassword(s.relay.Password),
			gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin, gomail.SMTPAuthCramMD5,
			),
		)
	}

	client, err := gomail.NewClient(s.relay.Host, opts...)
	if err != nil {
		return &SendError{Err: fmt.Errorf("relay client: %w", err)}
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		// The relay took the message; a failure after that (RSET, QUIT)
		// must not cause a retry and a duplicate.
		if err != nil {
			s.log.Debug("error after the relay accepted the message", "err", err)
		}
		return nil
	}
	if err == nil {
		return &SendError{Err: errors.New("relay did not confirm delivery")}
	}
	if ctx.Err() != nil {
		return &SendError{Err: fmt.Errorf("%w (%v)", ctx.Err(), err)}
	}
	return outClassify(err)
}

// outClassify maps go-mail's errors to SendError. Only a go-mail SendError
// carries the relay's reply to the message; anything else (dial, TLS, EHLO,
// AUTH) happened before the message was offered.
func outClassify(err error) *SendError {
	var ge *gomail.SendError
	if !errors.As(err, &ge) {
		return &SendError{Err: err}
	}
	se := &SendError{Err: err, Code: ge.ErrorCode(), EnhancedCode: ge.EnhancedStatusCode()}
	switch {
	case se.Code >= 500 && se.Code < 600:
		se.Permanent = true
	case se.Code == 0 && (ge.Reason == gomail.ErrGetSender || ge.Reason == gomail.ErrGetRcpts):
		se.Permanent = true // bad addresses in the message itself
	}
	return se
}
