package inbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
)

// mailboxKey is the lookup form of an address: lower-case, without a plus
// tag (help+c12.x@… and Help@… are the help@… mailbox) and without angle
// brackets or a display name.
func mailboxKey(addr string) string {
	addr = strings.TrimSpace(addr)
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = strings.TrimSuffix(addr[i+1:], ">")
	}
	addr = strings.ToLower(strings.Trim(addr, " <>"))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return addr
	}
	local, domain := addr[:at], addr[at+1:]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	return local + "@" + domain
}

func scanMailbox(r scanner) (Mailbox, error) {
	var (
		m    Mailbox
		team sql.NullInt64
	)
	err := r.Scan(&m.ID, &m.Address, &m.DisplayName, &team, &m.CreatedAt, &m.UpdatedAt)
	m.TeamID, m.CreatedAt, m.UpdatedAt = team.Int64, m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

// mailboxByAddress returns the mailbox an address (possibly plus-tagged)
// belongs to, or nil.
func (s *Service) mailboxByAddress(ctx context.Context, addr string) (*Mailbox, error) {
	key := mailboxKey(addr)
	if !strings.Contains(key, "@") {
		return nil, nil
	}
	return memoOptional(ctx, memoKey{"mailbox", key}, func() (Mailbox, error) {
		return scanMailbox(s.q.QueryRow(ctx, "MailboxByAddress", key))
	})
}

func (s *Service) mailbox(ctx context.Context, id int64) (Mailbox, error) {
	m, err := scanMailbox(s.q.QueryRow(ctx, "GetMailbox", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFound("inbox.error.mailbox_not_found")
	}
	return m, err
}

func (s *Service) validateMailbox(ctx context.Context, in *MailboxInput, creating bool) error {
	v := apperr.Invalid()
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if creating {
		a, err := mail.ParseAddress(strings.TrimSpace(in.Address))
		if err != nil || mailboxKey(a.Address) != strings.ToLower(a.Address) {
			// A plus tag would collide with the reply routes.
			v.Field("address", "inbox.error.address")
		} else {
			in.Address = strings.ToLower(a.Address)
		}
	}
	if utf8.RuneCountInString(in.DisplayName) > 200 || strings.ContainsAny(in.DisplayName, "\r\n") {
		v.Field("display_name", "inbox.error.too_long", "Max", 200)
	}
	if err := s.checkTeam(ctx, v, "team_id", in.TeamID); err != nil {
		return err
	}
	return v.OrNil()
}

// CreateMailbox adds an address mail is received at.
func (s *Service) CreateMailbox(ctx context.Context, in MailboxInput) (Mailbox, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Mailbox{}, err
	}
	var out Mailbox
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.validateMailbox(ctx, &in, true); err != nil {
			return err
		}
		var id int64
		err := s.q.QueryRowW(ctx, "InsertMailbox", in.Address, in.DisplayName, nullInt(in.TeamID), s.now()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid().Field("address", "inbox.error.address_taken")
		}
		if err != nil {
			return err
		}
		if out, err = s.mailbox(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.mailbox.create", "inbox_mailbox", id, in)
	})
	return out, err
}

// UpdateMailbox changes a mailbox's display name and team.
func (s *Service) UpdateMailbox(ctx context.Context, id int64, in MailboxInput) (Mailbox, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Mailbox{}, err
	}
	var out Mailbox
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.mailbox(ctx, id)
		if err != nil {
			return err
		}
		if err := s.validateMailbox(ctx, &in, false); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateMailbox", id, in.DisplayName, nullInt(in.TeamID), s.now()); err != nil {
			return err
		}
		if out, err = s.mailbox(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.mailbox.update", "inbox_mailbox", id, auth.Diff(old, out))
	})
	return out, err
}

// DeleteMailbox stops receiving at an address; its conversations stay.
func (s *Service) DeleteMailbox(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.mailbox(ctx, id); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteMailbox", id); err != nil {
			return err
		}
		// This instance refuses the address from now on (others within
		// recipientsTTL).
		db.AfterCommit(ctx, s.rcpts.forget)
		return s.cfg.Auditor.Audit(ctx, "inbox.mailbox.delete", "inbox_mailbox", id, nil)
	})
}

// Mailboxes lists the mailboxes by address.
func (s *Service) Mailboxes(ctx context.Context) ([]Mailbox, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "ListMailboxes")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Mailbox{}
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

const replySecretName = "reply_address"

// replySecret is the key signing reply addresses: Config.ReplySecret, or one
// generated on first use and kept in the database so every instance agrees.
// Call it before opening a transaction: on SQLite a second writer would wait
// for the first.
func (s *Service) replySecret(ctx context.Context) ([]byte, error) {
	if len(s.cfg.ReplySecret) > 0 {
		return s.cfg.ReplySecret, nil
	}
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secret != nil {
		return s.secret, nil
	}
	var secret []byte
	load := func(ctx context.Context) error {
		err := s.q.QueryRow(ctx, "GetSecret", replySecretName).Scan(&secret)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "InsertSecret", replySecretName, fresh, s.now()); err != nil {
			return err
		}
		// Another instance may have won the race: read what is stored.
		return s.q.QueryRow(ctx, "GetSecret", replySecretName).Scan(&secret)
	}
	if db.TxFrom(ctx) != nil {
		// Inside someone's transaction the secret commits with it; do not
		// cache what a rollback could discard.
		err := load(ctx)
		return secret, err
	}
	if err := s.db.InTx(ctx, load); err != nil {
		return nil, fmt.Errorf("reply secret: %w", err)
	}
	s.secret = secret
	return secret, nil
}
