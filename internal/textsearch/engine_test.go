package textsearch

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// The engine tests run what a store runs: an FTS5 table created with
// FTS5Tokenize, and a PostgreSQL table with a generated tsvector column.
// PostgreSQL runs when HEARKEN_TEST_POSTGRES_URL is set; then a connection
// failure fails the test. Tables are TEMP tables on one pinned connection,
// so parallel runs never see each other.

type hit struct {
	id    int64
	score float64 // higher is better
}

type engine struct {
	name   string
	conn   *sql.Conn
	create string
	insert string
	search string
}

func sqliteEngine(t testing.TB) *engine {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return openEngine(t, &engine{
		name:   "sqlite",
		create: `CREATE VIRTUAL TABLE docs USING fts5(search_text, ` + FTS5Tokenize + `)`,
		insert: `INSERT INTO docs(rowid, search_text) VALUES ($1, $2)`,
		search: `SELECT rowid, -bm25(docs) FROM docs WHERE docs MATCH $1 ORDER BY bm25(docs), rowid`,
	}, db)
}

// postgresEngine returns nil when PostgreSQL is not configured.
func postgresEngine(t testing.TB) *engine {
	t.Helper()
	url := os.Getenv("HEARKEN_TEST_POSTGRES_URL")
	if url == "" {
		return nil
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatalf("HEARKEN_TEST_POSTGRES_URL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return openEngine(t, &engine{
		name: "postgres",
		create: `CREATE TEMP TABLE docs (
			id bigint PRIMARY KEY,
			search_text text NOT NULL,
			search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED);
			CREATE INDEX docs_search_tsv ON docs USING gin (search_tsv)`,
		insert: `INSERT INTO docs(id, search_text) VALUES ($1, $2)`,
		search: `SELECT id, ts_rank(search_tsv, q) FROM docs, to_tsquery('simple', $1) q
			WHERE search_tsv @@ q ORDER BY 2 DESC, id`,
	}, db)
}

func openEngine(t testing.TB, e *engine, db *sql.DB) *engine {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("%s: %v", e.name, err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, e.create); err != nil {
		t.Fatalf("%s: %v", e.name, err)
	}
	e.conn = conn
	return e
}

func (e *engine) expr(q Query) string {
	if e.name == "sqlite" {
		return q.FTS5()
	}
	return q.TSQuery()
}

func (e *engine) reset(t testing.TB, docs map[int64]string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.conn.ExecContext(ctx, `DELETE FROM docs`); err != nil {
		t.Fatal(err)
	}
	for id, text := range docs {
		if _, err := e.conn.ExecContext(ctx, e.insert, id, text); err != nil {
			t.Fatalf("%s: insert %q: %v", e.name, text, err)
		}
	}
}

func (e *engine) find(t testing.TB, q Query) ([]hit, error) {
	t.Helper()
	rows, err := e.conn.QueryContext(context.Background(), e.search, e.expr(q))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.score); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// engines returns SQLite always, and PostgreSQL when configured.
func engines(t *testing.T) []*engine {
	es := []*engine{sqliteEngine(t)}
	if pg := postgresEngine(t); pg != nil {
		es = append(es, pg)
	} else {
		t.Log("HEARKEN_TEST_POSTGRES_URL not set: PostgreSQL not tested")
	}
	return es
}

func TestGoldenEngines(t *testing.T) {
	docs := map[int64]string{}
	for id, fields := range corpus {
		docs[id] = IndexText(fields...)
	}
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			e.reset(t, docs)
			for _, g := range golden {
				q := ParseQuery(g.q)
				if q.Empty() {
					if g.want != nil {
						t.Errorf("%q: empty query, want %v", g.q, g.want)
					}
					continue
				}
				hits, err := e.find(t, q)
				if err != nil {
					t.Errorf("%q (%s): %v", g.q, e.expr(q), err)
					continue
				}
				var ids []int64
				for _, h := range hits {
					ids = append(ids, h.id)
				}
				got := slices.Sorted(slices.Values(ids))
				if !slices.Equal(got, g.want) {
					t.Errorf("%q (%s): found %v, want %v", g.q, e.expr(q), got, g.want)
					continue
				}
				if g.first != 0 && (hits[0].id != g.first || len(hits) > 1 && hits[1].score >= hits[0].score) {
					t.Errorf("%q (%s): ranked %v, want %d strictly first", g.q, e.expr(q), hits, g.first)
				}
			}
		})
	}
}

