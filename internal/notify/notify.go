// Package notify tells staff about things that need them: in-app
// notifications (with an unread count in the shell's header and a page that
// lists them) and, per each user's preference, an e-mail through the
// organization's SMTP relay. Capabilities call Send inside their own
// transaction: the notification rows and the e-mail jobs commit or roll back
// with the change that caused them, and the e-mail is delivered by a durable
// job with retries.
//
// Wiring: migrate Module after auth; build with New (which registers the
// e-mail worker, so before Jobs.Start); register Locales with the bundle.
package notify

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/jobs"
)

//go:embed migrations queries
var files embed.FS

// Locales is the notification catalog (titles of every kind, e-mail texts,
// the page's labels), in locales/<lang>.toml.
//
//go:embed locales/*.toml
var Locales embed.FS

// Module is the notify schema; it references users, so it is migrated after
// auth.Module.
func Module() db.Module { return db.Module{Name: "notify", FS: files, Dir: "migrations"} }

// Mailer delivers one e-mail; *email.Sender implements it.
type Mailer interface {
	Send(ctx context.Context, m email.OutMessage) error
}

// Config is what a Service needs besides the database.
type Config struct {
	// Jobs delivers e-mails. Required.
	Jobs *jobs.Jobs
	// Bundle renders titles in each recipient's language. Required for e-mail.
	Bundle *i18n.Bundle
	// Mailer sends e-mail; nil means in-app only (logged once).
	Mailer Mailer
	// From is the e-mails' sender, e.g. "Hearken <notifications@example.org>".
	From string
	// BaseURL makes links in e-mails absolute.
	BaseURL string
	// OrgLocale is the language for users without one of their own.
	OrgLocale func(ctx context.Context) string
	Log       *slog.Logger
	// Auditor records preference changes; defaults to auth's service.
	Auditor auth.Auditor
	// Now is the clock (tests pass a fake one).
	Now func() time.Time
}

// Service is the notify capability's API.
type Service struct {
	db  *db.DB
	q   *db.Queries
	cfg Config
	log *slog.Logger

	noMailerOnce sync.Once
}

