package people

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/textsearch"
)

type scanner interface{ Scan(dest ...any) error }

func scanPerson(r scanner) (Person, error) {
	var (
		p            Person
		birth        nullDate
		household    sql.NullInt64
		external     sql.NullString
		fromH, toH   sql.NullInt64
		erased       sql.NullTime
		mergedInto   sql.NullInt64
		kind         string
		greetingName string
	)
	err := r.Scan(&p.ID, &kind, &p.DisplayName, &p.GivenName, &p.FamilyName, &greetingName, &p.SortName,
		&p.Language, &p.Pronouns, &birth, &household, &p.Source, &external, &p.DoNotContact,
		&p.PreferredChannel, &p.PreferredTime, &fromH, &toH, &p.CreatedAt, &p.UpdatedAt, &erased, &mergedInto)
	if err != nil {
		return p, err
	}
	p.Kind = Kind(kind)
	p.BirthDate = birth.d
	p.HouseholdID = household.Int64
	p.ExternalID = external.String
	if fromH.Valid {
		h := int(fromH.Int64)
		p.PreferredFromHour = &h
	}
	if toH.Valid {
		h := int(toH.Int64)
		p.PreferredToHour = &h
	}
	if erased.Valid {
		t := erased.Time.UTC()
		p.ErasedAt = &t
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.MergedIntoID = mergedInto.Int64
	p.GreetingName = greetingName
	if p.GreetingName == "" {
		p.GreetingName = derivedGreeting(p.Kind, p.DisplayName, p.GivenName, p.FamilyName, p.Language)
	}
	return p, nil
}

// derivedGreeting is the name to greet someone by when none was given: the
// given name, except in Japanese where one greets by family name (the template
// adds 様 or さん); organizations by their name.
func derivedGreeting(kind Kind, display, given, family, lang string) string {
	if kind == Organization {
		return display
	}
	if (strings.HasPrefix(lang, "ja") || isCJKName(family+given)) && family != "" {
		return family
	}
	if given != "" {
		return given
	}
	return display
}

// derivedDisplayName joins given and family names in the order of their script.
func derivedDisplayName(given, family, lang string) string {
	given, family = strings.TrimSpace(given), strings.TrimSpace(family)
	if given == "" || family == "" {
		return given + family
	}
	// Romanized Japanese names are written in either order; only names in
	// CJK script reliably put the family name first.
	if isCJKName(given + family) {
		return family + " " + given
	}
	return given + " " + family
}

// sortKey is what lists are ordered by: the sort name if given, else family
// then given name, folded so that accents and case do not scatter names.
func sortKey(in PersonInput) string {
	s := in.SortName
	if s == "" && in.Kind == Individual && in.FamilyName != "" {
		s = in.FamilyName + " " + in.GivenName
	}
	if s == "" {
		s = in.DisplayName
	}
	return textsearch.Fold(s)
}

// validatePerson cleans in and records problems in v under prefix.
func (s *Service) validatePerson(ctx context.Context, in *PersonInput, v *apperr.Error, prefix string) {
	in.DisplayName, in.GivenName, in.FamilyName = clean(in.DisplayName), clean(in.GivenName), clean(in.FamilyName)
	in.GreetingName, in.SortName, in.Pronouns = clean(in.GreetingName), clean(in.SortName), clean(in.Pronouns)
	in.Source, in.ExternalID = strings.TrimSpace(in.Source), strings.TrimSpace(in.ExternalID)
	if in.Kind == "" {
		in.Kind = Individual
	}
	if in.Kind != Individual && in.Kind != Organization {
		v.Field(prefix+"kind", "people.error.kind")
	}
	if in.Source == "" {
		in.Source = SourceManual
	}
	lang, ok := canonicalLanguage(in.Language)
	if !ok {
		v.Field(prefix+"language", "people.error.language", "Value", in.Language)
	}
	in.Language = lang
	if in.DisplayName == "" {
		in.DisplayName = derivedDisplayName(in.GivenName, in.FamilyName, in.Language)
	}
	if in.DisplayName == "" {
		v.Field(prefix+"display_name", "people.error.name_required")
	}
	for _, f := range []struct {
		name, val string
		max       int
	}{
		{"display_name", in.DisplayName, maxNameLen}, {"given_name", in.GivenName, maxNameLen},
		{"family_name", in.FamilyName, maxNameLen}, {"greeting_name", in.GreetingName, maxNameLen},
		{"sort_name", in.SortName, maxNameLen}, {"pronouns", in.Pronouns, maxShortLen},
		{"source", in.Source, maxShortLen}, {"external_id", in.ExternalID, 200},
	} {
		if runeLen(f.val) > f.max {
			v.Field(prefix+f.name, "people.error.too_long", "Max", f.max)
		}
	}
	if in.BirthDate != nil {
		if in.BirthDate.IsZero() {
			in.BirthDate = nil
		} else if in.BirthDate.Year < 1880 || in.BirthDate.After(DateOf(s.now())) {
			v.Field(prefix+"birth_date", "people.error.birth_date")
		}
	}
	if in.Kind == Organization && in.HouseholdID != 0 {
		v.Field(prefix+"household_id", "people.error.household_org")
	}
	if in.HouseholdID != 0 {
		if _, err := s.household(ctx, in.HouseholdID); err != nil {
			v.Field(prefix+"household_id", "people.error.household_missing")
		}
	}
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreatePerson creates a profile with its first contact points, roles and tags.
func (s *Service) CreatePerson(ctx context.Context, np NewPerson) (Person, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Person{}, err
	}
	var p Person
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		v := apperr.Invalid()
		s.validatePerson(ctx, &np.PersonInput, v, "")
		contacts := make([]contactRow, len(np.Contacts))
		for i := range np.Contacts {
			contacts[i] = s.validateContact(ctx, np.Contacts[i], v, fmt.Sprintf("contacts.%d.", i))
		}
		for i := range np.Roles {
			validateRole(&np.Roles[i], v, fmt.Sprintf("roles.%d.", i))
		}
		if np.ExternalID != "" {
			if id, _ := s.personByExternalID(ctx, np.Source, np.ExternalID); id != 0 {
				v.Field("external_id", "people.error.external_id_taken")
			}
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		id, err := s.insertPerson(ctx, np.PersonInput)
		if err != nil {
			return err
		}
		// A new profile has no contacts to demote: primaries are known
		// without asking.
		for i, primary := range newPrimaries(contacts) {
			if _, err := s.insertContactRow(ctx, id, contacts[i], primary); err != nil {
				return err
			}
		}
		for _, r := range np.Roles {
			if _, err := s.insertRole(ctx, id, r); err != nil {
				return err
			}
		}
		for _, t := range np.Tags {
			if err := s.tagPerson(ctx, id, t); err != nil {
				return err
			}
		}
		body := newSearchText(np.PersonInput, contacts)
		if err := db.GroupDefer(ctx, func(ctx context.Context) error {
			_, err := s.q.Exec(ctx, "UpsertSearch", id, body)
			return err
		}); err != nil {
			return err
		}
		if p, err = s.person(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.create", "person", id, np)
	})
	return p, err
}

func (s *Service) insertPerson(ctx context.Context, in PersonInput) (int64, error) {
	now := s.now()
	var id int64
	err := s.q.QueryRowW(ctx, "InsertPerson", string(in.Kind), in.DisplayName, in.GivenName, in.FamilyName,
		in.GreetingName, in.SortName, sortKey(in), personNameKey(in), in.Language, in.Pronouns,
		dateArg(in.BirthDate), nullInt(in.HouseholdID), in.Source, nullStr(in.ExternalID), now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert person: %w", err)
	}
	return id, nil
}

func personNameKey(in PersonInput) string {
	if in.Kind == Individual && (in.GivenName != "" || in.FamilyName != "") {
		return nameKey(in.GivenName, in.FamilyName)
	}
	return nameKey(in.DisplayName)
}

// UpdatePerson replaces the editable fields of a profile.
func (s *Service) UpdatePerson(ctx context.Context, id int64, in PersonInput) (Person, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Person{}, err
	}
	var p Person
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.livePerson(ctx, id)
		if err != nil {
			return err
		}
		v := apperr.Invalid()
		s.validatePerson(ctx, &in, v, "")
		if in.ExternalID != "" && (in.ExternalID != old.ExternalID || in.Source != old.Source) {
			if other, _ := s.personByExternalID(ctx, in.Source, in.ExternalID); other != 0 && other != id {
				v.Field("external_id", "people.error.external_id_taken")
			}
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if err := s.updatePerson(ctx, id, in); err != nil {
			return err
		}
		if err := s.reindex(ctx, id); err != nil {
			return err
		}
		if old.DisplayName != in.DisplayName {
			// Names of organizations are indexed on the profiles of the people
			// related to them.
			if err := s.reindexRelated(ctx, id); err != nil {
				return err
			}
		}
		if p, err = s.person(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.update", "person", id, diffPerson(old, p))
	})
	return p, err
}

