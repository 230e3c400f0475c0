package inbox

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/people"
)

// Limits of a mentions import.
const (
	maxMentionFile = 10 << 20
	maxMentionRows = 10000
)

// MentionRowError is a row of a mentions file that was not imported.
type MentionRowError struct {
	// Row is the 1-based data row (the header is row 0).
	Row   int    `json:"row"`
	Field string `json:"field,omitempty"`
	Key   string `json:"key"`
}

// MentionImport says what a mentions import did.
type MentionImport struct {
	Rows       int               `json:"rows"`
	Imported   int               `json:"imported"`
	Duplicates int               `json:"duplicates"`
	Errors     []MentionRowError `json:"errors"`
	Encoding   string            `json:"encoding"`
}

// mentionDates are the date forms accepted, most specific first.
var mentionDates = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

// ImportMentions imports a CSV of mentions exported from a social platform
// or monitoring tool into a social channel: columns date, handle, name,
// text, url, id (by header name, any order, any letter case). Each row is
// stored like a webhook mention in its own transaction, a platform id seen
// before counts as a duplicate, and bad rows are reported, not imported.
func (s *Service) ImportMentions(ctx context.Context, channelID int64, data []byte) (MentionImport, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return MentionImport{}, err
	}
	out := MentionImport{Errors: []MentionRowError{}}
	if len(data) > maxMentionFile {
		return out, apperr.New(apperr.CodeTooLarge, "inbox.error.too_large")
	}
	if _, err := s.socialChannel(ctx, channelID); err != nil {
		return out, err
	}
	text, enc, delim, err := people.DecodeCSV(data)
	if err != nil {
		return out, err
	}
	out.Encoding = enc
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, r.FieldsPerRecord, r.LazyQuotes = delim, -1, true
	header, err := r.Read()
	if err != nil {
		return out, apperr.Invalid().Field("file", "inbox.error.csv_header")
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"id", "handle", "text"} {
		if _, ok := col[need]; !ok {
			return out, apperr.Invalid().Field("file", "inbox.error.csv_columns")
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if row > maxMentionRows {
			out.Errors = append(out.Errors, MentionRowError{Row: row, Key: "inbox.error.csv_too_many_rows"})
			break
		}
		out.Rows++
		if err != nil {
			out.Errors = append(out.Errors, MentionRowError{Row: row, Key: "inbox.error.csv_row"})
			continue
		}
		bad := false
		for _, f := range rec {
			if !utf8.ValidString(f) {
				bad = true
			}
		}
		if bad {
			out.Errors = append(out.Errors, MentionRowError{Row: row, Key: "inbox.error.encoding"})
			continue
		}
		p := SocialPost{ID: get(rec, "id"), Text: get(rec, "text"), Kind: SocialMention, URL: get(rec, "url")}
		p.Author.Handle, p.Author.Name = get(rec, "handle"), get(rec, "name")
		if d := get(rec, "date"); d != "" {
			for _, layout := range mentionDates {
				if t, err := time.Parse(layout, d); err == nil {
					p.At = t.UTC()
					break
				}
			}
			if p.At.IsZero() {
				out.Errors = append(out.Errors, MentionRowError{Row: row, Field: "date", Key: "inbox.error.csv_date"})
				continue
			}
		}
		res, err := s.ReceiveSocial(ctx, channelID, p)
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
			field := ""
			if len(e.Fields) > 0 {
				field = slices.Sorted(maps.Keys(e.Fields))[0]
			}
			key := e.Key
			if field != "" {
				key = e.Fields[field].Key
			}
			out.Errors = append(out.Errors, MentionRowError{Row: row, Field: field, Key: key})
			continue
		}
		if err != nil {
			return out, err
		}
		if res.Duplicate {
			out.Duplicates++
		} else {
			out.Imported++
		}
	}
	return out, s.cfg.Auditor.Audit(ctx, "inbox.social.import", "inbox_social_channel", channelID,
		map[string]any{"rows": out.Rows, "imported": out.Imported, "duplicates": out.Duplicates, "errors": len(out.Errors)})
}
