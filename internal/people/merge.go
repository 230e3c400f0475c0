package people

import (
	"context"
	"encoding/json"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Duplicate reasons.
const (
	DupEmail         = "email"
	DupPhone         = "phone"
	DupNamePostcode  = "name_postcode"
	DupNameBirthDate = "name_birth_date"
)

// DuplicateMatch is a profile that may be the same person, and why.
type DuplicateMatch struct {
	PersonID int64    `json:"person_id"`
	Reasons  []string `json:"reasons"`
}

// FindDuplicates lists live profiles that may be the same as personID: the same
// e-mail address or phone number, or the same name (in the same script,
// ignoring case, accents and order) with the same postcode or birth date.
func (s *Service) FindDuplicates(ctx context.Context, personID int64) ([]DuplicateMatch, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	reasons := map[int64][]string{}
	var order []int64
	add := func(id int64, reason string) {
		if _, ok := reasons[id]; !ok {
			order = append(order, id)
		}
		for _, r := range reasons[id] {
			if r == reason {
				return
			}
		}
		reasons[id] = append(reasons[id], reason)
	}
	rows, err := s.q.Query(ctx, "DupByContact", personID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return nil, err
		}
		add(id, kind)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for q, reason := range map[string]string{"DupByNamePostcode": DupNamePostcode, "DupByNameBirth": DupNameBirthDate} {
		ids, err := s.idList(ctx, q, personID)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			add(id, reason)
		}
	}
	out := []DuplicateMatch{}
	for _, id := range order {
		out = append(out, DuplicateMatch{PersonID: id, Reasons: reasons[id]})
	}
	return out, nil
}

// ScanDuplicates fills the review queue with every pair of live profiles that
// may be duplicates; pairs already queued (or dismissed) stay as they are. It
// returns the number of new candidates.
func (s *Service) ScanDuplicates(ctx context.Context) (int64, error) {
	if err := requirePerm(ctx, permMerge); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		for _, q := range []string{"ScanDupContacts", "ScanDupNamePostcode", "ScanDupNameBirth"} {
			res, err := s.q.Exec(ctx, q, now)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return s.audit(ctx, "person.duplicates.scan", "person", 0, map[string]int64{"new": n})
	})
	return n, err
}

// DuplicateCandidate is one pair in the review queue.
type DuplicateCandidate struct {
	ID        int64  `json:"id"`
	PersonID  int64  `json:"person_id"`
	OtherID   int64  `json:"other_id"`
	Reason    string `json:"reason"`
	Name      string `json:"name"`
	OtherName string `json:"other_name"`
}

// DuplicateCandidates lists the open review queue, oldest first.
func (s *Service) DuplicateCandidates(ctx context.Context, cursor string, limit int) (Page[DuplicateCandidate], error) {
	if err := requirePerm(ctx, permMerge); err != nil {
		return Page[DuplicateCandidate]{}, err
	}
	limit = clampLimit(limit)
	var c struct {
		ID int64 `json:"i"`
	}
	if err := decodeCursor(cursor, &c); err != nil {
		return Page[DuplicateCandidate]{}, err
	}
	rows, err := s.q.Query(ctx, "DuplicateCandidates", c.ID, limit+1)
	if err != nil {
		return Page[DuplicateCandidate]{}, err
	}
	defer rows.Close()
	page := Page[DuplicateCandidate]{Items: []DuplicateCandidate{}}
	for rows.Next() {
		var d DuplicateCandidate
		var created any
		if err := rows.Scan(&d.ID, &d.PersonID, &d.OtherID, &d.Reason, &created, &d.Name, &d.OtherName); err != nil {
			return page, err
		}
		page.Items = append(page.Items, d)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		c.ID = page.Items[limit-1].ID
		page.Next = encodeCursor(c)
	}
	return page, nil
}

// DismissDuplicate marks a candidate pair as not the same person; scans do
// not bring it back.
func (s *Service) DismissDuplicate(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permMerge); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		res, err := s.q.Exec(ctx, "DismissDuplicate", id, nullInt(actorID(ctx)))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("people.error.duplicate_missing")
		}
		return s.audit(ctx, "person.duplicates.dismiss", "duplicate_candidate", id, nil)
	})
}

// mergeRecord is what the "merge" timeline event keeps of the merged profile:
// everything that did not survive as a row of its own.
type mergeRecord struct {
	MergedID            int64             `json:"merged_id"`
	Merged              Person            `json:"merged"`
	DuplicateContacts   []ContactPoint    `json:"duplicate_contacts,omitempty"`
	OverriddenCustom    []CustomValue     `json:"overridden_custom_values,omitempty"`
	OverriddenConsents  []Consent         `json:"overridden_consents,omitempty"`
	RemovedRelationship []map[string]any  `json:"removed_relationships,omitempty"`
	FilledFields        map[string]change `json:"filled_fields,omitempty"`
}

