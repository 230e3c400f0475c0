package db

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func openCached(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Writer.Exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	return d
}

// cacheOf runs f on the writer's driver connection.
func cacheOf(t *testing.T, d *DB, f func(c *cachingConn)) {
	t.Helper()
	conn, err := d.Writer.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error { f(dc.(*cachingConn)); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestStmtCacheReuse(t *testing.T) {
	d := openCached(t)
	const q = "SELECT count(*) FROM t WHERE v > ?1"
	var first *cachedStmt
	for i := range 3 {
		var n int
		if err := d.Writer.QueryRow(q, i).Scan(&n); err != nil || n != 3-i {
			t.Fatalf("count > %d = %d, %v", i, n, err)
		}
		cacheOf(t, d, func(c *cachingConn) {
			cs := c.byQuery[q].Value.(*cachedStmt)
			if first == nil {
				first = cs
			} else if cs != first {
				t.Fatal("statement prepared again")
			}
			if cs.busy {
				t.Fatal("statement still busy after its rows closed")
			}
		})
	}
	// A failing statement reports its error and is not kept.
	if _, err := d.Writer.Exec("SELEC nonsense"); err == nil || !strings.Contains(err.Error(), "syntax") {
		t.Fatalf("bad SQL = %v", err)
	}
	cacheOf(t, d, func(c *cachingConn) {
		if _, ok := c.byQuery["SELEC nonsense"]; ok {
			t.Fatal("failed statement cached")
		}
	})
}

// The same query run again while its first rows are still open, on one
// connection (a transaction), must not disturb the first cursor.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	d := openCached(t)
	const q = "SELECT v FROM t ORDER BY v"
	var got []string
	err := d.InTx(context.Background(), func(ctx context.Context) error {
		tx := TxFrom(ctx)
		outer, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer outer.Close()
		for outer.Next() {
			var v int
			if err := outer.Scan(&v); err != nil {
				return err
			}
			inner, err := tx.QueryContext(ctx, q)
			if err != nil {
				return err
			}
			var vs []string
			for inner.Next() {
				var w int
				if err := inner.Scan(&w); err != nil {
					return err
				}
				vs = append(vs, fmt.Sprint(w))
			}
			inner.Close()
			got = append(got, fmt.Sprintf("%d:%s", v, strings.Join(vs, ",")))
			if _, err := tx.ExecContext(ctx, "UPDATE t SET v = v WHERE v = ?1", v); err != nil {
				return err
			}
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "1:1,2,3 2:1,2,3 3:1,2,3"; strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestStmtCacheEviction(t *testing.T) {
	d := openCached(t)
	// Rows of the first statement stay open while the cache overflows: it is
	// evicted busy and finalized only when they close.
	conn, err := d.Writer.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	rows, err := conn.QueryContext(ctx, "SELECT v FROM t ORDER BY v")
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	for i := range stmtCacheSize + 10 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + count(*) FROM t", i)).Scan(&n); err != nil || n != i+3 {
			t.Fatalf("query %d = %d, %v", i, n, err)
		}
	}
	var vs []int
	for ok := true; ok; ok = rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Close(); err != nil || fmt.Sprint(vs) != "[1 2 3]" {
		t.Fatalf("rows = %v, %v", vs, err)
	}
	conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		if c.lru.Len() != stmtCacheSize || len(c.byQuery) != stmtCacheSize {
			t.Errorf("cache holds %d/%d statements, want %d", c.lru.Len(), len(c.byQuery), stmtCacheSize)
		}
		return nil
	})
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("after eviction: %d, %v", n, err)
	}
}
