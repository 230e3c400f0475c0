package inbox

import (
	"slices"
	"testing"
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
