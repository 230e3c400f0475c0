package inbox

import (
	"context"
	"fmt"
	"io"
	"net"
	netsmtp "net/smtp"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// BenchmarkSMTPIngest is the inbox target measured end to end: messages from
// new senders over real SMTP sessions (8 at once, each reusing its
// connection), each answered 250 only once committed — threaded, matched to
// a new profile, indexed, its deadlines and acknowledgement queued.
func BenchmarkSMTPIngest(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b, modules))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	l := email.NewListener(email.ListenerConfig{Domain: "mx.example.org"}, e.s, quiet)
	go func() { _ = l.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Shutdown(ctx)
	})
	body := "Hello, I would like to know more about volunteering with you this summer. " +
		"I can help on weekends and I have a driving licence. Best wishes, and thank you for your work!"
	sessions := 8
	if n, err := strconv.Atoi(os.Getenv("HEARKEN_SMTP_SESSIONS")); err == nil && n > 0 {
		sessions = n
	}
	var seq atomic.Int64
	next := make(chan int, b.N)
	for i := range b.N {
		next <- i
	}
	close(next)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range sessions {
		wg.Go(func() {
			c, err := netsmtp.Dial(ln.Addr().String())
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			if err := c.Hello("client.example.net"); err != nil {
				b.Error(err)
				return
			}
			for range next {
				i := seq.Add(1)
				from := fmt.Sprintf("p%d@example.net", i)
				if err := c.Mail(from); err != nil {
					b.Error(err)
					return
				}
				if err := c.Rcpt("help@example.org"); err != nil {
					b.Error(err)
					return
				}
				w, err := c.Data()
				if err != nil {
					b.Error(err)
					return
				}
				raw := msg{From: fmt.Sprintf("Person %d <%s>", i, from), Subject: "Volunteering", ID: fmt.Sprintf("s%d@example.net", i), Body: body}.String()
				if _, err := io.WriteString(w, raw); err != nil {
					b.Error(err)
					return
				}
				if err := w.Close(); err != nil { // 250: committed
					b.Error(err)
					return
				}
			}
			_ = c.Quit()
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
