package org

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
)

// Team is a group of staff users (a desk, a region, a programme).
type Team struct {
	ID            int64     `json:"id" audit:"-"`
	Name          string    `json:"name"`
	Slug          string    `json:"slug"` // unique, URL-safe; may hold non-Latin letters
	Description   string    `json:"description"`
	TimeZone      string    `json:"time_zone"` // "" follows the organization's
	ManagerUserID *int64    `json:"manager_user_id"`
	MemberCount   int       `json:"member_count" audit:"-"`
	CreatedAt     time.Time `json:"created_at" audit:"-"`
	UpdatedAt     time.Time `json:"updated_at" audit:"-"`
}

// NewTeam is the input of CreateTeam. An empty Slug is derived from Name (with a
// numeric suffix if taken); a given one is normalised and must be free.
type NewTeam struct {
	Name          string
	Slug          string
	Description   string
	TimeZone      string
	ManagerUserID *int64
}

// TeamPatch changes the fields that are not nil. ManagerUserID pointing to 0
// removes the manager.
type TeamPatch struct {
	Name          *string
	Slug          *string
	Description   *string
	TimeZone      *string
	ManagerUserID *int64
}

// Member is a user in a team.
type Member struct {
	UserID  int64     `json:"user_id"`
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Role    auth.Role `json:"role"`
	Active  bool      `json:"active"`
	AddedAt time.Time `json:"added_at"`
}

const maxSlugLen = 64

// slugify makes a URL segment from a name: lower case, letters (of any script)
// and digits, other runs turned into one hyphen. Non-Latin names keep their
// letters, since a transliteration per language would be guesswork.
func slugify(s string) string {
	var b strings.Builder
	n, dash := 0, false
	for _, r := range strings.ToLower(norm.NFKC.String(s)) {
		if n >= maxSlugLen {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
				n++
			}
			b.WriteRune(r)
			n++
			dash = false
			continue
		}
		dash = true
	}
	return strings.TrimRight(b.String(), "-")
}

func (s *Service) validateTeam(v *apperr.Error, name, desc, tz *string) {
	if name != nil {
		*name = cleanText(*name)
		validateText(v, "name", *name, maxNameLen, true)
	}
	if desc != nil {
		*desc = cleanText(*desc)
		validateText(v, "description", *desc, maxDescriptionLen, false)
	}
	if tz != nil && !validTimeZone(*tz, true) {
		v.Field("time_zone", "validation.time_zone")
	}
}

// checkManager verifies a manager id names an existing user.
func (s *Service) checkManager(ctx context.Context, id *int64) error {
	if id == nil || *id == 0 {
		return nil
	}
	if _, err := s.users.GetUser(ctx, *id); err != nil {
		if apperr.Is(err, apperr.CodeNotFound) {
			return apperr.Invalid().Field("manager_user_id", "validation.not_found")
		}
		return err
	}
	return nil
}

func nullID(id *int64) any {
	if id == nil || *id == 0 {
		return nil
	}
	return *id
}

