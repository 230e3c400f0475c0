package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Rows is what a batched read's function reads its result from.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
}

// BatchRead is one read of a Batch: a named query, its arguments, and the
// function that reads its rows (it need not read them all).
type BatchRead struct {
	Name string
	Args []any
	Read func(Rows) error
}

// Batch runs reads in order and returns the first error. On PostgreSQL,
// inside InReadConn or a transaction, they go to the server together and
// their results come back together (a pipeline: one round trip instead of
// one each), read by pgx itself rather than through database/sql; elsewhere,
// and on SQLite, where a read costs no round trip, they run one after
// another.
//
// A conversation view was three reads, each a round trip whose system calls,
// with server and client on the same cores, took a third of the client's CPU.
func (q *Queries) Batch(ctx context.Context, reads ...BatchRead) error {
	if c := q.pinnedConn(ctx); c != nil {
		return c.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("db: batch on a %T connection", dc)
			}
			return q.pipeline(ctx, sc.Conn(), reads)
		})
	}
	for _, r := range reads {
		if err := q.readOne(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// pinnedConn is the PostgreSQL connection the context's reads run on, if
// they run on one: a write transaction's, or InReadConn's (a read
// transaction opened inside InReadConn is on that same connection).
func (q *Queries) pinnedConn(ctx context.Context) *sql.Conn {
	if q.db.Dialect != Postgres {
		return nil
	}
	if tx := TxFrom(ctx); tx != nil {
		return tx.conn
	}
	return readConnFrom(ctx)
}

func (q *Queries) readOne(ctx context.Context, r BatchRead) error {
	rows, err := q.Query(ctx, r.Name, r.Args...)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Name, err)
	}
	err = r.Read(rows)
	rows.Close()
	return readErr(r.Name, rows.Err(), err)
}

// readErr names the read that failed: an error of the rows first (a
// function that found no row may only have been cut short by it).
func readErr(name string, rowsErr, readErr error) error {
	if rowsErr != nil {
		return fmt.Errorf("%s: %w", name, rowsErr)
	}
	if readErr != nil {
		return fmt.Errorf("%s: %w", name, readErr)
	}
	return nil
}

func (q *Queries) pipeline(ctx context.Context, c *pgx.Conn, reads []BatchRead) (err error) {
	if len(reads) == 1 {
		// One read: pgx's own rows, without a pipeline's bookkeeping
		// (and without database/sql's conversion of every value).
		r := reads[0]
		rows, err := c.Query(ctx, q.SQL(r.Name), r.Args...)
		if err != nil {
			return fmt.Errorf("%s: %w", r.Name, err)
		}
		err = r.Read(rows)
		rows.Close()
		return readErr(r.Name, rows.Err(), err)
	}
	b := &pgx.Batch{}
	for _, r := range reads {
		b.Queue(q.SQL(r.Name), r.Args...)
	}
	br := c.SendBatch(ctx, b)
	defer func() {
		// Close reads what is left and reports an error the reads did not
		// reach; one that has broken the connection closes it, and
		// database/sql then drops it from the pool (ErrBadConn from the
		// closed connection's next use).
		if cerr := br.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("batch: %w", cerr)
		}
	}()
	for i, r := range reads {
		rows, err := br.Query()
		if err != nil && i == 0 {
			// pgx prepares the batch's new statements first: an error
			// there may be any read's.
			names := make([]string, len(reads))
			for j, r := range reads {
				names[j] = r.Name
			}
			return fmt.Errorf("batch of %s: %w", strings.Join(names, ", "), err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", r.Name, err)
		}
		err = r.Read(rows)
		rows.Close()
		if err := readErr(r.Name, rows.Err(), err); err != nil {
			return err
		}
	}
	return nil
}
