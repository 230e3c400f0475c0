package db_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestInReadTx checks that a read transaction sees one snapshot (a write
// committed meanwhile is invisible until it ends), that named queries run in
// it, and that writes from inside it go to the writer and commit on their own.
func TestInReadTx(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := testQueries(t, d)
		var first int64
		if err := q.QueryRowW(ctx, "InsertWidget", "one", db.Now(), true).Scan(&first); err != nil {
			t.Fatal(err)
		}
		countIn := func(ctx context.Context) int {
			var n int
			if err := d.R(ctx).QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var second int64
		err := d.InReadTx(ctx, func(ctx context.Context) error {
			if db.ReadTxFrom(ctx) == nil {
				t.Fatal("no read transaction in the context")
			}
			if n := countIn(ctx); n != 1 {
				t.Fatalf("count = %d", n)
			}
			// A write from inside goes to the writer, commits at once, and is
			// not in this snapshot.
			if err := q.QueryRowW(ctx, "InsertWidget", "two", db.Now(), true).Scan(&second); err != nil {
				return err
			}
			if n := countIn(ctx); n != 1 {
				t.Fatalf("snapshot sees a later write: count = %d", n)
			}
			var name string
			var id int64
			var active bool
			var created any
			if err := q.QueryRow(ctx, "GetWidget", first).Scan(&id, &name, &created, &active); err != nil || name != "one" {
				t.Fatalf("GetWidget = %q, %v", name, err)
			}
			return d.InReadTx(ctx, func(inner context.Context) error { // nested: joins
				if db.ReadTxFrom(inner) != db.ReadTxFrom(ctx) {
					t.Fatal("nested read transaction not joined")
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := countIn(ctx); n != 2 || second == 0 {
			t.Fatalf("after the read transaction count = %d", n)
		}
	})
}

// Read transactions queue for the gate in order of arrival, and a caller
// that gives up while queued leaves with its context's error.
func TestReadGateOrder(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		d.SetReadGate(1)
		ctx := context.Background()
		release, holding := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- d.InReadTx(ctx, func(context.Context) error {
				close(holding)
				<-release
				return nil
			})
		}()
		<-holding
		var mu sync.Mutex
		var order []int
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				err := d.InReadTx(ctx, func(context.Context) error {
					mu.Lock()
					order = append(order, i)
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			})
			time.Sleep(20 * time.Millisecond) // queued before the next comes
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if err := d.InReadTx(cctx, func(context.Context) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a queued caller that gave up got %v", err)
		}
		mu.Lock()
		if len(order) != 0 {
			t.Errorf("%v ran while the gate was full", order)
		}
		mu.Unlock()
		close(release)
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
			t.Errorf("served in order %v", order)
		}
	})
}

// TestInReadConn checks that a page's reads share one connection and one
// place in the gate: on PostgreSQL without a transaction (a write committed
// meanwhile is seen), a nested InReadTx on that same connection; on SQLite
// it is InReadTx.
func TestInReadConn(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := testQueries(t, d)
		var id int64
		if err := q.QueryRowW(ctx, "InsertWidget", "one", db.Now(), true).Scan(&id); err != nil {
			t.Fatal(err)
		}
		count := func(ctx context.Context) int {
			var n int
			if err := d.R(ctx).QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&n); err != nil {
				t.Error(err)
			}
			return n
		}
		// One place: a nested read that queued for the gate again would wait
		// for ever.
		d.SetReadGate(1)
		done := make(chan error, 1)
		go func() {
			done <- d.InReadConn(ctx, func(ctx context.Context) error {
				if n := count(ctx); n != 1 {
					t.Errorf("count = %d", n)
				}
				if err := q.QueryRowW(ctx, "InsertWidget", "two", db.Now(), true).Scan(&id); err != nil {
					return err
				}
				want := 2 // each read sees what is committed
				if d.Dialect == db.SQLite {
					want = 1 // one snapshot
					if db.ReadTxFrom(ctx) == nil {
						t.Error("SQLite: no read transaction")
					}
				}
				if n := count(ctx); n != want {
					t.Errorf("count after a commit = %d, want %d", n, want)
				}
				pid := func(ctx context.Context) int {
					var p int
					if err := d.R(ctx).QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&p); err != nil {
						t.Error(err)
					}
					return p
				}
				outer := 0
				if d.Dialect == db.Postgres {
					outer = pid(ctx)
				}
				return d.InReadTx(ctx, func(ctx context.Context) error {
					if db.ReadTxFrom(ctx) == nil {
						t.Error("nested InReadTx: no read transaction")
					}
					if d.Dialect == db.Postgres && pid(ctx) != outer {
						t.Error("nested InReadTx runs on another connection")
					}
					return nil
				})
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("InReadConn with a nested InReadTx did not finish: it queued for the gate twice")
		}
	})
}
