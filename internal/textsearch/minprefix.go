package textsearch

import "unicode/utf8"

// MinPrefix returns q with every prefix shorter than n characters made a
// whole word: "kaya 05" then finds the word 05, not the hundred thousand
// phone numbers that start with it, and "zz" finds the word zz. A prefix of
// a single CJK character stays a prefix (it is a word of its own and
// expands only to the bigrams it starts). Search as you type widens to a
// prefix again from the nth character on.
func (q Query) MinPrefix(n int) Query {
	if len(q.terms) == 0 {
		return q
	}
	last := q.terms[len(q.terms)-1]
	short := false
	for _, a := range last {
		tk := a[len(a)-1]
		if tk.prefix && tooShort(tk.text, n) {
			short = true
		}
	}
	if !short {
		return q
	}
	// Copy what changes: q's slices may be shared with the caller's Query.
	t := make(term, len(last))
	for i, a := range last {
		t[i] = append(alt(nil), a...)
		if tk := &t[i][len(a)-1]; tk.prefix && tooShort(tk.text, n) {
			tk.prefix = false
		}
	}
	terms := append([]term(nil), q.terms...)
	terms[len(terms)-1] = t
	return Query{terms: terms}
}

func tooShort(tok string, n int) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return !isCJK(r) && utf8.RuneCountInString(tok) < n
}
