package email

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// MailboxState is the poller's cursor in one mailbox. UIDs are only
// meaningful together with the UIDVALIDITY they were issued under.
type MailboxState struct {
	UIDValidity uint32
	LastUID     uint32
}

// StateStore persists MailboxState. Load must return the zero state (and no
// error) for a mailbox never seen before.
type StateStore interface {
	Load(ctx context.Context, mailboxKey string) (MailboxState, error)
	Save(ctx context.Context, mailboxKey string, s MailboxState) error
}

// IMAPConfig configures a Poller.
type IMAPConfig struct {
	// Addr is host:port of the IMAP server (993 for TLS, 143 otherwise).
	Addr string
	// TLS connects with implicit TLS (IMAPS).
	TLS bool
	// StartTLS upgrades a plain connection with STARTTLS. Without TLS or
	// StartTLS the poller refuses to send the password to anything but a
	// loopback address.
	StartTLS bool
	// InsecureSkipVerify disables certificate verification (self-signed
	// servers); the connection is still encrypted.
	InsecureSkipVerify bool
	Username           string
	Password           string
	// Mailbox to read (default "INBOX"). It is opened read-only (EXAMINE):
	// the poller never changes flags or deletes messages.
	Mailbox string
	// PollInterval is the wait between polls when the server lacks IDLE, and
	// the safety re-check interval while idling (default 1 minute).
	PollInterval time.Duration
	// DisableIDLE forces polling even when the server advertises IDLE.
	DisableIDLE bool
}

const (
	defaultPollInterval = time.Minute
	imapFetchBatch      = 16
	imapDialTimeout     = 30 * time.Second
)

// Poller fetches new messages from one IMAP mailbox and hands each to a
// deliver callback, in ascending UID order, advancing the stored cursor after
// every successful delivery. Delivery is at-least-once: after a crash between
// deliver and Save, or after a UIDVALIDITY change, messages are delivered
// again, so the caller deduplicates (e.g. by Message-ID).
type Poller struct {
	cfg     IMAPConfig
	store   StateStore
	deliver func(ctx context.Context, d Delivery) error
	log     *slog.Logger

	// mu serialises mailbox passes so Run and PollOnce never deliver the same
	// UID twice concurrently.
	mu sync.Mutex

	backoffMin, backoffMax time.Duration
}

// NewPoller creates a poller. A nil log uses slog.Default().
func NewPoller(cfg IMAPConfig, store StateStore, deliver func(ctx context.Context, d Delivery) error, log *slog.Logger) *Poller {
	if log == nil {
		log = slog.Default()
	}
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = defaultPollInterval
	}
	p := &Poller{
		cfg:        cfg,
		store:      store,
		deliver:    deliver,
		backoffMin: time.Second,
		backoffMax: 5 * time.Minute,
	}
	p.log = log.With("component", "imap-poller", "mailbox", p.MailboxKey())
	return p
}

// MailboxKey is the key under which the poller's state is stored:
// "imap://user@host:port/Mailbox".
func (p *Poller) MailboxKey() string {
	return "imap://" + p.cfg.Username + "@" + p.cfg.Addr + "/" + p.cfg.Mailbox
}

// PollOnce connects, delivers every message newer than the stored cursor and
// disconnects. It returns the number of messages delivered.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	c, _, release, err := p.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		imapLogout(c)
		release()
	}()
	return p.pass(ctx, c)
}

// Run polls until ctx is cancelled, then returns nil. Connection, login and
// delivery errors are logged and retried with exponential backoff (1 s up to
// 5 min); only an invalid configuration makes Run return an error.
func (p *Poller) Run(ctx context.Context) error {
	if err := p.validate(); err != nil {
		return err
	}
	backoff := p.backoffMin
	for {
		healthy, err := p.session(ctx)
		if ctx.Err() != nil {
			p.log.Info("imap poller stopped")
			return nil
		}
		if healthy {
			backoff = p.backoffMin
		}
		p.log.Warn("imap session ended, reconnecting", "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			p.log.Info("imap poller stopped")
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, p.backoffMax)
	}
}

