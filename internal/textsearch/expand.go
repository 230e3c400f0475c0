package textsearch

// Prefixes returns the prefix tokens of q (those of its last term), each
// once, for a caller that looks up which indexed words they stand for.
func (q Query) Prefixes() []string {
	if len(q.terms) == 0 {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range q.terms[len(q.terms)-1] {
		if tk := a[len(a)-1]; tk.prefix && !seen[tk.text] {
			seen[tk.text] = true
			out = append(out, tk.text)
		}
	}
	return out
}

// Expand returns q with each prefix token found in words replaced by the
// whole words it stands for, OR-ed: FTS5 merges the complete doclist of
// every word a prefix expands to before it can return a single row, but
// iterates whole words lazily, newest first. A prefix that words does not
// name stays a prefix; one that names no word becomes a whole word (which
// matches nothing the index holds, since no indexed word starts with it).
func (q Query) Expand(words map[string][]string) Query {
	if len(q.terms) == 0 || len(words) == 0 {
		return q
	}
	last := q.terms[len(q.terms)-1]
	t := make(term, len(last))
	for i, a := range last {
		t[i] = append(alt(nil), a...)
		tk := &t[i][len(a)-1]
		if ws, ok := words[tk.text]; ok && tk.prefix {
			tk.prefix = false
			tk.expand = ws
		}
	}
	terms := append([]term(nil), q.terms...)
	terms[len(terms)-1] = t
	return Query{terms: terms}
}
