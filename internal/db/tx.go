package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type txKey struct{}

// Tx is a write transaction carried in a context.
type Tx struct {
	*sql.Tx
	conn      *sql.Conn
	db        *DB
	afterHook []func()
	// memo holds GroupMemo values; nil outside a group commit.
	memo map[any]any
	// deferred holds GroupDefer writes, run after the group's callers.
	deferred []func(ctx context.Context) error
	// batches holds GroupBatch items, written after the deferred writes.
	batches []batcher
}

// Raw gives f the driver connection the transaction runs on, so a library that
// speaks the driver's own API (River's pgx driver) can write inside this same
// transaction. f must not keep the connection after it returns.
func (t *Tx) Raw(f func(driverConn any) error) error { return t.conn.Raw(f) }

// Dialect is the dialect of the database the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// TxFrom returns the transaction carried by ctx, if any.
func TxFrom(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{}).(*Tx)
	return tx
}

// InTx runs fn in a write transaction, committing when it returns nil and rolling
// back otherwise (also on panic). Nested calls join the outer transaction, so a
// service can call another service and both writes commit together.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if TxFrom(ctx) != nil {
		return fn(ctx)
	}
	// A dedicated connection lets Raw reach the driver connection of this very
	// transaction.
	conn, err := d.Writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{Tx: sqlTx, conn: conn, db: d}
	defer func() {
		defer conn.Close()
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
			return
		}
		if err = sqlTx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
			return
		}
		for _, f := range tx.afterHook {
			f()
		}
	}()
	return fn(context.WithValue(ctx, txKey{}, tx))
}

// AfterCommit registers f to run once the transaction in ctx commits (for example
// to wake a worker); without a transaction f runs at once.
func AfterCommit(ctx context.Context, f func()) {
	if tx := TxFrom(ctx); tx != nil {
		tx.afterHook = append(tx.afterHook, f)
		return
	}
	f()
}

// W returns the querier for writes: the context's transaction or the writer pool.
func (d *DB) W(ctx context.Context) Querier {
	if tx := TxFrom(ctx); tx != nil {
		return tx.Tx
	}
	return d.Writer
}

// R returns the querier for reads: the context's transaction (to see its own
// writes) or the reader pool.
func (d *DB) R(ctx context.Context) Querier {
	if tx := TxFrom(ctx); tx != nil {
		return tx.Tx
	}
	if rtx := ReadTxFrom(ctx); rtx != nil {
		return rtx
	}
	if c := readConnFrom(ctx); c != nil {
		return c
	}
	return d.Reader
}
