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
	if d.readGate != nil {
		// A channel's blocked senders proceed in the order they came.
		select {
		case d.readGate <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-d.readGate }()
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := d.Reader.BeginTx(ctx, opts)
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
