package people

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"golang.org/x/text/language"

	"github.com/hearken-org/hearken/internal/apperr"
)

// contactRow is a validated contact point ready to store.
type contactRow struct {
	ContactInput
	value, original, matchKey, national string
}

var contactTypes = map[string]bool{TypeHome: true, TypeWork: true, TypeMobile: true, TypeOther: true, "main": true}

func validCountry(c string) bool {
	r, err := language.ParseRegion(c)
	return err == nil && r.IsCountry() && len(c) == 2
}

// validateContact normalizes in and records problems in v under prefix.
func (s *Service) validateContact(ctx context.Context, in ContactInput, v *apperr.Error, prefix string) contactRow {
	in.Type = strings.ToLower(strings.TrimSpace(in.Type))
	if in.Type != "" && !contactTypes[in.Type] {
		v.Field(prefix+"type", "people.error.contact_type")
	}
	c := contactRow{ContactInput: in, original: strings.TrimSpace(in.Value)}
	switch in.Kind {
	case Email:
		val, key, ok := normalizeEmail(in.Value)
		if !ok {
			v.Field(prefix+"value", "people.error.email", "Value", in.Value)
		}
		c.value, c.matchKey = val, key
	case Phone:
		region := in.PhoneRegion
		if region == "" {
			region = s.PhoneRegion(ctx)
		}
		ph, ok := parsePhone(in.Value, region)
		if !ok {
			v.Field(prefix+"value", "people.error.phone", "Value", in.Value)
		}
		c.value, c.matchKey, c.national = ph.e164, ph.e164, ph.national
	case Social:
		p := strings.ToLower(strings.TrimSpace(in.Platform))
		if p == "twitter" {
			p = "x"
		}
		if !socialPlatforms[p] {
			p = "other"
		}
		h := strings.TrimSpace(in.Value)
		if p != "mastodon" && p != "other" {
			h = strings.TrimPrefix(h, "@")
		}
		if h == "" || runeLen(h) > 200 || strings.ContainsAny(h, " \t\n") {
			v.Field(prefix+"value", "people.error.social")
		}
		c.Platform, c.value, c.matchKey = p, h, p+":"+strings.ToLower(h)
	case Address:
		c.Line1, c.Line2, c.City = clean(in.Line1), clean(in.Line2), clean(in.City)
		c.Region, c.Postcode = clean(in.Region), strings.ToUpper(clean(in.Postcode))
		c.Country = strings.ToUpper(strings.TrimSpace(in.Country))
		if c.Line1 == "" && c.City == "" && c.Postcode == "" {
			v.Field(prefix+"line1", "people.error.address")
		}
		if c.Country != "" && !validCountry(c.Country) {
			v.Field(prefix+"country", "people.error.country")
		}
		for _, f := range []string{c.Line1, c.Line2, c.City, c.Region, c.Postcode} {
			if runeLen(f) > maxNameLen {
				v.Field(prefix+"line1", "people.error.too_long", "Max", maxNameLen)
			}
		}
		c.value = formatAddress(c.ContactInput)
		c.original = c.value
		// Addresses match by postcode (with the name) when looking for
		// duplicates, written without spaces: "SW1A 1AA" = "SW1A1AA".
		c.matchKey = strings.ReplaceAll(c.Postcode, " ", "")
	default:
		v.Field(prefix+"kind", "people.error.contact_kind")
	}
	if c.Type == "" {
		c.Type = map[ContactKind]string{Phone: TypeMobile, Social: TypeOther}[in.Kind]
		if c.Type == "" {
			c.Type = TypeHome
		}
	}
	return c
}

func formatAddress(a ContactInput) string {
	var parts []string
	for _, p := range []string{a.Line1, a.Line2, strings.TrimSpace(a.Postcode + " " + a.City), a.Region, a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// insertContact stores c, keeping exactly one primary per kind: the first of a
// kind becomes primary, and a new primary demotes the old one.
func (s *Service) insertContact(ctx context.Context, personID int64, c contactRow) (int64, error) {
	var n int
	if err := s.q.QueryRow(ctx, "HasPrimary", personID, string(c.Kind)).Scan(&n); err != nil {
		return 0, err
	}
	primary := c.Primary || n == 0
	if primary && n > 0 {
		if _, err := s.q.Exec(ctx, "ClearPrimary", personID, string(c.Kind)); err != nil {
			return 0, err
		}
	}
	return s.insertContactRow(ctx, personID, c, primary)
}

// newPrimaries says which of a new profile's contacts end up primary, as
// inserting them one by one with insertContact would leave them: per kind
// the last one marked primary, else the first.
func newPrimaries(cs []contactRow) []bool {
	out := make([]bool, len(cs))
	chosen := map[ContactKind]int{}
	for i, c := range cs {
		if j, ok := chosen[c.Kind]; !ok || c.Primary {
			if ok {
				out[j] = false
			}
			chosen[c.Kind], out[i] = i, true
		}
	}
	return out
}

func (s *Service) insertContactRow(ctx context.Context, personID int64, c contactRow, primary bool) (int64, error) {
	var id int64
	err := s.q.QueryRowW(ctx, "InsertContact", personID, string(c.Kind), c.Type, primary, c.value, c.original,
		c.matchKey, c.national, c.Platform, c.Line1, c.Line2, c.City, c.Region, c.Postcode, c.Country, s.now()).Scan(&id)
	return id, err
}

// AddContact adds a contact point. Adding one already on the profile (same
// normalized value) returns the existing one unchanged except for Primary.
func (s *Service) AddContact(ctx context.Context, personID int64, in ContactInput) (ContactPoint, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return ContactPoint{}, err
	}
	var cp ContactPoint
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		v := apperr.Invalid()
		c := s.validateContact(ctx, in, v, "")
		if err := v.OrNil(); err != nil {
			return err
		}
		id, err := s.existingContact(ctx, personID, c)
		if err != nil {
			return err
		}
		if id != 0 {
			if c.Primary {
				if err := s.setPrimary(ctx, personID, c.Kind, id); err != nil {
					return err
				}
			}
		} else if id, err = s.insertContact(ctx, personID, c); err != nil {
			return err
		}
		if err := s.afterContactChange(ctx, personID); err != nil {
			return err
		}
		if cp, err = s.contact(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.contact.add", "person", personID, cp)
	})
	return cp, err
}