// Merge folds mergeID into keepID in one transaction, losing nothing: every
// role, relationship, contact point (duplicates dropped, listed on the merge
// event), timeline event, consent with both histories, tag and custom field
// (keep's value wins; the other is recorded on the merge event) moves to the
// survivor, whose empty profile fields are filled from the merged one. The
// merged profile stays as a tombstone pointing at the survivor, so old links
// resolve. Other capabilities move their rows in Hooks.OnMerge.
func (s *Service) Merge(ctx context.Context, keepID, mergeID int64) error {
	if err := requirePerm(ctx, permMerge); err != nil {
		return err
	}
	if keepID == mergeID {
		return apperr.Invalid().Field("merge_id", "people.error.merge_self")
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		keep, err := s.livePerson(ctx, keepID)
		if err != nil {
			return err
		}
		gone, err := s.livePerson(ctx, mergeID)
		if err != nil {
			return err
		}
		if keep.Kind != gone.Kind {
			return apperr.Invalid().Field("merge_id", "people.error.merge_kind")
		}
		rec := mergeRecord{MergedID: mergeID, Merged: gone, FilledFields: map[string]change{}}

		// Profile fields: keep's win, empty ones are filled.
		in := inputOf(keep)
		fill := func(name string, dst *string, src string) {
			if *dst == "" && src != "" {
				rec.FilledFields[name] = change{"", src}
				*dst = src
			}
		}
		fill("given_name", &in.GivenName, gone.GivenName)
		fill("family_name", &in.FamilyName, gone.FamilyName)
		fill("sort_name", &in.SortName, gone.SortName)
		fill("language", &in.Language, gone.Language)
		fill("pronouns", &in.Pronouns, gone.Pronouns)
		if in.BirthDate == nil && gone.BirthDate != nil {
			in.BirthDate = gone.BirthDate
			rec.FilledFields["birth_date"] = change{nil, gone.BirthDate.String()}
		}
		if in.HouseholdID == 0 && gone.HouseholdID != 0 {
			in.HouseholdID = gone.HouseholdID
			rec.FilledFields["household_id"] = change{0, gone.HouseholdID}
		}
		if err := s.updatePerson(ctx, keepID, in); err != nil {
			return err
		}
		prefChannel, prefTime, from, to := keep.PreferredChannel, keep.PreferredTime, keep.PreferredFromHour, keep.PreferredToHour
		if prefChannel == "" {
			prefChannel = gone.PreferredChannel
		}
		if prefTime == "" && from == nil && to == nil {
			prefTime, from, to = gone.PreferredTime, gone.PreferredFromHour, gone.PreferredToHour
		}
		// Asking either record not to be contacted is asking the person.
		dnc := keep.DoNotContact || gone.DoNotContact
		if _, err := s.q.Exec(ctx, "FillPreferences", keepID, dnc, prefChannel, prefTime, intArg(from), intArg(to)); err != nil {
			return err
		}
		if dnc && !keep.DoNotContact {
			if err := s.setDoNotContact(ctx, keepID, false, true, "merge", "", s.now()); err != nil {
				return err
			}
		}

		// Contact points, deduplicated by normalized value.
		keepContacts, err := s.contacts(ctx, keepID)
		if err != nil {
			return err
		}
		goneContacts, err := s.contacts(ctx, mergeID)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, c := range keepContacts {
			have[string(c.Kind)+"\x00"+contactIdentity(c)] = true
		}
		kinds := map[ContactKind]bool{}
		for _, c := range goneContacts {
			k := string(c.Kind) + "\x00" + contactIdentity(c)
			if have[k] {
				rec.DuplicateContacts = append(rec.DuplicateContacts, c)
				if _, err := s.q.Exec(ctx, "DeleteContact", c.ID); err != nil {
					return err
				}
				continue
			}
			have[k] = true
			kinds[c.Kind] = true
			if _, err := s.q.Exec(ctx, "MoveContact", c.ID, keepID); err != nil {
				return err
			}
		}
		for k := range kinds {
			if err := s.ensurePrimary(ctx, keepID, k); err != nil {
				return err
			}
		}

		if _, err := s.q.Exec(ctx, "MoveRoles", keepID, mergeID); err != nil {
			return err
		}

		// A relationship between the two would link the survivor to itself.
		rows, err := s.q.Query(ctx, "RelationshipsBetween", keepID, mergeID)
		if err != nil {
			return err
		}
		var selfLinks []int64
		for rows.Next() {
			var id int64
			var typ string
			if err := rows.Scan(&id, &typ); err != nil {
				rows.Close()
				return err
			}
			selfLinks = append(selfLinks, id)
			rec.RemovedRelationship = append(rec.RemovedRelationship, map[string]any{"id": id, "type": typ})
		}
		rows.Close()
		for _, id := range selfLinks {
			if _, err := s.q.Exec(ctx, "DeleteRelationship", id); err != nil {
				return err
			}
		}
		related, err := s.idList(ctx, "RelatedPeople", mergeID)
		if err != nil {
			return err
		}
		for _, q := range []string{"MoveRelationshipsFrom", "MoveRelationshipsTo", "MovePreferenceHistory",
			"MoveTimeline", "MoveSpecialRequests", "CopyTags", "RepointTombstones"} {
			if _, err := s.q.Exec(ctx, q, keepID, mergeID); err != nil {
				return err
			}
		}
		if _, err := s.q.Exec(ctx, "DeleteTagsOf", mergeID); err != nil {
			return err
		}

		// Consents: an opt-out on either record wins (contacting someone who
		// opted out is the costly mistake); otherwise the latest decision.
		keepConsents, err := s.consents(ctx, keepID)
		if err != nil {
			return err
		}
		goneConsents, err := s.consents(ctx, mergeID)
		if err != nil {
			return err
		}
		current := map[[2]string]Consent{}
		for _, c := range keepConsents {
			current[[2]string{c.Channel, c.Purpose}] = c
		}
		for _, c := range goneConsents {
			k := [2]string{c.Channel, c.Purpose}
			old, ok := current[k]
			take := !ok || (c.Status == OptOut && old.Status != OptOut) ||
				(old.Status != OptOut && c.Status != OptOut && c.EffectiveAt.After(old.EffectiveAt))
			if take {
				if ok {
					rec.OverriddenConsents = append(rec.OverriddenConsents, old)
				}
				if _, err := s.q.Exec(ctx, "UpsertConsent", keepID, c.Channel, c.Purpose, c.Status, c.Source,
					c.EffectiveAt, c.RecordedAt); err != nil {
					return err
				}
			} else {
				rec.OverriddenConsents = append(rec.OverriddenConsents, c)
			}
			if _, err := s.q.Exec(ctx, "DeleteConsent", mergeID, c.Channel, c.Purpose); err != nil {
				return err
			}
		}

		// Custom values: keep's win; the merged one's are recorded.
		keepValues, err := s.customValues(ctx, keepID)
		if err != nil {
			return err
		}
		goneValues, err := s.customValues(ctx, mergeID)
		if err != nil {
			return err
		}
		haveValue := map[int64]string{}
		for _, v := range keepValues {
			haveValue[v.FieldID] = v.Value
		}
		for _, v := range goneValues {
			if kv, ok := haveValue[v.FieldID]; ok && kv != v.Value {
				rec.OverriddenCustom = append(rec.OverriddenCustom, v)
			}
		}
		if _, err := s.q.Exec(ctx, "CopyCustomValues", keepID, mergeID); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteCustomValuesOf", mergeID); err != nil {
			return err
		}

		if _, err := s.q.Exec(ctx, "DeleteDuplicatesOf", mergeID); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "MarkMerged", mergeID, keepID, s.now()); err != nil {
			return err
		}
		if s.cfg.Hooks.OnMerge != nil {
			if err := s.cfg.Hooks.OnMerge(ctx, keepID, mergeID); err != nil {
				return err
			}
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, Event{PersonID: keepID, Kind: EventMerge, TitleKey: "people.event.merge",
			Summary: gone.DisplayName, RefType: "person", RefID: mergeID, Data: data}); err != nil {
			return err
		}
		if err := s.reindex(ctx, mergeID); err != nil { // drops the tombstone's row
			return err
		}
		if err := s.reindex(ctx, keepID); err != nil {
			return err
		}
		for _, id := range related {
			if id != keepID && id != mergeID {
				if err := s.reindex(ctx, id); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, "person.merge", "person", keepID, map[string]any{
			"kept": keepID, "merged": mergeID, "merged_name": gone.DisplayName})
	})
}

// contactIdentity is what makes two contact points the same.
func contactIdentity(c ContactPoint) string {
	switch c.Kind {
	case Email:
		_, key, _ := normalizeEmail(c.Value)
		return key
	case Social:
		return c.Platform + ":" + c.Value
	case Address:
		return tagKey(c.Value)
	}
	return c.Value
}
