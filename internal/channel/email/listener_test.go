package email

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	netsmtp "net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// listenerTestReceiver records deliveries; failNext makes the next n
// Deliver calls fail.
type listenerTestReceiver struct {
	mu         sync.Mutex
	failNext   int
	deliveries []Delivery
	calls      int
}

func (r *listenerTestReceiver) AcceptRecipient(_ context.Context, addr string) bool {
	return strings.HasSuffix(strings.ToLower(addr), "@inbox.test")
}

func (r *listenerTestReceiver) Deliver(_ context.Context, d Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.failNext > 0 {
		r.failNext--
		return errors.New("database is down")
	}
	r.deliveries = append(r.deliveries, d)
	return nil
}

func (r *listenerTestReceiver) snapshot() (calls int, ds []Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, append([]Delivery(nil), r.deliveries...)
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startTestListener serves on a fresh loopback port and returns its address
// and a function that shuts it down and waits for Serve to return (also run
// by Cleanup).
func startTestListener(t *testing.T, cfg ListenerConfig, r Receiver) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Domain == "" {
		cfg.Domain = "mx.inbox.test"
	}
	l := NewListener(cfg, r, quietLogger())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := l.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

const listenerTestMsg = "From: Ayşe <ayse@example.org>\r\n" +
	"To: help@inbox.test\r\n" +
	"Subject: hello\r\n" +
	"Message-ID: <m1@example.org>\r\n" +
	"\r\n" +
	"Hello there.\r\n"

func TestListenerNetSMTP(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)

	err := netsmtp.SendMail(addr, nil, "ayse@example.org",
		[]string{"help@inbox.test", "cases@inbox.test"}, []byte(listenerTestMsg))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	_, ds := recv.snapshot()
	if len(ds) != 1 {
		t.Fatalf("got %d deliveries, want 1", len(ds))
	}
	d := ds[0]
	if d.From != "ayse@example.org" {
		t.Errorf("From = %q", d.From)
	}
	if strings.Join(d.To, ",") != "help@inbox.test,cases@inbox.test" {
		t.Errorf("To = %v", d.To)
	}
	if !strings.HasPrefix(d.RemoteAddr, "127.0.0.1:") {
		t.Errorf("RemoteAddr = %q", d.RemoteAddr)
	}
	if time.Since(d.ReceivedAt) > time.Minute || d.ReceivedAt.Location() != time.UTC {
		t.Errorf("ReceivedAt = %v", d.ReceivedAt)
	}
	data := string(d.Data)
	// Go's net/smtp uses SMTPUTF8 whenever it is offered, hence UTF8SMTP.
	if !strings.HasPrefix(data, "Received: from localhost ([127.0.0.1])\r\n\tby mx.inbox.test (Hearken) with UTF8SMTP id ") {
		t.Errorf("Received header missing or malformed:\n%s", data)
	}
	if strings.Contains(data[:strings.Index(data, "From:")], "for <") {
		t.Errorf("Received header names a recipient of a multi-recipient message:\n%s", data)
	}
	if !strings.HasSuffix(data, listenerTestMsg) {
		t.Errorf("message body not stored verbatim:\n%q", data)
	}
	// The trace header must itself be a well-formed header block.
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(data)))
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("stored message does not parse: %v", err)
	}
	if got := h.Get("Received"); !strings.Contains(got, "; ") {
		t.Errorf("Received value %q has no date", got)
	}
	if h.Get("Message-Id") != "<m1@example.org>" {
		t.Errorf("original headers lost: %v", h)
	}
}

func TestListenerSingleRecipientTrace(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)
	if err := netsmtp.SendMail(addr, nil, "", []string{"help@inbox.test"}, []byte(listenerTestMsg)); err != nil {
		t.Fatal(err)
	}
	_, ds := recv.snapshot()
	if len(ds) != 1 {
		t.Fatalf("got %d deliveries", len(ds))
	}
	if ds[0].From != "" {
		t.Errorf("null reverse-path became %q", ds[0].From)
	}
	first, _, _ := strings.Cut(string(ds[0].Data), "\r\nFrom:")
	if !strings.Contains(first, "\r\n\tfor <help@inbox.test>; ") {
		t.Errorf("Received header lacks the recipient:\n%s", first)
	}
}

