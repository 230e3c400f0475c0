package people

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/i18n"
)

func validateRole(in *RoleInput, v *apperr.Error, prefix string) {
	in.Role = strings.ToLower(strings.TrimSpace(in.Role))
	in.Subtype = strings.ToLower(strings.TrimSpace(in.Subtype))
	in.Program, in.Note = clean(in.Program), strings.TrimSpace(in.Note)
	if !slices.Contains(Roles, in.Role) {
		v.Field(prefix+"role", "people.error.role")
	}
	if in.Subtype != "" && (in.Role != RoleClient || !slices.Contains(ClientSubtypes, in.Subtype)) {
		v.Field(prefix+"subtype", "people.error.role_subtype")
	}
	if in.Start.IsZero() {
		v.Field(prefix+"start", "people.error.required")
	}
	if in.End != nil && in.End.IsZero() {
		in.End = nil
	}
	if in.End != nil && in.End.Before(in.Start) {
		v.Field(prefix+"end", "people.error.end_before_start")
	}
	if runeLen(in.Program) > maxNameLen {
		v.Field(prefix+"program", "people.error.too_long", "Max", maxNameLen)
	}
	if runeLen(in.Note) > maxTextLen {
		v.Field(prefix+"note", "people.error.too_long", "Max", maxTextLen)
	}
}

func (s *Service) insertRole(ctx context.Context, personID int64, r RoleInput) (int64, error) {
	var id int64
	if err := s.q.QueryRowW(ctx, "InsertRole", personID, r.Role, r.Subtype, r.Start.String(), dateArg(r.End),
		r.Program, nullInt(r.ProgramID), r.Note, s.now()).Scan(&id); err != nil {
		return 0, err
	}
	data, _ := json.Marshal(map[string]any{"role": r.Role, "subtype": r.Subtype, "program": r.Program})
	if _, err := s.addEvent(ctx, Event{PersonID: personID, Kind: EventRoleStart, OccurredAt: r.Start.Time(),
		TitleKey: "people.event.role_start." + r.Role, RefType: "person_role", RefID: id, Data: data}); err != nil {
		return 0, err
	}
	if r.End != nil {
		if err := s.roleEndEvent(ctx, personID, id, r); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (s *Service) roleEndEvent(ctx context.Context, personID, roleID int64, r RoleInput) error {
	data, _ := json.Marshal(map[string]any{"role": r.Role, "subtype": r.Subtype, "program": r.Program})
	_, err := s.addEvent(ctx, Event{PersonID: personID, Kind: EventRoleEnd, OccurredAt: r.End.Time(),
		TitleKey: "people.event.role_end." + r.Role, RefType: "person_role", RefID: roleID, Data: data})
	return err
}

// AddRole gives a person a role from a date (and records it on the timeline).
func (s *Service) AddRole(ctx context.Context, personID int64, in RoleInput) (Role, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Role{}, err
	}
	v := apperr.Invalid()
	validateRole(&in, v, "")
	if err := v.OrNil(); err != nil {
		return Role{}, err
	}
	var r Role
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		id, err := s.insertRole(ctx, personID, in)
		if err != nil {
			return err
		}
		if err := s.touch(ctx, personID); err != nil {
			return err
		}
		if r, err = s.role(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.role.add", "person", personID, r)
	})
	return r, err
}

// UpdateRole changes a role; setting End for the first time records the end on
// the timeline.
func (s *Service) UpdateRole(ctx context.Context, id int64, in RoleInput) (Role, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Role{}, err
	}
	v := apperr.Invalid()
	validateRole(&in, v, "")
	if err := v.OrNil(); err != nil {
		return Role{}, err
	}
	var r Role
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.role(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.livePerson(ctx, old.PersonID); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateRole", id, in.Role, in.Subtype, in.Start.String(), dateArg(in.End),
			in.Program, nullInt(in.ProgramID), in.Note, s.now()); err != nil {
			return err
		}
		if old.End == nil && in.End != nil {
			if err := s.roleEndEvent(ctx, old.PersonID, id, in); err != nil {
				return err
			}
		}
		if err := s.touch(ctx, old.PersonID); err != nil {
			return err
		}
		if r, err = s.role(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.role.update", "person", old.PersonID, change{old, r})
	})
	return r, err
}

