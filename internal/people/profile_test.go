package people_test

import (
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

func TestCreatePersonValidation(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		bd := date(2030, 1, 1)
		cases := []struct {
			name       string
			in         people.NewPerson
			field, key string
		}{
			{"no name", people.NewPerson{}, "display_name", "people.error.name_required"},
			{"bad kind", people.NewPerson{PersonInput: people.PersonInput{Kind: "robot", DisplayName: "R2"}}, "kind", "people.error.kind"},
			{"bad language", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A", Language: "not a tag!"}}, "language", "people.error.language"},
			{"future birth", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A", BirthDate: &bd}}, "birth_date", "people.error.birth_date"},
			{"bad email", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Contacts: []people.ContactInput{email("ali@")}}, "contacts.0.value", "people.error.email"},
			{"bare host", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Contacts: []people.ContactInput{email("ali@localhost")}}, "contacts.0.value", "people.error.email"},
			{"bad phone", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Contacts: []people.ContactInput{email("a@b.co"), phone("12")}}, "contacts.1.value", "people.error.phone"},
			{"bad role", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Roles: []people.RoleInput{{Role: "king", Start: date(2020, 1, 1)}}}, "roles.0.role", "people.error.role"},
			{"subtype on donor", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Roles: []people.RoleInput{{Role: "donor", Subtype: "patient", Start: date(2020, 1, 1)}}}, "roles.0.subtype", "people.error.role_subtype"},
			{"end before start", people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Roles: []people.RoleInput{{Role: "donor", Start: date(2020, 1, 1), End: people.DatePtr(date(2019, 1, 1))}}}, "roles.0.end", "people.error.end_before_start"},
			{"org in household", people.NewPerson{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "Vakıf", HouseholdID: 99}}, "household_id", "people.error.household_org"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.CreatePerson(ctx, c.in)
				wantField(t, err, c.field, c.key)
			})
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 0 {
			t.Fatalf("%d people written by invalid creates", n)
		}
	})
}

func TestProfileRoundTrip(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		bd := date(1980, 2, 29)
		p := create(t, s, people.NewPerson{
			PersonInput: people.PersonInput{GivenName: "  Ayşe ", FamilyName: "Yılmaz", Language: "tr-tr", Pronouns: "she/her",
				BirthDate: &bd, Source: people.SourceWebForm, ExternalID: "wf-1"},
			Contacts: []people.ContactInput{
				email("Ayse.Yilmaz@Example.COM"),
				{Kind: people.Email, Type: "work", Value: "ayse@vakif.org.tr", Primary: true},
				phone("0532 123 45 67"),
				{Kind: people.Phone, Type: "home", Value: "۰۲۱۲ ۳۴۵ ۶۷ ۸۹"},
				{Kind: people.Address, Line1: "Moda Cad. 12", City: "İstanbul", Postcode: "34710", Country: "tr"},
				{Kind: people.Social, Platform: "Twitter", Value: "@ayse"},
			},
			Roles: []people.RoleInput{{Role: "client", Subtype: "patient", Start: date(2015, 3, 1), End: people.DatePtr(date(2016, 1, 1))}},
			Tags:  []string{"Gönüllü"},
		})
		if p.DisplayName != "Ayşe Yılmaz" || p.GreetingName != "Ayşe" || p.Language != "tr-TR" || p.Kind != people.Individual {
			t.Fatalf("person = %+v", p)
		}
		if p.BirthDate == nil || *p.BirthDate != bd || p.Source != "web_form" || p.ExternalID != "wf-1" {
			t.Fatalf("birth/source = %+v", p)
		}
		pr := must[*people.Profile](t)(s.Profile(ctx, p.ID))
		byKind := map[people.ContactKind][]people.ContactPoint{}
		for _, c := range pr.Contacts {
			byKind[c.Kind] = append(byKind[c.Kind], c)
		}
		emails := byKind[people.Email]
		if len(emails) != 2 || emails[0].Value != "ayse@vakif.org.tr" || !emails[0].Primary || emails[1].Value != "Ayse.Yilmaz@example.com" || emails[1].Primary {
			t.Fatalf("emails = %+v", emails)
		}
		phones := byKind[people.Phone]
		if len(phones) != 2 || phones[0].Value != "+905321234567" || phones[0].Original != "0532 123 45 67" || !phones[0].Primary ||
			phones[0].Type != "mobile" || phones[1].Value != "+902123456789" || phones[1].National != "(0212) 345 67 89" {
			t.Fatalf("phones = %+v", phones)
		}
		if a := byKind[people.Address]; len(a) != 1 || a[0].Country != "TR" || a[0].City != "İstanbul" || a[0].Value != "Moda Cad. 12, 34710 İstanbul, TR" {
			t.Fatalf("address = %+v", a)
		}
		if so := byKind[people.Social]; len(so) != 1 || so[0].Platform != "x" || so[0].Value != "ayse" {
			t.Fatalf("social = %+v", so)
		}
		if len(pr.Roles) != 1 || pr.Roles[0].Subtype != "patient" || pr.Roles[0].End == nil {
			t.Fatalf("roles = %+v", pr.Roles)
		}
		if len(pr.Tags) != 1 || pr.Tags[0].Name != "Gönüllü" {
			t.Fatalf("tags = %+v", pr.Tags)
		}
		// Viewing a full profile is audited.
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.view' AND entity_id = $1", p.ID); n != 1 {
			t.Fatalf("person.view audits = %d", n)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.create' AND entity_id = $1", p.ID); n != 1 {
			t.Fatalf("person.create audits = %d", n)
		}

		// Update: greeting stays derived; external id stays unique per source.
		in := people.PersonInput{GivenName: "Ayşe", FamilyName: "Demir", Language: "tr", Source: "web_form", ExternalID: "wf-1"}
		up := must[people.Person](t)(s.UpdatePerson(ctx, p.ID, in))
		if up.DisplayName != "Ayşe Demir" || up.FamilyName != "Demir" {
			t.Fatalf("updated = %+v", up)
		}
		other := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "X", Source: "web_form", ExternalID: "wf-2"}})
		_, err := s.UpdatePerson(ctx, other.ID, people.PersonInput{DisplayName: "X", Source: "web_form", ExternalID: "wf-1"})
		wantField(t, err, "external_id", "people.error.external_id_taken")
		_, err = s.CreatePerson(ctx, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Y", Source: "web_form", ExternalID: "wf-1"}})
		wantField(t, err, "external_id", "people.error.external_id_taken")
		// The same external id from another source is someone else.
		create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Z", Source: "import", ExternalID: "wf-1"}})
		if id := must[int64](t)(s.FindByExternalID(ctx, "web_form", "wf-1")); id != p.ID {
			t.Fatalf("FindByExternalID = %d", id)
		}
		if ids := must[[]int64](t)(s.FindByContact(ctx, people.Phone, "+90 532 123 4567")); len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("FindByContact phone = %v", ids)
		}
		if ids := must[[]int64](t)(s.FindByContact(ctx, people.Email, "AYSE.YILMAZ@example.com")); len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("FindByContact email = %v", ids)
		}
	})
}

