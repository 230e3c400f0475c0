package people

import (
	"encoding/base64"
	"encoding/json"

	"github.com/hearken-org/hearken/internal/apperr"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

func clampLimit(n int) int {
	if n <= 0 {
		return defaultLimit
	}
	return min(n, maxLimit)
}

// Cursors are opaque to callers: base64 of a small JSON position.
func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, v any) error {
	if c == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return apperr.Invalid().Field("cursor", "people.error.cursor")
	}
	return nil
}
