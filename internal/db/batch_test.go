package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestBatch checks that batched reads each get their own result in order,
// inside InReadConn and outside it; that on PostgreSQL InReadConn's batch
// goes to the server as one pipeline (one implicit transaction: its reads
// share a transaction start); and that a failing read is named, stops the
// batch and leaves the connection usable.
func TestBatch(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := testQueries(t, d)
		var ids []int64
		for _, name := range []string{"ein", "zwei", "ایران", "三"} {
			var id int64
			if err := q.QueryRowW(ctx, "InsertWidget", name, db.Now(), true).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		d.SetReadGate(1)
		type got struct {
			one, missing string
			found        bool
			all          []string
			times        []string
		}
		run := func(ctx context.Context) (got, error) {
			var g got
			one := func(dst *string, found *bool) func(db.Rows) error {
				return func(r db.Rows) error {
					if !r.Next() {
						return nil
					}
					if found != nil {
						*found = true
					}
					var (
						id      int64
						created any
						active  bool
					)
					return r.Scan(&id, dst, &created, &active)
				}
			}
			tx := func(r db.Rows) error {
				var s string
				if !r.Next() {
					return sql.ErrNoRows
				}
				err := r.Scan(&s)
				g.times = append(g.times, s)
				return err
			}
			err := q.Batch(ctx,
				db.BatchRead{Name: "TxTime", Read: tx},
				db.BatchRead{Name: "GetWidget", Args: []any{ids[2]}, Read: one(&g.one, nil)},
				db.BatchRead{Name: "GetWidget", Args: []any{ids[3] + 100}, Read: one(&g.missing, &g.found)},
				db.BatchRead{Name: "ListWidgets", Read: func(r db.Rows) error {
					for r.Next() {
						var id int64
						var name string
						if err := r.Scan(&id, &name); err != nil {
							return err
						}
						g.all = append(g.all, name)
					}
					return nil
				}},
				// Reading only the first of several rows leaves the rest
				// for the batch to discard.
				db.BatchRead{Name: "ListWidgets", Read: func(r db.Rows) error { r.Next(); return nil }},
				db.BatchRead{Name: "TxTime", Read: tx},
			)
			return g, err
		}
		check := func(g got) {
			t.Helper()
			if g.one != "ایران" || g.found || g.missing != "" || strings.Join(g.all, " ") != "ein zwei ایران 三" {
				t.Errorf("batch read %+v", g)
			}
		}
		var pinned got
		if err := d.InReadConn(ctx, func(ctx context.Context) (err error) {
			pinned, err = run(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		check(pinned)
		if len(pinned.times) != 2 || pinned.times[0] != pinned.times[1] {
			t.Errorf("reads of one pipeline began at %q", pinned.times)
		}
		alone, err := run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check(alone)
		// Inside a write transaction, the batch sees its writes.
		if err := d.InTx(ctx, func(ctx context.Context) error {
			if err := q.QueryRowW(ctx, "InsertWidget", "vier", db.Now(), true).Scan(new(int64)); err != nil {
				return err
			}
			g, err := run(ctx)
			if err == nil && len(g.all) != 5 {
				t.Errorf("batch in a transaction: %q", g.all)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// A failing read: named, the reads after it not run, and the one
		// pinned connection (gate and pool) still serves the next page.
		for range 2 {
			third := false
			err := d.InReadConn(ctx, func(ctx context.Context) error {
				return q.Batch(ctx,
					db.BatchRead{Name: "ListWidgets", Read: func(db.Rows) error { return nil }},
					db.BatchRead{Name: "Broken", Read: func(db.Rows) error { return nil }},
					db.BatchRead{Name: "ListWidgets", Read: func(db.Rows) error { third = true; return nil }},
				)
			})
			if err == nil || !strings.Contains(err.Error(), "Broken") || third {
				t.Errorf("failing read: err %v, third read run %v", err, third)
			}
			stop := errors.New("stop")
			err = d.InReadConn(ctx, func(ctx context.Context) error {
				return q.Batch(ctx, db.BatchRead{Name: "ListWidgets", Read: func(db.Rows) error { return stop }})
			})
			if !errors.Is(err, stop) {
				t.Errorf("a read's own error: %v", err)
			}
			if err := d.InReadConn(ctx, func(ctx context.Context) error { _, err := run(ctx); return err }); err != nil {
				t.Errorf("after a failed batch: %v", err)
			}
		}

		// A batch whose context ends mid-read (PostgreSQL: pgx closes the
		// connection) fails, and the pool, one place in the gate, gives the
		// next page a working connection.
		if d.Dialect == db.Postgres {
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			err := d.InReadConn(short, func(ctx context.Context) error {
				return q.Batch(ctx,
					db.BatchRead{Name: "Slow", Read: func(db.Rows) error { return nil }},
					db.BatchRead{Name: "ListWidgets", Read: func(db.Rows) error { return nil }})
			})
			cancel()
			if err == nil {
				t.Error("a batch past its deadline succeeded")
			}
			for range 3 {
				if err := d.InReadConn(ctx, func(ctx context.Context) error { _, err := run(ctx); return err }); err != nil {
					t.Errorf("after a cancelled batch: %v", err)
				}
			}
		}
	})
}
