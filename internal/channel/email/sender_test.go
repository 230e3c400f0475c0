package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// relayTestServer is a real go-smtp server standing in for the outbound
// relay. With a user set it offers AUTH PLAIN and requires it.
type relayTestServer struct {
	user, pass string
	// rcptReply maps a recipient to the error RCPT answers with.
	rcptReply map[string]*gosmtp.SMTPError

	// tlsConfig, when set, offers STARTTLS, or with implicit, serves TLS
	// from the first byte (smtps).
	tlsConfig *tls.Config
	implicit  bool

	mu   sync.Mutex
	msgs []relayTestMsg
	addr string
}

type relayTestMsg struct {
	from   string
	to     []string
	data   []byte
	authed string
	tls    bool
}

func startRelay(t *testing.T, r *relayTestServer) *relayTestServer {
	t.Helper()
	s := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &relayTestSession{r: r, conn: c}, nil
	}))
	if !r.implicit {
		s.TLSConfig = r.tlsConfig
	}
	s.Domain = "relay.test"
	s.AllowInsecureAuth = true // plain TCP on loopback in tests
	s.ErrorLog = smtpLogAdapter{quietLogger()}
	s.EnableSMTPUTF8 = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	if r.implicit {
		ln = tls.NewListener(ln, r.tlsConfig)
	}
	done := make(chan struct{})
	go func() { s.Serve(ln); close(done) }()
	t.Cleanup(func() { s.Close(); <-done })
	return r
}

func (r *relayTestServer) url(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return "smtp://" + userinfo + r.addr
}

func (r *relayTestServer) received() []relayTestMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayTestMsg(nil), r.msgs...)
}

type relayTestSession struct {
	r      *relayTestServer
	conn   *gosmtp.Conn
	authed string
	from   string
	to     []string
}

func (s *relayTestSession) AuthMechanisms() []string {
	if s.r.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relayTestSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.r.user || pass != s.r.pass {
			return gosmtp.ErrAuthFailed
		}
		s.authed = user
		return nil
	}), nil
}

func (s *relayTestSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.r.user != "" && s.authed == "" {
		return gosmtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *relayTestSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if e := s.r.rcptReply[to]; e != nil {
		return e
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relayTestSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	_, isTLS := s.conn.TLSConnectionState()
	s.r.msgs = append(s.r.msgs, relayTestMsg{from: s.from, to: s.to, data: b, authed: s.authed, tls: isTLS})
	return nil
}

func (s *relayTestSession) Reset()        { s.from, s.to = "", nil }
func (s *relayTestSession) Logout() error { return nil }

func testOutMessage(subject string) OutMessage {
	return OutMessage{
		From:       "Hearken Support <help@org.example>",
		ReplyTo:    "Case 42 <case+42@org.example>",
		To:         []string{"Ayşe Yılmaz <ayse@example.com>"},
		Subject:    subject,
		Text:       "Thank you — we received your message.\nA volunteer will reply soon.",
		HTML:       "<p>Thank you — we received your message.</p>",
		MessageID:  "ack-1@org.example",
		InReplyTo:  "<orig-7@example.com>",
		References: []string{"<root@example.com>", "orig-7@example.com"},
		Headers:    map[string]string{"Auto-Submitted": "auto-replied"},
	}
}

func TestSenderRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		user     string
		userinfo string
		subject  string
	}{
		{"no auth, Japanese subject", "", "", "お問い合わせありがとうございます（受付番号 42）"},
		{"AUTH PLAIN, Persian subject", "relay-user", "relay-user:p%40ss%20word", "درخواست شما دریافت شد — سپاس از شکیبایی شما"},
		{"ASCII subject", "", "", "Re: your question about the food bank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay := startRelay(t, &relayTestServer{user: tc.user, pass: "p@ss word"})
			s, err := NewSender(relay.url(tc.userinfo), WithSenderHELO("hearken.org.example"), WithSenderLogger(quietLogger()))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), testOutMessage(tc.subject)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := relay.received()
			if len(msgs) != 1 {
				t.Fatalf("relay got %d messages", len(msgs))
			}
			got := msgs[0]
			if got.authed != tc.user {
				t.Errorf("authenticated as %q, want %q", got.authed, tc.user)
			}
			if got.from != "help@org.example" || strings.Join(got.to, ",") != "ayse@example.com" {
				t.Errorf("envelope %q -> %v", got.from, got.to)
			}
			checkOutMessage(t, got.data, tc.subject)
		})
	}
}

