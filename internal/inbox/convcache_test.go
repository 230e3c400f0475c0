package inbox

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestConvCacheBoundsAndCopies(t *testing.T) {
	var cc convCache
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	cc.put(Conversation{ID: 7, Subject: "Receipt", Tags: []string{"tax"}}, 42, at)
	c, k, ok := cc.get(7, 42)
	if !ok || c.Subject != "Receipt" || !k.Equal(at) {
		t.Fatalf("get(7, 42) = %+v, %v, %v", c, k, ok)
	}
	c.Tags[0] = "changed"
	if again, _, _ := cc.get(7, 42); again.Tags[0] != "tax" {
		t.Fatalf("a caller's change reached the cache: %v", again.Tags)
	}
	for _, tc := range []struct {
		name        string
		id, version int64
	}{{"other version", 7, 43}, {"other id", 8, 42}, {"zero version", 7, 0}} {
		if _, _, ok := cc.get(tc.id, tc.version); ok {
			t.Errorf("%s: get(%d, %d) hit", tc.name, tc.id, tc.version)
		}
	}
	// Ids of one shard, twice what it holds: it stays bounded and keeps the
	// newest.
	for i := range 2 * convCacheShardSize {
		id := int64(i * convCacheShards)
		cc.put(Conversation{ID: id}, 1, at)
		if _, _, ok := cc.get(id, 1); !ok {
			t.Fatalf("conversation %d missing right after put", id)
		}
	}
	if n := len(cc.shards[0].entries); n > convCacheShardSize {
		t.Fatalf("shard holds %d entries, bound %d", n, convCacheShardSize)
	}
}

// Lists serve cached rows only while their version matches, whoever changed
// the row: another instance's service, a statement outside the service, or
// a deleted conversation whose id SQLite gives to the next one.
func TestConversationCacheFollowsChanges(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		other := e.otherInstance(t)
		ids := make([]int64, 3)
		for i := range ids {
			ids[i] = e.ingest(msg{From: fmt.Sprintf("p%d@example.net", i), Subject: fmt.Sprintf("Question %d", i), ID: fmt.Sprintf("q%d@example.net", i)}.String()).ConversationID
		}
		list := func() map[int64]Conversation {
			t.Helper()
			page, err := e.s.ListConversations(sys(), Filter{View: ViewAll}, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]Conversation{}
			for _, c := range page.Items {
				out[c.ID] = c
			}
			return out
		}
		if got := list(); len(got) != 3 {
			t.Fatalf("listed %d conversations, want 3", len(got))
		}
		cached := 0
		for _, id := range ids {
			sh := &e.s.convs.shards[uint64(id)%convCacheShards]
			if sh.entries[id] != nil {
				cached++
			}
		}
		if cached != 3 {
			t.Fatalf("%d of 3 listed conversations cached", cached)
		}
		// The second instance changes one; a statement outside any service
		// another.
		if _, err := other.SetTags(sys(), ids[0], []string{"receipts"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.d.Writer.ExecContext(sys(), e.d.Rebind("UPDATE inbox_conversations SET subject = $1 WHERE id = $2"), "Renamed", ids[1]); err != nil {
			t.Fatal(err)
		}
		got := list()
		if !slices.Equal(got[ids[0]].Tags, []string{"receipts"}) {
			t.Errorf("tags after another instance's change = %v", got[ids[0]].Tags)
		}
		if got[ids[1]].Subject != "Renamed" {
			t.Errorf("subject after an outside update = %q", got[ids[1]].Subject)
		}
		if got[ids[2]].Subject != "Question 2" {
			t.Errorf("unchanged conversation = %q", got[ids[2]].Subject)
		}
		// The newest goes; on SQLite the next conversation takes its id.
		if _, err := e.d.Writer.ExecContext(sys(), e.d.Rebind("DELETE FROM inbox_conversations WHERE id = $1"), ids[2]); err != nil {
			t.Fatal(err)
		}
		next := e.ingest(msg{From: "new@example.net", Subject: "A new question", ID: "new@example.net"}.String()).ConversationID
		got = list()
		if len(got) != 3 || got[next].Subject != "A new question" {
			t.Fatalf("after a delete and a new conversation %d: %+v", next, got)
		}
	})
}