// New returns the service on d and registers the e-mail worker on cfg.Jobs.
func New(d *db.DB, cfg Config) (*Service, error) {
	if cfg.Jobs == nil {
		return nil, errors.New("notify: Config.Jobs is required")
	}
	if cfg.Now == nil {
		cfg.Now = db.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.OrgLocale == nil {
		cfg.OrgLocale = func(context.Context) string { return "en" }
	}
	if cfg.Auditor == nil {
		cfg.Auditor = auth.NewService(d)
	}
	if cfg.From == "" {
		cfg.From = "Hearken <notifications@localhost>"
	}
	s := &Service{db: d, q: db.MustLoadQueries(d, files, "queries"), cfg: cfg, log: cfg.Log.With("component", "notify")}
	jobs.Register(cfg.Jobs, &emailWorker{s: s})
	return s, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Message is one thing to tell one or more users.
type Message struct {
	// Kind names what happened ("mention", "sla.breach", "queue.pressure"…),
	// for filtering and icons.
	Kind string
	// TitleKey is a catalog key rendered with Args in the reader's language.
	TitleKey string
	Args     map[string]any
	// Body is optional user content shown under the title (a note excerpt).
	Body string
	// Link is the path of the subject, e.g. "/inbox/12".
	Link        string
	SubjectType string
	SubjectID   int64
	// ActorUserID is who caused it (never notified about their own act).
	ActorUserID int64
	// DedupeKey, when set, makes Send idempotent per user: a retried job
	// notifies once.
	DedupeKey string
}

const maxBody = 2000

// Send notifies each of userIDs (duplicates, the actor and inactive users
// skipped) in the caller's transaction, and queues an e-mail for those who
// want one. It reports how many notifications were new.
func (s *Service) Send(ctx context.Context, userIDs []int64, m Message) (int, error) {
	if m.Kind == "" || m.TitleKey == "" {
		return 0, errors.New("notify: Kind and TitleKey are required")
	}
	if m.Args == nil {
		m.Args = map[string]any{}
	}
	if utf8.RuneCountInString(m.Body) > maxBody {
		m.Body = string([]rune(m.Body)[:maxBody]) + "…"
	}
	args, err := json.Marshal(m.Args)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		seen := map[int64]bool{}
		for _, uid := range userIDs {
			if uid == 0 || seen[uid] || uid == m.ActorUserID {
				continue
			}
			seen[uid] = true
			var addr, name, locale string
			var active bool
			if err := s.q.QueryRow(ctx, "ActiveUser", uid).Scan(&addr, &name, &locale, &active); errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			if !active {
				continue
			}
			var id int64
			err := s.q.QueryRowW(ctx, "InsertNotification", uid, m.Kind, m.TitleKey, string(args), m.Body, m.Link,
				m.SubjectType, m.SubjectID, nullInt(m.ActorUserID), nullStr(m.DedupeKey), s.now()).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue // already notified (dedupe key)
			}
			if err != nil {
				return fmt.Errorf("insert notification: %w", err)
			}
			n++
			if !s.wantsEmail(ctx, uid) {
				continue
			}
			if s.cfg.Mailer == nil {
				s.noMailerOnce.Do(func() {
					s.log.Info("no --smtp-relay configured: staff notifications are in-app only")
				})
				continue
			}
			if _, err := s.cfg.Jobs.Enqueue(ctx, emailArgs{NotificationID: id}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func (s *Service) wantsEmail(ctx context.Context, userID int64) bool {
	var on bool
	if err := s.q.QueryRow(ctx, "EmailPref", userID).Scan(&on); err != nil {
		return true // no row: the default is in-app and e-mail
	}
	return on
}

// UsersWithRole lists the active users holding role (leadership: admins).
func (s *Service) UsersWithRole(ctx context.Context, role auth.Role) ([]int64, error) {
	return db.QueryAll(ctx, s.q, db.ScanInt64, "UsersWithRole", string(role), true)
}

// Notification is one stored notification.
type Notification struct {
	ID          int64          `json:"id"`
	UserID      int64          `json:"user_id"`
	Kind        string         `json:"kind"`
	TitleKey    string         `json:"title_key"`
	Args        map[string]any `json:"args"`
	Body        string         `json:"body,omitempty"`
	Link        string         `json:"link,omitempty"`
	SubjectType string         `json:"subject_type,omitempty"`
	SubjectID   int64          `json:"subject_id,omitempty"`
	ActorUserID int64          `json:"actor_user_id,omitempty"`
	ReadAt      *time.Time     `json:"read_at,omitempty"`
	EmailedAt   *time.Time     `json:"emailed_at,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
}

// Title renders the title in l's language.
func (n Notification) Title(l *i18n.Localizer) string {
	args := make([]any, 0, 2*len(n.Args))
	for k, v := range n.Args {
		args = append(args, k, v)
	}
	return l.T(n.TitleKey, args...)
}

type scanner = db.Scanner

func scanNotification(r scanner) (Notification, error) {
	var (
		n            Notification
		args         []byte
		actor        sql.NullInt64
		read, mailed sql.NullTime
	)
	if err := r.Scan(&n.ID, &n.UserID, &n.Kind, &n.TitleKey, &args, &n.Body, &n.Link, &n.SubjectType, &n.SubjectID,
		&actor, &read, &mailed, &n.CreatedAt); err != nil {
		return n, err
	}
	n.Args = map[string]any{}
	_ = json.Unmarshal(args, &n.Args)
	n.ActorUserID = actor.Int64
	if read.Valid {
		t := read.Time.UTC()
		n.ReadAt = &t
	}
	if mailed.Valid {
		t := mailed.Time.UTC()
		n.EmailedAt = &t
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return n, nil
}

// me is the signed-in user; notifications are always one's own.
func me(ctx context.Context) (int64, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok || a.UserID == 0 {
		return 0, apperr.New(apperr.CodeUnauthorized, "error.unauthorized")
	}
	return a.UserID, nil
}

// Page is one page of notifications, newest first; Next is empty on the last.
type Page struct {
	Items []Notification `json:"items"`
	Next  int64          `json:"next,omitempty"`
}

// List returns the actor's notifications older than before (0: the newest),
// only unread ones with unreadOnly.
func (s *Service) List(ctx context.Context, before int64, limit int, unreadOnly bool) (Page, error) {
	uid, err := me(ctx)
	if err != nil {
		return Page{}, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	only := 0
	if unreadOnly {
		only = 1
	}
	items, err := db.QueryAll(ctx, s.q, scanNotification, "ListNotifications", uid, before, only, limit+1)
	if err != nil {
		return Page{}, err
	}
	out := Page{Items: items}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.Next = out.Items[limit-1].ID
	}
	return out, nil
}

// Get returns one of the actor's notifications.
func (s *Service) Get(ctx context.Context, id int64) (Notification, error) {
	uid, err := me(ctx)
	if err != nil {
		return Notification{}, err
	}
	n, err := scanNotification(s.q.QueryRow(ctx, "GetNotification", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && n.UserID != uid) {
		return Notification{}, apperr.NotFound("notify.error.not_found")
	}
	return n, err
}

// UnreadCount is the actor's number of unread notifications.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	uid, err := me(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.q.QueryRow(ctx, "UnreadCount", uid).Scan(&n)
	return n, err
}

// MarkRead marks one of the actor's notifications read (again is a no-op).
func (s *Service) MarkRead(ctx context.Context, id int64) (Notification, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return Notification{}, err
	}
	uid, _ := me(ctx)
	if _, err := s.q.Exec(ctx, "MarkRead", id, uid, s.now()); err != nil {
		return Notification{}, err
	}
	return s.Get(ctx, id)
}

// MarkAllRead marks every notification of the actor read.
func (s *Service) MarkAllRead(ctx context.Context) error {
	uid, err := me(ctx)
	if err != nil {
		return err
	}
	_, err = s.q.Exec(ctx, "MarkAllRead", uid, s.now())
	return err
}

// Prefs is a user's delivery preference.
type Prefs struct {
	// Email: true for in-app and e-mail, false for in-app only.
	Email bool `json:"email"`
}

// Prefs returns the actor's preference.
func (s *Service) Prefs(ctx context.Context) (Prefs, error) {
	uid, err := me(ctx)
	if err != nil {
		return Prefs{}, err
	}
	return Prefs{Email: s.wantsEmail(ctx, uid)}, nil
}

// SetPrefs changes the actor's preference.
func (s *Service) SetPrefs(ctx context.Context, p Prefs) (Prefs, error) {
	uid, err := me(ctx)
	if err != nil {
		return Prefs{}, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "SetEmailPref", uid, p.Email, s.now()); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "notify.preferences", "user", uid, p)
	})
	if err != nil {
		return Prefs{}, err
	}
	return p, nil
}

// emailArgs e-mails one notification.
type emailArgs struct {
	NotificationID int64 `json:"notification_id"`
}

func (emailArgs) Kind() string { return "notify.email" }

type emailWorker struct {
	river.WorkerDefaults[emailArgs]
	s *Service
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[emailArgs]) error {
	return w.s.deliver(ctx, job.Args.NotificationID)
}

// deliver e-mails a notification once; a relay failure is retried by River.
func (s *Service) deliver(ctx context.Context, id int64) error {
	n, err := scanNotification(s.q.QueryRow(ctx, "GetNotification", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the user was deleted
	}
	if err != nil {
		return err
	}
	if n.EmailedAt != nil || s.cfg.Mailer == nil || !s.wantsEmail(ctx, n.UserID) {
		return nil
	}
	var addr, name, locale string
	var active bool
	if err := s.q.QueryRow(ctx, "ActiveUser", n.UserID).Scan(&addr, &name, &locale, &active); err != nil || !active {
		return nil
	}
	if locale == "" {
		locale = s.cfg.OrgLocale(ctx)
	}
	m := s.render(n, addr, name, locale)
	if err := s.cfg.Mailer.Send(ctx, m); err != nil {
		return err
	}
	_, err = s.q.Exec(ctx, "MarkEmailed", n.ID, s.now())
	return err
}

// render builds the plain-text e-mail for n in locale.
func (s *Service) render(n Notification, addr, name, locale string) email.OutMessage {
	l := s.cfg.Bundle.Localizer(locale)
	title := n.Title(l)
	var b strings.Builder
	b.WriteString(l.T("notify.email.greeting", "Name", name) + "\n\n")
	b.WriteString(title + "\n")
	if n.Body != "" {
		b.WriteString("\n" + n.Body + "\n")
	}
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if n.Link != "" {
		b.WriteString("\n" + l.T("notify.email.open") + " " + base + n.Link + "\n")
	}
	b.WriteString("\n-- \n" + l.T("notify.email.footer", "URL", base+"/notifications") + "\n")
	return email.OutMessage{From: s.cfg.From, To: []string{addr}, Subject: l.T("app.name") + ": " + title, Text: b.String(),
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Hearken-Notification": fmt.Sprint(n.ID)}}
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}