func checkOutMessage(t *testing.T, data []byte, subject string) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("message has bare LF line endings")
	}
	for _, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than 998 octets: %.60q...", line)
		}
	}
	raw := string(data)
	for _, want := range []string{
		"\r\nMessage-ID: <ack-1@org.example>\r\n",
		"\r\nIn-Reply-To: <orig-7@example.com>\r\n",
		"\r\nReferences: <root@example.com> <orig-7@example.com>\r\n",
		"\r\nAuto-Submitted: auto-replied\r\n",
	} {
		if !strings.Contains("\r\n"+raw, want) {
			t.Errorf("missing %q in:\n%s", strings.TrimSpace(want), raw)
		}
	}

	mr, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v", err)
	}
	h := mr.Header
	if id, err := h.MessageID(); err != nil || id != "ack-1@org.example" {
		t.Errorf("Message-ID = %q, %v", id, err)
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err != nil || strings.Join(ids, " ") != "orig-7@example.com" {
		t.Errorf("In-Reply-To = %v, %v", ids, err)
	}
	if ids, err := h.MsgIDList("References"); err != nil || strings.Join(ids, " ") != "root@example.com orig-7@example.com" {
		t.Errorf("References = %v, %v", ids, err)
	}
	if got, err := h.Subject(); err != nil || got != subject {
		t.Errorf("Subject = %q, %v; want %q", got, err, subject)
	}
	if rt, err := h.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "case+42@org.example" || rt[0].Name != "Case 42" {
		t.Errorf("Reply-To = %v, %v", rt, err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "Ayşe Yılmaz" {
		t.Errorf("To = %v, %v", to, err)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "help@org.example" {
		t.Errorf("From = %v, %v", from, err)
	}
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date = %v, %v", d, err)
	}
	if h.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("Auto-Submitted = %q", h.Get("Auto-Submitted"))
	}
	if mt, _, _ := h.ContentType(); mt != "multipart/alternative" {
		t.Errorf("Content-Type = %q, want multipart/alternative", mt)
	}

	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ih, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("unexpected attachment part")
		}
		mt, params, _ := ih.ContentType()
		body, _ := io.ReadAll(p.Body)
		if !strings.EqualFold(params["charset"], "utf-8") {
			t.Errorf("%s charset = %q", mt, params["charset"])
		}
		switch mt {
		case "text/plain":
			if string(body) != "Thank you — we received your message.\r\nA volunteer will reply soon." {
				t.Errorf("text/plain = %q", body)
			}
		case "text/html":
			if !strings.Contains(string(body), "<p>Thank you — we received") {
				t.Errorf("text/html = %q", body)
			}
		}
		parts = append(parts, mt)
	}
	if strings.Join(parts, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain then text/html", parts)
	}
}

func TestSenderTLS(t *testing.T) {
	cert := selfSignedCert(t, "relay.test")
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	srvTLS := &tls.Config{Certificates: []tls.Certificate{cert}}

	for _, tc := range []struct {
		name     string
		implicit bool
		url      func(addr string) string
		opts     []SenderOption
	}{
		{"smtps, verified against a private root", true,
			func(addr string) string { return "smtps://relay-user:secret@" + addr },
			[]SenderOption{WithSenderTLSConfig(&tls.Config{RootCAs: roots})}},
		{"STARTTLS required, self-signed accepted by URL", false,
			func(addr string) string {
				return "smtp://relay-user:secret@" + addr + "?starttls=required&insecure_skip_verify=true"
			},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay := startRelay(t, &relayTestServer{user: "relay-user", pass: "secret", tlsConfig: srvTLS, implicit: tc.implicit})
			s, err := NewSender(tc.url(relay.addr), append(tc.opts, WithSenderLogger(quietLogger()))...)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), testOutMessage("tls")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := relay.received()
			if len(msgs) != 1 || !msgs[0].tls || msgs[0].authed != "relay-user" {
				t.Fatalf("relay got %+v", msgs)
			}
		})
	}

	// Without the private root the certificate is refused: temporary, as
	// it is a configuration problem and not the message's.
	relay := startRelay(t, &relayTestServer{tlsConfig: srvTLS, implicit: true})
	s, _ := NewSender("smtps://"+relay.addr, WithSenderLogger(quietLogger()))
	err = s.Send(context.Background(), testOutMessage("tls"))
	if err == nil || IsPermanent(err) || len(relay.received()) != 0 {
		t.Errorf("untrusted certificate: err = %v", err)
	}
}