func smtpCode(t *testing.T, err error) int {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not an SMTP reply", err, err)
	}
	return te.Code
}

func TestListenerUnknownRecipient(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)

	c, err := netsmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("ayse@example.org"); err != nil {
		t.Fatal(err)
	}
	err = c.Rcpt("nobody@elsewhere.test")
	if err == nil {
		t.Fatal("unknown recipient accepted")
	}
	if code := smtpCode(t, err); code != 550 || !strings.Contains(err.Error(), "5.1.1") {
		t.Errorf("got %v, want 550 5.1.1", err)
	}
	// The transaction continues for the recipients that are valid.
	if err := c.Rcpt("help@inbox.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, listenerTestMsg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if _, ds := recv.snapshot(); len(ds) != 1 || len(ds[0].To) != 1 || ds[0].To[0] != "help@inbox.test" {
		t.Errorf("deliveries = %+v", ds)
	}
}

func TestListenerSizeLimit(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{MaxMessageBytes: 1024}, recv)

	big := listenerTestMsg + strings.Repeat("0123456789abcdef\r\n", 200)
	err := netsmtp.SendMail(addr, nil, "ayse@example.org", []string{"help@inbox.test"}, []byte(big))
	if err == nil {
		t.Fatal("oversized message accepted")
	}
	if code := smtpCode(t, err); code != 552 || !strings.Contains(err.Error(), "5.3.4") {
		t.Errorf("got %v, want 552 5.3.4", err)
	}
	if calls, _ := recv.snapshot(); calls != 0 {
		t.Errorf("Deliver called %d times for a refused message", calls)
	}
	// The listener is unaffected: a small message right after goes through.
	if err := netsmtp.SendMail(addr, nil, "ayse@example.org", []string{"help@inbox.test"}, []byte(listenerTestMsg)); err != nil {
		t.Fatalf("small message after refusal: %v", err)
	}
}

func TestListenerDeliverErrorIsTemporary(t *testing.T) {
	recv := &listenerTestReceiver{failNext: 1}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)

	err := netsmtp.SendMail(addr, nil, "ayse@example.org", []string{"help@inbox.test"}, []byte(listenerTestMsg))
	if err == nil {
		t.Fatal("message acknowledged although Deliver failed")
	}
	if code := smtpCode(t, err); code != 451 || !strings.Contains(err.Error(), "4.3.0") {
		t.Errorf("got %v, want 451 4.3.0", err)
	}
	// A sending MTA retries; this time the store works.
	if err := netsmtp.SendMail(addr, nil, "ayse@example.org", []string{"help@inbox.test"}, []byte(listenerTestMsg)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if calls, ds := recv.snapshot(); calls != 2 || len(ds) != 1 {
		t.Errorf("calls = %d, deliveries = %d; want 2 and 1", calls, len(ds))
	}
}

// rawSMTP is a minimal client that writes exactly what it is given, so
// pipelined commands really share one TCP write.
type rawSMTP struct {
	t    *testing.T
	conn net.Conn
	r    *textproto.Reader
}

func dialRawSMTP(t *testing.T, addr string) *rawSMTP {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	c := &rawSMTP{t: t, conn: conn, r: textproto.NewReader(bufio.NewReader(conn))}
	c.expect(220)
	return c
}

func (c *rawSMTP) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawSMTP) expect(code int) string {
	c.t.Helper()
	_, msg, err := c.r.ReadResponse(code)
	if err != nil {
		c.t.Fatalf("want %d: %v", code, err)
	}
	return msg
}

