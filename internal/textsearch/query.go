package textsearch

import (
	"strings"
	"unicode/utf8"
)

const (
	maxQueryBytes = 1 << 10 // a search box query longer than this is a paste, not a search
	maxQueryTerms = 16      // every term is an AND: more only costs time
	maxBigrams    = 16      // per CJK term
)

// Query is a parsed search box query: every term must match (AND). A term
// matches if any of its alternatives does (OR): the accent-free and the
// accented spelling, or a phone number glued or as typed groups. An
// alternative is one or more tokens that must all match. The zero Query is
// empty.
type Query struct {
	terms []term
}

type (
	term  []alt
	alt   []token
	token struct {
		text   string
		prefix bool
		// expand: the whole words a prefix stands for (Expand), matched
		// instead of text.
		expand []string
	}
)

// ParseQuery analyzes what a user typed exactly like IndexText analyzes the
// indexed text. Nothing in q is syntax: quotes, *, -, :, AND, NEAR are plain
// text. The last term is a prefix (search as you type) unless q ends with a
// space or punctuation, which means the last word is finished. A CJK run of
// two or more characters becomes its bigrams, all required; a single CJK
// character is a prefix of the indexed bigrams.
func ParseQuery(q string) Query {
	if len(q) > maxQueryBytes {
		i := maxQueryBytes
		for i > 0 && !utf8.RuneStart(q[i]) {
			i--
		}
		q = q[:i]
	}
	ns := normalize(q, true)
	var terms []term
	whole := false // the last term is CJK bigrams, complete by nature: never a prefix
	words := func(s string) {
		scanPieces(s, func(p *piece) {
			whole = p.cjk
			if p.cjk {
				terms = append(terms, cjkTerm(string(p.buf)))
				return
			}
			t := variants(string(p.buf))
			if len(p.cuts) > 1 { // O'Brien, a Persian word with ZWNJ: the joined word, or all of its parts
				var parts alt
				start := 0
				for _, end := range p.cuts {
					parts = append(parts, pieces(clip(foldLatin(string(p.buf[start:end]))))...)
					start = end
				}
				t = append(t, parts)
			}
			terms = append(terms, t)
		})
	}
	pos := 0
	for _, sp := range findSpans(ns) {
		words(ns[pos:sp.start])
		whole = false
		if sp.phone {
			terms = append(terms, phoneTerm(ns[sp.start:sp.end]))
		} else {
			terms = append(terms, variants(wordRunes(ns[sp.start:sp.end])))
		}
		pos = sp.end
	}
	words(ns[pos:])

	if n := len(terms); n > 0 && !whole && endsInWord(ns) {
		for _, a := range terms[n-1] {
			a[len(a)-1].prefix = true
		}
	}
	var out Query
	seen := map[string]bool{}
	for _, t := range terms {
		if len(out.terms) == maxQueryTerms {
			break
		}
		var b strings.Builder
		writeFTS5Term(&b, t)
		if k := b.String(); !seen[k] {
			seen[k] = true
			out.terms = append(out.terms, t)
		}
	}
	return out
}

// Empty reports a query with nothing to search for (blank or punctuation
// only). Do not run FTS5() or TSQuery() of an empty query: FTS5 rejects an
// empty MATCH; list rows unfiltered instead.
func (q Query) Empty() bool { return len(q.terms) == 0 }

// FTS5 returns the query as an FTS5 MATCH expression, for example
// ("cicek" OR "çiçek") AND "yil"*. Every token is a double-quoted string of
// letters and digits, so user input can never become FTS5 syntax.
func (q Query) FTS5() string {
	var b strings.Builder
	for i, t := range q.terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		writeFTS5Term(&b, t)
	}
	return b.String()
}

// TSQuery returns the query for PostgreSQL's to_tsquery('simple', $1), for
// example ('cicek' | 'çiçek') & 'yil':*. Every token is single-quoted, so
// user input can never become tsquery syntax.
func (q Query) TSQuery() string {
	var b strings.Builder
	for i, t := range q.terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		writeTerm(&b, t, " | ", " & ", func(tk token) {
			words := tk.expand
			if len(words) == 0 {
				words = []string{tk.text}
			}
			if len(words) > 1 {
				b.WriteByte('(')
			}
			for i, w := range words {
				if i > 0 {
					b.WriteString(" | ")
				}
				b.WriteByte('\'')
				b.WriteString(tsEscaper.Replace(w))
				b.WriteByte('\'')
			}
			if len(words) > 1 {
				b.WriteByte(')')
			}
			if tk.prefix {
				b.WriteString(":*")
			}
		})
	}
	return b.String()
}

// tsEscaper escapes a quoted tsquery operand. Tokens are letters and digits
// only, so this is defence in depth.
var tsEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`)

func writeFTS5Term(b *strings.Builder, t term) {
	writeTerm(b, t, " OR ", " AND ", func(tk token) {
		if len(tk.expand) > 0 {
			b.WriteByte('(')
			for i, w := range tk.expand {
				if i > 0 {
					b.WriteString(" OR ")
				}
				writeFTS5Token(b, token{text: w})
			}
			b.WriteByte(')')
			return
		}
		writeFTS5Token(b, tk)
	})
}

func writeFTS5Token(b *strings.Builder, tk token) {
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(tk.text, `"`, `""`))
	b.WriteByte('"')
	if tk.prefix {
		b.WriteByte('*')
	}
}

// writeTerm writes (a1 OR a2) where each alternative is (t1 AND t2),
// dropping parentheses around single items.
func writeTerm(b *strings.Builder, t term, or, and string, tok func(token)) {
	if len(t) > 1 {
		b.WriteByte('(')
	}
	for i, a := range t {
		if i > 0 {
			b.WriteString(or)
		}
		if len(a) > 1 {
			b.WriteByte('(')
		}
		for j, tk := range a {
			if j > 0 {
				b.WriteString(and)
			}
			tok(tk)
		}
		if len(a) > 1 {
			b.WriteByte(')')
		}
	}
	if len(t) > 1 {
		b.WriteByte(')')
	}
}

// variants is the term of one word: its accent-free form, or its accented
// form, which the engines rank higher because it matches an extra token.
func variants(w string) term {
	a := clip(w)
	f := clip(foldLatin(w))
	t := term{pieces(f)}
	if a != f {
		t = append(t, pieces(a))
	}
	return t
}

func pieces(s string) alt {
	if head, rest := pgSplit(s); rest != "" {
		return alt{{text: head}, {text: rest}}
	}
	return alt{{text: s}}
}

func cjkTerm(run string) term {
	if utf8.RuneCountInString(run) == 1 {
		return term{{{text: run, prefix: true}}}
	}
	var a alt
	for i := 0; i < len(run) && len(a) < maxBigrams; {
		_, n := utf8.DecodeRuneInString(run[i:])
		if i+n >= len(run) {
			break
		}
		_, m := utf8.DecodeRuneInString(run[i+n:])
		a = append(a, token{text: run[i : i+n+m]})
		i += n
	}
	return term{a}
}

// phoneTerm matches the number glued ("+90 532 123 45 67" finds
// "905321234567") or its groups as typed, in any order.
func phoneTerm(s string) term {
	var groups alt
	for _, g := range strings.FieldsFunc(s, func(r rune) bool { return !isASCIIDigit(r) }) {
		groups = append(groups, token{text: g})
	}
	return term{{{text: clip(digitsOf(s))}}, groups}
}

// endsInWord reports whether the query stops in the middle of a word.
func endsInWord(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if !isMark(r) {
			return isWord(r)
		}
		s = s[:len(s)-n]
	}
	return false
}
