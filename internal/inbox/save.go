package inbox

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
)

// checkName trims *name and records a "name" field error on v when it is
// empty or longer than 200 characters or, with a takenQuery, when another
// row than id already has it.
func (s *Service) checkName(ctx context.Context, v *apperr.Error, name *string, takenQuery string, id int64) error {
	*name = strings.TrimSpace(*name)
	if *name == "" || utf8.RuneCountInString(*name) > 200 {
		v.Field("name", "inbox.error.name")
		return nil
	}
	if takenQuery == "" {
		return nil
	}
	var n int
	if err := s.q.QueryRow(ctx, takenQuery, *name, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		v.Field("name", "inbox.error.name_taken")
	}
	return nil
}

// checkTeam records a field error on v when teamID (0: none) names no team.
func (s *Service) checkTeam(ctx context.Context, v *apperr.Error, field string, teamID int64) error {
	if teamID == 0 {
		return nil
	}
	var n int
	if err := s.q.QueryRow(ctx, "TeamExists", teamID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		v.Field(field, "inbox.error.team")
	}
	return nil
}

// insertOrUpdate stores a row of an ordered list (a routing rule, a policy):
// with *id 0 the insert query gets args and sets *id; otherwise the update
// query gets *id then args, and a row that is gone is NotFound(notFoundKey).
func (s *Service) insertOrUpdate(ctx context.Context, id *int64, insert, update, notFoundKey string, args ...any) error {
	if *id == 0 {
		return s.q.QueryRowW(ctx, insert, args...).Scan(id)
	}
	res, err := s.q.Exec(ctx, update, append([]any{*id}, args...)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound(notFoundKey)
	}
	return nil
}
