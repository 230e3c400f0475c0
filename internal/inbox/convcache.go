package inbox

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/hearken-org/hearken/internal/db"
)

// convCache keeps conversations as last read, by id, each with the row
// version it was read at. A list walks its index for ids and versions only
// and takes each row from here while its version still matches: decoding
// whole rows (24 columns, ten of them timestamps parsed from text on
// SQLite) was nine tenths of a list's CPU. Every change to a row gives it a
// new version (the trigger of migration 00008), so a stale entry is never
// served, whichever instance made the change.
type convCache struct {
	shards [convCacheShards]convShard
}

const (
	convCacheShards = 64
	// convCacheShardSize bounds each shard: 65,536 conversations in all,
	// about 40 MB, a busy team's open work many times over.
	convCacheShardSize = 1024
)

type convShard struct {
	mu      sync.RWMutex
	entries map[int64]*convEntry
}

// convEntry is never changed once stored; a newer read replaces it.
type convEntry struct {
	version int64
	sortAt  time.Time
	c       Conversation
}

// get returns the conversation id at version, if kept. The caller owns the
// copy (its tags are its own; time pointers are shared, and nothing writes
// through them).
func (cc *convCache) get(id, version int64) (Conversation, time.Time, bool) {
	sh := &cc.shards[uint64(id)%convCacheShards]
	sh.mu.RLock()
	e := sh.entries[id]
	sh.mu.RUnlock()
	if e == nil || e.version != version {
		return Conversation{}, time.Time{}, false
	}
	c := e.c
	c.Tags = slices.Clone(e.c.Tags)
	return c, e.sortAt, true
}

// put keeps c as read at version; when the shard is full an arbitrary
// entry makes room (map order: close enough to random, and no bookkeeping
// on the hot path of get).
func (cc *convCache) put(c Conversation, version int64, sortAt time.Time) {
	e := &convEntry{version: version, sortAt: sortAt, c: c}
	e.c.Tags = slices.Clone(c.Tags)
	sh := &cc.shards[uint64(c.ID)%convCacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.entries == nil {
		sh.entries = make(map[int64]*convEntry)
	}
	if _, ok := sh.entries[c.ID]; !ok && len(sh.entries) >= convCacheShardSize {
		for k := range sh.entries {
			delete(sh.entries, k)
			break
		}
	}
	sh.entries[c.ID] = e
}

// convRef is a list row as its query returns it: which conversation, at
// which version.
type convRef struct{ id, version int64 }

func scanConvRef(r db.Scanner) (convRef, error) {
	var ref convRef
	return ref, r.Scan(&ref.id, &ref.version)
}

// conversationsAt returns the conversations refs name, in their order, with
// their sort keys: from the cache where the version matches, the rest read
// in one query and kept. A conversation gone since its ref was read (outside
// a read transaction) is left out.
func (s *Service) conversationsAt(ctx context.Context, refs []convRef) ([]Conversation, []time.Time, error) {
	out := make([]Conversation, len(refs))
	keys := make([]time.Time, len(refs))
	found := make([]bool, len(refs))
	var missing []int64
	for i, ref := range refs {
		if c, k, ok := s.convs.get(ref.id, ref.version); ok {
			out[i], keys[i], found[i] = c, k, true
		} else {
			missing = append(missing, ref.id)
		}
	}
	if len(missing) > 0 {
		ids, err := json.Marshal(missing)
		if err != nil {
			return nil, nil, err
		}
		type row struct {
			c       Conversation
			sortAt  time.Time
			version int64
		}
		var rows []row
		err = s.q.Batch(ctx, db.BatchRead{Name: "ConversationsByID", Args: []any{string(ids)}, Read: func(r db.Rows) (err error) {
			rows, err = db.ReadAll(r, func(r db.Scanner) (row, error) {
				var x row
				var err error
				x.c, err = scanConversation(r, &x.sortAt, &x.version)
				return x, err
			})
			return err
		}})
		if err != nil {
			return nil, nil, err
		}
		at := make(map[int64]int, len(refs))
		for i, ref := range refs {
			at[ref.id] = i
		}
		for _, x := range rows {
			x.sortAt = x.sortAt.UTC()
			s.convs.put(x.c, x.version, x.sortAt)
			i := at[x.c.ID]
			out[i], keys[i], found[i] = x.c, x.sortAt, true
		}
	}
	n := 0
	for i := range out {
		if found[i] {
			out[n], keys[n] = out[i], keys[i]
			n++
		}
	}
	return out[:n], keys[:n], nil
}
