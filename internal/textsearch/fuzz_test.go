package textsearch

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery checks that no input panics, that both engines accept every
// expression, and that a text always finds itself: IndexText(s) matches
// ParseQuery(s) in the reference matcher, in FTS5 and (when configured) in
// PostgreSQL.
//
//	go test -fuzz=FuzzParseQuery -fuzztime=30s ./internal/textsearch/
func FuzzParseQuery(f *testing.F) {
	for _, g := range golden {
		f.Add(g.q)
	}
	for _, fields := range corpus {
		f.Add(strings.Join(fields, " "))
	}
	for _, s := range []string{
		``, ` `, `"`, `""`, `"a`, `a"b`, `*`, `a*`, `*a`, `^a`, `a:b`, `:`, `-`, `--a`, `+a`, `(`, `)`, `()`, `{a b}:c`,
		`AND`, `OR`, `NOT`, `NEAR`, `NEAR(a b, 3)`, `a AND`, `OR b`, `a NOT b`,
		`'`, `''`, `\`, `\'`, `a'`, `'a`, `!`, `&`, `|`, `<->`, `<2>`, `a:*`, `:*`, `a:A`, `a & | b`,
		`1e5`, `1e5x`, `1E5X 2e`, `0x1f`, `1.5e3`, `-1`, `12e3e4`, `a@b`, `@`, `a@`, `@b`, `a@b@c`, `a.@.b`,
		`+90 (532) 123-45-67`, `1 2 3 4 5 6 7 8 9 10 11 12`, `123456789012345678901234`,
		"\x00", "\xff\xfe", "a\u0301", "\u0301", "\u200c", "a\u200c", "\u200cb", "i\u0307", "\ufdfa", "ﷺ",
		"が", "ｶﾞ", "ー", "山", "山田太郎花子", "山 田", "\u3000", "ヤマダ・タロウ",
		"می\u200cخواهم", "علي", "ـــ", "۰۹۱۲", "١٢٣", "İı", "ß", "ﬃ", "ǅ", "Ω", "ς",
		strings.Repeat("a", 300), strings.Repeat("山", 300), strings.Repeat("é ", 700),
	} {
		f.Add(s)
	}

	lite := sqliteEngine(f)
	pg := postgresEngine(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		fts, tsq := q.FTS5(), q.TSQuery()
		if q.Empty() {
			if fts != "" || tsq != "" {
				t.Fatalf("empty query renders %q / %q", fts, tsq)
			}
			return
		}
		if !utf8.ValidString(fts) || !utf8.ValidString(tsq) {
			t.Fatalf("invalid UTF-8: %q / %q", fts, tsq)
		}
		text := IndexText(s)
		self := len(s) <= maxQueryBytes && len(text) < MaxIndexBytes-4*maxTokenRunes
		if self && !q.matches(strings.Fields(text)) {
			t.Fatalf("%q: %s does not match its own text %q", s, fts, text)
		}

		lite.reset(t, map[int64]string{1: text})
		hits, err := lite.find(t, q)
		if err != nil {
			t.Fatalf("sqlite rejects %s: %v", fts, err)
		}
		if self && len(hits) != 1 {
			t.Fatalf("sqlite: %s does not match its own text %q", fts, text)
		}

		if pg != nil {
			var ok bool
			err := pg.conn.QueryRowContext(ctx,
				`SELECT to_tsvector('simple', $1) @@ to_tsquery('simple', $2)`, text, tsq).Scan(&ok)
			if err != nil {
				t.Fatalf("postgres rejects %s: %v", tsq, err)
			}
			if self && !ok {
				t.Fatalf("postgres: %s does not match its own text %q", tsq, text)
			}
		}
	})
}
