package app

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
)

// TestServeWithIMAP: `hearken serve` starts a poller for a mailbox with
// IMAP settings, and a message in the real (go-imap) server becomes a
// conversation in that mailbox.
func TestServeWithIMAP(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		mem := imapmemserver.New()
		user := imapmemserver.NewUser("help@example.org", "imap-pass")
		mem.AddUser(user)
		if err := user.Create("INBOX", nil); err != nil {
			t.Fatal(err)
		}
		raw := "From: Kenji Mori <kenji@example.jp>\r\nTo: help@example.org\r\nSubject: ボランティアについて\r\nMessage-ID: <k1@example.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nこんにちは。週末のボランティアに参加したいです。\r\n"
		if _, err := user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := imapserver.New(&imapserver.Options{
			NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
				return mem.NewSession(), nil, nil
			},
			Caps: imap.CapSet{imap.CapIMAP4rev1: {}}, InsecureAuth: true, Logger: log.New(io.Discard, "", 0),
		})
		go srv.Serve(ln)
		defer srv.Close()

		cfg := config.Defaults()
		cfg.DB, cfg.Addr = d.Source, "127.0.0.1:0"
		a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := a.Inbox.CreateMailbox(sysCtx(), inbox.MailboxInput{Address: "help@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckIMAPURL("imaps://help:pw@mail.example.org/INBOX"); err == nil {
			t.Fatal("a password in the URL is accepted")
		}
		if err := a.Inbox.SetMailboxIMAP(sysCtx(), mb.ID, "imap://help%40example.org@"+ln.Addr().String()+"/INBOX?starttls=off", "imap-pass"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Serve(ctx, nil) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}()
		deadline := time.Now().Add(15 * time.Second)
		for {
			page, err := a.Inbox.ListConversations(sysCtx(), inbox.Filter{View: "all"}, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 1 {
				c := page.Items[0]
				if c.MailboxID != mb.ID || c.Subject != "ボランティアについて" {
					t.Fatalf("conversation = %+v", c)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the IMAP message never arrived")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
