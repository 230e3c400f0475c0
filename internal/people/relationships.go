package people

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Relationship types. One row links two profiles; each type names both
// directions: "parent" stored as (A, B) reads "A is parent of B" on A's profile
// and "B is child of A" on B's.
const (
	RelSpouse          = "spouse"
	RelParent          = "parent"
	RelSibling         = "sibling"
	RelEmployee        = "employee"
	RelOfficer         = "officer"
	RelHouseholdMember = "household_member"
	RelReferredBy      = "referred_by"
	RelOther           = "other"
)

// RelationshipTypes maps each type to the message keys of its two directions:
// as seen from person_id, then as seen from other_id.
var RelationshipTypes = map[string][2]string{
	RelSpouse:          {"people.rel.spouse", "people.rel.spouse"},
	RelParent:          {"people.rel.parent_of", "people.rel.child_of"},
	RelSibling:         {"people.rel.sibling", "people.rel.sibling"},
	RelEmployee:        {"people.rel.employee_of", "people.rel.employer_of"},
	RelOfficer:         {"people.rel.officer_of", "people.rel.has_officer"},
	RelHouseholdMember: {"people.rel.household_member_of", "people.rel.household_has_member"},
	RelReferredBy:      {"people.rel.referred_by", "people.rel.referred"},
	RelOther:           {"people.rel.other", "people.rel.other"},
}