// CreateTeam adds a team. It needs teams.manage.
func (s *Service) CreateTeam(ctx context.Context, nt NewTeam) (Team, error) {
	if err := auth.Require(ctx, auth.PermTeamsManage); err != nil {
		return Team{}, err
	}
	v := apperr.Invalid()
	s.validateTeam(v, &nt.Name, &nt.Description, &nt.TimeZone)
	explicit := strings.TrimSpace(nt.Slug) != ""
	slug := slugify(nt.Slug)
	if explicit && slug == "" {
		v.Field("slug", "validation.slug")
	}
	if !explicit {
		if slug = slugify(nt.Name); slug == "" {
			slug = "team" // a name of only symbols or emoji
		}
	}
	if err := v.OrNil(); err != nil {
		return Team{}, err
	}
	now := s.now()
	t := Team{Name: nt.Name, Description: nt.Description, TimeZone: nt.TimeZone, CreatedAt: now, UpdatedAt: now}
	if nt.ManagerUserID != nil && *nt.ManagerUserID != 0 {
		t.ManagerUserID = nt.ManagerUserID
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkManager(ctx, t.ManagerUserID); err != nil {
			return err
		}
		// A derived slug that is taken gets a suffix; the insert itself detects the
		// clash, so two teams created at once cannot both take one slug.
		for i := 1; ; i++ {
			cand := slug
			if i > 1 {
				suffix := "-" + strconv.Itoa(i)
				cand = strings.TrimRight(truncateRunes(slug, maxSlugLen-len(suffix)), "-") + suffix
			}
			err := s.q.QueryRowW(ctx, "InsertTeam", t.Name, cand, t.Description, t.TimeZone, nullID(t.ManagerUserID), now).Scan(&t.ID)
			if err == nil {
				t.Slug = cand
				break
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if explicit || i >= 100 {
				return apperr.Conflict("team.slug_taken")
			}
		}
		return s.users.Audit(ctx, "team.create", "team", t.ID, auth.Diff(nil, t))
	})
	if err != nil {
		return Team{}, err
	}
	return t, nil
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func scanTeam(sc interface{ Scan(...any) error }) (Team, error) {
	var (
		t       Team
		manager sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.Name, &t.Slug, &t.Description, &t.TimeZone, &manager, &t.CreatedAt, &t.UpdatedAt,
		&t.MemberCount); err != nil {
		return Team{}, err
	}
	if manager.Valid {
		t.ManagerUserID = &manager.Int64
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

// GetTeam returns a team.
func (s *Service) GetTeam(ctx context.Context, id int64) (Team, error) {
	t, err := scanTeam(s.q.QueryRow(ctx, "GetTeam", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Team{}, apperr.NotFound("team.not_found")
	}
	return t, err
}

// ListTeams returns every team by name. Organizations have few teams, so there
// is no paging.
func (s *Service) ListTeams(ctx context.Context) ([]Team, error) {
	return s.listTeams(ctx, "ListTeams")
}

// TeamsOf returns the teams userID belongs to, by name.
func (s *Service) TeamsOf(ctx context.Context, userID int64) ([]Team, error) {
	return s.listTeams(ctx, "TeamsOfUser", userID)
}

func (s *Service) listTeams(ctx context.Context, query string, args ...any) ([]Team, error) {
	rows, err := s.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Team{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Sorted here, not in SQL: SQLite and PostgreSQL collate non-ASCII names
	// differently, and the two backends must agree.
	slices.SortStableFunc(out, func(a, b Team) int { return compareNames(a.Name, a.ID, b.Name, b.ID) })
	return out, nil
}

func compareNames(a string, aID int64, b string, bID int64) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	switch {
	case aID < bID:
		return -1
	case aID > bID:
		return 1
	}
	return 0
}

// UpdateTeam applies p to team id. It needs teams.manage.
func (s *Service) UpdateTeam(ctx context.Context, id int64, p TeamPatch) (Team, error) {
	if err := auth.Require(ctx, auth.PermTeamsManage); err != nil {
		return Team{}, err
	}
	v := apperr.Invalid()
	s.validateTeam(v, p.Name, p.Description, p.TimeZone)
	var slug string
	if p.Slug != nil {
		if slug = slugify(*p.Slug); slug == "" {
			v.Field("slug", "validation.slug")
		}
	}
	if err := v.OrNil(); err != nil {
		return Team{}, err
	}
	var after Team
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.GetTeam(ctx, id)
		if err != nil {
			return err
		}
		after = before
		if p.Name != nil {
			after.Name = *p.Name
		}
		if p.Slug != nil {
			after.Slug = slug
		}
		if p.Description != nil {
			after.Description = *p.Description
		}
		if p.TimeZone != nil {
			after.TimeZone = *p.TimeZone
		}
		if p.ManagerUserID != nil {
			after.ManagerUserID = nil
			if *p.ManagerUserID != 0 {
				m := *p.ManagerUserID
				after.ManagerUserID = &m
			}
		}
		changes := auth.Diff(before, after)
		if len(changes) == 0 {
			return nil
		}
		if _, ok := changes["manager_user_id"]; ok {
			if err := s.checkManager(ctx, after.ManagerUserID); err != nil {
				return err
			}
		}
		if _, ok := changes["slug"]; ok {
			var taken bool
			if err := s.q.QueryRow(ctx, "SlugTaken", after.Slug, id).Scan(&taken); err != nil {
				return err
			}
			if taken {
				return apperr.Conflict("team.slug_taken")
			}
		}
		after.UpdatedAt = s.now()
		if _, err := s.q.Exec(ctx, "UpdateTeam", id, after.Name, after.Slug, after.Description, after.TimeZone,
			nullID(after.ManagerUserID), after.UpdatedAt); err != nil {
			return err
		}
		return s.users.Audit(ctx, "team.update", "team", id, changes)
	})
	if err != nil {
		return Team{}, err
	}
	return after, nil
}

// AddMember puts userID in team teamID; adding a member twice does nothing. It
// needs teams.manage.
func (s *Service) AddMember(ctx context.Context, teamID, userID int64) error {
	if err := auth.Require(ctx, auth.PermTeamsManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetTeam(ctx, teamID); err != nil {
			return err
		}
		if _, err := s.users.GetUser(ctx, userID); err != nil {
			return err
		}
		res, err := s.q.Exec(ctx, "AddMember", teamID, userID, s.now())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.users.Audit(ctx, "team.member_add", "team", teamID, map[string][2]any{"member": {nil, userID}})
	})
}

// RemoveMember takes userID out of team teamID; removing a non-member does
// nothing. It needs teams.manage.
func (s *Service) RemoveMember(ctx context.Context, teamID, userID int64) error {
	if err := auth.Require(ctx, auth.PermTeamsManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		res, err := s.q.Exec(ctx, "RemoveMember", teamID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.users.Audit(ctx, "team.member_remove", "team", teamID, map[string][2]any{"member": {userID, nil}})
	})
}

// Members returns team teamID's members by name.
func (s *Service) Members(ctx context.Context, teamID int64) ([]Member, error) {
	if _, err := s.GetTeam(ctx, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "Members", teamID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var (
			m    Member
			role string
		)
		if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &role, &m.Active, &m.AddedAt); err != nil {
			return nil, err
		}
		m.Role, m.AddedAt = auth.Role(role), m.AddedAt.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Member) int { return compareNames(a.Name, a.UserID, b.Name, b.UserID) })
	return out, nil
}
