package db_test

import (
	"context"
	"embed"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

//go:embed testdata
var testFS embed.FS

var modules = []db.Module{{Name: "widgets", FS: testFS, Dir: "testdata/migrations"}}

// testQueries loads the test queries for d's dialect.
func testQueries(t *testing.T, d *db.DB) *db.Queries {
	t.Helper()
	q, err := db.LoadQueries(d, testFS, "testdata/queries")
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestStoreBasics(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := testQueries(t, d)
		now := db.Now()
		var id int64
		if err := q.QueryRowW(ctx, "InsertWidget", "ünïcödé 名前", now, true).Scan(&id); err != nil {
			t.Fatal(err)
		}
		var (
			name    string
			created time.Time
			active  bool
		)
		if err := q.QueryRow(ctx, "GetWidget", id).Scan(&id, &name, &created, &active); err != nil {
			t.Fatal(err)
		}
		if name != "ünïcödé 名前" || !created.Equal(now) || !active {
			t.Fatalf("round trip: %q %v %v (want %v)", name, created, active, now)
		}
		// Parameters used out of order bind by number on both dialects.
		if err := q.QueryRow(ctx, "SwappedParams", "ünïcödé 名前", true).Scan(&name); err != nil {
			t.Fatalf("swapped params: %v", err)
		}
		var dialect string
		if err := q.QueryRow(ctx, "DialectName").Scan(&dialect); err != nil {
			t.Fatal(err)
		}
		want := map[db.Dialect]string{db.SQLite: "sqlite", db.Postgres: "common"}[d.Dialect]
		if dialect != want {
			t.Fatalf("dialect query = %q, want %q", dialect, want)
		}

		// A failed transaction leaves nothing behind; AfterCommit hooks do not run.
		ran := false
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran = true })
			if _, err := q.Exec(ctx, "InsertWidget", "rolled back", now, false); err != nil {
				return err
			}
			// Nested InTx joins the outer transaction.
			return d.InTx(ctx, func(ctx context.Context) error { return boom })
		})
		if !errors.Is(err, boom) || ran {
			t.Fatalf("InTx = %v, hook ran %v", err, ran)
		}
		var n int
		if err := d.Reader.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n); err != nil || n != 1 {
			t.Fatalf("count after rollback = %d, %v", n, err)
		}
		if err := d.InTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran = true })
			_, err := q.Exec(ctx, "InsertWidget", "committed", now, false)
			return err
		}); err != nil || !ran {
			t.Fatalf("commit: %v, hook ran %v", err, ran)
		}
		pending, err := d.Pending(ctx, modules...)
		if err != nil || len(pending) != 0 {
			t.Fatalf("pending = %v, %v", pending, err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := db.Open(ctx, filepath.Join(t.TempDir(), "missing", "x.db")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing folder: %v", err)
	}
	if os.Geteuid() != 0 { // root ignores file modes
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Open(ctx, filepath.Join(dir, "x.db")); err == nil {
			t.Fatal("read-only folder: no error")
		}
	}
	_, err := db.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("unreachable PostgreSQL: %v", err)
	}
}

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.SQLite}
	if got := d.Rebind("SELECT $1, $12, '$x'"); got != "SELECT ?1, ?12, '$x'" {
		t.Fatal(got)
	}
	p := &db.DB{Dialect: db.Postgres}
	if got := p.Rebind("SELECT $1"); got != "SELECT $1" {
		t.Fatal(got)
	}
}

// Each named query is one statement with nothing after it: the comments that
// introduce the next query and a final semicolon would make SQLite see a
// second statement and the driver parse the text on every run.
func TestParseNamed(t *testing.T) {
	src := `-- name: One
-- What One is for.
SELECT 1
FROM t;

-- The next query's comment.
-- name: Two
UPDATE t SET a = 1 -- inline comment stays
WHERE b = 2;
-- trailing
   -- indented trailing

-- name: Three
SELECT ';'`
	got, err := db.ParseNamed(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"One":   "-- What One is for.\nSELECT 1\nFROM t",
		"Two":   "UPDATE t SET a = 1 -- inline comment stays\nWHERE b = 2",
		"Three": "SELECT ';'",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %q, want %q", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d queries, want %d", len(got), len(want))
	}
}
