package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/hearken-org/hearken/internal/db"
)

// Our transactions are database/sql transactions on pgx's stdlib driver, while
// River's pgx driver only takes a pgx.Tx. pgx cannot wrap a connection that is
// already in a transaction (Conn.Begin would send a second BEGIN), so connTx
// presents the *pgx.Conn under an open db.Tx as a pgx.Tx: every statement goes
// to that connection and so lands in the caller's transaction. Commit and
// Rollback belong to db.InTx, never to River; Begin makes a SAVEPOINT-based
// nested transaction, as pgx itself does, in case River asks for one (it does
// not for InsertTx/JobCancelTx today, but RIVER_USE_LEGACY_SUBTRANSACTIONS=1
// makes it).
//
// A connTx is only valid inside the db.Tx.Raw callback that produced it.
type connTx struct {
	conn      *pgx.Conn
	savepoint string // "" for the caller's transaction itself
	next      *int   // savepoint counter shared by the whole tree
	closed    bool
}

var _ pgx.Tx = (*connTx)(nil)

// errOuterTx is returned when River tries to end the caller's transaction.
var errOuterTx = errors.New("jobs: the transaction belongs to db.InTx; River may not commit or roll it back")

// withPgxTx runs f with tx (a transaction on pgx's stdlib driver) as a pgx.Tx.
func withPgxTx(tx *db.Tx, f func(pgx.Tx) error) error {
	return tx.Raw(func(dc any) error { return rawPgxTx(dc, f) })
}

func rawPgxTx(dc any, f func(pgx.Tx) error) error {
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("jobs: PostgreSQL connection is %T, not pgx's stdlib driver", dc)
	}
	n := 0
	return f(&connTx{conn: sc.Conn(), next: &n})
}

// readTx runs f in a read-only transaction on d's reader pool, as a pgx.Tx.
func readTx(ctx context.Context, d *db.DB, f func(pgx.Tx) error) error {
	conn, err := d.Reader.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	return conn.Raw(func(dc any) error { return rawPgxTx(dc, f) })
}

func (t *connTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	*t.next++
	name := "hearken_jobs_sp_" + strconv.Itoa(*t.next)
	if _, err := t.conn.Exec(ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	return &connTx{conn: t.conn, savepoint: name, next: t.next}, nil
}

func (t *connTx) Commit(ctx context.Context) error {
	if t.savepoint == "" {
		return errOuterTx
	}
	if t.closed {
		return pgx.ErrTxClosed
	}
	t.closed = true
	_, err := t.conn.Exec(ctx, "RELEASE SAVEPOINT "+t.savepoint)
	return err
}

func (t *connTx) Rollback(ctx context.Context) error {
	if t.savepoint == "" {
		return errOuterTx
	}
	if t.closed {
		return pgx.ErrTxClosed
	}
	t.closed = true
	_, err := t.conn.Exec(ctx, "ROLLBACK TO SAVEPOINT "+t.savepoint)
	return err
}

func (t *connTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, cols, src)
}

func (t *connTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

// LargeObjects is unsupported: pgx.LargeObjects can only be built by pgx's own
// transaction type, and River never uses it.
func (t *connTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t *connTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t *connTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}

func (t *connTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

func (t *connTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}

func (t *connTx) Conn() *pgx.Conn { return t.conn }
