// Package dbtest runs store tests against every backend: SQLite always, and
// PostgreSQL when HEARKEN_TEST_POSTGRES_URL is set (then a connection failure fails
// the test rather than skipping it). Each test gets a fresh, migrated database,
// cloned from a template migrated once per schema version.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
)

// EnvPostgres names the variable holding the PostgreSQL server URL for tests.
const EnvPostgres = "HEARKEN_TEST_POSTGRES_URL"

// Run runs fn once per configured backend, as subtests named "sqlite" and
// "postgres", each with a fresh database migrated with modules.
func Run(t *testing.T, modules []db.Module, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, modules)) })
	if os.Getenv(EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, modules)) })
	}
}

// Backends lists the backends Run uses, for tests that need a count.
func Backends() []db.Dialect {
	if os.Getenv(EnvPostgres) != "" {
		return []db.Dialect{db.SQLite, db.Postgres}
	}
	return []db.Dialect{db.SQLite}
}

// Open returns a fresh migrated database of the given dialect.
func Open(t testing.TB, dialect db.Dialect, modules []db.Module) *db.DB {
	if dialect == db.Postgres {
		return Postgres(t, modules)
	}
	return SQLite(t, modules)
}

var (
	tmplMu    sync.Mutex
	sqliteTpl = map[string]string{}
)

// schemaKey identifies a set of migrations, so identical schemas share a template.
func schemaKey(modules []db.Module) string {
	h := sha256.New()
	for _, m := range modules {
		fmt.Fprintf(h, "module %s %s\n", m.Name, m.Version)
		if m.FS == nil {
			continue
		}
		var files []string
		_ = fs.WalkDir(m.FS, m.Dir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		sort.Strings(files)
		for _, f := range files {
			b, _ := fs.ReadFile(m.FS, f)
			fmt.Fprintf(h, "%s %d\n", f, len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SQLite returns a fresh migrated SQLite database in the test's temp folder.
func SQLite(t testing.TB, modules []db.Module) *db.DB {
	t.Helper()
	key := schemaKey(modules)
	tmplMu.Lock()
	tpl, ok := sqliteTpl[key]
	if !ok {
		dir, err := os.MkdirTemp("", "hearken-tpl-")
		if err != nil {
			tmplMu.Unlock()
			t.Fatal(err)
		}
		tpl = filepath.Join(dir, "template.db")
		d, err := db.Open(context.Background(), tpl)
		if err == nil {
			err = d.Migrate(context.Background(), nil, modules...)
			if err == nil {
				// Fold the WAL into the main file so a plain copy is complete.
				_, err = d.Writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
			}
			d.Close()
		}
		if err != nil {
			tmplMu.Unlock()
			t.Fatalf("migrate SQLite template: %v", err)
		}
		sqliteTpl[key] = tpl
	}
	tmplMu.Unlock()

	path := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(tpl, path); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// Postgres returns a fresh migrated PostgreSQL database, cloned from a template
// database that is migrated once per schema and reused across runs.
func Postgres(t testing.TB, modules []db.Module) *db.DB {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Fatalf("%s is not set", EnvPostgres)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatalf("PostgreSQL at %s unreachable: %v", base, err)
	}
	defer conn.Close()
	// One lock serialises template creation and cloning across test processes:
	// CREATE DATABASE … TEMPLATE fails while anyone else is connected to the template.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7340021)"); err != nil {
		t.Fatalf("PostgreSQL lock: %v", err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7340021)") //nolint:errcheck

	tpl := "hk_tpl_" + schemaKey(modules)
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+tpl); err != nil {
			t.Fatalf("create template: %v", err)
		}
		d, err := db.Open(ctx, withDatabase(t, base, tpl))
		if err == nil {
			err = d.Migrate(ctx, nil, modules...)
			d.Close()
		}
		if err != nil {
			conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+tpl+" WITH (FORCE)") //nolint:errcheck
			t.Fatalf("migrate PostgreSQL template: %v", err)
		}
	}
	name := "hk_test_" + randomHex(6)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tpl); err != nil {
		t.Fatalf("clone template: %v", err)
	}
	d, err := db.Open(ctx, withDatabase(t, base, name))
	if err != nil {
		t.Fatalf("open PostgreSQL test database: %v", err)
	}
	t.Cleanup(func() {
		d.Close()
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") //nolint:errcheck
			a.Close()
		}
	})
	return d
}

func withDatabase(t testing.TB, base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