// session runs one connection: a pass, then IDLE (or a timer) until there is
// something new, then another pass. healthy reports whether at least one pass
// succeeded, which resets the reconnect backoff.
func (p *Poller) session(ctx context.Context) (healthy bool, err error) {
	c, wake, release, err := p.connect(ctx)
	if err != nil {
		return false, err
	}
	defer release()

	useIdle := !p.cfg.DisableIDLE && c.Caps().Has(imap.CapIdle)
	p.log.Info("imap connected", "idle", useIdle)

	for {
		if _, err := p.pass(ctx, c); err != nil {
			return healthy, err
		}
		healthy = true

		if err := p.wait(ctx, c, wake, useIdle); err != nil {
			return healthy, err
		}
	}
}

var errIMAPConnClosed = errors.New("imap: connection closed by server")

// wait blocks until new mail may be there: an EXISTS while idling, the poll
// interval, or the end of the connection or of ctx.
func (p *Poller) wait(ctx context.Context, c *imapclient.Client, wake <-chan struct{}, useIdle bool) error {
	t := time.NewTimer(p.cfg.PollInterval)
	defer t.Stop()

	if !useIdle {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.Closed():
			return errIMAPConnClosed
		case <-t.C:
			return nil
		}
	}

	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("imap IDLE: %w", err)
	}
	var closedByPeer bool
	select {
	case <-ctx.Done():
		// The connection is being closed under us; don't wait for DONE's reply.
		_ = idle.Close()
		return ctx.Err()
	case <-c.Closed():
		closedByPeer = true
	case <-wake:
	case <-t.C:
		// Periodic re-check: also catches a connection silently dropped by
		// a NAT, since the next command would time out.
	}
	closeErr := idle.Close()
	if closedByPeer {
		return errIMAPConnClosed
	}
	if closeErr != nil {
		return fmt.Errorf("imap IDLE: %w", closeErr)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("imap IDLE: %w", err)
	}
	return nil
}

func (p *Poller) validate() error {
	if p.cfg.Addr == "" {
		return errors.New("imap: Addr is required")
	}
	host, _, err := net.SplitHostPort(p.cfg.Addr)
	if err != nil {
		return fmt.Errorf("imap: Addr %q: %w", p.cfg.Addr, err)
	}
	if p.cfg.TLS && p.cfg.StartTLS {
		return errors.New("imap: TLS and StartTLS are mutually exclusive")
	}
	if !p.cfg.TLS && !p.cfg.StartTLS && !hostIsLoopback(host) {
		return fmt.Errorf("imap: refusing to send the password to %s without TLS; set TLS or StartTLS", p.cfg.Addr)
	}
	if p.store == nil || p.deliver == nil {
		return errors.New("imap: a StateStore and a deliver function are required")
	}
	return nil
}

// connect dials, upgrades to TLS as configured and logs in. The returned
// channel receives a token whenever the server reports a new message count
// (EXISTS). The client is closed when ctx is cancelled, which unblocks any
// command in flight; release closes it and drops that hook.
func (p *Poller) connect(ctx context.Context) (c *imapclient.Client, wake <-chan struct{}, release func(), err error) {
	if err := p.validate(); err != nil {
		return nil, nil, nil, err
	}
	host, _, _ := net.SplitHostPort(p.cfg.Addr)

	wakeCh := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{
			ServerName:         host,
			InsecureSkipVerify: p.cfg.InsecureSkipVerify, //nolint:gosec // opt-in for self-signed servers
			MinVersion:         tls.VersionTLS12,
		},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine, so it must not block.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wakeCh <- struct{}{}:
					default:
					}
				}
			},
		},
	}

	dialer := &net.Dialer{Timeout: imapDialTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("imap dial: %w", err)
	}

	switch {
	case p.cfg.TLS:
		tc := tls.Client(conn, opts.TLSConfig)
		hctx, cancel := context.WithTimeout(ctx, imapDialTimeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, nil, nil, fmt.Errorf("imap TLS handshake: %w", err)
		}
		c = imapclient.New(tc, opts)
	case p.cfg.StartTLS:
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		c, err = imapclient.NewStartTLS(conn, opts)
		stop()
		if err != nil {
			conn.Close()
			return nil, nil, nil, fmt.Errorf("imap STARTTLS: %w", err)
		}
	default:
		c = imapclient.New(conn, opts)
	}

	// Closing the client is how a blocked command learns that ctx ended.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	release = func() {
		stop()
		c.Close()
	}
	fail := func(err error) (*imapclient.Client, <-chan struct{}, func(), error) {
		release()
		if ctx.Err() != nil {
			return nil, nil, nil, ctx.Err()
		}
		return nil, nil, nil, err
	}

	if err := c.WaitGreeting(); err != nil {
		return fail(fmt.Errorf("imap greeting: %w", err))
	}
	if c.State() != imap.ConnStateAuthenticated { // PREAUTH needs no login
		if err := c.Login(p.cfg.Username, p.cfg.Password).Wait(); err != nil {
			return fail(fmt.Errorf("imap login as %q: %w", p.cfg.Username, err))
		}
	}
	return c, wakeCh, release, nil
}