func (s *Service) updatePerson(ctx context.Context, id int64, in PersonInput) error {
	_, err := s.q.Exec(ctx, "UpdatePerson", id, string(in.Kind), in.DisplayName, in.GivenName, in.FamilyName,
		in.GreetingName, in.SortName, sortKey(in), personNameKey(in), in.Language, in.Pronouns,
		dateArg(in.BirthDate), nullInt(in.HouseholdID), in.Source, nullStr(in.ExternalID), s.now())
	return err
}

// inputOf is the editable part of p, for read-modify-write.
func inputOf(p Person) PersonInput {
	greeting := p.GreetingName
	if greeting == derivedGreeting(p.Kind, p.DisplayName, p.GivenName, p.FamilyName, p.Language) {
		greeting = ""
	}
	return PersonInput{Kind: p.Kind, DisplayName: p.DisplayName, GivenName: p.GivenName, FamilyName: p.FamilyName,
		GreetingName: greeting, SortName: p.SortName, Language: p.Language, Pronouns: p.Pronouns,
		BirthDate: p.BirthDate, HouseholdID: p.HouseholdID, Source: p.Source, ExternalID: p.ExternalID}
}

// change is one field's old and new value in an audit entry.
type change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

func diffPerson(a, b Person) map[string]change {
	out := map[string]change{}
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out[name] = change{x, y}
		}
	}
	add("kind", a.Kind, b.Kind)
	add("display_name", a.DisplayName, b.DisplayName)
	add("given_name", a.GivenName, b.GivenName)
	add("family_name", a.FamilyName, b.FamilyName)
	add("greeting_name", a.GreetingName, b.GreetingName)
	add("sort_name", a.SortName, b.SortName)
	add("language", a.Language, b.Language)
	add("pronouns", a.Pronouns, b.Pronouns)
	add("birth_date", dateArg(a.BirthDate), dateArg(b.BirthDate))
	add("household_id", a.HouseholdID, b.HouseholdID)
	add("source", a.Source, b.Source)
	add("external_id", a.ExternalID, b.ExternalID)
	return out
}