func TestNamesInEveryScript(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		cases := []struct {
			in                people.PersonInput
			display, greeting string
		}{
			{people.PersonInput{GivenName: "太郎", FamilyName: "山田", Language: "ja"}, "山田 太郎", "山田"},
			{people.PersonInput{GivenName: "Hanako", FamilyName: "Sato", Language: "ja"}, "Hanako Sato", "Sato"},
			{people.PersonInput{GivenName: "مریم", FamilyName: "احمدی", Language: "fa"}, "مریم احمدی", "مریم"},
			{people.PersonInput{GivenName: "Matti", FamilyName: "Meikäläinen", Language: "fi"}, "Matti Meikäläinen", "Matti"},
			{people.PersonInput{DisplayName: "Dr. Jean-Luc Pérez", GreetingName: "Jean-Luc", Language: "fr"}, "Dr. Jean-Luc Pérez", "Jean-Luc"},
			{people.PersonInput{Kind: people.Organization, DisplayName: "Türk Eğitim Vakfı"}, "Türk Eğitim Vakfı", "Türk Eğitim Vakfı"},
		}
		for _, c := range cases {
			p := create(t, s, people.NewPerson{PersonInput: c.in})
			if p.DisplayName != c.display || p.GreetingName != c.greeting {
				t.Errorf("%+v → display %q greeting %q", c.in, p.DisplayName, p.GreetingName)
			}
		}
	})
}

