package inbox

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
)

// IMAPAccount is a mailbox's IMAP settings; the password never leaves the
// service except into the poller's configuration.
type IMAPAccount struct {
	MailboxID int64  `json:"mailbox_id"`
	Address   string `json:"address"`
	// URL is imaps://user@host[:port]/Folder (implicit TLS, port 993) or
	// imap://user@host[:port]/Folder (STARTTLS, port 143; ?starttls=off for
	// a server on the same machine only), ?insecure=1 accepting a
	// self-signed certificate.
	URL      string `json:"url"`
	password string
}

// ParseIMAPURL reads an IMAP URL into a poller configuration (without the
// password).
func ParseIMAPURL(raw string) (email.IMAPConfig, error) {
	bad := apperr.Invalid().Field("imap_url", "inbox.error.imap_url")
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User == nil || u.User.Username() == "" {
		return email.IMAPConfig{}, bad
	}
	if _, has := u.User.Password(); has {
		// Passwords in URLs end up in logs and process lists.
		return email.IMAPConfig{}, apperr.Invalid().Field("imap_url", "inbox.error.imap_password_in_url")
	}
	cfg := email.IMAPConfig{Username: u.User.Username(), Mailbox: strings.Trim(u.Path, "/")}
	port := u.Port()
	switch u.Scheme {
	case "imaps":
		cfg.TLS = true
		if port == "" {
			port = "993"
		}
	case "imap":
		cfg.StartTLS = u.Query().Get("starttls") != "off"
		if port == "" {
			port = "143"
		}
	default:
		return email.IMAPConfig{}, bad
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return email.IMAPConfig{}, bad
	}
	cfg.Addr = net.JoinHostPort(u.Hostname(), port)
	cfg.InsecureSkipVerify = u.Query().Get("insecure") == "1"
	return cfg, nil
}

// SetMailboxIMAP makes a mailbox polled over IMAP (rawURL as
// IMAPAccount.URL); an empty rawURL stops polling it.
func (s *Service) SetMailboxIMAP(ctx context.Context, mailboxID int64, rawURL, password string) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	rawURL = strings.TrimSpace(rawURL)
	if rawURL != "" {
		if _, err := ParseIMAPURL(rawURL); err != nil {
			return err
		}
		if password == "" || len(password) > 1000 {
			return apperr.Invalid().Field("imap_password", "inbox.error.imap_password")
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.mailbox(ctx, mailboxID); err != nil {
			return err
		}
		var err error
		if rawURL == "" {
			_, err = s.q.Exec(ctx, "DeleteMailboxIMAP", mailboxID)
		} else {
			_, err = s.q.Exec(ctx, "UpsertMailboxIMAP", mailboxID, rawURL, password, s.now())
		}
		if err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.mailbox.imap", "inbox_mailbox", mailboxID, map[string]any{"url": rawURL})
	})
}

// IMAPAccounts lists the mailboxes polled over IMAP.
func (s *Service) IMAPAccounts(ctx context.Context) ([]IMAPAccount, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return s.imapAccounts(ctx)
}

func (s *Service) imapAccounts(ctx context.Context) ([]IMAPAccount, error) {
	rows, err := s.q.Query(ctx, "ListMailboxIMAP")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []IMAPAccount{}
	for rows.Next() {
		var a IMAPAccount
		if err := rows.Scan(&a.MailboxID, &a.Address, &a.URL, &a.password); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// IMAPPollers builds one poller per mailbox with IMAP settings, delivering
// into that mailbox (DeliverTo) and keeping its cursor in the database;
// the caller runs each (Poller.Run) until shutdown. A mailbox whose URL no
// longer parses is logged and skipped.
func (s *Service) IMAPPollers(ctx context.Context, log *slog.Logger) ([]*email.Poller, error) {
	accounts, err := s.imapAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []*email.Poller
	for _, a := range accounts {
		cfg, err := ParseIMAPURL(a.URL)
		if err != nil {
			s.log.Error("IMAP settings unreadable; mailbox not polled", "mailbox", a.Address, "err", err)
			continue
		}
		cfg.Password = a.password
		out = append(out, email.NewPoller(cfg, imapState{s}, s.DeliverTo(a.Address), log))
	}
	return out, nil
}

// imapState keeps pollers' cursors in the database, shared by instances.
type imapState struct{ s *Service }

func (st imapState) Load(ctx context.Context, key string) (email.MailboxState, error) {
	var v, uid int64
	err := st.s.q.QueryRow(ctx, "GetIMAPState", key).Scan(&v, &uid)
	if errors.Is(err, sql.ErrNoRows) {
		return email.MailboxState{}, nil
	}
	return email.MailboxState{UIDValidity: uint32(v), LastUID: uint32(uid)}, err
}

func (st imapState) Save(ctx context.Context, key string, m email.MailboxState) error {
	_, err := st.s.q.Exec(ctx, "SaveIMAPState", key, int64(m.UIDValidity), int64(m.LastUID), st.s.now())
	return err
}