// person reads one profile as stored (tombstones and erased ones included).
func (s *Service) person(ctx context.Context, id int64) (Person, error) {
	p, err := scanPerson(s.q.QueryRow(ctx, "GetPerson", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFound("people.error.not_found")
	}
	return p, err
}

// livePerson reads a profile that may be changed: not merged away, not erased.
func (s *Service) livePerson(ctx context.Context, id int64) (Person, error) {
	p, err := s.person(ctx, id)
	if err != nil {
		return p, err
	}
	if p.MergedIntoID != 0 || p.ErasedAt != nil {
		return p, apperr.NotFound("people.error.not_found")
	}
	return p, nil
}

// GetPerson returns one profile as stored: a merged profile comes back as its
// tombstone (MergedIntoID set) so callers can redirect; see Resolve.
func (s *Service) GetPerson(ctx context.Context, id int64) (Person, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Person{}, err
	}
	return s.person(ctx, id)
}

// Resolve follows merges to the surviving profile, so links to a merged
// profile keep working.
func (s *Service) Resolve(ctx context.Context, id int64) (int64, error) {
	for range 100 { // a chain longer than this is a cycle, which Merge prevents
		var into sql.NullInt64
		err := s.q.QueryRow(ctx, "MergedInto", id).Scan(&into)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, apperr.NotFound("people.error.not_found")
		}
		if err != nil {
			return 0, err
		}
		if !into.Valid {
			return id, nil
		}
		id = into.Int64
	}
	return 0, fmt.Errorf("people: merge chain too long at %d", id)
}