// EndRole ends a role on the given day.
func (s *Service) EndRole(ctx context.Context, id int64, end Date) (Role, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Role{}, err
	}
	var r Role
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.role(ctx, id)
		if err != nil {
			return err
		}
		in := RoleInput{Role: old.Role, Subtype: old.Subtype, Start: old.Start, End: &end, Program: old.Program,
			ProgramID: old.ProgramID, Note: old.Note}
		r, err = s.UpdateRole(ctx, id, in)
		return err
	})
	return r, err
}

// RemoveRole deletes a role entered by mistake (ending it is the usual way).
func (s *Service) RemoveRole(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.role(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteRole", id); err != nil {
			return err
		}
		return s.audit(ctx, "person.role.remove", "person", old.PersonID, old)
	})
}

func scanRole(r scanner) (Role, error) {
	var (
		x         Role
		start     Date
		end       nullDate
		programID sql.NullInt64
	)
	err := r.Scan(&x.ID, &x.PersonID, &x.Role, &x.Subtype, &start, &end, &x.Program, &programID, &x.Note,
		&x.CreatedAt, &x.UpdatedAt)
	x.Start, x.End, x.ProgramID = start, end.d, programID.Int64
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x, err
}

func (s *Service) role(ctx context.Context, id int64) (Role, error) {
	r, err := scanRole(s.q.QueryRow(ctx, "GetRole", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFound("people.error.role_missing")
	}
	return r, err
}

func (s *Service) roles(ctx context.Context, personID int64) ([]Role, error) {
	rows, err := s.q.Query(ctx, "RolesOf", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Roles lists a person's roles, oldest first.
func (s *Service) RolesOf(ctx context.Context, personID int64) ([]Role, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	return s.roles(ctx, personID)
}

// Message is a catalog message ID with its template data, rendered by the
// caller's localizer. PluralCount, when not nil, selects the plural form.
type Message struct {
	Key         string         `json:"key"`
	Args        map[string]any `json:"args,omitempty"`
	PluralCount any            `json:"plural_count,omitempty"`
}

// TenureFact is how long someone has held a role: Since is the first day,
// Years the full years spent in the role (gaps excluded), Current whether it
// lasts today.
type TenureFact struct {
	Role    string    `json:"role"`
	Since   time.Time `json:"since"`
	Years   int       `json:"years"`
	Current bool      `json:"current"`
}

// Tenure is every role's tenure and the "supporter since" date: the earliest
// start as donor, volunteer or member.
type Tenure struct {
	Facts          []TenureFact `json:"facts"`
	SupporterSince *time.Time   `json:"supporter_since,omitempty"`
}

// supporterRoles make someone a supporter.
var supporterRoles = []string{RoleDonor, RoleVolunteer, RoleMember}

// ComputeTenure derives tenure from roles as of now.
func ComputeTenure(roles []Role, now time.Time) Tenure {
	today := DateOf(now.UTC())
	byRole := map[string][]Role{}
	for _, r := range roles {
		if r.Start.After(today) {
			continue // a role that has not started yet is no tenure
		}
		byRole[r.Role] = append(byRole[r.Role], r)
	}
	t := Tenure{Facts: []TenureFact{}}
	for _, name := range Roles {
		rs := byRole[name]
		if len(rs) == 0 {
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Start.Before(rs[j].Start) })
		f := TenureFact{Role: name, Since: rs[0].Start.Time()}
		// Union of the intervals, so overlapping or repeated spells count once
		// and gaps do not count.
		type span struct{ from, to time.Time }
		var spans []span
		for _, r := range rs {
			st, en := r.Start.Time(), today.Time()
			if r.End != nil && r.End.Before(today) {
				en = r.End.Time()
			} else {
				f.Current = true
			}
			if n := len(spans); n > 0 && !st.After(spans[n-1].to) {
				if en.After(spans[n-1].to) {
					spans[n-1].to = en
				}
				continue
			}
			spans = append(spans, span{st, en})
		}
		if len(spans) == 1 {
			f.Years = fullYears(spans[0].from, spans[0].to)
		} else {
			var days int
			for _, sp := range spans {
				days += int(sp.to.Sub(sp.from).Hours() / 24)
			}
			f.Years = int(float64(days+1) / 365.2425)
		}
		t.Facts = append(t.Facts, f)
		if slices.Contains(supporterRoles, name) && (t.SupporterSince == nil || f.Since.Before(*t.SupporterSince)) {
			since := f.Since
			t.SupporterSince = &since
		}
	}
	return t
}

// fullYears counts whole calendar years from a to b (anniversaries passed).
func fullYears(a, b time.Time) int {
	y := b.Year() - a.Year()
	if b.Month() < a.Month() || (b.Month() == a.Month() && b.Day() < a.Day()) {
		y--
	}
	return max(y, 0)
}

// Tenure derives a person's tenure from their roles.
func (s *Service) Tenure(ctx context.Context, personID int64) (Tenure, error) {
	rs, err := s.RolesOf(ctx, personID)
	if err != nil {
		return Tenure{}, err
	}
	return ComputeTenure(rs, s.now()), nil
}

// Message renders the fact for a greeting or profile: "Volunteer for 3 years",
// "Volunteer since March 2017" (under a year) or "Former volunteer". lang picks
// the month name, which the catalogs cannot inflect on their own.
func (f TenureFact) Message(lang string) Message {
	switch {
	case !f.Current:
		return Message{Key: "people.tenure." + f.Role + ".former"}
	case f.Years == 0:
		return Message{Key: "people.tenure." + f.Role + ".since", Args: monthArgs(f.Since, lang)}
	default:
		return Message{Key: "people.tenure." + f.Role + ".years", Args: map[string]any{"Count": f.Years}, PluralCount: f.Years}
	}
}

// SupporterMessage renders "Supporter since March 2017"; ok is false for
// someone who never gave, volunteered or was a member.
func (t Tenure) SupporterMessage(lang string) (Message, bool) {
	if t.SupporterSince == nil {
		return Message{}, false
	}
	return Message{Key: "people.tenure.supporter_since", Args: monthArgs(*t.SupporterSince, lang)}, true
}

func monthArgs(t time.Time, lang string) map[string]any {
	if base, _, _ := strings.Cut(strings.ToLower(lang), "-"); base == "fa" {
		// Persian dates elsewhere are Solar Hijri: "حامی از اسفند ۱۳۹۵".
		if y, m, _, ok := i18n.SolarHijri(t); ok {
			return map[string]any{"Year": y, "Month": int(m), "MonthName": i18n.PersianMonthName(m)}
		}
	}
	return map[string]any{"Year": t.Year(), "Month": int(t.Month()), "MonthName": monthName(lang, t.Month())}
}

// monthNames are the month names in the form the "since" messages need:
// Finnish in the elative case ("maaliskuusta"), the others in the nominative.
var monthNames = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"tr": {"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"fi": {"tammikuusta", "helmikuusta", "maaliskuusta", "huhtikuusta", "toukokuusta", "kesäkuusta", "heinäkuusta", "elokuusta", "syyskuusta", "lokakuusta", "marraskuusta", "joulukuusta"},
	"ja": {"1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"},
	// Persian falls back to these only outside the Solar Hijri range.
	"fa": {"ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"},
}

func monthName(lang string, m time.Month) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	names, ok := monthNames[base]
	if !ok {
		names = monthNames["en"]
	}
	return names[m-1]
}
