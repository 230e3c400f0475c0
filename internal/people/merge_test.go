package people_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

func TestDuplicates(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		bd := date(1975, 4, 2)
		a := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Şükrü", FamilyName: "Öztürk", BirthDate: &bd},
			Contacts: []people.ContactInput{email("sukru@example.com"), phone("0532 111 22 33"),
				{Kind: people.Address, Line1: "Bağdat Cad. 1", City: "İstanbul", Postcode: "34 728"}}})
		byEmail := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "S. Ozturk"}, Contacts: []people.ContactInput{email("SUKRU@example.com")}})
		byPhone := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Office"}, Contacts: []people.ContactInput{phone("+90 532 111 2233")}})
		byNamePost := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "sukru", FamilyName: "OZTURK"},
			Contacts: []people.ContactInput{{Kind: people.Address, Line1: "Other street", Postcode: "34728"}}})
		byNameBirth := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Öztürk", FamilyName: "Şükrü", BirthDate: &bd}})
		// Same name, nothing else in common; and the same name in another script.
		create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Şükrü", FamilyName: "Öztürk"}})
		create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Шукру", FamilyName: "Озтюрк", BirthDate: &bd}})

		got := must[[]people.DuplicateMatch](t)(s.FindDuplicates(ctx, a.ID))
		want := map[int64]string{byEmail.ID: "email", byPhone.ID: "phone", byNamePost.ID: "name_postcode", byNameBirth.ID: "name_birth_date"}
		if len(got) != len(want) {
			t.Fatalf("duplicates = %+v", got)
		}
		for _, m := range got {
			if !slices.Contains(m.Reasons, want[m.PersonID]) {
				t.Errorf("%d: reasons %v, want %s", m.PersonID, m.Reasons, want[m.PersonID])
			}
		}
		n := must[int64](t)(s.ScanDuplicates(ctx))
		if n != 4 {
			t.Fatalf("scan found %d", n)
		}
		if again := must[int64](t)(s.ScanDuplicates(ctx)); again != 0 {
			t.Fatalf("rescan added %d", again)
		}
		q := must[people.Page[people.DuplicateCandidate]](t)(s.DuplicateCandidates(ctx, "", 2))
		if len(q.Items) != 2 || q.Next == "" {
			t.Fatalf("queue page = %+v", q)
		}
		if err := s.DismissDuplicate(ctx, q.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		must[int64](t)(s.ScanDuplicates(ctx))
		all := must[people.Page[people.DuplicateCandidate]](t)(s.DuplicateCandidates(ctx, "", 50))
		if len(all.Items) != 3 {
			t.Fatalf("after dismiss and rescan: %+v", all.Items)
		}
	})
}

