package people_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

func TestCustomFields(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Fields"}})
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "hours", Label: "Hours", Type: "number"}))
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "joined", Label: "Joined", Type: "date"}))
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "size", Label: "Size", Type: "choice", Options: []string{"S", "M", "M", " L "}}))
		_, err := s.CreateCustomField(ctx, people.CustomFieldInput{Key: "size", Label: "Again", Type: "text"})
		wantField(t, err, "key", "people.error.field_exists")
		_, err = s.CreateCustomField(ctx, people.CustomFieldInput{Key: "Bad Key", Label: "x", Type: "text"})
		wantField(t, err, "key", "people.error.field_key")
		_, err = s.CreateCustomField(ctx, people.CustomFieldInput{Key: "c", Label: "x", Type: "choice"})
		wantField(t, err, "options", "people.error.field_options")
		_, err = s.CreateCustomField(ctx, people.CustomFieldInput{Key: "c", Label: "x", Type: "color"})
		wantField(t, err, "type", "people.error.field_type")
		cases := []struct {
			key, in, want, errKey string
		}{
			{"hours", "12,5", "12.5", ""},
			{"hours", "۱۲", "12", ""},
			{"hours", "twelve", "", "people.error.custom_number"},
			{"joined", "2024-02-29", "2024-02-29", ""},
			{"joined", "2023-02-29", "", "people.error.custom_date"},
			{"size", "m", "M", ""},
			{"size", "XL", "", "people.error.custom_choice"},
		}
		for _, c := range cases {
			err := s.SetCustomValue(ctx, p.ID, c.key, c.in)
			if c.errKey != "" {
				wantField(t, err, "custom."+c.key, c.errKey)
				continue
			}
			if err != nil {
				t.Fatalf("%s=%q: %v", c.key, c.in, err)
			}
			pr := must[*people.Profile](t)(s.Profile(ctx, p.ID))
			for _, v := range pr.CustomValues {
				if v.Key == c.key && v.Value != c.want {
					t.Errorf("%s=%q stored %q, want %q", c.key, c.in, v.Value, c.want)
				}
			}
		}
		if err := s.SetCustomValue(ctx, p.ID, "hours", ""); err != nil {
			t.Fatal(err)
		}
		fs := must[[]people.CustomField](t)(s.CustomFields(ctx, false))
		if len(fs) != 3 || !slices.Equal(fs[2].Options, []string{"S", "M", "L"}) {
			t.Fatalf("fields = %+v", fs)
		}
		if err := s.ArchiveCustomField(ctx, "joined"); err != nil {
			t.Fatal(err)
		}
		if fs := must[[]people.CustomField](t)(s.CustomFields(ctx, false)); len(fs) != 2 {
			t.Fatalf("after archive = %+v", fs)
		}
	})
}

func TestTags(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		a := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "A"}, Tags: []string{"Bénévole"}})
		b := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "B"}})
		if err := s.AssignTag(ctx, b.ID, "benevole"); err != nil { // same tag, other spelling
			t.Fatal(err)
		}
		_, err := s.CreateTag(ctx, "BÉNÉVOLE", "")
		wantField(t, err, "name", "people.error.tag_exists")
		vip := must[people.Tag](t)(s.CreateTag(ctx, "VIP", "#ff0000"))
		_, err = s.CreateTag(ctx, "x", "red; drop")
		wantField(t, err, "color", "people.error.color")
		if err := s.AssignTag(ctx, a.ID, "VIP"); err != nil {
			t.Fatal(err)
		}
		tags := must[[]people.Tag](t)(s.Tags(ctx))
		if len(tags) != 2 || tags[0].Name != "Bénévole" || tags[0].Count != 2 || tags[1].Count != 1 {
			t.Fatalf("tags = %+v", tags)
		}
		if err := s.RemoveTag(ctx, a.ID, vip.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateTag(ctx, vip.ID, "Major donor", "gold"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTag(ctx, tags[0].ID); err != nil {
			t.Fatal(err)
		}
		tags = must[[]people.Tag](t)(s.Tags(ctx))
		if len(tags) != 1 || tags[0].Name != "Major donor" || tags[0].Count != 0 {
			t.Fatalf("tags = %+v", tags)
		}
	})
}

