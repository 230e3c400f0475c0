package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/hearken-org/hearken/internal/db"
)

// migrateLockKey is the PostgreSQL advisory lock that serialises River's
// migrations across instances starting together (rivermigrate takes none).
const migrateLockKey = 7340022

// Module is River's schema as a db.Module: River ships its own migrations per
// driver, so they run from Extra through rivermigrate rather than as goose files.
// Register it before any module whose code enqueues jobs.
func Module() db.Module {
	return db.Module{
		Name:    "river",
		Version: "river v0.49.0", // change with the River version in go.mod
		Extra:   migrate,
		Pending: pending,
	}
}

func migrate(ctx context.Context, d *db.DB) error {
	var (
		res *rivermigrate.MigrateResult
		err error
	)
	switch d.Dialect {
	case db.SQLite:
		// The writer pool is a single connection, which is what riversqlite
		// needs, and migrations run before anything else writes.
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(d.Writer), &rivermigrate.Config{Logger: warnLogger()}); err == nil {
			res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	case db.Postgres:
		res, err = migratePostgres(ctx, d)
	default:
		err = fmt.Errorf("unsupported dialect %q", d.Dialect)
	}
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if len(res.Versions) > 0 {
		versions := make([]int, len(res.Versions))
		for i, v := range res.Versions {
			versions[i] = v.Version
		}
		slog.Default().InfoContext(ctx, "migration applied", "module", "river", "versions", versions)
	}
	return nil
}

func migratePostgres(ctx context.Context, d *db.DB) (*rivermigrate.MigrateResult, error) {
	// rivermigrate wants a pgxpool; it is only needed for the migration itself.
	pool, err := pgxpool.New(ctx, d.DSN())
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	// The lock lives on a connection of our own pool for the whole run; every
	// instance takes it, so one migrates while the others wait and then find
	// nothing to do.
	conn, err := d.Writer.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockKey) //nolint:errcheck
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: warnLogger()})
	if err != nil {
		return nil, err
	}
	return m.Migrate(ctx, rivermigrate.DirectionUp, nil)
}

// pending reports unapplied River migrations without opening a pool: on
// PostgreSQL it validates inside a read transaction of our own pool through
// the pgx.Tx adapter, so /readyz stays cheap.
func pending(ctx context.Context, d *db.DB) (bool, error) {
	var res *rivermigrate.ValidateResult
	switch d.Dialect {
	case db.SQLite:
		m, err := rivermigrate.New(riversqlite.New(nil), &rivermigrate.Config{Logger: warnLogger()})
		if err != nil {
			return false, err
		}
		tx, err := d.Reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return false, err
		}
		defer tx.Rollback() //nolint:errcheck
		if res, err = m.ValidateTx(ctx, tx, nil); err != nil {
			return false, err
		}
	case db.Postgres:
		m, err := rivermigrate.New(riverpgxv5.New(nil), &rivermigrate.Config{Logger: warnLogger()})
		if err != nil {
			return false, err
		}
		err = readTx(ctx, d, func(tx pgx.Tx) error {
			res, err = m.ValidateTx(ctx, tx, nil)
			return err
		})
		if err != nil {
			return false, err
		}
	default:
		return false, fmt.Errorf("unsupported dialect %q", d.Dialect)
	}
	return !res.OK, nil
}

// warnLogger drops River's Info chatter (each applied migration, "unapplied
// migrations" on every /readyz probe) but keeps its warnings.
func warnLogger() *slog.Logger {
	return slog.New(levelHandler{slog.Default().Handler(), slog.LevelWarn})
}

type levelHandler struct {
	slog.Handler
	min slog.Level
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return levelHandler{h.Handler.WithAttrs(as), h.min}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{h.Handler.WithGroup(name), h.min}
}