func (s *Service) personByExternalID(ctx context.Context, source, ext string) (int64, error) {
	var id int64
	err := s.q.QueryRow(ctx, "PersonByExternalID", source, ext).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// FindByExternalID returns the live profile imported from source with ext,
// following merges; 0 if none.
func (s *Service) FindByExternalID(ctx context.Context, source, ext string) (int64, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return 0, err
	}
	id, err := s.personByExternalID(ctx, source, ext)
	if err != nil || id == 0 {
		return 0, err
	}
	return s.Resolve(ctx, id)
}

// FindByContact returns the live profiles with this e-mail address or phone
// number (normalized first), for the inbox and web forms to attach messages.
func (s *Service) FindByContact(ctx context.Context, kind ContactKind, value string) ([]int64, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	var key string
	switch kind {
	case Email:
		_, key, _ = normalizeEmail(value)
	case Phone:
		if ph, ok := parsePhone(value, s.PhoneRegion(ctx)); ok {
			key = ph.e164
		}
	case Social:
		key = value // a SocialKey
	}
	if key == "" {
		return nil, nil
	}
	return s.idList(ctx, "PeopleByContact", string(kind), key)
}

func (s *Service) idList(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// List returns live profiles in sort order, a page at a time.
func (s *Service) List(ctx context.Context, cursor string, limit int) (Page[Person], error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Page[Person]{}, err
	}
	limit = clampLimit(limit)
	var c struct {
		K  string `json:"k"`
		ID int64  `json:"i"`
	}
	if err := decodeCursor(cursor, &c); err != nil {
		return Page[Person]{}, err
	}
	rows, err := s.q.Query(ctx, "ListPeople", c.K, c.ID, limit+1)
	if err != nil {
		return Page[Person]{}, err
	}
	defer rows.Close()
	var page Page[Person]
	var keys []string
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, p)
		keys = append(keys, sortKey(inputOf(p)))
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		c.K, c.ID = keys[limit-1], last.ID
		page.Next = encodeCursor(c)
	}
	return page, nil
}

// Profile is everything the profile page shows.
type Profile struct {
	Person          Person           `json:"person"`
	RedirectedFrom  int64            `json:"redirected_from,omitempty"`
	Household       *Household       `json:"household,omitempty"`
	HouseholdPeople []int64          `json:"household_people,omitempty"`
	Contacts        []ContactPoint   `json:"contacts"`
	Roles           []Role           `json:"roles"`
	Tenure          Tenure           `json:"tenure"`
	Relationships   []Relationship   `json:"relationships"`
	Consents        []Consent        `json:"consents"`
	SpecialRequests []SpecialRequest `json:"special_requests"`
	Pinned          []Event          `json:"pinned"`
	Tags            []Tag            `json:"tags"`
	CustomValues    []CustomValue    `json:"custom_values"`
}

// Profile reads a full profile, following merges, and records who saw it. The
// reads share one read-only snapshot, off SQLite's single writer; the view is
// then audited in a short write of its own, and the profile is returned only
// once that entry is stored.
func (s *Service) Profile(ctx context.Context, id int64) (*Profile, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	var pr *Profile
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		live, err := s.Resolve(ctx, id)
		if err != nil {
			return err
		}
		p, err := s.livePerson(ctx, live)
		if err != nil {
			return err
		}
		pr = &Profile{Person: p}
		if live != id {
			pr.RedirectedFrom = id
		}
		if p.HouseholdID != 0 {
			h, err := s.household(ctx, p.HouseholdID)
			if err != nil {
				return err
			}
			pr.Household = &h
			if pr.HouseholdPeople, err = s.idList(ctx, "PeopleInHousehold", h.ID); err != nil {
				return err
			}
		}
		if pr.Contacts, err = s.contacts(ctx, live); err != nil {
			return err
		}
		if pr.Roles, err = s.roles(ctx, live); err != nil {
			return err
		}
		pr.Tenure = ComputeTenure(pr.Roles, s.now())
		if pr.Relationships, err = s.relationships(ctx, live); err != nil {
			return err
		}
		if pr.Consents, err = s.consents(ctx, live); err != nil {
			return err
		}
		if pr.SpecialRequests, err = s.specialRequests(ctx, live, false); err != nil {
			return err
		}
		if pr.Pinned, err = s.pinned(ctx, live, requirePerm(ctx, permViewConfidential) == nil); err != nil {
			return err
		}
		if pr.Tags, err = s.tagsOf(ctx, live); err != nil {
			return err
		}
		if pr.CustomValues, err = s.customValues(ctx, live); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, "person.view", "person", pr.Person.ID, nil); err != nil {
		return nil, err
	}
	return pr, nil
}

