package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/inbox"
)

// SetMailboxIMAP gives the mailbox at address IMAP settings (see
// inbox.IMAPAccount.URL); `hearken serve` then polls it.
func SetMailboxIMAP(ctx context.Context, cfg config.Config, address, imapURL, password string) error {
	return withCLI(ctx, cfg, func(ctx context.Context, a *App) error {
		mbs, err := a.Inbox.Mailboxes(ctx)
		if err != nil {
			return err
		}
		for _, mb := range mbs {
			if mb.Address == address {
				if err := a.Inbox.SetMailboxIMAP(ctx, mb.ID, imapURL, password); err != nil {
					return a.explain(err)
				}
				return nil
			}
		}
		return fmt.Errorf("no mailbox %q", address)
	})
}

// startPollers runs one IMAP poller per mailbox with IMAP settings until
// the returned stop is called (which waits for them).
func (a *App) startPollers(ctx context.Context) (stop func(), err error) {
	pollers, err := a.Inbox.IMAPPollers(auth.WithActor(ctx, auth.SystemActor("imap")), a.Log)
	if err != nil {
		return nil, fmt.Errorf("IMAP mailboxes: %w", err)
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, p := range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(pctx); err != nil {
				a.Log.Error("IMAP poller stopped", "mailbox", p.MailboxKey(), "err", err)
			}
		}()
		a.Log.Info("IMAP poller", "mailbox", p.MailboxKey())
	}
	return func() { cancel(); wg.Wait() }, nil
}

// CheckIMAPURL reports what is wrong with an IMAP URL, before anything is
// created with it.
func CheckIMAPURL(raw string) error {
	if _, err := inbox.ParseIMAPURL(raw); err != nil {
		return fmt.Errorf("--imap %q: expected imaps://user@host[:port]/Folder or imap://user@host[:port]/Folder (no password in the URL)", raw)
	}
	return nil
}
