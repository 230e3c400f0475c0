package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
)

// TestServeWithSMTP runs `serve --smtp-addr`: mail sent to a configured mailbox
// over real SMTP becomes a conversation; other recipients are refused.
func TestServeWithSMTP(t *testing.T) {
	d := dbtest.SQLite(t, Modules())
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr := free.Addr().String()
	free.Close()
	cfg := config.Defaults()
	cfg.DB, cfg.Addr, cfg.SMTPAddr = d.Source, "127.0.0.1:0", smtpAddr
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
	if err != nil {
		t.Fatal(err)
	}
	actx := auth.WithActor(context.Background(), auth.SystemActor("test"))
	if _, err := a.Inbox.CreateMailbox(actx, inbox.MailboxInput{Address: "help@example.org"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- a.Serve(ctx, func(string) { close(ready) }) }()
	<-ready
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	msg := "From: Aino Virtanen <aino@example.fi>\r\nTo: help@example.org\r\nSubject: Vapaaehtoistyö\r\nMessage-ID: <a1@example.fi>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHei! Haluaisin tulla vapaaehtoiseksi. Kiitos!\r\n"
	var sendErr error
	for i := 0; i < 50; i++ { // the listener starts right after HTTP
		if sendErr = smtp.SendMail(smtpAddr, nil, "aino@example.fi", []string{"help@example.org"}, []byte(msg)); sendErr == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	// 250 came after the commit: the conversation is there now.
	page, err := a.Inbox.ListConversations(actx, inbox.Filter{View: "all"}, "", 10)
	if err != nil || len(page.Items) != 1 || !strings.Contains(page.Items[0].Subject, "Vapaaehtoistyö") {
		t.Fatalf("conversations = %+v, %v", page.Items, err)
	}
	err = smtp.SendMail(smtpAddr, nil, "aino@example.fi", []string{"someone-else@example.org"}, []byte(msg))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("unknown recipient: %v", err)
	}
}