func TestSenderErrorClassification(t *testing.T) {
	relay := startRelay(t, &relayTestServer{rcptReply: map[string]*gosmtp.SMTPError{
		"gone@example.com":  {Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"},
		"busy@example.com":  {Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try again later"},
		"quota@example.com": {Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"},
	}})
	s, err := NewSender(relay.url(""), WithSenderLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		to        string
		permanent bool
		code      int
		enhanced  string
	}{
		{"gone@example.com", true, 550, "5.1.1"},
		{"busy@example.com", false, 451, "4.3.0"},
		{"quota@example.com", false, 452, "4.2.2"},
	} {
		m := testOutMessage("hello")
		m.To = []string{tc.to}
		err := s.Send(context.Background(), m)
		if err == nil {
			t.Fatalf("%s: Send succeeded", tc.to)
		}
		if IsPermanent(err) != tc.permanent {
			t.Errorf("%s: IsPermanent = %v, want %v (%v)", tc.to, IsPermanent(err), tc.permanent, err)
		}
		var se *SendError
		if !errors.As(err, &se) || se.Code != tc.code || se.EnhancedCode != tc.enhanced {
			t.Errorf("%s: SendError = %+v", tc.to, se)
		}
	}
	if n := len(relay.received()); n != 0 {
		t.Errorf("relay stored %d refused messages", n)
	}
}

func TestSenderTemporaryTransportErrors(t *testing.T) {
	// Nothing listens here: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()

	relay := startRelay(t, &relayTestServer{user: "u", pass: "right"})
	for name, url := range map[string]string{
		"connection refused": "smtp://" + deadAddr,
		"wrong password":     relay.url("u:wrong"),
		"STARTTLS required":  relay.url("") + "?starttls=required",
	} {
		s, err := NewSender(url, WithSenderLogger(quietLogger()), WithSenderTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), testOutMessage("hello"))
		if err == nil {
			t.Fatalf("%s: Send succeeded", name)
		}
		if IsPermanent(err) {
			t.Errorf("%s: classified permanent: %v", name, err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("%s: error leaks the password: %v", name, err)
		}
	}
}

func TestSenderCancel(t *testing.T) {
	// A relay that greets and then never answers EHLO.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "220 slow.test ESMTP\r\n")
		io.Copy(io.Discard, c)
	}()
	s, err := NewSender("smtp://"+ln.Addr().String(), WithSenderLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, testOutMessage("hello"))
	if err == nil || IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send ignored cancellation for %v", d)
	}
}

func TestBuildMIMEAttachments(t *testing.T) {
	m := testOutMessage("Belgeler")
	m.Attachments = []OutAttachment{
		{Filename: "rapor-şubat.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 fake")},
		{Filename: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), Inline: true, ContentID: "logo@org.example"},
	}
	m.HTML = `<p>See <img src="cid:logo@org.example"></p>`
	data, err := BuildMIME(m)
	if err != nil {
		t.Fatal(err)
	}
	e, err := message.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// Walk the MIME tree and record "depth:type" for each entity.
	var tree []string
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		mt, _, _ := e.Header.ContentType()
		tree = append(tree, strconv.Itoa(depth)+":"+mt)
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				walk(p, depth+1)
			}
			return
		}
		body, _ := io.ReadAll(e.Body)
		switch mt {
		case "application/pdf":
			_, params, _ := e.Header.ContentDisposition()
			if name := params["filename"]; name != "rapor-şubat.pdf" {
				// Encoded-word file names are what go-mail writes; decode to compare.
				dec, _ := new(mime.WordDecoder).DecodeHeader(name)
				if dec != "rapor-şubat.pdf" {
					t.Errorf("attachment file name = %q", name)
				}
			}
			if string(body) != "%PDF-1.4 fake" {
				t.Errorf("attachment body = %q", body)
			}
		case "image/png":
			if e.Header.Get("Content-Id") != "<logo@org.example>" {
				t.Errorf("inline Content-ID = %q", e.Header.Get("Content-Id"))
			}
		}
	}
	walk(e, 0)
	want := "0:multipart/mixed 1:multipart/related 2:multipart/alternative 3:text/plain 3:text/html 2:image/png 1:application/pdf"
	if got := strings.Join(tree, " "); got != want {
		t.Errorf("MIME tree\n got %s\nwant %s", got, want)
	}
}

