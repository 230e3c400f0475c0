package textsearch

import (
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	for _, c := range []struct {
		q        string
		prefixes []string
		words    map[string][]string
		fts5, ts string
	}{
		{"vol", []string{"vol"}, map[string][]string{"vol": {"volume", "volunteer"}},
			`("volume" OR "volunteer")`, `('volume' | 'volunteer')`},
		{"thank vol", []string{"vol"}, map[string][]string{"vol": {"volunteer"}},
			`"thank" AND ("volunteer")`, `'thank' & 'volunteer'`},
		// Not looked up (too many words): stays a prefix.
		{"vol", []string{"vol"}, map[string][]string{}, `"vol"*`, `'vol':*`},
		// No indexed word starts with it: a whole word that matches nothing.
		{"zzq", []string{"zzq"}, map[string][]string{"zzq": {}}, `"zzq"`, `'zzq'`},
		// Both spellings of a Turkish word, each expanded on its own.
		{"çiç", []string{"cic", "çiç"}, map[string][]string{"cic": {"cicek"}, "çiç": {"çiçek", "çiçekçi"}},
			`(("cicek") OR ("çiçek" OR "çiçekçi"))`, `('cicek' | ('çiçek' | 'çiçekçi'))`},
		// A finished word has no prefix to expand.
		{"vol ", nil, map[string][]string{"vol": {"volume"}}, `"vol"`, `'vol'`},
	} {
		q := ParseQuery(c.q)
		if got := q.Prefixes(); !slices.Equal(got, c.prefixes) {
			t.Errorf("%q: prefixes %q, want %q", c.q, got, c.prefixes)
		}
		before := q.FTS5()
		e := q.Expand(c.words)
		if got := e.FTS5(); got != c.fts5 {
			t.Errorf("%q: FTS5 %s, want %s", c.q, got, c.fts5)
		}
		if got := e.TSQuery(); got != c.ts {
			t.Errorf("%q: TSQuery %s, want %s", c.q, got, c.ts)
		}
		if q.FTS5() != before {
			t.Errorf("%q: Expand changed the original query", c.q)
		}
	}
}
