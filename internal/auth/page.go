package auth

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Page is one page of a listing. Next is the opaque cursor of the following page,
// empty on the last one.
type Page[T any] struct {
	Items []T
	Next  string
}

// Listing limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Cursors are opaque to clients so the ordering key can change without breaking
// them; a version prefix lets a future format reject old cursors cleanly.
const cursorPrefix = "v1:"

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// decodeCursor returns the id in cursor, or def for an empty cursor.
func decodeCursor(cursor string, def int64) (int64, error) {
	if cursor == "" {
		return def, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, apperr.Invalid().Field("cursor", "validation.cursor")
}

func pageSize(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// firstAfter is the "before" bound of a newest-first listing's first page.
const firstAfter = math.MaxInt64

// makePage trims a result fetched with limit+1 rows and sets Next from the last
// kept item's id.
func makePage[T any](items []T, limit int, id func(T) int64) Page[T] {
	if len(items) > limit {
		items = items[:limit]
		return Page[T]{Items: items, Next: encodeCursor(id(items[len(items)-1]))}
	}
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items}
}
