package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

func TestInTxGrouped(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := func(ctx context.Context, name string) error {
			_, err := d.W(ctx).ExecContext(ctx, d.Rebind("INSERT INTO widgets (name, created_at) VALUES ($1, $2)"), name, db.Now())
			return err
		}
		if err := insert(ctx, "taken"); err != nil {
			t.Fatal(err)
		}
		const n = 40
		var (
			mu     sync.Mutex
			txs    = map[*db.Tx]bool{}
			hooks  atomic.Int32
			errs   = make([]error, n)
			panics = make([]any, n)
		)
		boom := errors.New("boom")
		queuedCallers(d, n, func(i int) {
			defer func() { panics[i] = recover() }()
			errs[i] = d.InTxGrouped(ctx, func(ctx context.Context) error {
				mu.Lock()
				txs[db.TxFrom(ctx)] = true
				mu.Unlock()
				db.AfterCommit(ctx, func() { hooks.Add(1) })
				if err := insert(ctx, fmt.Sprintf("w%d", i)); err != nil {
					return err
				}
				switch {
				case i%7 == 3: // wrote, then failed: its row must go
					return boom
				case i%11 == 5:
					panic("kaput")
				case i == 20: // a unique violation inside the group
					return insert(ctx, "taken")
				}
				return nil
			})
		})

		want := 0
		for i := range n {
			switch {
			case i%7 == 3:
				if !errors.Is(errs[i], boom) {
					t.Errorf("caller %d: %v, want boom", i, errs[i])
				}
			case i%11 == 5:
				if panics[i] != "kaput" {
					t.Errorf("caller %d: panic %v, want re-raised", i, panics[i])
				}
			case i == 20:
				if errs[i] == nil {
					t.Errorf("caller 20: duplicate accepted")
				}
			default:
				if errs[i] != nil || panics[i] != nil {
					t.Errorf("caller %d: %v / %v", i, errs[i], panics[i])
				}
				want++
			}
		}
		var got int
		if err := d.Reader.QueryRowContext(ctx, "SELECT count(*) FROM widgets").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want+1 || int(hooks.Load()) != want {
			t.Fatalf("%d rows and %d after-commit hooks, want %d and %d", got, hooks.Load(), want+1, want)
		}
		var w20 int
		d.Reader.QueryRowContext(ctx, "SELECT count(*) FROM widgets WHERE name = 'w20'").Scan(&w20)
		if w20 != 0 {
			t.Fatal("the failed caller's first row committed")
		}
		if d.Dialect == db.SQLite && len(txs) >= n/2 {
			t.Fatalf("%d transactions for %d queued callers: no grouping", len(txs), n)
		}
		if d.Dialect == db.Postgres && len(txs) != n {
			t.Fatalf("PostgreSQL: %d transactions for %d callers, want one each", len(txs), n)
		}
	})
}

// A caller whose context has ended before its turn writes nothing.
func TestInTxGroupedCancelled(t *testing.T) {
	d := dbtest.SQLite(t, modules)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := d.InTxGrouped(ctx, func(context.Context) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("err %v, ran %v", err, ran)
	}
}

// GroupMemo computes once per group-commit transaction and every time
// anywhere else.
func TestGroupMemo(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		calls := 0
		read := func(ctx context.Context) {
			v, err := db.GroupMemo(ctx, "k", func() (int, error) { calls++; return 42, nil })
			if err != nil || v != 42 {
				t.Fatalf("GroupMemo = %d, %v", v, err)
			}
		}
		twice := func(ctx context.Context) error { read(ctx); read(ctx); return nil }
		if err := d.InTx(context.Background(), twice); err != nil {
			t.Fatal(err)
		}
		want := 2
		if d.Dialect == db.SQLite {
			if err := d.InTxGrouped(context.Background(), twice); err != nil {
				t.Fatal(err)
			}
			want = 3
		}
		read(context.Background())
		if calls != want+1 {
			t.Errorf("fn ran %d times, want %d", calls, want+1)
		}
	})
}

