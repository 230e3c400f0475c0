package inbox

import (
	"sync/atomic"
	"time"
)

// tableCopy is an instance's copy of a small table that requests read every
// time (staff names for messages' authors, mailbox addresses for SMTP
// RCPT). A caller that finds the copy too old, or missing a key it needs,
// reads the table again and keeps the result. There is no lock: a caller
// waiting on another's read while holding a pooled connection could starve
// the reader of one, and two callers reading at once cost one small extra
// read.
type tableCopy[K comparable, V any] struct {
	cur atomic.Pointer[tableSnapshot[K, V]]
}

type tableSnapshot[K comparable, V any] struct {
	rows   map[K]V
	loaded time.Time
}

// fresh returns the copy when it was read less than ttl before now, else nil.
func (c *tableCopy[K, V]) fresh(now time.Time, ttl time.Duration) map[K]V {
	snap := c.cur.Load()
	if snap == nil || now.Sub(snap.loaded) >= ttl || now.Before(snap.loaded) {
		return nil
	}
	return snap.rows
}

// load reads the table with read, keeps it as read at now (the time before
// the read), and returns it.
func (c *tableCopy[K, V]) load(now time.Time, read func() (map[K]V, error)) (map[K]V, error) {
	rows, err := read()
	if err != nil {
		return nil, err
	}
	c.cur.Store(&tableSnapshot[K, V]{rows: rows, loaded: now})
	return rows, nil
}

// forget drops the copy: the next caller reads the table.
func (c *tableCopy[K, V]) forget() { c.cur.Store(nil) }