func (s *Service) existingContact(ctx context.Context, personID int64, c contactRow) (int64, error) {
	if c.matchKey == "" || c.Kind == Address {
		return 0, nil
	}
	var id int64
	err := s.q.QueryRow(ctx, "ContactMatchOf", personID, string(c.Kind), c.matchKey).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// UpdateContact changes a contact point (its kind stays).
func (s *Service) UpdateContact(ctx context.Context, id int64, in ContactInput) (ContactPoint, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return ContactPoint{}, err
	}
	var cp ContactPoint
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.contact(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.livePerson(ctx, old.PersonID); err != nil {
			return err
		}
		in.Kind = old.Kind
		v := apperr.Invalid()
		c := s.validateContact(ctx, in, v, "")
		if err := v.OrNil(); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateContact", id, c.Type, c.value, c.original, c.matchKey, c.national,
			c.Platform, c.Line1, c.Line2, c.City, c.Region, c.Postcode, c.Country); err != nil {
			return err
		}
		if c.Primary && !old.Primary {
			if err := s.setPrimary(ctx, old.PersonID, old.Kind, id); err != nil {
				return err
			}
		}
		if err := s.afterContactChange(ctx, old.PersonID); err != nil {
			return err
		}
		if cp, err = s.contact(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.contact.update", "person", old.PersonID, change{old, cp})
	})
	return cp, err
}

// RemoveContact deletes a contact point; if it was primary, the oldest
// remaining one of its kind becomes primary.
func (s *Service) RemoveContact(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.contact(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteContact", id); err != nil {
			return err
		}
		if err := s.ensurePrimary(ctx, old.PersonID, old.Kind); err != nil {
			return err
		}
		if err := s.afterContactChange(ctx, old.PersonID); err != nil {
			return err
		}
		return s.audit(ctx, "person.contact.remove", "person", old.PersonID, old)
	})
}

// SetPrimaryContact makes a contact point the primary one of its kind.
func (s *Service) SetPrimaryContact(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.contact(ctx, id)
		if err != nil {
			return err
		}
		if err := s.setPrimary(ctx, c.PersonID, c.Kind, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.contact.primary", "person", c.PersonID, map[string]any{"contact_id": id})
	})
}

func (s *Service) setPrimary(ctx context.Context, personID int64, kind ContactKind, id int64) error {
	if _, err := s.q.Exec(ctx, "ClearPrimary", personID, string(kind)); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, "SetPrimary", id)
	return err
}

// ensurePrimary promotes the oldest contact point of a kind when none is
// primary (after a removal or a merge).
func (s *Service) ensurePrimary(ctx context.Context, personID int64, kind ContactKind) error {
	var n int
	if err := s.q.QueryRow(ctx, "HasPrimary", personID, string(kind)).Scan(&n); err != nil || n > 0 {
		return err
	}
	var id int64
	err := s.q.QueryRow(ctx, "OldestContactOfKind", personID, string(kind)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.q.Exec(ctx, "SetPrimary", id)
	return err
}

func (s *Service) afterContactChange(ctx context.Context, personID int64) error {
	if err := s.touch(ctx, personID); err != nil {
		return err
	}
	return s.reindex(ctx, personID)
}

func scanContact(r scanner) (ContactPoint, error) {
	var c ContactPoint
	var kind string
	err := r.Scan(&c.ID, &c.PersonID, &kind, &c.Type, &c.Primary, &c.Value, &c.Original, &c.National, &c.Platform,
		&c.Line1, &c.Line2, &c.City, &c.Region, &c.Postcode, &c.Country, &c.CreatedAt)
	c.Kind = ContactKind(kind)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

func (s *Service) contact(ctx context.Context, id int64) (ContactPoint, error) {
	c, err := scanContact(s.q.QueryRow(ctx, "GetContact", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("people.error.contact_missing")
	}
	return c, err
}

func (s *Service) contacts(ctx context.Context, personID int64) ([]ContactPoint, error) {
	rows, err := s.q.Query(ctx, "ContactsOf", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ContactPoint{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Contacts lists a profile's contact points, primary first within each kind.
func (s *Service) Contacts(ctx context.Context, personID int64) ([]ContactPoint, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	return s.contacts(ctx, personID)
}