// --- households ---

func validateHousehold(in *HouseholdInput) error {
	in.Name = clean(in.Name)
	v := apperr.Invalid()
	if in.Name == "" {
		v.Field("name", "people.error.required")
	} else if runeLen(in.Name) > maxNameLen {
		v.Field("name", "people.error.too_long", "Max", maxNameLen)
	}
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	if in.Country != "" && !validCountry(in.Country) {
		v.Field("country", "people.error.country")
	}
	return v.OrNil()
}

// CreateHousehold creates a household; add members with SetHousehold.
func (s *Service) CreateHousehold(ctx context.Context, in HouseholdInput) (Household, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Household{}, err
	}
	if err := validateHousehold(&in); err != nil {
		return Household{}, err
	}
	var h Household
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertHousehold", in.Name, in.Line1, in.Line2, in.City, in.Region,
			in.Postcode, in.Country, s.now()).Scan(&id); err != nil {
			return err
		}
		var err error
		if h, err = s.household(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "household.create", "household", id, in)
	})
	return h, err
}

// UpdateHousehold changes a household's name and address.
func (s *Service) UpdateHousehold(ctx context.Context, id int64, in HouseholdInput) (Household, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Household{}, err
	}
	if err := validateHousehold(&in); err != nil {
		return Household{}, err
	}
	var h Household
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.household(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateHousehold", id, in.Name, in.Line1, in.Line2, in.City, in.Region,
			in.Postcode, in.Country, s.now()); err != nil {
			return err
		}
		if h, err = s.household(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "household.update", "household", id, change{old, h})
	})
	return h, err
}

// GetHousehold returns a household and its members' ids.
func (s *Service) GetHousehold(ctx context.Context, id int64) (Household, []int64, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Household{}, nil, err
	}
	h, err := s.household(ctx, id)
	if err != nil {
		return h, nil, err
	}
	members, err := s.idList(ctx, "PeopleInHousehold", id)
	return h, members, err
}

// SetHousehold puts an individual in a household (0 takes them out).
func (s *Service) SetHousehold(ctx context.Context, personID, householdID int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		p, err := s.livePerson(ctx, personID)
		if err != nil {
			return err
		}
		if householdID != 0 {
			if p.Kind != Individual {
				return apperr.Invalid().Field("household_id", "people.error.household_org")
			}
			if _, err := s.household(ctx, householdID); err != nil {
				return err
			}
		}
		if _, err := s.q.Exec(ctx, "SetHousehold", personID, nullInt(householdID), s.now()); err != nil {
			return err
		}
		return s.audit(ctx, "person.household", "person", personID, change{p.HouseholdID, householdID})
	})
}

func (s *Service) household(ctx context.Context, id int64) (Household, error) {
	var h Household
	err := s.q.QueryRow(ctx, "GetHousehold", id).Scan(&h.ID, &h.Name, &h.Line1, &h.Line2, &h.City, &h.Region,
		&h.Postcode, &h.Country, &h.CreatedAt, &h.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.NotFound("people.error.household_missing")
	}
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

func (s *Service) touch(ctx context.Context, id int64) error {
	_, err := s.q.Exec(ctx, "TouchPerson", id, s.now())
	return err
}

var _ = time.Time{}