func TestContactPrimaryRule(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Camille Martin"}})
		a := must[people.ContactPoint](t)(s.AddContact(ctx, p.ID, email("camille@example.fr")))
		b := must[people.ContactPoint](t)(s.AddContact(ctx, p.ID, email("c.martin@example.fr")))
		if !a.Primary || b.Primary {
			t.Fatalf("first is primary: %v %v", a.Primary, b.Primary)
		}
		// Adding the same address again changes nothing.
		again := must[people.ContactPoint](t)(s.AddContact(ctx, p.ID, email("CAMILLE@EXAMPLE.FR")))
		if again.ID != a.ID {
			t.Fatalf("duplicate contact added: %+v", again)
		}
		if err := s.SetPrimaryContact(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		primaries := func() int {
			return count(t, d, "SELECT count(*) FROM contact_points WHERE person_id = $1 AND kind = 'email' AND is_primary", p.ID)
		}
		if primaries() != 1 {
			t.Fatal("not exactly one primary")
		}
		if err := s.RemoveContact(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		cs := must[[]people.ContactPoint](t)(s.Contacts(ctx, p.ID))
		if len(cs) != 1 || !cs[0].Primary || primaries() != 1 {
			t.Fatalf("after removing the primary: %+v", cs)
		}
		up := must[people.ContactPoint](t)(s.UpdateContact(ctx, a.ID, people.ContactInput{Value: "camille@exemple.fr", Type: "work"}))
		if up.Value != "camille@exemple.fr" || up.Type != "work" || up.Kind != people.Email {
			t.Fatalf("updated = %+v", up)
		}
		_, err := s.UpdateContact(ctx, a.ID, people.ContactInput{Value: "nope"})
		wantField(t, err, "value", "people.error.email")
		// The database itself refuses two primaries.
		_, err = d.Writer.Exec(d.Rebind("INSERT INTO contact_points (person_id, kind, is_primary, created_at) VALUES ($1, 'email', TRUE, $2)"), p.ID, testNow)
		if err == nil {
			t.Fatal("second primary accepted by the schema")
		}
	})
}

func TestPhoneNormalization(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Numbers"}})
		cases := []struct {
			in, region, want string
		}{
			{"0532 123 45 67", "", "+905321234567"},
			{"+90 (533) 123-45-67", "", "+905331234567"},
			{"۰۵۳۲۱۲۳۴۵۶۸", "", "+905321234568"}, // Persian digits
			{"٠٥٣٢١٢٣٤٥٦٩", "", "+905321234569"}, // Arabic-Indic digits
			{"０５３２１２３４５７０", "", "+905321234570"}, // full width
			{"06 12 34 56 78", "FR", "+33612345678"},
			{"040 123 4567", "FI", "+358401234567"},
			{"090-1234-5678", "JP", "+819012345678"},
			{"0912 345 6789", "IR", "+989123456789"},
			{"+1 415 555 2671", "", "+14155552671"},
		}
		for _, c := range cases {
			cp, err := s.AddContact(ctx, p.ID, people.ContactInput{Kind: people.Phone, Value: c.in, PhoneRegion: c.region})
			if err != nil || cp.Value != c.want || cp.Original != c.in {
				t.Errorf("%q (%s) → %+v, %v; want %s", c.in, c.region, cp, err, c.want)
			}
		}
	})
}

func TestHouseholds(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		h := must[people.Household](t)(s.CreateHousehold(ctx, people.HouseholdInput{Name: "Virtanen household", City: "Tampere", Country: "fi"}))
		a := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Aino", FamilyName: "Virtanen", HouseholdID: h.ID}})
		b := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Eero", FamilyName: "Virtanen"}})
		if err := s.SetHousehold(ctx, b.ID, h.ID); err != nil {
			t.Fatal(err)
		}
		_, members, err := s.GetHousehold(ctx, h.ID)
		if err != nil || len(members) != 2 || members[0] != a.ID || members[1] != b.ID {
			t.Fatalf("members = %v, %v", members, err)
		}
		org := create(t, s, people.NewPerson{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "Oy"}})
		wantField(t, s.SetHousehold(ctx, org.ID, h.ID), "household_id", "people.error.household_org")
		_, err = s.CreateHousehold(ctx, people.HouseholdInput{Country: "XX"})
		wantField(t, err, "name", "people.error.required")
		pr := must[*people.Profile](t)(s.Profile(ctx, a.ID))
		if pr.Household == nil || pr.Household.Country != "FI" || len(pr.HouseholdPeople) != 2 {
			t.Fatalf("profile household = %+v %v", pr.Household, pr.HouseholdPeople)
		}
	})
}

func TestPermissions(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Guarded"}})
		u := must[auth.User](t)(auth.NewService(d).CreateUser(sys(), auth.NewUser{Name: "Viewer", Email: "viewer@example.org", Role: auth.RoleViewer, Locale: "en"}))
		viewer := as(u.ID, auth.RoleViewer)
		if _, err := s.Profile(viewer, p.ID); err != nil {
			t.Fatalf("viewer cannot view: %v", err)
		}
		_, err := s.UpdatePerson(viewer, p.ID, people.PersonInput{DisplayName: "Hacked"})
		wantErr(t, err, apperr.CodeForbidden, "")
		_, err = s.Search(t.Context(), "x", people.SearchFilter{}, "", 10)
		wantErr(t, err, apperr.CodeUnauthorized, "")
		// The audit entry names the user who viewed.
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.view' AND actor_user_id = $1", u.ID); n != 1 {
			t.Fatalf("view audit by user 7 = %d", n)
		}
	})
}

