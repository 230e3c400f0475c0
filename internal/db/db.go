// Package db opens Hearken's database (embedded SQLite or PostgreSQL), keeps the
// dialect differences in one place, applies each module's migrations and carries
// transactions in the context.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is Hearken's handle on its database. For SQLite, writes go through a single
// writer connection (SQLite allows one writer; queueing in Go is cheaper than
// SQLITE_BUSY retries) and reads through a pool of read-only connections. For
// PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	// Writer is the connection pool for writes and transactions.
	Writer *sql.DB
	// Reader is the connection pool for reads outside a transaction.
	Reader *sql.DB
	// Source is the file path (SQLite) or URL (PostgreSQL) the DB was opened from,
	// with any password removed.
	Source string
	// dsn is the driver data source, kept for components that need a handle of
	// their own (River's SQLite driver).
	dsn string
	// group queues InTxGrouped callers for SQLite's group commit.
	group groupCommit
	// readGate admits InReadTx callers first come, first served, fewer at a
	// time than the pool has connections (nil: no gate). database/sql hands
	// a freed connection to a random waiter, so under a burst of requests
	// some wait many turns: at 100 concurrent inbox reads the slowest
	// percent waited five times the average.
	readGate chan struct{}
}

// IsPostgresURL reports whether s names a PostgreSQL server rather than a SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens the database named by source: a postgres:// URL or a SQLite file path.
// It checks the database is reachable (and, for SQLite, writable) so that start-up
// fails with a clear message instead of on the first request.
func Open(ctx context.Context, source string) (*DB, error) {
	if source == "" {
		return nil, errors.New("no database given: pass --db with a SQLite file path or a postgres:// URL")
	}
	if IsPostgresURL(source) {
		return openPostgres(ctx, source)
	}
	return openSQLite(ctx, source)
}

func openPostgres(ctx context.Context, source string) (*DB, error) {
	pool, err := sql.Open("pgx", source)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	n := max(8, 4*runtime.NumCPU())
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("PostgreSQL at %s is unreachable: %w", redact(source), err)
	}
	// Half the pool for gated reads, the rest for writes and other reads.
	return &DB{Dialect: Postgres, Writer: pool, Reader: pool, Source: redact(source), dsn: source,
		readGate: make(chan struct{}, n/2)}, nil
}

// sqlitePragmas are applied on every connection: WAL so readers never block the
// writer, foreign keys on, and a busy timeout for the rare cross-process writer.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"

// SQLiteDSN is the driver source for a SQLite file with Hearken's settings.
// Transactions start IMMEDIATE so a read-then-write transaction never fails
// half-way with SQLITE_BUSY.
//
// Read-only connections map the first 2 GB of the file (SQLite's largest
// mmap): pages are read from the shared OS page cache instead of copied by a
// pread each, which made a conversation view at a million conversations 40 %
// cheaper.
func SQLiteDSN(path string, readOnly bool) string {
	dsn := "file:" + path + "?" + sqlitePragmas + "&_time_format=sqlite"
	if readOnly {
		return dsn + "&_pragma=query_only(1)&_pragma=mmap_size(2147418112)"
	}
	return dsn + "&_txlock=immediate"
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("SQLite database %s: folder %s does not exist", path, dir)
		}
	}
	w, err := sql.Open(SQLiteDriver, SQLiteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// A write proves the file (and its folder, for the WAL) is writable now, not at
	// the first sign-in.
	if _, err := w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS hearken_probe (id INTEGER); DROP TABLE hearken_probe"); err != nil {
		w.Close()
		return nil, fmt.Errorf("SQLite database %s is not writable: %w", path, err)
	}
	// Twice the gated read transactions: reads outside them find a
	// connection too.
	n := max(4, 2*runtime.NumCPU())
	// Beyond the mapped 2 GB every page is read into a connection's own
	// cache; a gigabyte shared out among the readers (at least the writer's
	// 32 MB each) kept a random conversation view at a million
	// conversations 8 % cheaper than 32 MB each. A cache fills only as
	// pages are read: a small database never uses it.
	cacheKiB := max(32000, (1<<20)/(2*n))
	r, err := sql.Open(SQLiteDriver, SQLiteDSN(path, true)+fmt.Sprintf("&_pragma=cache_size(-%d)", cacheKiB))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	r.SetMaxOpenConns(2 * n)
	r.SetMaxIdleConns(2 * n)
	r.SetConnMaxIdleTime(0)
	return &DB{Dialect: SQLite, Writer: w, Reader: r, Source: path, dsn: SQLiteDSN(path, false),
		readGate: make(chan struct{}, n)}, nil
}

// DSN returns the driver data source, for components that open a handle of their
// own on the same database.
func (d *DB) DSN() string { return d.dsn }

// Close closes both pools.
func (d *DB) Close() error {
	err := d.Writer.Close()
	if d.Reader != d.Writer {
		err = errors.Join(err, d.Reader.Close())
	}
	return err
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.Reader.PingContext(ctx) }

// Now is the current time as stored: UTC, microsecond precision (PostgreSQL's).
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func redact(source string) string {
	u, err := url.Parse(source)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
