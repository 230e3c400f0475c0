package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
)

type riverInsertOpts = river.InsertOpts

// Limits of one attempt.
const (
	// maxResponseRead is how much of an answer is read (then the connection
	// is dropped); maxExcerpt how much of it the log keeps.
	maxResponseRead = 64 << 10
	maxExcerpt      = 1 << 10
)

// deliverArgs tries one delivery.
type deliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

func (deliverArgs) Kind() string { return "webhooks.deliver" }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s      *Service
	client *http.Client
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.s.attempt(ctx, w.client, job.Args.DeliveryID, job.Attempt, job.MaxAttempts)
}

// NextRetry follows the configured backoff, so next_attempt_at in the log
// tells the truth.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	return time.Now().Add(w.s.cfg.Backoff(job.Attempt))
}

// Timeout leaves the attempt its own timeout plus the bookkeeping.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.s.cfg.Timeout + 30*time.Second
}

// errPrivate refuses a connection to a private address (Config.BlockPrivate).
var errPrivate = errors.New("webhooks: private or local address refused")

// newClient is the delivery HTTP client: a total timeout, no redirects (a
// redirect could lead anywhere; receivers must answer at the URL given), no
// cookies, and optionally no private addresses.
func newClient(cfg Config) *http.Client {
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if cfg.BlockPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
				ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
				return errPrivate
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// attempt posts a delivery once and records the outcome. A 2xx answer
// succeeds; anything else returns an error so the queue retries, until the
// last attempt, which marks the delivery failed.
func (s *Service) attempt(ctx context.Context, client *http.Client, id int64, attempt, maxAttempts int) error {
	d, err := s.delivery(ctx, id)
	if err != nil {
		if apperr.Is(err, apperr.CodeNotFound) {
			return nil
		}
		return err
	}
	if d.Status != StatusPending {
		return nil
	}
	e, err := s.endpoint(ctx, d.EndpointID)
	if err != nil {
		return nil // the endpoint was deleted, and its log with it
	}
	start := time.Now()
	code, excerpt, postErr := post(ctx, client, e.URL, e.Secret, d, s.cfg.Now())
	took := time.Since(start).Milliseconds()
	now := s.now()
	status, errText := StatusSucceeded, ""
	var next, delivered *time.Time
	if postErr != nil {
		errText = postErr.Error()
		if attempt >= maxAttempts {
			status = StatusFailed
		} else {
			status = StatusPending
			t := now.Add(s.cfg.Backoff(attempt))
			next = &t
		}
	} else {
		delivered = &now
	}
	if _, err := s.q.Exec(ctx, "RecordAttempt", id, status, code, took, excerpt, truncate(errText, maxExcerpt), next, delivered, now); err != nil {
		return err
	}
	if postErr != nil && status == StatusPending {
		return fmt.Errorf("webhook delivery %d: %w", id, postErr)
	}
	if status == StatusFailed {
		s.log.Warn("webhook delivery failed for good", "delivery", id, "endpoint", e.ID, "attempts", attempt, "err", errText)
	}
	return nil
}

// post sends the delivery's payload, signed at now. It returns the status
// code (0 without an answer), an excerpt of the answer and an error for
// anything but 2xx.
func post(ctx context.Context, client *http.Client, target, secret string, d Delivery, now time.Time) (int, string, error) {
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hearken-Webhooks/1")
	req.Header.Set("Hearken-Event", d.EventType)
	req.Header.Set("Hearken-Event-Id", d.EventID)
	req.Header.Set("Hearken-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set(SignatureHeader, Sign(secret, now, body))
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(res.Body, maxResponseRead))
	excerpt := truncate(string(got), maxExcerpt)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, excerpt, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return res.StatusCode, excerpt, nil
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	if !utf8.ValidString(s) {
		s = string(bytes.ToValidUTF8([]byte(s), []byte("�")))
	}
	return s
}
