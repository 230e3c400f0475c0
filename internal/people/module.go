// Package people is Hearken's one profile per person or organization across every
// role: contact points, roles with tenure, relationships, consent, the timeline,
// tags, custom fields, segments, search, duplicates and merge, CSV import/export,
// privacy export/erasure and the demo generator. It never imports net/http: the
// UI and API layers build on Service.
package people

import (
	"context"
	"embed"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/jobs"
)

//go:embed migrations queries
var files embed.FS

// Locales is the people catalog (locales/<lang>.toml): the message keys of
// validation errors, MayContact reasons, timeline titles, tenure, roles,
// relationships and import problems. Register it with
// bundle.AddCatalog(people.Locales, "locales").
//
//go:embed locales/*.toml
var Locales embed.FS

// Module is the people schema, to register after the auth module.
func Module() db.Module {
	return db.Module{Name: "people", FS: files, Dir: "migrations"}
}

// Config is what a Service needs besides the database.
type Config struct {
	// Now is the clock; tests pass a fixed one. Defaults to db.Now.
	Now func() time.Time
	// DefaultRegion is the organization's ISO 3166-1 alpha-2 region ("TR", "FR"),
	// used to read phone numbers written without a country code.
	DefaultRegion string
	// Region, when set, returns the organization's current default phone
	// region (its settings); "" falls back to DefaultRegion.
	Region func(ctx context.Context) string
	// OptInRequired is the organization's consent policy: whether purpose on
	// channel needs an explicit opt-in (not merely no opt-out). Nil means opt-in
	// is never required.
	OptInRequired func(ctx context.Context, channel, purpose string) bool
	// Auditor records audit entries; defaults to auth's service on the same
	// database.
	Auditor auth.Auditor
	Hooks   Hooks
	// Jobs runs queued imports (QueueImport); New registers the worker.
	Jobs *jobs.Jobs
	// SearchCandidates bounds how many matches a search ranks (see
	// DefaultSearchCandidates); 0 means the default.
	SearchCandidates int
}

// Hooks let other capabilities take part in people's transactions. Every hook
// runs inside the caller's transaction; an error rolls the change back.
type Hooks struct {
	// OnMerge moves the other capability's rows from mergeID to keepID.
	OnMerge func(ctx context.Context, keepID, mergeID int64) error
	// OnErase removes the other capability's personal data about id.
	OnErase func(ctx context.Context, id int64) error
	// OnEvent runs after a timeline event is stored (notifications of mentions).
	OnEvent func(ctx context.Context, e Event) error
	// ResolveMention maps "@handle" (the local part of a staff e-mail address) to
	// a user id; nil leaves such mentions unresolved.
	ResolveMention func(ctx context.Context, handle string) (userID int64, ok bool, err error)
}

// Service is the people capability's API.
type Service struct {
	db  *db.DB
	q   *db.Queries
	cfg Config
	// importHook runs at the end of each import batch, inside its
	// transaction; tests use it to simulate a crash.
	importHook func(batch int) error
}

// New returns the people service on d.
func New(d *db.DB, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = db.Now
	}
	if cfg.Auditor == nil {
		cfg.Auditor = auth.NewService(d)
	}
	s := &Service{db: d, q: db.MustLoadQueries(d, files, "queries"), cfg: cfg}
	if cfg.Jobs != nil {
		jobs.Register(cfg.Jobs, &importWorker{s: s})
	}
	return s
}

// now is the clock in the stored form: UTC, microseconds.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// DB is the database the service works on.
func (s *Service) DB() *db.DB { return s.db }
