package db

import (
	"context"
	"database/sql"
	"fmt"
)

type readTxKey struct{}

// InReadTx runs fn in a read-only transaction on the reader pool, so its
// reads see one consistent snapshot without taking SQLite's single writer
// (PostgreSQL: REPEATABLE READ, READ ONLY), and callers queue for it in
// order of arrival (readGate). Reads through R and Queries use it; writes
// still go to the writer, outside it. Inside a write transaction
// (or another read transaction) fn joins the one already open.
func (d *DB) InReadTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if TxFrom(ctx) != nil || ReadTxFrom(ctx) != nil {
		return fn(ctx)
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	var tx *sql.Tx
	if c := readConnFrom(ctx); c != nil {
		// Inside InReadConn: its connection, its turn.
		tx, err = c.BeginTx(ctx, opts)
	} else {
		release, gerr := d.enterReadGate(ctx)
		if gerr != nil {
			return gerr
		}
		defer release()
		tx, err = d.Reader.BeginTx(ctx, opts)
	}
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("end read transaction: %w", err)
		}
	}()
	return fn(context.WithValue(ctx, readTxKey{}, tx))
}

// ReadTxFrom returns the read transaction carried by ctx, if any.
func ReadTxFrom(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(readTxKey{}).(*sql.Tx)
	return tx
}

// enterReadGate waits for a place among the gated reads; a channel's blocked
// senders proceed in the order they came.
func (d *DB) enterReadGate(ctx context.Context) (release func(), err error) {
	if d.readGate == nil {
		return func() {}, nil
	}
	select {
	case d.readGate <- struct{}{}:
		return func() { <-d.readGate }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type readConnKey struct{}

// InReadConn runs fn's reads on one reader connection, queued in turn like
// InReadTx, for a page that reads a few things and needs no single
// snapshot of them. On SQLite it is InReadTx: a snapshot costs nothing
// there. On PostgreSQL there is no transaction, since BEGIN and COMMIT were
// two of a conversation view's five round trips: each read sees what was
// committed when it ran. InReadTx inside fn opens its transaction on the
// same connection.
func (d *DB) InReadConn(ctx context.Context, fn func(ctx context.Context) error) error {
	if d.Dialect != Postgres {
		return d.InReadTx(ctx, fn)
	}
	if TxFrom(ctx) != nil || ReadTxFrom(ctx) != nil || readConnFrom(ctx) != nil {
		return fn(ctx)
	}
	release, err := d.enterReadGate(ctx)
	if err != nil {
		return err
	}
	defer release()
	c, err := d.Reader.Conn(ctx)
	if err != nil {
		return fmt.Errorf("reader connection: %w", err)
	}
	defer c.Close()
	return fn(context.WithValue(ctx, readConnKey{}, c))
}

func readConnFrom(ctx context.Context) *sql.Conn {
	c, _ := ctx.Value(readConnKey{}).(*sql.Conn)
	return c
}