func TestListenerPipelining8BitMIME(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)
	c := dialRawSMTP(t, addr)

	c.send("EHLO client.example.org\r\n")
	caps := c.expect(250)
	for _, want := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "SIZE"} {
		if !strings.Contains(caps, want) {
			t.Errorf("EHLO does not advertise %s:\n%s", want, caps)
		}
	}

	// RFC 2920: the whole envelope and DATA in one write.
	c.send("MAIL FROM:<ayse@example.org> BODY=8BITMIME\r\n" +
		"RCPT TO:<help@inbox.test>\r\n" +
		"RCPT TO:<nobody@elsewhere.test>\r\n" +
		"RCPT TO:<cases@inbox.test>\r\n" +
		"DATA\r\n")
	c.expect(250)
	c.expect(250)
	c.expect(550) // unknown recipient, refused inside the pipeline
	c.expect(250)
	c.expect(354)

	// Raw 8-bit bytes: UTF-8 in three scripts, a Latin-1 byte that is not
	// valid UTF-8, and a dot-stuffed line.
	body := "From: ayse@example.org\r\nSubject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		"Grüße, سلام, こんにちは\r\ncaf\xe9\r\n.leading dot\r\n"
	stuffed := strings.ReplaceAll(body, "\r\n.", "\r\n..")
	// End of data and QUIT pipelined too.
	c.send(stuffed + ".\r\nQUIT\r\n")
	c.expect(250)
	c.expect(221)

	_, ds := recv.snapshot()
	if len(ds) != 1 {
		t.Fatalf("got %d deliveries", len(ds))
	}
	if got := ds[0].Data; !bytes.HasSuffix(got, []byte(body)) {
		t.Errorf("8-bit body altered:\n got %q\nwant suffix %q", got, body)
	}
	if strings.Join(ds[0].To, ",") != "help@inbox.test,cases@inbox.test" {
		t.Errorf("To = %v", ds[0].To)
	}
}

func TestListenerSMTPUTF8(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)
	c := dialRawSMTP(t, addr)
	c.send("EHLO client.example.org\r\n")
	c.expect(250)
	c.send("MAIL FROM:<ayşe@örnek.example> SMTPUTF8\r\nRCPT TO:<help@inbox.test>\r\nDATA\r\n")
	c.expect(250)
	c.expect(250)
	c.expect(354)
	c.send("From: ayşe@örnek.example\r\nSubject: ünicode\r\n\r\nhi\r\n.\r\nQUIT\r\n")
	c.expect(250)
	c.expect(221)
	_, ds := recv.snapshot()
	if len(ds) != 1 || ds[0].From != "ayşe@örnek.example" {
		t.Fatalf("deliveries = %+v", ds)
	}
	if !strings.Contains(string(ds[0].Data), " with UTF8SMTP id ") {
		t.Errorf("Received header does not say UTF8SMTP:\n%s", ds[0].Data)
	}
}

func TestListenerDropMidData(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, stop := startTestListener(t, ListenerConfig{}, recv)
	c := dialRawSMTP(t, addr)
	c.send("EHLO client.example.org\r\n")
	c.expect(250)
	c.send("MAIL FROM:<ayse@example.org>\r\nRCPT TO:<help@inbox.test>\r\nDATA\r\n")
	c.expect(250)
	c.expect(250)
	c.expect(354)
	c.send("Subject: cut short\r\n\r\nThis message never ends")
	c.conn.Close()

	// Shutdown waits for the session to finish, so Deliver would have run by now.
	stop()
	if calls, _ := recv.snapshot(); calls != 0 {
		t.Errorf("Deliver called %d times for a truncated message", calls)
	}
}

