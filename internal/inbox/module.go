// Package inbox is Hearken's shared inbox: mailboxes, conversations and
// their messages, ingestion of inbound e-mail (deduplicated, threaded,
// matched to a person), automatic acknowledgements, a durable outbox,
// response policies with business hours, and the agent actions (reply, note,
// assign, status, tags). It never imports net/http: UI and API layers build
// on Service. Conversations already carry a channel (email, web, phone,
// social), so further channels add an ingestion path of their own beside
// Ingest.
//
// Wiring: migrate Module() after auth, org, people and jobs; build the
// service with New (which registers its job workers, so before Jobs.Start);
// hand the service itself (an email.Receiver) to email.NewListener and
// DeliverTo(mailbox) to email.NewPoller; wire people's Hooks.OnMerge/OnErase
// to MovePerson/ErasePerson; register the catalog with AddCatalog for the UI.
package inbox

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/jobs"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

//go:embed migrations queries
var files embed.FS

//go:embed locales/*.toml
var locales embed.FS

// Module is the inbox schema. Its tables reference users, teams and people,
// so it is migrated after auth.Module, org.Module and people.Module().
func Module() db.Module {
	return db.Module{Name: "inbox", FS: files, Dir: "migrations"}
}

// Locales is the inbox message catalog (acknowledgement texts, event and
// error keys), in locales/<lang>.toml.
func Locales() (fs.FS, string) { return locales, "locales" }

// AddCatalog registers the inbox catalog with the application's bundle, for
// the UI and API layers to render inbox keys.
func AddCatalog(b *i18n.Bundle) error { return b.AddCatalog(locales, "locales") }

// Sender delivers one outbound message; *email.Sender implements it.
type Sender interface {
	Send(ctx context.Context, m email.OutMessage) error
}

// Config is what a Service needs besides the database.
type Config struct {
	// People matches senders to profiles and records the timeline. Required.
	People *people.Service
	// Jobs carries acknowledgements, deadlines and the outbox. Required; New
	// registers the inbox workers on it, so build the service before Start.
	Jobs *jobs.Jobs
	// Org reads team time zones and, without OrgSettings, the organization's
	// settings. Defaults to a service on the same database.
	Org *org.Service
	// OrgSettings returns the organization's settings (the app passes its
	// cached reader). Defaults to Org.Get.
	OrgSettings func(ctx context.Context) (org.Settings, error)
	// Auditor records agent actions; defaults to auth's service.
	Auditor auth.Auditor
	// Sender sends the outbox. Nil keeps outbound mail queued (logged once)
	// until an instance with a relay picks it up.
	Sender Sender
	// ReplySecret signs reply addresses. Nil uses a random secret generated
	// once and stored in the database, shared by every instance.
	ReplySecret []byte
	// Blobs stores raw messages and attachments; defaults to the database.
	Blobs BlobStore
	// Notifier is told about deadline warnings and breaches; defaults to a
	// logging stub.
	Notifier Notifier
	// Routing tunes auto-away and the queue-pressure check (routing.go).
	Routing RoutingConfig
	// AckTemplates renders acknowledgements; defaults to the catalog's
	// texts (the place for per-organization templates later).
	AckTemplates AckTemplates
	Log          *slog.Logger
	// Now is the clock; tests pass a fake one. Defaults to db.Now.
	Now func() time.Time
	// AckCooldown is the least time between two acknowledgements to one
	// person (default 24 h).
	AckCooldown time.Duration
	// MaxBlobBytes is the largest raw message or attachment stored (default
	// 25 MiB); larger ones are kept as metadata only.
	MaxBlobBytes int64
	// ParseLimits bound MIME parsing (email.DefaultLimits by default).
	ParseLimits email.Limits
	// SendMaxAttempts is how often a temporary send failure is retried before
	// the message is marked failed (default 12, about two days with
	// SendBackoff's default).
	SendMaxAttempts int
	// SendBackoff is the wait after the n-th failed attempt (1-based).
	SendBackoff func(attempt int) time.Duration
	// NoRelayRetry is how long a send job sleeps when no Sender is set
	// (default 10 min).
	NoRelayRetry time.Duration
}

// Service is the inbox capability's API.
type Service struct {
	db  *db.DB
	q   *db.Queries
	cfg Config
	log *slog.Logger

	secretMu sync.Mutex
	secret   []byte

	noRelayOnce sync.Once

	openHooks []OpenHook
	// changeHooks hear conversation and message events (changehooks.go).
	changeHooks []changeHook
	// convs keeps decoded conversations for lists (convcache.go).
	convs convCache
	// staff is the staff names messages show as authors (staffnames.go).
	staff tableCopy[int64, string]
	// rcpts is the mailbox addresses SMTP accepts mail for (receiver.go).
	rcpts tableCopy[string, bool]
}

// New returns the inbox service on d and registers its job workers on
// cfg.Jobs.
func New(d *db.DB, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = db.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Log = cfg.Log.With("component", "inbox")
	if cfg.Auditor == nil || cfg.Org == nil {
		a := auth.NewService(d)
		if cfg.Auditor == nil {
			cfg.Auditor = a
		}
		if cfg.Org == nil {
			cfg.Org = org.NewService(d, a)
		}
	}
	if cfg.OrgSettings == nil {
		cfg.OrgSettings = cfg.Org.Get
	}
	if cfg.AckCooldown <= 0 {
		cfg.AckCooldown = 24 * time.Hour
	}
	if cfg.MaxBlobBytes <= 0 {
		cfg.MaxBlobBytes = 25 << 20
	}
	if cfg.SendMaxAttempts <= 0 {
		cfg.SendMaxAttempts = 12
	}
	if cfg.SendBackoff == nil {
		cfg.SendBackoff = defaultBackoff
	}
	if cfg.NoRelayRetry <= 0 {
		cfg.NoRelayRetry = 10 * time.Minute
	}
	s := &Service{db: d, q: db.MustLoadQueries(d, files, "queries"), cfg: cfg, log: cfg.Log}
	if cfg.Blobs == nil {
		s.cfg.Blobs = NewDBBlobStore(d, cfg.MaxBlobBytes)
	}
	if cfg.Notifier == nil {
		s.cfg.Notifier = LogNotifier{Log: cfg.Log}
	}
	if cfg.AckTemplates == nil {
		t, err := NewCatalogTemplates()
		if err != nil {
			return nil, err
		}
		s.cfg.AckTemplates = t
	}
	if cfg.People == nil || cfg.Jobs == nil {
		return nil, errMissingDeps
	}
	s.registerWorkers(cfg.Jobs)
	s.registerFollowups(cfg.Jobs)
	s.registerRouting(cfg.Jobs)
	s.withStoredAckTemplates()
	return s, nil
}

// DB is the database the service works on.
func (s *Service) DB() *db.DB { return s.db }

// now is the clock in the stored form: UTC, microseconds.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// system is ctx acting as the inbox itself: ingestion and jobs run without a
// user, and people's services check permissions.
func system(ctx context.Context) context.Context {
	return auth.WithActor(ctx, auth.SystemActor("inbox"))
}

// actorID is the acting user's id, 0 for the system.
func actorID(ctx context.Context) int64 {
	a, _ := auth.ActorFrom(ctx)
	return a.UserID
}