// pass opens the mailbox read-only and delivers every message above the
// stored cursor. Re-selecting on every pass is what notices a UIDVALIDITY
// change without a reconnect.
func (p *Poller) pass(ctx context.Context, c *imapclient.Client) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	sel, err := c.Select(p.cfg.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return 0, fmt.Errorf("imap select %q: %w", p.cfg.Mailbox, err)
	}

	key := p.MailboxKey()
	st, err := p.store.Load(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("imap: load state: %w", err)
	}
	if st.UIDValidity != sel.UIDValidity {
		if st.UIDValidity != 0 {
			p.log.Warn("imap UIDVALIDITY changed; fetching the whole mailbox again",
				"old_uidvalidity", st.UIDValidity, "new_uidvalidity", sel.UIDValidity, "old_last_uid", st.LastUID)
		}
		st = MailboxState{UIDValidity: sel.UIDValidity}
		if err := p.store.Save(ctx, key, st); err != nil {
			return 0, fmt.Errorf("imap: save state: %w", err)
		}
	}
	if sel.NumMessages == 0 || (sel.UIDNext != 0 && uint32(sel.UIDNext) <= st.LastUID+1) {
		return 0, nil
	}

	uids, err := p.newUIDs(c, st.LastUID)
	if err != nil {
		return 0, err
	}

	delivered := 0
	for len(uids) > 0 {
		batch := uids[:min(len(uids), imapFetchBatch)]
		uids = uids[len(batch):]

		msgs, err := c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{
			UID:          true,
			InternalDate: true,
			BodySection:  []*imap.FetchItemBodySection{{Peek: true}},
		}).Collect()
		if err != nil {
			return delivered, fmt.Errorf("imap fetch: %w", err)
		}
		// Responses may come in any order; the cursor must only move forward.
		slices.SortFunc(msgs, func(a, b *imapclient.FetchMessageBuffer) int {
			return cmp.Compare(a.UID, b.UID)
		})

		for _, m := range msgs {
			if uint32(m.UID) <= st.LastUID {
				continue
			}
			body := m.FindBodySection(&imap.FetchItemBodySection{})
			if body == nil {
				// Retrying cannot fix a server that has no body for this UID,
				// and stopping here would block the mailbox for good.
				p.log.Error("imap server returned no body; message skipped", "uid", m.UID)
			} else {
				at := m.InternalDate.UTC()
				if m.InternalDate.IsZero() {
					at = time.Now().UTC()
				}
				d := Delivery{Data: body, RemoteAddr: p.cfg.Addr, ReceivedAt: at}
				if err := p.deliver(ctx, d); err != nil {
					return delivered, fmt.Errorf("imap: deliver UID %d: %w", m.UID, err)
				}
				delivered++
			}
			st.LastUID = uint32(m.UID)
			if err := p.store.Save(ctx, key, st); err != nil {
				return delivered, fmt.Errorf("imap: save state after UID %d: %w", m.UID, err)
			}
		}
		// A message expunged between listing and fetching is simply absent.
	}
	if delivered > 0 {
		p.log.Info("imap messages delivered", "count", delivered, "last_uid", st.LastUID)
	}
	return delivered, nil
}

// newUIDs lists the UIDs above last, ascending. "last+1:*" always matches at
// least the newest message even when its UID is lower (RFC 9051 section
// 6.4.9), hence the filter.
func (p *Poller) newUIDs(c *imapclient.Client, last uint32) ([]imap.UID, error) {
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}} // Stop 0 is "*"
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("imap fetch UIDs: %w", err)
	}
	uids := make([]imap.UID, 0, len(msgs))
	for _, m := range msgs {
		if uint32(m.UID) > last {
			uids = append(uids, m.UID)
		}
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// imapLogout says goodbye politely but never waits long for it.
func imapLogout(c *imapclient.Client) {
	done := make(chan struct{})
	go func() {
		_ = c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	c.Close()
}

func hostIsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