// Relationship is one relationship as seen from PersonID: LabelKey names the
// direction from this side ("people.rel.child_of"); Label is the free-text
// label of an "other" relationship, also from this side.
type Relationship struct {
	ID        int64     `json:"id"`
	PersonID  int64     `json:"person_id"`
	OtherID   int64     `json:"other_id"`
	OtherName string    `json:"other_name"`
	OtherKind Kind      `json:"other_kind"`
	Type      string    `json:"type"`
	Reverse   bool      `json:"reverse"`
	LabelKey  string    `json:"label_key"`
	Label     string    `json:"label,omitempty"`
	Start     *Date     `json:"start,omitempty"`
	End       *Date     `json:"end,omitempty"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// RelationshipInput links PersonID to OtherID with Type read from PersonID's
// side ("parent": PersonID is the parent). Label and ReverseLabel name the two
// directions of an "other" relationship.
type RelationshipInput struct {
	PersonID     int64  `json:"person_id"`
	OtherID      int64  `json:"other_id"`
	Type         string `json:"type"`
	Label        string `json:"label"`
	ReverseLabel string `json:"reverse_label"`
	Start        *Date  `json:"start"`
	End          *Date  `json:"end"`
	Note         string `json:"note"`
}

func (s *Service) validateRelationship(ctx context.Context, in *RelationshipInput) error {
	v := apperr.Invalid()
	in.Label, in.ReverseLabel = clean(in.Label), clean(in.ReverseLabel)
	if _, ok := RelationshipTypes[in.Type]; !ok {
		v.Field("type", "people.error.relationship_type")
	}
	if in.Type == RelOther && in.Label == "" {
		v.Field("label", "people.error.required")
	}
	if in.Type == RelOther && in.ReverseLabel == "" {
		in.ReverseLabel = in.Label
	}
	if runeLen(in.Label) > maxShortLen || runeLen(in.ReverseLabel) > maxShortLen {
		v.Field("label", "people.error.too_long", "Max", maxShortLen)
	}
	if in.PersonID == in.OtherID {
		v.Field("other_id", "people.error.relationship_self")
	}
	if in.Start != nil && in.End != nil && in.End.Before(*in.Start) {
		v.Field("end", "people.error.end_before_start")
	}
	a, errA := s.livePerson(ctx, in.PersonID)
	if errA != nil {
		v.Field("person_id", "people.error.not_found")
	}
	b, errB := s.livePerson(ctx, in.OtherID)
	if errB != nil {
		v.Field("other_id", "people.error.not_found")
	}
	if errA == nil && errB == nil {
		switch in.Type {
		case RelEmployee, RelOfficer:
			if b.Kind != Organization {
				v.Field("other_id", "people.error.relationship_needs_org")
			}
		case RelSpouse, RelParent, RelSibling, RelHouseholdMember:
			if a.Kind != Individual || b.Kind != Individual {
				v.Field("other_id", "people.error.relationship_needs_individual")
			}
		}
	}
	return v.OrNil()
}

// AddRelationship links two profiles.
func (s *Service) AddRelationship(ctx context.Context, in RelationshipInput) (Relationship, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Relationship{}, err
	}
	var rel Relationship
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.validateRelationship(ctx, &in); err != nil {
			return err
		}
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertRelationship", in.PersonID, in.OtherID, in.Type, in.Label,
			in.ReverseLabel, dateArg(in.Start), dateArg(in.End), in.Note, s.now()).Scan(&id); err != nil {
			return err
		}
		if err := s.afterRelationshipChange(ctx, in.PersonID, in.OtherID); err != nil {
			return err
		}
		var err error
		if rel, err = s.relationshipFrom(ctx, id, in.PersonID); err != nil {
			return err
		}
		return s.audit(ctx, "person.relationship.add", "person", in.PersonID, in)
	})
	return rel, err
}

// UpdateRelationship changes a relationship's type, labels, dates or note
// (not the two profiles it links).
func (s *Service) UpdateRelationship(ctx context.Context, id int64, in RelationshipInput) (Relationship, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Relationship{}, err
	}
	var rel Relationship
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.relationshipFrom(ctx, id, 0)
		if err != nil {
			return err
		}
		in.PersonID, in.OtherID = old.PersonID, old.OtherID
		if err := s.validateRelationship(ctx, &in); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateRelationship", id, in.Type, in.Label, in.ReverseLabel,
			dateArg(in.Start), dateArg(in.End), in.Note); err != nil {
			return err
		}
		if rel, err = s.relationshipFrom(ctx, id, in.PersonID); err != nil {
			return err
		}
		return s.audit(ctx, "person.relationship.update", "person", in.PersonID, change{old, rel})
	})
	return rel, err
}

// RemoveRelationship deletes a relationship.
func (s *Service) RemoveRelationship(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.relationshipFrom(ctx, id, 0)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteRelationship", id); err != nil {
			return err
		}
		if err := s.afterRelationshipChange(ctx, old.PersonID, old.OtherID); err != nil {
			return err
		}
		return s.audit(ctx, "person.relationship.remove", "person", old.PersonID, old)
	})
}

func (s *Service) afterRelationshipChange(ctx context.Context, ids ...int64) error {
	for _, id := range ids {
		if err := s.touch(ctx, id); err != nil {
			return err
		}
		if err := s.reindex(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// relationshipFrom reads one relationship as seen from viewer (0: the stored
// person_id side).
func (s *Service) relationshipFrom(ctx context.Context, id, viewer int64) (Relationship, error) {
	var (
		r          Relationship
		start, end nullDate
		label, rev string
	)
	err := s.q.QueryRow(ctx, "GetRelationshipRow", id).Scan(&r.ID, &r.PersonID, &r.OtherID, &r.Type, &label, &rev,
		&start, &end, &r.Note, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFound("people.error.relationship_missing")
	}
	if err != nil {
		return r, err
	}
	if viewer == 0 {
		viewer = r.PersonID
	}
	all, err := s.relationships(ctx, viewer)
	if err != nil {
		return r, err
	}
	for _, x := range all {
		if x.ID == id {
			return x, nil
		}
	}
	return r, apperr.NotFound("people.error.relationship_missing")
}

func (s *Service) relationships(ctx context.Context, personID int64) ([]Relationship, error) {
	rows, err := s.q.Query(ctx, "RelationshipsOf", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Relationship{}
	for rows.Next() {
		var (
			r          Relationship
			start, end nullDate
			label, rev string
			kind       string
		)
		if err := rows.Scan(&r.ID, &r.PersonID, &r.OtherID, &r.Type, &label, &rev, &start, &end, &r.Note,
			&r.CreatedAt, &r.OtherName, &kind, &r.Reverse); err != nil {
			return nil, err
		}
		r.Start, r.End, r.OtherKind, r.CreatedAt = start.d, end.d, Kind(kind), r.CreatedAt.UTC()
		keys := RelationshipTypes[r.Type]
		if r.Reverse {
			r.LabelKey, r.Label = keys[1], rev
		} else {
			r.LabelKey, r.Label = keys[0], label
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Relationships lists a profile's relationships from its own side.
func (s *Service) Relationships(ctx context.Context, personID int64) ([]Relationship, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	return s.relationships(ctx, personID)
}
