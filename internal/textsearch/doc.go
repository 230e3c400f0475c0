// Package textsearch is the one search analyzer every capability uses
// (people, conversations, messages), so that SQLite FTS5 and PostgreSQL find
// and rank the same rows for the same query.
//
// The engines never see raw text. A store keeps IndexText(fields...) in a
// dedicated column and passes ParseQuery(q).FTS5() or .TSQuery() as the query
// parameter. All language work (NFKC, Turkish dotted/dotless i, Persian and
// Arabic letter variants, digits of every script, ZWNJ, Latin accents, CJK
// bigrams, e-mail addresses, phone numbers) happens here, once, in Go. Every
// token is lower case and made only of letters and ASCII digits, so both
// engines merely split the column on spaces and agree on every token
// (TestEngineAlphabet checks this for every letter Go knows).
//
// Exact accents rank first because IndexText stores the accented spelling
// beside the accent-free one ("çiçek" → "cicek çiçek") and a query for an
// accented word asks for either (cicek OR çiçek): documents with the exact
// spelling match one more token.
//
// SQLite (an external-content table over the row's search_text column, kept
// in sync by triggers, or a plain FTS5 table with rowid = the row's id):
//
//	CREATE VIRTUAL TABLE people_fts USING fts5(search_text, content='people', content_rowid='id',
//	    tokenize = 'unicode61 remove_diacritics 0');
//	... WHERE people_fts MATCH $1 ORDER BY bm25(people_fts), id   -- $1 = Query.FTS5(); bm25: lower is better
//
// PostgreSQL:
//
//	search_text text NOT NULL DEFAULT '',
//	search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED
//	CREATE INDEX people_search_tsv ON people USING gin (search_tsv);
//	... WHERE search_tsv @@ to_tsquery('simple', $1)              -- $1 = Query.TSQuery()
//	    ORDER BY ts_rank(search_tsv, to_tsquery('simple', $1)) DESC, id
//
// Check Query.Empty first: an empty query has no expression; list rows
// unfiltered instead.
package textsearch
