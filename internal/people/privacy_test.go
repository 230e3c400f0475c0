package people_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

func TestExportPersonAndErase(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		bd := date(1985, 3, 3)
		h := must[people.Household](t)(s.CreateHousehold(ctx, people.HouseholdInput{Name: "Ahmadi", Line1: "Valiasr St 12", City: "Tehran"}))
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Maryam", FamilyName: "Ahmadi", BirthDate: &bd, ExternalID: "X9", Language: "fa", HouseholdID: h.ID},
			Contacts: []people.ContactInput{email("maryam@example.ir"), {Kind: people.Phone, Value: "0912 345 6789", PhoneRegion: "IR"}},
			Roles:    []people.RoleInput{{Role: "donor", Start: date(2018, 1, 1), Note: "met at the clinic"}},
			Tags:     []string{"Sensitive"}})
		old := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "M. Ahmadi"}, Contacts: []people.ContactInput{email("m.ahmadi@old.ir")}})
		if err := s.Merge(ctx, p.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		friend := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Friend"}})
		must[people.Relationship](t)(s.AddRelationship(ctx, people.RelationshipInput{PersonID: p.ID, OtherID: friend.ID, Type: people.RelSibling}))
		must[people.Event](t)(s.AddNote(ctx, p.ID, people.NoteInput{Body: "Lives with her sister in Tehran"}))
		must[people.Event](t)(s.AddNote(ctx, p.ID, people.NoteInput{Body: "Diagnosis: confidential", Confidential: true}))
		must[people.Event](t)(s.AddEvent(ctx, people.Event{PersonID: p.ID, Kind: "gift", Summary: "Gift from Maryam",
			Data: json.RawMessage(`{"amount": 150000, "currency": "IRR", "card_holder": "Maryam Ahmadi", "recurring": true}`)}))
		must[people.SpecialRequest](t)(s.AddSpecialRequest(ctx, p.ID, "Female staff only"))
		if err := s.SetConsent(ctx, p.ID, people.ConsentInput{Channel: "email", Status: "opt_in", Source: "form"}); err != nil {
			t.Fatal(err)
		}

		x := must[*people.PersonExport](t)(s.ExportPerson(ctx, old.ID))
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		js := string(b)
		for _, want := range []string{"Maryam Ahmadi", "maryam@example.ir", "m.ahmadi@old.ir", "Diagnosis: confidential", "Female staff only",
			"Sensitive", `"channel":"email"`, "met at the clinic", "M. Ahmadi", "Friend", "+989123456789"} {
			if !strings.Contains(js, want) {
				t.Errorf("export lacks %q", want)
			}
		}
		if len(x.MergedProfiles) != 1 || len(x.ConsentHistory) != 1 || x.Person.ID != p.ID {
			t.Fatalf("export = %+v", x)
		}

		if err := s.Erase(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		got := must[people.Person](t)(s.GetPerson(ctx, p.ID))
		if got.DisplayName != people.ErasedName(p.ID) || got.GivenName != "" || got.BirthDate != nil || got.ExternalID != "" || got.ErasedAt == nil || !got.DoNotContact {
			t.Fatalf("erased person = %+v", got)
		}
		if hh, _, err := s.GetHousehold(ctx, h.ID); err != nil || hh.Line1 != "" || strings.Contains(hh.Name, "Ahmadi") {
			t.Fatalf("household = %+v, %v", hh, err)
		}
		tomb := must[people.Person](t)(s.GetPerson(ctx, old.ID))
		if tomb.DisplayName != people.ErasedName(old.ID) || tomb.ErasedAt == nil {
			t.Fatalf("tombstone not erased: %+v", tomb)
		}
		for table, where := range map[string]string{
			"contact_points": "person_id", "relationships": "person_id", "consents": "person_id", "preference_history": "person_id",
			"special_requests": "person_id", "person_tags": "person_id", "custom_values": "person_id",
		} {
			if n := count(t, d, "SELECT count(*) FROM "+table+" WHERE "+where+" IN ($1, $2)", p.ID, old.ID); n != 0 {
				t.Errorf("%s still has %d rows", table, n)
			}
		}
		// Aggregate-safe rows stay: role dates, event kinds, dates and amounts.
		if n := count(t, d, "SELECT count(*) FROM person_roles WHERE person_id = $1 AND note = ''", p.ID); n != 1 {
			t.Fatalf("roles = %d", n)
		}
		if n := count(t, d, "SELECT count(*) FROM timeline_events WHERE person_id = $1 AND (body <> '' OR summary <> '')", p.ID); n != 0 {
			t.Fatalf("%d events keep text", n)
		}
		var data string
		if err := d.Reader.QueryRow(d.Rebind("SELECT data FROM timeline_events WHERE person_id = $1 AND kind = 'gift'"), p.ID).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var gift map[string]any
		if err := json.Unmarshal([]byte(data), &gift); err != nil || gift["amount"] != 150000.0 || gift["currency"] != "IRR" || gift["recurring"] != true || gift["card_holder"] != nil {
			t.Fatalf("gift data = %s", data)
		}
		for _, q := range []string{"maryam", "ahmadi", "tehran", "0912 345 6789", "erased"} {
			if page := must[people.Page[people.Person]](t)(s.Search(ctx, q, people.SearchFilter{}, "", 10)); len(page.Items) != 0 {
				t.Errorf("search %q finds %+v", q, page.Items)
			}
		}
		if page := must[people.Page[people.Person]](t)(s.List(ctx, "", 10)); len(page.Items) != 1 || page.Items[0].ID != friend.ID {
			t.Fatalf("list = %+v", page.Items)
		}
		if n := must[int](t)(s.SegmentCount(ctx, people.SegmentFilter{})); n != 1 {
			t.Fatalf("segment count = %d", n)
		}
		if dec := must[people.Decision](t)(s.MayContact(ctx, p.ID, "email", "service", testNow)); dec.Allowed || dec.Reason != people.ReasonErased {
			t.Fatalf("may contact erased = %+v", dec)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.erase' AND entity_id = $1", p.ID); n != 1 {
			t.Fatalf("erase audits = %d", n)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.export_data'"); n != 1 {
			t.Fatalf("export audits = %d", n)
		}
		wantErr(t, s.Erase(ctx, p.ID), "not_found", "people.error.not_found")
		_, err = s.UpdatePerson(ctx, p.ID, people.PersonInput{DisplayName: "Back"})
		wantErr(t, err, "not_found", "")
	})
}
