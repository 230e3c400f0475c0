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
	db        *DB
	afterHook []func()
}

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
	sqlTx, err := d.Writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{Tx: sqlTx, db: d}
	defer func() {
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
	return d.Reader
}