func TestRolesAndTenure(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Leila Karimi", Language: "fa"}})
		must[people.Role](t)(s.AddRole(ctx, p.ID, people.RoleInput{Role: "client", Subtype: "participant", Start: date(2012, 5, 1), End: people.DatePtr(date(2014, 5, 1))}))
		vol := must[people.Role](t)(s.AddRole(ctx, p.ID, people.RoleInput{Role: "volunteer", Start: date(2022, 1, 10), Program: "Food bank"}))
		must[people.Role](t)(s.AddRole(ctx, p.ID, people.RoleInput{Role: "donor", Start: date(2017, 3, 4)}))
		must[people.Role](t)(s.AddRole(ctx, p.ID, people.RoleInput{Role: "member", Start: date(2025, 2, 1)}))
		ten := must[people.Tenure](t)(s.Tenure(ctx, p.ID))
		want := map[string]people.TenureFact{
			"client":    {Role: "client", Since: date(2012, 5, 1).Time(), Years: 2, Current: false},
			"volunteer": {Role: "volunteer", Since: date(2022, 1, 10).Time(), Years: 3, Current: true},
			"donor":     {Role: "donor", Since: date(2017, 3, 4).Time(), Years: 8, Current: true},
			"member":    {Role: "member", Since: date(2025, 2, 1).Time(), Years: 0, Current: true},
		}
		if len(ten.Facts) != len(want) {
			t.Fatalf("facts = %+v", ten.Facts)
		}
		for _, f := range ten.Facts {
			if w := want[f.Role]; !f.Since.Equal(w.Since) || f.Years != w.Years || f.Current != w.Current {
				t.Errorf("%s = %+v, want %+v", f.Role, f, w)
			}
		}
		if ten.SupporterSince == nil || !ten.SupporterSince.Equal(date(2017, 3, 4).Time()) {
			t.Fatalf("supporter since = %v", ten.SupporterSince)
		}
		msg, ok := ten.SupporterMessage("en")
		if !ok || msg.Key != "people.tenure.supporter_since" || msg.Args["MonthName"] != "March" || msg.Args["Year"] != 2017 {
			t.Fatalf("supporter message = %+v", msg)
		}
		if m, _ := ten.SupporterMessage("fi-FI"); m.Args["MonthName"] != "maaliskuusta" {
			t.Fatalf("fi month = %v", m.Args)
		}
		msgs := map[string]people.Message{}
		for _, f := range ten.Facts {
			msgs[f.Role] = f.Message("en")
		}
		if m := msgs["volunteer"]; m.Key != "people.tenure.volunteer.years" || m.PluralCount != 3 {
			t.Fatalf("volunteer message = %+v", m)
		}
		if m := msgs["client"]; m.Key != "people.tenure.client.former" {
			t.Fatalf("client message = %+v", m)
		}
		if m := msgs["member"]; m.Key != "people.tenure.member.since" || m.Args["MonthName"] != "February" {
			t.Fatalf("member message = %+v", m)
		}
		// Ending a role records it on the timeline.
		if _, err := s.EndRole(ctx, vol.ID, date(2025, 6, 1)); err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		tl := must[people.Page[people.Event]](t)(s.Timeline(ctx, p.ID, "", 100, false))
		for _, e := range tl.Items {
			kinds[e.Kind]++
		}
		if kinds["role.start"] != 4 || kinds["role.end"] != 2 {
			t.Fatalf("timeline kinds = %v", kinds)
		}
	})
}

func TestComputeTenureGaps(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	roles := []people.Role{
		{Role: "volunteer", Start: date(2010, 1, 1), End: people.DatePtr(date(2012, 1, 1))},
		{Role: "volunteer", Start: date(2011, 1, 1), End: people.DatePtr(date(2013, 1, 1))}, // overlaps: counts once
		{Role: "volunteer", Start: date(2020, 1, 1)},
		{Role: "donor", Start: date(2030, 1, 1)}, // not started: ignored
	}
	ten := people.ComputeTenure(roles, now)
	if len(ten.Facts) != 1 || ten.Facts[0].Years != 8 || !ten.Facts[0].Current || ten.SupporterSince == nil || ten.SupporterSince.Year() != 2010 {
		t.Fatalf("tenure = %+v", ten)
	}
}