// GroupDefer's writes run after the group's callers, before the commit, and
// go with a caller that fails; outside a group they run at once.
func TestGroupDefer(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		var order []string
		write := func(label string) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				return db.GroupDefer(ctx, func(ctx context.Context) error {
					if db.TxFrom(ctx) == nil {
						t.Errorf("%s ran outside the transaction", label)
					}
					order = append(order, label)
					return nil
				})
			}
		}
		if err := d.InTx(context.Background(), func(ctx context.Context) error {
			if err := write("plain")(ctx); err != nil {
				return err
			}
			order = append(order, "after plain")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(order, []string{"plain", "after plain"}) {
			t.Errorf("outside a group: %v", order)
		}
		if d.Dialect != db.SQLite {
			return
		}
		order = nil
		boom := errors.New("boom")
		err := d.InTxGrouped(context.Background(), func(ctx context.Context) error {
			if err := write("kept")(ctx); err != nil {
				return err
			}
			order = append(order, "caller done")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(order, []string{"caller done", "kept"}) {
			t.Errorf("in a group: %v", order)
		}
		order = nil
		err = d.InTxGrouped(context.Background(), func(ctx context.Context) error {
			if err := write("dropped")(ctx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || len(order) != 0 {
			t.Errorf("failed caller: %v, ran %v", err, order)
		}
	})
}

// GroupBatch writes the items of a group's callers in one call after they
// have run, without those of a caller that failed, even the one that started
// the batch; outside a group it writes at once.
func TestGroupBatch(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		var writes [][]string
		write := func(ctx context.Context, names []string) error {
			mu.Lock()
			writes = append(writes, slices.Clone(names))
			mu.Unlock()
			for _, n := range names {
				if _, err := d.W(ctx).ExecContext(ctx, d.Rebind("INSERT INTO widgets (name, created_at) VALUES ($1, $2)"), n, db.Now()); err != nil {
					return err
				}
			}
			return nil
		}
		batch := func(ctx context.Context, names ...string) error { return db.GroupBatch(ctx, "widgets", names, write) }

		if err := d.InTx(ctx, func(ctx context.Context) error { return batch(ctx, "alone") }); err != nil {
			t.Fatal(err)
		}
		if len(writes) != 1 {
			t.Fatalf("outside a group: %d writes, want 1 at once", len(writes))
		}
		writes = nil

		const n = 12
		boom := errors.New("boom")
		errs := make([]error, n)
		queuedCallers(d, n, func(i int) {
			errs[i] = d.InTxGrouped(ctx, func(ctx context.Context) error {
				if err := batch(ctx, fmt.Sprintf("b%d.1", i), fmt.Sprintf("b%d.2", i)); err != nil {
					return err
				}
				if i%4 == 1 { // added its items, then failed
					return boom
				}
				return nil
			})
		})

		var want []string
		for i := range n {
			if i%4 == 1 {
				if !errors.Is(errs[i], boom) {
					t.Errorf("caller %d: %v, want boom", i, errs[i])
				}
				continue
			}
			if errs[i] != nil {
				t.Errorf("caller %d: %v", i, errs[i])
			}
			want = append(want, fmt.Sprintf("b%d.1", i), fmt.Sprintf("b%d.2", i))
		}
		var got []string
		for _, w := range writes {
			got = append(got, w...)
		}
		slices.Sort(got)
		slices.Sort(want)
		// On PostgreSQL each caller writes at once and a failed one's rows
		// roll back with its transaction.
		if d.Dialect == db.SQLite && !slices.Equal(got, want) {
			t.Errorf("written %v, want %v", got, want)
		}
		rows, err := d.Reader.QueryContext(ctx, "SELECT name FROM widgets WHERE name LIKE 'b%' ORDER BY name")
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ReadAll(rows, func(r db.Scanner) (s string, err error) { return s, r.Scan(&s) })
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stored, want) {
			t.Errorf("stored %v, want %v", stored, want)
		}
		// The first caller waits for the writer alone; the other eleven share
		// one transaction and one write.
		if d.Dialect == db.SQLite && len(writes) > 3 {
			t.Errorf("%d writes for %d grouped callers: not batched", len(writes), n)
		}
		if d.Dialect == db.Postgres && len(writes) != n {
			t.Errorf("PostgreSQL: %d writes, want one per caller", len(writes))
		}
	})
}

// queuedCallers runs call(0)…call(n-1) at once while the writer is held, so
// that on SQLite all but the first queue up and share transactions, and
// returns when all have returned.
func queuedCallers(d *db.DB, n int, call func(i int)) {
	release := make(chan struct{})
	held := make(chan struct{})
	go d.InTx(context.Background(), func(ctx context.Context) error { close(held); <-release; return nil })
	<-held
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { call(i) })
	}
	if d.Dialect == db.SQLite {
		// All but the first (which waits for the writer) are queued.
		deadline := time.Now().Add(10 * time.Second)
		for d.GroupQueued() < n-1 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	wg.Wait()
}