func TestMergeKeepsEverything(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		var hooked [2]int64
		c := &clock{t: testNow}
		s := people.New(d, people.Config{Now: c.Now, DefaultRegion: "FR", Hooks: people.Hooks{
			OnMerge: func(ctx context.Context, keep, merge int64) error { hooked = [2]int64{keep, merge}; return nil }}})
		ctx := sys()
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "tshirt", Label: "T-shirt", Type: "choice", Options: []string{"S", "M", "L"}}))
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "diet", Label: "Diet", Type: "text"}))
		bd := date(1990, 7, 14)
		keep := create(t, s, people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Camille Martin", GivenName: "Camille", Language: "fr"},
			Contacts:    []people.ContactInput{email("camille@example.fr"), phone("06 11 22 33 44")},
			Roles:       []people.RoleInput{{Role: "client", Subtype: "student", Start: date(2018, 9, 1), End: people.DatePtr(date(2019, 6, 30))}},
			Tags:        []string{"Alumni", "Paris"},
		})
		gone := create(t, s, people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "C. Martin", FamilyName: "Martin", BirthDate: &bd, Pronouns: "elle"},
			Contacts: []people.ContactInput{email("Camille@EXAMPLE.fr"), email("cmartin@work.fr"), phone("+33 7 55 66 77 88"),
				{Kind: people.Address, Line1: "1 rue de Rivoli", City: "Paris", Postcode: "75001", Country: "FR"}},
			Roles: []people.RoleInput{{Role: "donor", Start: date(2021, 3, 1)}, {Role: "volunteer", Start: date(2022, 1, 1)}},
			Tags:  []string{"Paris", "Donateur"},
		})
		friend := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Luc Bernard"}})
		org := create(t, s, people.NewPerson{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "Fondation Lumière"}})
		must[people.Relationship](t)(s.AddRelationship(ctx, people.RelationshipInput{PersonID: gone.ID, OtherID: friend.ID, Type: people.RelSibling}))
		must[people.Relationship](t)(s.AddRelationship(ctx, people.RelationshipInput{PersonID: gone.ID, OtherID: org.ID, Type: people.RelEmployee}))
		must[people.Relationship](t)(s.AddRelationship(ctx, people.RelationshipInput{PersonID: keep.ID, OtherID: gone.ID, Type: people.RelSibling}))
		must[people.Event](t)(s.AddNote(ctx, gone.ID, people.NoteInput{Body: "Gave at the gala"}))
		must[people.Event](t)(s.AddEvent(ctx, people.Event{PersonID: gone.ID, Kind: "gift", Data: json.RawMessage(`{"amount": 100}`)}))
		must[people.SpecialRequest](t)(s.AddSpecialRequest(ctx, gone.ID, "Vegetarian meals"))
		c.t = testNow.Add(time.Hour)
		if err := s.SetConsent(ctx, keep.ID, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_in", Source: "form"}); err != nil {
			t.Fatal(err)
		}
		c.t = testNow.Add(2 * time.Hour)
		if err := s.SetConsent(ctx, gone.ID, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_out", Source: "link"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConsent(ctx, gone.ID, people.ConsentInput{Channel: "sms", Status: "opt_in", Source: "form"}); err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			id      int64
			key, vl string
		}{{keep.ID, "tshirt", "M"}, {gone.ID, "tshirt", "L"}, {gone.ID, "diet", "vegetarian"}} {
			if err := s.SetCustomValue(ctx, v.id, v.key, v.vl); err != nil {
				t.Fatal(err)
			}
		}
		before := func(table string) int {
			return count(t, d, "SELECT count(*) FROM "+table+" WHERE person_id IN ($1, $2)", keep.ID, gone.ID)
		}
		rolesBefore, eventsBefore, historyBefore := before("person_roles"), before("timeline_events"), before("preference_history")

		c.t = testNow.Add(3 * time.Hour)
		if err := s.Merge(ctx, keep.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		if hooked != [2]int64{keep.ID, gone.ID} {
			t.Fatalf("OnMerge = %v", hooked)
		}
		pr := must[*people.Profile](t)(s.Profile(ctx, gone.ID)) // old links resolve
		if pr.Person.ID != keep.ID || pr.RedirectedFrom != gone.ID {
			t.Fatalf("resolved to %d from %d", pr.Person.ID, pr.RedirectedFrom)
		}
		p := pr.Person
		if p.DisplayName != "Camille Martin" || p.FamilyName != "Martin" || p.BirthDate == nil || *p.BirthDate != bd || p.Pronouns != "elle" {
			t.Fatalf("filled profile = %+v", p)
		}
		var values []string
		for _, c := range pr.Contacts {
			values = append(values, string(c.Kind)+":"+c.Value)
		}
		slices.Sort(values)
		wantContacts := []string{"address:1 rue de Rivoli, 75001 Paris, FR", "email:camille@example.fr", "email:cmartin@work.fr", "phone:+33611223344", "phone:+33755667788"}
		if !slices.Equal(values, wantContacts) {
			t.Fatalf("contacts = %q", values)
		}
		primaries := count(t, d, "SELECT count(*) FROM contact_points WHERE person_id = $1 AND is_primary", keep.ID)
		if primaries != 3 {
			t.Fatalf("primaries = %d (one per kind)", primaries)
		}
		if len(pr.Roles) != 3 || rolesBefore != count(t, d, "SELECT count(*) FROM person_roles WHERE person_id = $1", keep.ID) {
			t.Fatalf("roles = %+v", pr.Roles)
		}
		var rels []string
		for _, r := range pr.Relationships {
			rels = append(rels, r.OtherName+":"+r.LabelKey)
		}
		slices.Sort(rels)
		if !slices.Equal(rels, []string{"Fondation Lumière:people.rel.employee_of", "Luc Bernard:people.rel.sibling"}) {
			t.Fatalf("relationships = %q", rels)
		}
		var tags []string
		for _, tg := range pr.Tags {
			tags = append(tags, tg.Name)
		}
		if !slices.Equal(tags, []string{"Alumni", "Donateur", "Paris"}) {
			t.Fatalf("tags = %q", tags)
		}
		cv := map[string]string{}
		for _, v := range pr.CustomValues {
			cv[v.Key] = v.Value
		}
		if cv["tshirt"] != "M" || cv["diet"] != "vegetarian" {
			t.Fatalf("custom values = %v", cv)
		}
		cons := map[string]string{}
		for _, c := range pr.Consents {
			cons[c.Channel+"/"+c.Purpose] = c.Status
		}
		if cons["email/newsletter"] != "opt_out" || cons["sms/"] != "opt_in" {
			t.Fatalf("consents = %v", cons)
		}
		if n := count(t, d, "SELECT count(*) FROM preference_history WHERE person_id = $1", keep.ID); n != historyBefore {
			t.Fatalf("history = %d, want %d", n, historyBefore)
		}
		if len(pr.SpecialRequests) != 1 {
			t.Fatalf("special requests = %+v", pr.SpecialRequests)
		}
		// Every event moved, plus the merge event with what did not survive.
		if n := count(t, d, "SELECT count(*) FROM timeline_events WHERE person_id = $1", keep.ID); n != eventsBefore+1 {
			t.Fatalf("events = %d, want %d", n, eventsBefore+1)
		}
		tl := must[people.Page[people.Event]](t)(s.Timeline(ctx, keep.ID, "", 1, false))
		merge := tl.Items[0]
		var rec struct {
			MergedID          int64                 `json:"merged_id"`
			Merged            people.Person         `json:"merged"`
			DuplicateContacts []people.ContactPoint `json:"duplicate_contacts"`
			OverriddenCustom  []people.CustomValue  `json:"overridden_custom_values"`
			Removed           []map[string]any      `json:"removed_relationships"`
		}
		if err := json.Unmarshal(merge.Data, &rec); err != nil {
			t.Fatal(err)
		}
		if merge.Kind != "merge" || rec.MergedID != gone.ID || rec.Merged.DisplayName != "C. Martin" || len(rec.DuplicateContacts) != 1 ||
			len(rec.OverriddenCustom) != 1 || rec.OverriddenCustom[0].Value != "L" || len(rec.Removed) != 1 {
			t.Fatalf("merge event = %s", merge.Data)
		}
		// The tombstone keeps its data and points at the survivor.
		tomb := must[people.Person](t)(s.GetPerson(ctx, gone.ID))
		if tomb.MergedIntoID != keep.ID || tomb.DisplayName != "C. Martin" {
			t.Fatalf("tombstone = %+v", tomb)
		}
		if page := must[people.Page[people.Person]](t)(s.Search(ctx, "martin", people.SearchFilter{}, "", 10)); len(page.Items) != 1 || page.Items[0].ID != keep.ID {
			t.Fatalf("search after merge = %+v", page.Items)
		}
		if page := must[people.Page[people.Person]](t)(s.Search(ctx, "rivoli", people.SearchFilter{}, "", 10)); len(page.Items) != 0 {
			t.Fatalf("addresses are not indexed: %+v", page.Items)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.merge' AND entity_id = $1", keep.ID); n != 1 {
			t.Fatalf("merge audits = %d", n)
		}
		// A second merge into the survivor repoints older tombstones.
		third := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Camille M."}})
		if err := s.Merge(ctx, third.ID, keep.ID); err != nil {
			t.Fatal(err)
		}
		if id := must[int64](t)(s.Resolve(ctx, gone.ID)); id != third.ID {
			t.Fatalf("chain resolves to %d", id)
		}
		wantField(t, s.Merge(ctx, third.ID, third.ID), "merge_id", "people.error.merge_self")
		wantField(t, s.Merge(ctx, third.ID, org.ID), "merge_id", "people.error.merge_kind")
	})
}