func TestBuildMIMEValidation(t *testing.T) {
	base := testOutMessage("x")
	for name, mutate := range map[string]func(*OutMessage){
		"no From":           func(m *OutMessage) { m.From = "" },
		"bad From":          func(m *OutMessage) { m.From = "not an address" },
		"no To":             func(m *OutMessage) { m.To = nil },
		"HTML without Text": func(m *OutMessage) { m.Text = "" },
		"managed header":    func(m *OutMessage) { m.Headers = map[string]string{"content-type": "text/evil"} },
		"bad header name":   func(m *OutMessage) { m.Headers = map[string]string{"X Bad": "1"} },
		"bad Message-ID":    func(m *OutMessage) { m.MessageID = "has space@x" },
	} {
		m := base
		mutate(&m)
		if _, err := BuildMIME(m); err == nil {
			t.Errorf("%s: BuildMIME accepted it", name)
		}
	}

	// Header values cannot inject header lines; a subject's line breaks
	// are unfolded.
	m := base
	m.Headers = map[string]string{"X-Case": "42\r\nBcc: attacker@evil.example"}
	if _, err := BuildMIME(m); err == nil {
		t.Error("header value with CRLF accepted")
	}
	m = base
	m.Subject = "Re: help\r\nBcc: attacker@evil.example"
	data, err := BuildMIME(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "\r\nBcc:") || !strings.Contains(string(data), "\r\nSubject: Re: help Bcc: attacker@evil.example\r\n") {
		t.Errorf("subject not unfolded safely:\n%s", data)
	}

	// A malformed References entry is dropped, not fatal.
	m = base
	m.References = []string{"<good@x>", "<bad id@x>", ""}
	data, err = BuildMIME(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\r\nReferences: <good@x>\r\n") {
		t.Errorf("References:\n%s", data)
	}

	// No MessageID: one is generated from the From domain.
	m = base
	m.MessageID = ""
	data, err = BuildMIME(m)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\r\nMessage-ID: <[a-z2-7]+\.[0-9a-z]+@org\.example>\r\n`).Match(data) {
		t.Errorf("generated Message-ID missing:\n%s", data)
	}
}

func TestNewMessageID(t *testing.T) {
	re := regexp.MustCompile(`^<[a-z2-7]{26}\.[0-9a-z]+@org\.example>$`)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewMessageID("org.example")
		if !re.MatchString(id) {
			t.Fatalf("malformed %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate %q", id)
		}
		seen[id] = true
	}
	if id := NewMessageID(""); !strings.HasPrefix(id, "<") || !strings.Contains(id, "@") {
		t.Errorf("fallback domain: %q", id)
	}
}

func TestParseRelayURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    RelayConfig
		wantErr bool
	}{
		{in: "smtp://user:p%40ss@mail.example.org:2525",
			want: RelayConfig{Host: "mail.example.org", Port: 2525, StartTLS: StartTLSRequired, Username: "user", Password: "p@ss"}},
		{in: "smtp://mail.example.org",
			want: RelayConfig{Host: "mail.example.org", Port: 587, StartTLS: StartTLSRequired}},
		{in: "smtp://127.0.0.1:25",
			want: RelayConfig{Host: "127.0.0.1", Port: 25, StartTLS: StartTLSOpportunistic}},
		{in: "smtp://localhost:25?starttls=required",
			want: RelayConfig{Host: "localhost", Port: 25, StartTLS: StartTLSRequired}},
		{in: "smtp://relay:25?starttls=none",
			want: RelayConfig{Host: "relay", Port: 25, StartTLS: StartTLSNone}},
		{in: "smtp://relay?starttls=opportunistic",
			want: RelayConfig{Host: "relay", Port: 587, StartTLS: StartTLSOpportunistic}},
		{in: "smtps://apikey:secret@smtp.example.net",
			want: RelayConfig{Host: "smtp.example.net", Port: 465, ImplicitTLS: true, StartTLS: StartTLSNone, Username: "apikey", Password: "secret"}},
		{in: "SMTPS://[2001:db8::1]:4650?insecure_skip_verify=true",
			want: RelayConfig{Host: "2001:db8::1", Port: 4650, ImplicitTLS: true, StartTLS: StartTLSNone, InsecureSkipVerify: true}},
		{in: "http://relay:25", wantErr: true},
		{in: "smtp://:25", wantErr: true},
		{in: "smtp://relay:99999", wantErr: true},
		{in: "smtp://relay?starttls=maybe", wantErr: true},
		{in: "smtp://relay?startls=required", wantErr: true},
		{in: "smtps://relay?starttls=required", wantErr: true},
		{in: "smtp://relay/path", wantErr: true},
		{in: "smtp://user:p%zz@relay", wantErr: true},
	} {
		got, err := ParseRelayURL(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: no error, got %+v", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
	rc, _ := ParseRelayURL("smtp://user:hunter2@relay:25")
	if strings.Contains(rc.String(), "hunter2") {
		t.Errorf("String() leaks the password: %s", rc)
	}
	if _, err := ParseRelayURL("smtp://user:p%zzhunter2@relay"); err != nil && strings.Contains(err.Error(), "hunter2") {
		t.Errorf("parse error leaks the password: %v", err)
	}
}
