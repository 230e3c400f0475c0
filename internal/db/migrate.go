package db

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Module is one capability's schema: goose migrations in
// <Dir>/sqlite and <Dir>/postgres of FS, tracked in their own version table so
// capabilities never collide on version numbers. Extra, if set, runs after the SQL
// migrations (River's own migrator uses it).
type Module struct {
	Name string
	// Version identifies migrations that do not live in FS (River's), so test
	// templates are rebuilt when they change.
	Version string
	FS      fs.FS
	Dir     string
	Extra   func(ctx context.Context, d *DB) error
	// Pending, if set, reports whether Extra has work left (for /readyz).
	Pending func(ctx context.Context, d *DB) (bool, error)
}

func (m Module) provider(d *DB) (*goose.Provider, error) {
	sub, err := fs.Sub(m.FS, m.Dir+"/"+string(d.Dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	// Out of order: migration numbers are handed out ahead, so a database may
	// already have 3 when 2 lands; goose applies 2 then instead of refusing.
	opts = append(opts, goose.WithTableName("goose_"+m.Name), goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several instances may start together: the advisory lock lets one migrate
		// while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, d.Writer, sub, opts...)
}

// Migrate applies every module's pending migrations, in order.
func (d *DB) Migrate(ctx context.Context, log *slog.Logger, modules ...Module) error {
	for _, m := range modules {
		if m.FS != nil {
			p, err := m.provider(d)
			if err != nil {
				return fmt.Errorf("migrations of %s: %w", m.Name, err)
			}
			res, err := p.Up(ctx)
			if err != nil {
				return fmt.Errorf("migrate %s: %w", m.Name, err)
			}
			for _, r := range res {
				if log != nil {
					log.Info("migration applied", "module", m.Name, "version", r.Source.Version, "duration", r.Duration)
				}
			}
		}
		if m.Extra != nil {
			if err := m.Extra(ctx, d); err != nil {
				return fmt.Errorf("migrate %s: %w", m.Name, err)
			}
		}
	}
	return nil
}

// Pending reports the modules that have migrations not yet applied.
func (d *DB) Pending(ctx context.Context, modules ...Module) ([]string, error) {
	var out []string
	for _, m := range modules {
		pending := false
		if m.FS != nil {
			p, err := m.provider(d)
			if err != nil {
				return nil, err
			}
			if pending, err = p.HasPending(ctx); err != nil {
				return nil, err
			}
		}
		if !pending && m.Pending != nil {
			var err error
			if pending, err = m.Pending(ctx, d); err != nil {
				return nil, err
			}
		}
		if pending {
			out = append(out, m.Name)
		}
	}
	return out, nil
}
