package textsearch

import "testing"

func TestMinPrefix(t *testing.T) {
	for _, c := range []struct{ q, fts5, ts string }{
		{"zz", `"zz"`, `'zz'`},
		{"meh", `"meh"*`, `'meh':*`},
		{"kaya 05", `"kaya" AND "05"`, `'kaya' & '05'`},
		{"kaya 053", `"kaya" AND "053"*`, `'kaya' & '053':*`},
		{"ış", `("is" OR "iş")`, `('is' | 'iş')`},
		{"ışı", `("isi"* OR "işi"*)`, `('isi':* | 'işi':*)`},
		{"山", `"山"*`, `'山':*`},
		{"o'b", `("ob" OR ("o" AND "b"))`, `('ob' | ('o' & 'b'))`},
		{"o'bri", `("obri"* OR ("o" AND "bri"*))`, `('obri':* | ('o' & 'bri':*))`},
		{"ab ", `"ab"`, `'ab'`},
	} {
		full := ParseQuery(c.q)
		before := full.FTS5()
		q := full.MinPrefix(3)
		if got := q.FTS5(); got != c.fts5 {
			t.Errorf("%q: FTS5 %s, want %s", c.q, got, c.fts5)
		}
		if got := q.TSQuery(); got != c.ts {
			t.Errorf("%q: TSQuery %s, want %s", c.q, got, c.ts)
		}
		if full.FTS5() != before {
			t.Errorf("%q: MinPrefix changed the original query: %s", c.q, full.FTS5())
		}
	}
}
