package db

// GroupQueued is how many InTxGrouped callers wait for a transaction.
func (d *DB) GroupQueued() int {
	d.group.mu.Lock()
	defer d.group.mu.Unlock()
	return len(d.group.queue)
}

// ParseNamed is parseNamed, for the loader's tests.
var ParseNamed = parseNamed

// SetReadGate replaces the InReadTx gate with one of n places.
func (d *DB) SetReadGate(n int) { d.readGate = make(chan struct{}, n) }
