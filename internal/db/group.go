package db

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// maxGroup bounds how many callers share one transaction, so one slow group
// does not hold the rest back for long.
const maxGroup = 64

// groupCommit is SQLite's group commit: a queue of waiting callers and
// whether a goroutine is draining it.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupReq
	running bool
}

type groupReq struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	err  error
	pnc  any // a panic of fn, re-raised in the caller
	done chan struct{}
}

// InTxGrouped runs fn in a write transaction like InTx, and returns only once
// that transaction has committed; but on SQLite, callers that arrive while
// another transaction holds the single writer share the next transaction:
// each fn runs inside a savepoint of its own, so a failing fn is rolled back
// alone, and one commit (one WAL sync, one lock hand-over) serves them all.
// This is for many small independent writes arriving at once (inbound mail
// from several SMTP sessions). fn runs on another goroutine, with ctx's
// values and cancellation; AfterCommit hooks of a rolled-back fn are
// dropped. On PostgreSQL, or inside a transaction, it is InTx.
func (d *DB) InTxGrouped(ctx context.Context, fn func(ctx context.Context) error) error {
	if d.Dialect != SQLite || TxFrom(ctx) != nil {
		return d.InTx(ctx, fn)
	}
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	g := &d.group
	g.mu.Lock()
	g.queue = append(g.queue, r)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go d.drainGroups()
	}
	// Wait even if ctx ends: the caller must learn whether its write
	// committed, and it has not once the group's transaction has begun.
	<-r.done
	if r.pnc != nil {
		panic(r.pnc)
	}
	return r.err
}

// drainGroups runs queued callers in groups until the queue is empty.
func (d *DB) drainGroups() {
	g := &d.group
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		d.runGroup(batch)
	}
}

func (d *DB) runGroup(batch []*groupReq) {
	err := d.InTx(context.Background(), func(ctx context.Context) error {
		tx := TxFrom(ctx)
		tx.memo = map[any]any{}
		for _, r := range batch {
			if r.err = r.ctx.Err(); r.err != nil {
				continue
			}
			hooks, deferred, batched := len(tx.afterHook), len(tx.deferred), tx.batchLens()
			if _, err := tx.ExecContext(ctx, "SAVEPOINT hk_group"); err != nil {
				return err
			}
			r.pnc, r.err = call(context.WithValue(r.ctx, txKey{}, tx), r.fn)
			if r.err == nil && r.pnc == nil {
				if _, err := tx.ExecContext(ctx, "RELEASE hk_group"); err != nil {
					return err
				}
				continue
			}
			if r.err == nil {
				r.err = fmt.Errorf("panic: %v", r.pnc)
			}
			tx.afterHook, tx.deferred = tx.afterHook[:hooks], tx.deferred[:deferred]
			tx.truncateBatches(batched)
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO hk_group"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "RELEASE hk_group"); err != nil {
				return err
			}
		}
		// Outside every savepoint, together: full-text index rows written
		// here are flushed once by FTS5, not at each caller's savepoint.
		for _, f := range tx.deferred {
			if err := f(ctx); err != nil {
				return err
			}
		}
		for _, b := range tx.batches {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	for _, r := range batch {
		if err != nil && r.err == nil {
			// Nothing of the group committed.
			r.err = err
		}
		close(r.done)
	}
}

// call runs fn, turning a panic into a value for the caller to re-raise.
func call(ctx context.Context, fn func(ctx context.Context) error) (pnc any, err error) {
	defer func() {
		if p := recover(); p != nil {
			pnc = p
		}
	}()
	return nil, fn(ctx)
}

// GroupMemo returns fn's value once per group-commit transaction: the
// callers of one group (inbound messages, say) read the configuration they
// share (mailboxes, policies, business hours) once instead of once each.
// Those callers must not change what fn reads. Anywhere else, fn runs each
// time.
func GroupMemo[T any](ctx context.Context, key any, fn func() (T, error)) (T, error) {
	tx := TxFrom(ctx)
	if tx == nil || tx.memo == nil {
		return fn()
	}
	if v, ok := tx.memo[key]; ok {
		return v.(T), nil
	}
	v, err := fn()
	if err == nil {
		tx.memo[key] = v
	}
	return v, err
}

// GroupDefer runs f, in a group-commit transaction, after all the group's
// callers and before the commit (dropped with its caller's savepoint when
// that caller fails; a failing f fails the whole group); anywhere else at
// once. It is for writes nothing in the group reads back, such as full-text
// index rows: FTS5 writes its pending rows to a new segment at every
// savepoint, so rows written one savepoint each cost a segment and later
// merges each. f must use the ctx it is given.
func GroupDefer(ctx context.Context, f func(ctx context.Context) error) error {
	if tx := TxFrom(ctx); tx != nil && tx.memo != nil {
		tx.deferred = append(tx.deferred, f)
		return nil
	}
	return f(ctx)
}

// GroupBatch adds items to the batch that key names in a group-commit
// transaction; once all the group's callers have run, write gets the items
// of those that did not fail, in one call, before the commit. Anywhere else
// write runs at once with items. It is for rows nothing in the group reads
// back whose statement costs more than its rows, such as job inserts: a
// group of 64 new conversations schedules its timers in one statement
// instead of 64. Every call with the same key must pass the same write.
func GroupBatch[T any](ctx context.Context, key any, items []T, write func(ctx context.Context, items []T) error) error {
	tx := TxFrom(ctx)
	if tx == nil || tx.memo == nil {
		return write(ctx, items)
	}
	for _, b := range tx.batches {
		if gb, ok := b.(*groupBatch[T]); ok && gb.key == key {
			gb.items = append(gb.items, items...)
			return nil
		}
	}
	tx.batches = append(tx.batches, &groupBatch[T]{key: key, items: slices.Clone(items), write: write})
	return nil
}

type batcher interface {
	size() int
	truncate(n int)
	flush(ctx context.Context) error
}

type groupBatch[T any] struct {
	key   any
	items []T
	write func(ctx context.Context, items []T) error
}

func (b *groupBatch[T]) size() int      { return len(b.items) }
func (b *groupBatch[T]) truncate(n int) { clear(b.items[n:]); b.items = b.items[:n] }
func (b *groupBatch[T]) flush(ctx context.Context) error {
	if len(b.items) == 0 {
		return nil
	}
	return b.write(ctx, b.items)
}

// batchLens notes each batch's length before a caller runs.
func (t *Tx) batchLens() []int {
	n := make([]int, len(t.batches))
	for i, b := range t.batches {
		n[i] = b.size()
	}
	return n
}

// truncateBatches drops what a failed caller added: the items after the
// lengths noted before it ran, and all of any batch it started.
func (t *Tx) truncateBatches(lens []int) {
	for i, b := range t.batches {
		n := 0
		if i < len(lens) {
			n = lens[i]
		}
		b.truncate(n)
	}
}
