package inbox

import (
	"slices"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
)

// A search for a word finds the conversations with that very word first and
// pages through them; only when they fill no page does the word also match
// as a prefix (search as you type), so "volunt" still finds everyone.
func TestSearchWholeWordsFirst(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		var exact, longer []int64
		for i, body := range []string{"I want to volunteer on Saturday.", "Can I volunteer with my son?",
			"Volunteering at the food bank?", "Do you need a volunteer driver?"} {
			res := e.ingest(msg{From: "v" + itoa(int64(i)) + "@example.net", Subject: "Hello", ID: "v" + itoa(int64(i)) + "@example.net", Body: body}.String())
			if i == 2 {
				longer = append(longer, res.ConversationID)
			} else {
				exact = append(exact, res.ConversationID)
			}
		}
		pages := func(q string, limit int) []int64 {
			var out []int64
			cursor := ""
			for range 10 {
				page := must[Page[Conversation]](t)(e.s.ListConversations(sys(), Filter{View: ViewAll, Q: q}, cursor, limit))
				for _, c := range page.Items {
					out = append(out, c.ID)
				}
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			slices.Sort(out)
			return out
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(exact), longer...)))
		for _, c := range []struct {
			q     string
			limit int
			want  []int64
		}{
			{"volunteer", 2, exact},     // three exact matches: more than a page of whole words
			{"volunteer", 10, all},      // one page holds them: the prefix search answers
			{"volunt", 2, all},          // not a word: prefix
			{"volunteering", 2, longer}, // the longer word itself
			{"volunteer ", 2, exact},    // a finished word: whole words only, as before
		} {
			if got := pages(c.q, c.limit); !slices.Equal(got, c.want) {
				t.Errorf("%q by %d = %v, want %v", c.q, c.limit, got, c.want)
			}
		}
	})
}

// A typed prefix finds the same conversations whether it is matched as the
// few indexed words it stands for (SQLite) or as a prefix (too many words,
// or PostgreSQL).
func TestSearchPrefixWords(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		var vol, many []int64
		for i, body := range []string{"I can volunteer.", "Volunteering, please?", "Turn the volume down.", "Nothing to see."} {
			res := e.ingest(msg{From: "w" + itoa(int64(i)) + "@example.net", Subject: "Hello", ID: "w" + itoa(int64(i)) + "@example.net", Body: body}.String())
			if i < 3 {
				vol = append(vol, res.ConversationID)
			}
		}
		for i := range maxPrefixWords + 3 {
			res := e.ingest(msg{From: "z" + itoa(int64(i)) + "@example.net", Subject: "Code", ID: "z" + itoa(int64(i)) + "@example.net",
				Body: "Your code is zqx" + itoa(int64(i)) + "."}.String())
			many = append(many, res.ConversationID)
		}
		if e.d.Dialect == db.SQLite {
			ws, err := e.s.prefixWords(sys(), "vol")
			if err != nil || !slices.Equal(ws, []string{"volume", "volunteer", "volunteering"}) {
				t.Errorf("prefixWords(vol) = %q, %v", ws, err)
			}
			if ws, err := e.s.prefixWords(sys(), "zqx"); err != nil || ws != nil {
				t.Errorf("prefixWords(zqx) = %q, %v: more words than the limit", ws, err)
			}
			if ws, err := e.s.prefixWords(sys(), "volx"); err != nil || ws == nil || len(ws) != 0 {
				t.Errorf("prefixWords(volx) = %#v, %v", ws, err)
			}
		}
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"vol", vol},
			{"VOLU", vol},
			{"zqx", many},
			{"volx", nil},
			{"hello vol", vol},
		} {
			var got []int64
			cursor := ""
			for range 10 {
				page := must[Page[Conversation]](t)(e.s.ListConversations(sys(), Filter{View: ViewAll, Q: c.q}, cursor, 10))
				for _, conv := range page.Items {
					got = append(got, conv.ID)
				}
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%q = %v, want %v", c.q, got, c.want)
			}
		}
	})
}

// PostgreSQL's search walks the newest messages first and asks the index for
// older ones only when the newest do not hold enough matches: across that
// line it finds what a search without it finds.
func TestSearchAcrossRecentWindow(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var want []int64
		for i := range 6 {
			body := "Nothing here."
			if i%2 == 0 || i == 5 {
				body = "The harbour walk is on Sunday."
			}
			res := e.ingest(msg{From: "h" + itoa(int64(i)) + "@example.net", Subject: "Walk", ID: "h" + itoa(int64(i)) + "@example.net", Body: body}.String())
			if body != "Nothing here." {
				want = append(want, res.ConversationID)
			}
		}
		search := func(f Filter) []int64 {
			f.Q = "harbour "
			page := must[Page[Conversation]](t)(e.s.ListConversations(sys(), f, "", 50))
			var got []int64
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			slices.Sort(got)
			return got
		}
		defer func(w int64) { searchRecentWindow = w }(searchRecentWindow)
		// The plain search, and the workspace's lists (filters, orders)
		// that search with the same candidates.
		filters := []Filter{{View: ViewAll}, {View: ViewAll, Channel: ChannelEmail}, {View: ViewAll, Sort: SortNewest},
			{View: ViewUnassigned, Sort: SortOldest}}
		for _, w := range []int64{100_000, 2, 1} {
			searchRecentWindow = w
			for _, f := range filters {
				if got := search(f); !slices.Equal(got, want) {
					t.Errorf("window %d, %+v: %v, want %v", w, f, got, want)
				}
			}
		}
	})
}