// CHUNKING (BDAT) is always offered by go-smtp, so it must honour the same
// rules as DATA: delivered whole, or not at all.
func TestListenerBDAT(t *testing.T) {
	recv := &listenerTestReceiver{}
	addr, stop := startTestListener(t, ListenerConfig{}, recv)

	head, tail := "Subject: chunked\r\n\r\nfirst half, ", "second half\r\n"
	c := dialRawSMTP(t, addr)
	c.send("EHLO client.example.org\r\n")
	c.expect(250)
	c.send("MAIL FROM:<ayse@example.org>\r\nRCPT TO:<help@inbox.test>\r\n")
	c.expect(250)
	c.expect(250)
	c.send(fmt.Sprintf("BDAT %d\r\n%s", len(head), head))
	c.expect(250)
	c.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(tail), tail))
	c.expect(250)
	_, ds := recv.snapshot()
	if len(ds) != 1 || !strings.HasSuffix(string(ds[0].Data), head+tail) {
		t.Fatalf("deliveries = %+v", ds)
	}

	// Second transaction on the same connection, abandoned after one chunk.
	c.send("MAIL FROM:<ayse@example.org>\r\nRCPT TO:<help@inbox.test>\r\n")
	c.expect(250)
	c.expect(250)
	c.send(fmt.Sprintf("BDAT %d\r\n%s", len(head), head))
	c.expect(250)
	c.conn.Close()
	stop()
	if calls, _ := recv.snapshot(); calls != 1 {
		t.Errorf("Deliver called %d times, want 1 (the abandoned message must not arrive)", calls)
	}
}

func TestListenerSTARTTLS(t *testing.T) {
	recv := &listenerTestReceiver{}
	cert := selfSignedCert(t, "mx.inbox.test")
	addr, _ := startTestListener(t, ListenerConfig{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, recv)

	c, err := netsmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not advertised")
	}
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("ayse@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("help@inbox.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, listenerTestMsg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	_, ds := recv.snapshot()
	if len(ds) != 1 {
		t.Fatalf("got %d deliveries", len(ds))
	}
	hdr, _, _ := strings.Cut(string(ds[0].Data), "\r\nFrom:")
	if !strings.Contains(hdr, " with UTF8SMTPS id ") || !strings.Contains(hdr, "(using TLS 1.3") {
		t.Errorf("Received header does not record TLS:\n%s", hdr)
	}
}

func TestListenerSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		if _, statErr := os.Stat("/usr/bin/swaks"); statErr == nil {
			swaks = "/usr/bin/swaks"
		} else if os.Getenv("CI") == "" {
			t.Skip("swaks not installed (apt-get install -y swaks)")
		} else {
			t.Fatal("swaks is required when CI is set")
		}
	}
	recv := &listenerTestReceiver{}
	addr, _ := startTestListener(t, ListenerConfig{}, recv)

	body := "Grüße aus İstanbul — سلام — こんにちは\ncafé"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, swaks,
		"--server", addr,
		"--helo", "swaks.example.org",
		"--from", "sender@example.org",
		"--to", "help@inbox.test,cases@inbox.test",
		"--header", "Subject: swaks test",
		"--body", body,
		"--pipeline",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	t.Logf("swaks transcript:\n%s", out)
	// Pipelined: RCPT goes out before the reply to MAIL comes back.
	if !strings.Contains(string(out), "-> MAIL FROM:<sender@example.org>\n -> RCPT TO:<help@inbox.test>") {
		t.Errorf("swaks did not pipeline:\n%s", out)
	}
	_, ds := recv.snapshot()
	if len(ds) != 1 {
		t.Fatalf("got %d deliveries\n%s", len(ds), out)
	}
	d := ds[0]
	if d.From != "sender@example.org" || strings.Join(d.To, ",") != "help@inbox.test,cases@inbox.test" {
		t.Errorf("envelope = %q %v", d.From, d.To)
	}
	data := string(d.Data)
	if !strings.HasPrefix(data, "Received: from swaks.example.org ([127.0.0.1])") {
		t.Errorf("Received header:\n%s", data)
	}
	if !strings.Contains(strings.ReplaceAll(data, "\r\n", "\n"), body) {
		t.Errorf("8-bit body not intact:\n%q", data)
	}
}

func selfSignedCert(t *testing.T, host string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
