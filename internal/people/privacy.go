package people

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// PersonExport is everything stored about one person, for a subject access
// request. It marshals to JSON as is.
type PersonExport struct {
	ExportedAt      time.Time          `json:"exported_at"`
	Person          Person             `json:"person"`
	MergedProfiles  []Person           `json:"merged_profiles"`
	Household       *Household         `json:"household,omitempty"`
	Contacts        []ContactPoint     `json:"contacts"`
	Roles           []Role             `json:"roles"`
	Tenure          Tenure             `json:"tenure"`
	Relationships   []Relationship     `json:"relationships"`
	Consents        []Consent          `json:"consents"`
	ConsentHistory  []PreferenceChange `json:"consent_history"`
	Timeline        []Event            `json:"timeline"`
	SpecialRequests []SpecialRequest   `json:"special_requests"`
	Tags            []Tag              `json:"tags"`
	CustomValues    []CustomValue      `json:"custom_values"`
}

// ExportPerson gathers everything about a person (following merges), the
// confidential notes included: it is their data.
func (s *Service) ExportPerson(ctx context.Context, id int64) (*PersonExport, error) {
	if err := requirePerm(ctx, permExport); err != nil {
		return nil, err
	}
	var x *PersonExport
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		live, err := s.Resolve(ctx, id)
		if err != nil {
			return err
		}
		p, err := s.person(ctx, live)
		if err != nil {
			return err
		}
		x = &PersonExport{ExportedAt: s.now(), Person: p, MergedProfiles: []Person{}}
		ids, err := s.idList(ctx, "TombstonesOf", live)
		if err != nil {
			return err
		}
		for _, m := range ids {
			mp, err := s.person(ctx, m)
			if err != nil {
				return err
			}
			x.MergedProfiles = append(x.MergedProfiles, mp)
		}
		if p.HouseholdID != 0 {
			h, err := s.household(ctx, p.HouseholdID)
			if err != nil {
				return err
			}
			x.Household = &h
		}
		if x.Contacts, err = s.contacts(ctx, live); err != nil {
			return err
		}
		if x.Roles, err = s.roles(ctx, live); err != nil {
			return err
		}
		x.Tenure = ComputeTenure(x.Roles, s.now())
		if x.Relationships, err = s.relationships(ctx, live); err != nil {
			return err
		}
		if x.Consents, err = s.consents(ctx, live); err != nil {
			return err
		}
		if x.ConsentHistory, err = s.preferenceHistory(ctx, live); err != nil {
			return err
		}
		if x.Timeline, err = s.events(ctx, "TimelineAll", live); err != nil {
			return err
		}
		if x.SpecialRequests, err = s.specialRequests(ctx, live, true); err != nil {
			return err
		}
		if x.Tags, err = s.tagsOf(ctx, live); err != nil {
			return err
		}
		if x.CustomValues, err = s.customValues(ctx, live); err != nil {
			return err
		}
		return s.audit(ctx, "person.export_data", "person", live, nil)
	})
	return x, err
}

// ErasedName is what an erased profile is called.
func ErasedName(id int64) string { return "Erased person #" + strconv.FormatInt(id, 10) }

// Erase removes a person's personal data for good (right to be forgotten),
// with every profile merged into them: names become "Erased person #id";
// contact points, relationships, consents and their history, special
// requests, tags and custom values are deleted; timeline events lose their
// text and keep only kind, dates and numeric data (so gift totals still add
// up); roles keep their dates without notes; the search row goes; the values
// in the person's audit entries become ErasedValue (who, when and what action
// stay). The profile is marked erased, never contacted and left out of search
// and lists.
func (s *Service) Erase(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permErase); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		live, err := s.Resolve(ctx, id)
		if err != nil {
			return err
		}
		p, err := s.livePerson(ctx, live)
		if err != nil {
			return err
		}
		targets, err := s.idList(ctx, "TombstonesOf", live)
		if err != nil {
			return err
		}
		targets = append(targets, live)
		related, err := s.idList(ctx, "RelatedPeople", live)
		if err != nil {
			return err
		}
		now := s.now()
		for _, t := range targets {
			if err := s.erase(ctx, t, now); err != nil {
				return err
			}
			if err := s.scrubAudit(ctx, t); err != nil {
				return err
			}
		}
		for _, r := range related {
			if err := s.reindex(ctx, r); err != nil {
				return err
			}
		}
		return s.audit(ctx, "person.erase", "person", live, map[string]any{"profiles": targets, "kind": p.Kind})
	})
}

func (s *Service) erase(ctx context.Context, id int64, now time.Time) error {
	p, err := s.person(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.q.Exec(ctx, "ErasePerson", id, ErasedName(id), now); err != nil {
		return err
	}
	if p.HouseholdID != 0 {
		if _, err := s.q.Exec(ctx, "EraseEmptyHousehold", p.HouseholdID, "Erased household #"+strconv.FormatInt(p.HouseholdID, 10), now); err != nil {
			return err
		}
	}
	for _, q := range []string{"EraseContacts", "EraseRelationships", "EraseConsents", "ErasePreferenceHistory",
		"EraseSpecialRequests", "EraseRoleNotes", "DeleteTagsOf", "DeleteCustomValuesOf", "DeleteDuplicatesOf", "DeleteSearch"} {
		if _, err := s.q.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	rows, err := s.q.Query(ctx, "EventDataOf", id)
	if err != nil {
		return err
	}
	type ev struct {
		id   int64
		data string
	}
	var evs []ev
	for rows.Next() {
		var e ev
		var data []byte
		if err := rows.Scan(&e.id, &data); err != nil {
			rows.Close()
			return err
		}
		e.data = numericOnly(data)
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range evs {
		if _, err := s.q.Exec(ctx, "EraseEventText", e.id, e.data); err != nil {
			return err
		}
	}
	if s.cfg.Hooks.OnErase != nil {
		return s.cfg.Hooks.OnErase(ctx, id)
	}
	return nil
}

// numericOnly keeps the numbers and booleans of a JSON object (amounts,
// counts) and its currency code, and drops the rest, which may be personal.
func numericOnly(data []byte) string {
	var obj map[string]any
	if json.Unmarshal(data, &obj) != nil {
		return "{}"
	}
	out := map[string]any{}
	for k, v := range obj {
		switch x := v.(type) {
		case float64, bool:
			out[k] = v
		case string:
			if k == "currency" && len(x) == 3 {
				out[k] = v
			}
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}