// TestEngineAlphabet checks that both engines split IndexText exactly as
// Tokens does, for every letter Go knows (alone, after a digit, after a
// number PostgreSQL reads as scientific notation) and every CJK bigram
// partner. A failure names letters to add to the unsure table.
func TestEngineAlphabet(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var letters, cjk []string
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !isWord(r) || normalize(string(r), true) != string(r) {
			continue
		}
		if isCJK(r) {
			cjk = append(cjk, "一"+string(r))
		} else {
			letters = append(letters, string(r), "1"+string(r), "1e5"+string(r))
		}
	}
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			var vocab string
			if e.name == "sqlite" {
				if _, err := e.conn.ExecContext(context.Background(), `CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'row')`); err != nil {
					t.Fatal(err)
				}
				vocab = `SELECT term FROM vocab`
			} else {
				vocab = `SELECT DISTINCT unnest(tsvector_to_array(search_tsv)) FROM docs`
			}
			var bad []string
			for _, words := range [][]string{letters, cjk} {
				for i := 0; i < len(words); i += 3000 {
					tokens := Tokens(strings.Join(words[i:min(i+3000, len(words))], " "))
					e.reset(t, map[int64]string{1: strings.Join(tokens, " ")})
					got := map[string]bool{}
					rows, err := e.conn.QueryContext(context.Background(), vocab)
					if err != nil {
						t.Fatal(err)
					}
					for rows.Next() {
						var s string
						if err := rows.Scan(&s); err != nil {
							t.Fatal(err)
						}
						got[s] = true
					}
					rows.Close()
					for _, tk := range tokens {
						if !got[tk] {
							bad = append(bad, fmt.Sprintf("%q %U", tk, []rune(tk)))
						}
					}
				}
			}
			if len(bad) > 0 {
				t.Errorf("%d tokens the engine splits differently, e.g. %v", len(bad), bad[:min(len(bad), 20)])
			}
		})
	}
}

// A maximal IndexText must always be accepted by to_tsvector (1 MB limit).
func TestIndexTextLimitPostgres(t *testing.T) {
	pg := postgresEngine(t)
	if pg == nil {
		t.Skip("HEARKEN_TEST_POSTGRES_URL not set")
	}
	// Worst case: distinct short tokens (each costs a tsvector entry).
	var b strings.Builder
	for i := 0; b.Len() < 2*MaxIndexBytes; i++ {
		fmt.Fprintf(&b, "%x ", i)
	}
	text := IndexText(b.String())
	if len(text) < MaxIndexBytes-16 {
		t.Fatalf("IndexText only %d bytes", len(text))
	}
	pg.reset(t, map[int64]string{1: text})
	var size int
	if err := pg.conn.QueryRowContext(context.Background(), `SELECT pg_column_size(search_tsv) FROM docs`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	t.Logf("tsvector of %d bytes of IndexText: %d bytes", len(text), size)
}

// The external-content layout the package documentation recommends: the
// row keeps search_text, triggers keep the FTS5 index in sync.
func TestSQLiteExternalContent(t *testing.T) {
	e := sqliteEngine(t)
	ctx := context.Background()
	for _, stmt := range []string{
		`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, search_text TEXT NOT NULL DEFAULT '')`,
		`CREATE VIRTUAL TABLE people_fts USING fts5(search_text, content='people', content_rowid='id', ` + FTS5Tokenize + `)`,
		`CREATE TRIGGER people_ai AFTER INSERT ON people BEGIN
			INSERT INTO people_fts(rowid, search_text) VALUES (new.id, new.search_text); END`,
		`CREATE TRIGGER people_ad AFTER DELETE ON people BEGIN
			INSERT INTO people_fts(people_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END`,
		`CREATE TRIGGER people_au AFTER UPDATE OF search_text ON people BEGIN
			INSERT INTO people_fts(people_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
			INSERT INTO people_fts(rowid, search_text) VALUES (new.id, new.search_text); END`,
	} {
		if _, err := e.conn.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for id, name := range map[int64]string{1: "Çiçek Yılmaz", 2: "Cicek Yilmaz", 3: "Ali Veli"} {
		if _, err := e.conn.ExecContext(ctx, `INSERT INTO people(id, name, search_text) VALUES ($1, $2, $3)`, id, name, IndexText(name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.conn.ExecContext(ctx, `UPDATE people SET name = $1, search_text = $2 WHERE id = 3`, "Çiçek Veli", IndexText("Çiçek Veli")); err != nil {
		t.Fatal(err)
	}
	search := func(q string) []string {
		rows, err := e.conn.QueryContext(ctx, `SELECT p.name FROM people_fts f JOIN people p ON p.id = f.rowid
			WHERE people_fts MATCH $1 ORDER BY bm25(people_fts), p.id`, ParseQuery(q).FTS5())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	if got := search("ali"); len(got) != 0 {
		t.Errorf("ali: %v after the update", got)
	}
	if got := search("çiçek yıl"); !slices.Equal(got, []string{"Çiçek Yılmaz", "Cicek Yilmaz"}) {
		t.Errorf("çiçek yıl: %v", got)
	}
	if got := search("veli"); !slices.Equal(got, []string{"Çiçek Veli"}) {
		t.Errorf("veli: %v", got)
	}
}
