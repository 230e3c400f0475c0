package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestPgxTxAdapter checks connTx writes in the caller's transaction, nests with
// savepoints, and refuses to end the caller's transaction.
func TestPgxTxAdapter(t *testing.T) {
	if len(dbtest.Backends()) < 2 {
		t.Skip("PostgreSQL only; set " + dbtest.EnvPostgres)
	}
	d := dbtest.Postgres(t, modules)
	ctx := context.Background()
	boom := errors.New("boom")
	err := d.InTx(ctx, func(ctx context.Context) error {
		return withPgxTx(db.TxFrom(ctx), func(tx pgx.Tx) error {
			if err := tx.Commit(ctx); !errors.Is(err, errOuterTx) {
				t.Errorf("outer commit = %v", err)
			}
			if err := tx.Rollback(ctx); !errors.Is(err, errOuterTx) {
				t.Errorf("outer rollback = %v", err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO widgets (name) VALUES ('outer')"); err != nil {
				return err
			}
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := sp.Exec(ctx, "INSERT INTO widgets (name) VALUES ('rolled back')"); err != nil {
				return err
			}
			// A failed statement inside a savepoint does not doom the outer
			// transaction once rolled back to it.
			if _, err := sp.Exec(ctx, "SELECT 1/0"); err == nil {
				t.Error("division by zero succeeded")
			}
			if err := sp.Rollback(ctx); err != nil {
				return err
			}
			if err := sp.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
				t.Errorf("second rollback = %v", err)
			}
			sp, err = tx.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := sp.Exec(ctx, "INSERT INTO widgets (name) VALUES ('released')"); err != nil {
				return err
			}
			return sp.Commit(ctx)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, "SELECT count(*) FROM widgets WHERE name IN ('outer', 'released')"); n != 2 || count(t, d, "SELECT count(*) FROM widgets") != 2 {
		t.Fatalf("widgets after commit: %d", n)
	}
	// The adapter's writes roll back with the caller's transaction.
	err = d.InTx(ctx, func(ctx context.Context) error {
		if err := withPgxTx(db.TxFrom(ctx), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO widgets (name) VALUES ('gone')")
			return err
		}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count(t, d, "SELECT count(*) FROM widgets") != 2 {
		t.Fatalf("rollback: %v", err)
	}
}

// TestLegacySubtransactions enqueues with River's savepoint fallback on, which
// makes River call Begin on the adapter.
func TestLegacySubtransactions(t *testing.T) {
	t.Setenv("RIVER_USE_LEGACY_SUBTRANSACTIONS", "1")
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := start(t, newJobs(t, d, "a", Options{}))
		err := d.InTx(ctx, func(ctx context.Context) error {
			_, err := h.Enqueue(ctx, recordArgs{Label: "legacy"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "job to run", func() bool { return runs(t, d, "legacy") == 1 })
	})
}
