// Package auth owns Hearken's staff users, roles and permissions, password
// hashing, server-side sessions, API tokens, sign-in throttling and the audit
// log. It is domain and store code only: the web and API layers call it.
package auth

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"github.com/hearken-org/hearken/internal/i18n"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/db"
)

//go:embed migrations queries
var files embed.FS

// Module is auth's schema. It must be migrated before any module whose tables
// reference users (org's teams do).
var Module = db.Module{Name: "auth", FS: files, Dir: "migrations"}

// Sign-in throttling. Counts live in the database so every instance shares them.
const (
	MaxFailedAttempts = 5                // consecutive failures that lock an account …
	LockoutDuration   = 15 * time.Minute // … for this long
	MaxIPFailures     = 20               // failures from one IP within IPFailureWindow; more attempts are refused
	IPFailureWindow   = 10 * time.Minute
)

// Service is the users, tokens and audit service.
type Service struct {
	// Now is the clock; tests replace it. It must return UTC.
	Now func() time.Time
	// Password are the argon2id parameters for new hashes. Hashes made with other
	// parameters are upgraded when their owner next signs in.
	Password PasswordParams

	db *db.DB
	q  *db.Queries

	hashSlots   chan struct{}
	dummyMu     sync.Mutex
	dummy       string
	dummyParams PasswordParams
}

// NewService returns the service over d.
func NewService(d *db.DB) *Service {
	return &Service{
		Now:       db.Now,
		Password:  DefaultPasswordParams(),
		db:        d,
		q:         db.MustLoadQueries(d, files, "queries"),
		hashSlots: make(chan struct{}, runtime.NumCPU()),
	}
}

// DB returns the database the service runs on.
func (s *Service) DB() *db.DB { return s.db }

// now is the clock as stored: UTC, microseconds.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// notFound maps sql.ErrNoRows to the domain's not-found error.
func notFound(err error, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFound(key)
	}
	return err
}

// SupportedLocales are the UI languages, as internal/i18n defines them; org
// validates its default locale against it too.
func SupportedLocales() []string {
	var tags []string
	for _, l := range i18n.Supported() {
		tags = append(tags, l.Tag)
	}
	return tags
}

// ValidLocale reports whether l is one of SupportedLocales.
func ValidLocale(l string) bool { return slices.Contains(SupportedLocales(), l) }

// PruneSigninFailures deletes failure records older than a day; they matter for
// IPFailureWindow only and keep a little history for investigating an attack.
// Run it from a periodic job.
func (s *Service) PruneSigninFailures(ctx context.Context) (int64, error) {
	res, err := s.q.Exec(ctx, "PruneSigninFailures", s.now().Add(-24*time.Hour))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
