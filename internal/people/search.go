package people

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// searchText is everything a profile is found by: names, e-mail addresses,
// phone digits (E.164, national and national significant number, so any way
// of typing the number matches), social handles, the names of related
// organizations and the text of non-confidential notes.
func (s *Service) searchText(ctx context.Context, id int64) (string, bool, error) {
	var (
		display, given, family, greeting, sortName string
		erased                                     sql.NullTime
		merged                                     sql.NullInt64
	)
	err := s.q.QueryRow(ctx, "SearchPersonRow", id).Scan(&display, &given, &family, &greeting, &sortName, &erased, &merged)
	if errors.Is(err, sql.ErrNoRows) || erased.Valid || merged.Valid {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	fields := []string{display, given, family, greeting, sortName}
	rows, err := s.q.Query(ctx, "SearchContacts", id)
	if err != nil {
		return "", false, err
	}
	for rows.Next() {
		var kind, value, platform string
		if err := rows.Scan(&kind, &value, &platform); err != nil {
			rows.Close()
			return "", false, err
		}
		fields = appendContactSearch(fields, ContactKind(kind), value)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", false, err
	}
	for _, q := range []string{"RelatedOrgNames", "NoteTexts"} {
		rows, err := s.q.Query(ctx, q, id)
		if err != nil {
			return "", false, err
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return "", false, err
			}
			fields = append(fields, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", false, err
		}
	}
	return textsearch.IndexText(fields...), true, nil
}

// appendContactSearch adds what a contact point contributes to its
// profile's search text (addresses contribute nothing).
func appendContactSearch(fields []string, kind ContactKind, value string) []string {
	switch kind {
	case Address:
		return fields
	case Phone:
		return append(fields, phoneSearchText(value)...)
	}
	return append(fields, value)
}

// newSearchText is searchText for a profile just created from in and
// contacts, read from what was inserted rather than from the database: a
// new profile has no relationships or notes yet.
func newSearchText(in PersonInput, contacts []contactRow) string {
	fields := []string{in.DisplayName, in.GivenName, in.FamilyName, in.GreetingName, in.SortName}
	for _, c := range contacts {
		fields = appendContactSearch(fields, c.Kind, c.value)
	}
	return textsearch.IndexText(fields...)
}

// reindex brings a profile's search row up to date, in the caller's
// transaction; erased and merged profiles lose theirs.
func (s *Service) reindex(ctx context.Context, id int64) error {
	body, live, err := s.searchText(ctx, id)
	if err != nil {
		return err
	}
	if !live {
		_, err = s.q.Exec(ctx, "DeleteSearch", id)
		return err
	}
	_, err = s.q.Exec(ctx, "UpsertSearch", id, body)
	return err
}

// reindexRelated reindexes the profiles related to id (after an
// organization's name changed).
func (s *Service) reindexRelated(ctx context.Context, id int64) error {
	ids, err := s.idList(ctx, "RelatedPeople", id)
	if err != nil {
		return err
	}
	for _, o := range ids {
		if err := s.reindex(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// Reindex rebuilds one profile's search row (after a textsearch upgrade, the
// caller loops over every id).
func (s *Service) Reindex(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(ctx context.Context) error { return s.reindex(ctx, id) })
}

// SearchFilter narrows a search. Zero fields do not filter; Role matches
// people holding the role today; Language is the preferred language, a tag
// or a base language ("tr" matches "tr" and "tr-TR").
type SearchFilter struct {
	Kind     Kind   `json:"kind"`
	Role     string `json:"role"`
	TagID    int64  `json:"tag_id"`
	Language string `json:"language"`
}

// DefaultSearchCandidates bounds the work of one search: the newest this many
// live profiles that match the query and the filters are ranked, the rest are
// not looked at (as help desks cap search results, Zendesk at 1,000). A query
// that matches more is too short to be a search for someone in particular;
// each letter typed narrows it. Ranking every match of a short prefix over a
// million people took SQLite over 100 ms.
const DefaultSearchCandidates = 1000

// Search finds live profiles by what the user typed, best match first; the
// last word is a prefix (search as you type). An empty query lists profiles
// in sort order. Only the newest Config.SearchCandidates matches are ranked
// and paged through.
func (s *Service) Search(ctx context.Context, q string, f SearchFilter, cursor string, limit int) (Page[Person], error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Page[Person]{}, err
	}
	limit = clampLimit(limit)
	var c struct {
		Off int `json:"o"`
	}
	if err := decodeCursor(cursor, &c); err != nil {
		return Page[Person]{}, err
	}
	lang, ok := canonicalLanguage(f.Language)
	if !ok {
		return Page[Person]{}, apperr.Invalid().Field("language", "people.error.language", "Value", f.Language)
	}
	langLike := ""
	if lang != "" {
		langLike = lang + "-%"
	}
	today := DateOf(s.now()).String()
	pq := textsearch.ParseQuery(q)
	var (
		rows *sql.Rows
		err  error
	)
	if pq.Empty() {
		rows, err = s.q.Query(ctx, "BrowsePeople", string(f.Kind), f.Role, f.TagID, today, limit+1, c.Off, lang, langLike)
	} else if pq = pq.MinPrefix(minPrefix); f == (SearchFilter{}) {
		rows, err = s.q.Query(ctx, "SearchPeopleAll", s.engineQuery(pq), limit+1, c.Off, s.searchCandidates(), c.Off+limit)
	} else {
		rows, err = s.q.Query(ctx, "SearchPeople", s.engineQuery(pq), string(f.Kind), f.Role, f.TagID, today, limit+1, c.Off, lang, langLike, s.searchCandidates())
	}
	if err != nil {
		return Page[Person]{}, err
	}
	defer rows.Close()
	page := Page[Person]{Items: []Person{}}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, p)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		c.Off += limit
		page.Next = encodeCursor(c)
	}
	return page, nil
}

// minPrefix is the shortest last word that matches as a prefix: one or two
// letters or digits match whole words only (a single CJK character is still
// a prefix). "05" alone starts a hundred thousand phone numbers in a
// million profiles.
const minPrefix = 3

func (s *Service) searchCandidates() int {
	if s.cfg.SearchCandidates > 0 {
		return s.cfg.SearchCandidates
	}
	return DefaultSearchCandidates
}

// engineSyntax renders a parsed query for each engine's SearchPeople.
var engineSyntax = map[db.Dialect]func(textsearch.Query) string{
	db.SQLite:   textsearch.Query.FTS5,
	db.Postgres: textsearch.Query.TSQuery,
}

func (s *Service) engineQuery(q textsearch.Query) string { return engineSyntax[s.db.Dialect](q) }
