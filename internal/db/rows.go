package db

import "context"

// Scanner is a *sql.Row or *sql.Rows: what a module's scanX functions read
// one row from.
type Scanner interface{ Scan(dest ...any) error }

// QueryAll runs the named list query and scans every row with scan. The
// rows are closed before it returns, so the caller may run further queries
// on the same connection (a transaction, SQLite's single connection); no
// rows give an empty, non-nil slice.
func QueryAll[T any](ctx context.Context, q *Queries, scan func(Scanner) (T, error), name string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, name, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, err := ReadAll(rows, scan)
	if err != nil {
		return nil, err
	}
	return out, rows.Err()
}

// ReadAll scans every row with scan (a batched read's rows, say); no rows
// give an empty, non-nil slice. The caller checks the rows' own error.
func ReadAll[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ScanInt64 reads a one-column integer row (an id).
func ScanInt64(r Scanner) (int64, error) {
	var v int64
	err := r.Scan(&v)
	return v, err
}

// ScanString reads a one-column text row.
func ScanString(r Scanner) (string, error) {
	var v string
	err := r.Scan(&v)
	return v, err
}
