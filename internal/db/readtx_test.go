package db_test

import (
	"context"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestInReadTx checks that a read transaction sees one snapshot (a write
// committed meanwhile is invisible until it ends), that named queries run in
// it, and that writes from inside it go to the writer and commit on their own.
func TestInReadTx(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, err := db.LoadQueries(d, testFS, "testdata/queries")
		if err != nil {
			t.Fatal(err)
		}
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
		err = d.InReadTx(ctx, func(ctx context.Context) error {
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
