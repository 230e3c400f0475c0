package db

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// Queries holds a package's named SQL, loaded from files and rewritten for the
// DB's dialect once at start-up.
type Queries struct {
	db  *DB
	sql map[string]string
}

// LoadQueries reads every *.sql file in dir of fsys, then the files in
// dir/<dialect> whose queries replace the common ones of the same name. Each query
// starts with a line "-- name: QueryName". Placeholders are written $1, $2, … and
// rewritten to ?1, ?2, … for SQLite.
func LoadQueries(d *DB, fsys fs.FS, dir string) (*Queries, error) {
	q := &Queries{db: d, sql: map[string]string{}}
	if err := q.loadDir(fsys, dir, false); err != nil {
		return nil, err
	}
	if err := q.loadDir(fsys, path.Join(dir, string(d.Dialect)), true); err != nil {
		return nil, err
	}
	return q, nil
}

// MustLoadQueries is LoadQueries for embedded files, where an error is a
// programming mistake caught by any test.
func MustLoadQueries(d *DB, fsys fs.FS, dir string) *Queries {
	q, err := LoadQueries(d, fsys, dir)
	if err != nil {
		panic(err)
	}
	return q
}

func (q *Queries) loadDir(fsys fs.FS, dir string, optional bool) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		if optional {
			return nil
		}
		return fmt.Errorf("queries %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		named, err := parseNamed(string(b))
		if err != nil {
			return fmt.Errorf("%s/%s: %w", dir, e.Name(), err)
		}
		for name, text := range named {
			if _, dup := q.sql[name]; dup && !optional {
				return fmt.Errorf("%s/%s: query %q defined twice", dir, e.Name(), name)
			}
			q.sql[name] = q.db.Rebind(text)
		}
	}
	return nil
}

func parseNamed(src string) (map[string]string, error) {
	out := map[string]string{}
	var name string
	var b strings.Builder
	flush := func() {
		if name != "" {
			out[name] = trimQuery(b.String())
		}
		b.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("query %q defined twice", name)
			}
			continue
		}
		if name != "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	flush()
	return out, sc.Err()
}

// trimQuery drops what follows a query's last statement: the comment lines
// that introduce the next query and the final semicolon. SQLite reports any
// such tail as a second statement, and modernc then parses the text anew on
// every execution instead of reusing the prepared statement.
func trimQuery(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for len(lines) > 0 {
		last := strings.TrimSpace(lines[len(lines)-1])
		if last != "" && !strings.HasPrefix(last, "--") {
			break
		}
		lines = lines[:len(lines)-1]
	}
	q := strings.TrimSpace(strings.Join(lines, "\n"))
	return strings.TrimSpace(strings.TrimSuffix(q, ";"))
}

var pgPlaceholder = regexp.MustCompile(`\$(\d+)`)

// Rebind rewrites PostgreSQL placeholders for the DB's dialect. SQLite's ?NNN form
// binds the NNN-th argument whatever the order of appearance, so the rewrite keeps
// the meaning of queries that use a parameter twice or out of order.
func (d *DB) Rebind(query string) string {
	if d.Dialect != SQLite {
		return query
	}
	return pgPlaceholder.ReplaceAllString(query, "?$1")
}

// SQL returns the named query; an unknown name is a programming error.
func (q *Queries) SQL(name string) string {
	s, ok := q.sql[name]
	if !ok {
		panic(fmt.Sprintf("db: unknown query %q", name))
	}
	return s
}

// Exec runs a named write in the context's transaction or on the writer.
func (q *Queries) Exec(ctx context.Context, name string, args ...any) (sql.Result, error) {
	return q.db.W(ctx).ExecContext(ctx, q.SQL(name), args...)
}

// Query runs a named read in the context's transaction or on the reader pool.
func (q *Queries) Query(ctx context.Context, name string, args ...any) (*sql.Rows, error) {
	return q.db.R(ctx).QueryContext(ctx, q.SQL(name), args...)
}

// QueryRow runs a named single-row read.
func (q *Queries) QueryRow(ctx context.Context, name string, args ...any) *sql.Row {
	return q.db.R(ctx).QueryRowContext(ctx, q.SQL(name), args...)
}

// QueryRowW runs a named single-row statement on the writer, for INSERT … RETURNING.
func (q *Queries) QueryRowW(ctx context.Context, name string, args ...any) *sql.Row {
	return q.db.W(ctx).QueryRowContext(ctx, q.SQL(name), args...)
}

// DB returns the database the queries run on.
func (q *Queries) DB() *DB { return q.db }