func TestSegments(t *testing.T) {
	results := map[db.Dialect][]int{}
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "hours", Label: "Hours", Type: "number"}))
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "team", Label: "Team", Type: "text"}))
		mk := func(name, lang string, kind people.Kind, roles []people.RoleInput, tags []string) int64 {
			return create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: name, Language: lang, Kind: kind},
				Contacts: []people.ContactInput{email(name + "@example.org")}, Roles: roles, Tags: tags}).ID
		}
		ayse := mk("ayse", "tr-TR", "", []people.RoleInput{{Role: "client", Subtype: "patient", Start: date(2015, 1, 1), End: people.DatePtr(date(2016, 1, 1))}, {Role: "donor", Start: date(2020, 1, 1)}}, []string{"Gala"})
		jean := mk("jean", "fr", "", []people.RoleInput{{Role: "volunteer", Start: date(2019, 5, 1)}}, []string{"Gala", "Paris"})
		aino := mk("aino", "fi", "", []people.RoleInput{{Role: "volunteer", Start: date(2010, 1, 1), End: people.DatePtr(date(2012, 1, 1))}}, nil)
		taro := mk("taro", "ja", "", []people.RoleInput{{Role: "client", Subtype: "student", Start: date(2024, 9, 1)}}, []string{"Paris"})
		org := mk("vakif", "tr", people.Organization, []people.RoleInput{{Role: "partner", Start: date(2018, 1, 1)}}, nil)
		tags := must[[]people.Tag](t)(s.Tags(ctx))
		gala, paris := tags[0].ID, tags[1].ID
		if err := s.SetCustomValue(ctx, jean, "hours", "120"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCustomValue(ctx, aino, "hours", "8"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCustomValue(ctx, jean, "team", "Kitchen 'A'"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConsent(ctx, ayse, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_in"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConsent(ctx, jean, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_out"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDoNotContact(ctx, taro, true, "", ""); err != nil {
			t.Fatal(err)
		}
		yes := true
		after := testNow.Add(-time.Hour)
		cases := []struct {
			name string
			f    people.SegmentFilter
			want []int64
		}{
			{"all", people.SegmentFilter{}, []int64{ayse, jean, aino, taro, org}},
			{"organizations", people.SegmentFilter{Kind: people.Organization}, []int64{org}},
			{"turkish speakers", people.SegmentFilter{Languages: []string{"tr"}}, []int64{ayse, org}},
			{"tr-TR or fi", people.SegmentFilter{Languages: []string{"tr-TR", "fi"}}, []int64{ayse, aino}},
			{"active volunteers", people.SegmentFilter{Roles: []people.RoleCondition{{Role: "volunteer"}}}, []int64{jean}},
			{"former volunteers", people.SegmentFilter{Roles: []people.RoleCondition{{Role: "volunteer", Status: "ended"}}}, []int64{aino}},
			{"ever client", people.SegmentFilter{Roles: []people.RoleCondition{{Role: "client", Status: "any"}}}, []int64{ayse, taro}},
			{"former patients who give", people.SegmentFilter{Roles: []people.RoleCondition{{Role: "client", Subtype: "patient", Status: "ended"}, {Role: "donor"}}}, []int64{ayse}},
			{"started since 2019", people.SegmentFilter{Roles: []people.RoleCondition{{Role: "volunteer", Status: "any", StartedAfter: people.DatePtr(date(2019, 1, 1))}}}, []int64{jean}},
			{"tag any", people.SegmentFilter{TagsAny: []int64{gala, paris}}, []int64{ayse, jean, taro}},
			{"tag all", people.SegmentFilter{TagsAll: []int64{gala, paris}}, []int64{jean}},
			{"tag none", people.SegmentFilter{TagsNone: []int64{gala}}, []int64{aino, taro, org}},
			{"hours > 10", people.SegmentFilter{Custom: []people.CustomCondition{{Key: "hours", Op: "gt", Value: "10"}}}, []int64{jean}},
			{"hours set", people.SegmentFilter{Custom: []people.CustomCondition{{Key: "hours", Op: "set"}}}, []int64{jean, aino}},
			{"hours unset", people.SegmentFilter{Custom: []people.CustomCondition{{Key: "hours", Op: "unset"}}}, []int64{ayse, taro, org}},
			{"team contains quote", people.SegmentFilter{Custom: []people.CustomCondition{{Key: "team", Op: "contains", Value: "'A'"}}}, []int64{jean}},
			{"team eq", people.SegmentFilter{Custom: []people.CustomCondition{{Key: "team", Op: "eq", Value: "Kitchen 'A'"}}}, []int64{jean}},
			{"opted in", people.SegmentFilter{Consent: []people.ConsentCondition{{Channel: "email", Purpose: "newsletter", Status: "opt_in"}}}, []int64{ayse}},
			{"unknown consent", people.SegmentFilter{Consent: []people.ConsentCondition{{Channel: "email", Purpose: "newsletter", Status: "unknown"}}}, []int64{aino, taro, org}},
			{"do not contact", people.SegmentFilter{DoNotContact: &yes}, []int64{taro}},
			{"created recently", people.SegmentFilter{CreatedAfter: &after}, []int64{ayse, jean, aino, taro, org}},
			{"created before", people.SegmentFilter{CreatedBefore: &after}, nil},
			{"text", people.SegmentFilter{Text: "jea"}, []int64{jean}},
			{"injection is data", people.SegmentFilter{Text: "'); DROP TABLE people; --"}, nil},
		}
		var counts []int
		for _, c := range cases {
			n, err := s.SegmentCount(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got []int64
			cursor := ""
			for {
				page, err := s.SegmentMembers(ctx, c.f, cursor, 2)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				for _, p := range page.Items {
					got = append(got, p.ID)
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if n != len(c.want) || !slices.Equal(got, c.want) {
				t.Errorf("%s: count %d members %v, want %v", c.name, n, got, c.want)
			}
			counts = append(counts, n)
		}
		results[d.Dialect] = counts
		bad := []struct {
			f     people.SegmentFilter
			field string
		}{
			{people.SegmentFilter{Roles: []people.RoleCondition{{Role: "wizard"}}}, "roles.0.role"},
			{people.SegmentFilter{Roles: []people.RoleCondition{{Role: "donor", Status: "soon"}}}, "roles.0.status"},
			{people.SegmentFilter{Custom: []people.CustomCondition{{Key: "nope", Op: "eq"}}}, "custom.0.key"},
			{people.SegmentFilter{Custom: []people.CustomCondition{{Key: "hours", Op: "like", Value: "1"}}}, "custom.0.op"},
			{people.SegmentFilter{Custom: []people.CustomCondition{{Key: "hours", Op: "eq", Value: "x"}}}, "custom.0.value"},
			{people.SegmentFilter{Consent: []people.ConsentCondition{{Channel: "fax", Status: "opt_in"}}}, "consent.0.channel"},
			{people.SegmentFilter{Languages: []string{"!!"}}, "languages.0"},
		}
		for _, b := range bad {
			_, err := s.SegmentCount(ctx, b.f)
			e := wantErr(t, err, "validation_failed", "")
			if _, ok := e.Fields[b.field]; !ok {
				t.Errorf("%+v: fields %v, want %s", b.f, e.Fields, b.field)
			}
		}
		// Saved segments round-trip their filter.
		seg := must[people.Segment](t)(s.CreateSegment(ctx, "Gala volunteers", cases[10].f))
		got := must[people.Segment](t)(s.GetSegment(ctx, seg.ID))
		if got.Name != "Gala volunteers" || !slices.Equal(got.Filter.TagsAll, []int64{gala, paris}) {
			t.Fatalf("segment = %+v", got)
		}
		must[people.Segment](t)(s.UpdateSegment(ctx, seg.ID, "Renamed", people.SegmentFilter{Kind: people.Organization}))
		if segs := must[[]people.Segment](t)(s.Segments(ctx)); len(segs) != 1 || segs[0].Name != "Renamed" || segs[0].Filter.Kind != people.Organization {
			t.Fatalf("segments = %+v", segs)
		}
		_, err := s.CreateSegment(ctx, "bad", people.SegmentFilter{Roles: []people.RoleCondition{{Role: "wizard"}}})
		wantField(t, err, "roles.0.role", "people.error.role")
		if err := s.DeleteSegment(ctx, seg.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 5 {
			t.Fatalf("people = %d", n)
		}
	})
	if a, b := results[db.SQLite], results[db.Postgres]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Fatalf("backends differ: %v vs %v", a, b)
	}
}
