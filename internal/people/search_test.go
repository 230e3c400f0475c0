package people_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// golden is the population of the search golden test, in six languages and
// scripts. Display names are unique so results can be compared by name.
var golden = []people.NewPerson{
	{PersonInput: people.PersonInput{GivenName: "İsmail", FamilyName: "Işık", Language: "tr"}, Contacts: []people.ContactInput{{Kind: people.Phone, Value: "0532 123 45 67"}}},
	{PersonInput: people.PersonInput{GivenName: "Ismail", FamilyName: "Isik", Language: "en"}},
	{PersonInput: people.PersonInput{GivenName: "Şükrü", FamilyName: "Öztürk", Language: "tr"}, Contacts: []people.ContactInput{{Kind: people.Email, Value: "sukru.ozturk@example.com.tr"}}},
	{PersonInput: people.PersonInput{GivenName: "Ayşe", FamilyName: "Yılmaz", Language: "tr"}, Contacts: []people.ContactInput{{Kind: people.Email, Value: "ayse.yilmaz@example.com"}}},
	{PersonInput: people.PersonInput{GivenName: "François", FamilyName: "Lefèvre", Language: "fr"}},
	{PersonInput: people.PersonInput{GivenName: "Francois", FamilyName: "Lefevre", Language: "fr"}},
	{PersonInput: people.PersonInput{GivenName: "Hélène", FamilyName: "Dubois", Language: "fr"}, Contacts: []people.ContactInput{{Kind: people.Phone, Value: "06 12 34 56 78", PhoneRegion: "FR"}}},
	{PersonInput: people.PersonInput{GivenName: "Päivi", FamilyName: "Jääskeläinen", Language: "fi"}},
	{PersonInput: people.PersonInput{GivenName: "Paivi", FamilyName: "Jaaskelainen", Language: "fi"}},
	{PersonInput: people.PersonInput{GivenName: "太郎", FamilyName: "山田", Language: "ja"}},
	{PersonInput: people.PersonInput{GivenName: "花子", FamilyName: "山本", Language: "ja"}},
	{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "ヤマダ商店", Language: "ja"}},
	{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "ＡＢＣ Trading", Language: "ja"}},
	{PersonInput: people.PersonInput{GivenName: "علی", FamilyName: "کریمی", Language: "fa"}, Contacts: []people.ContactInput{{Kind: people.Phone, Value: "۰۹۱۲ ۳۴۵ ۶۷۸۹", PhoneRegion: "IR"}}},
	{PersonInput: people.PersonInput{GivenName: "زهرا", FamilyName: "مهدی\u200cزاده", Language: "fa"}},
	{PersonInput: people.PersonInput{GivenName: "Mary", FamilyName: "O'Brien", Language: "en"}},
	{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "Kızılay Derneği", Language: "tr"}},
	{PersonInput: people.PersonInput{GivenName: "Mehmet", FamilyName: "Kaya", Language: "tr"}},
}

// goldenCases are queries and the display names they must find. With ordered,
// the results must come in exactly this order (best match first) on every
// backend; otherwise as a set.
var goldenCases = []struct {
	q       string
	want    []string
	ordered bool
}{
	// Turkish dotted and dotless i, both ways, exact spelling first.
	{"Işık", []string{"İsmail Işık", "Ismail Isik"}, true},
	{"ışık", []string{"İsmail Işık", "Ismail Isik"}, true},
	{"ISIK", []string{"İsmail Işık", "Ismail Isik"}, false},
	{"isMAİL", []string{"İsmail Işık", "Ismail Isik"}, false},
	{"şükrü", []string{"Şükrü Öztürk"}, false},
	{"sukru ozturk", []string{"Şükrü Öztürk"}, false},
	{"yılmaz", []string{"Ayşe Yılmaz"}, false},
	{"YILMAZ", []string{"Ayşe Yılmaz"}, false},
	// French and Finnish accents folded, exact accents ranked first.
	{"Lefèvre", []string{"François Lefèvre", "Francois Lefevre"}, true},
	{"françois", []string{"François Lefèvre", "Francois Lefevre"}, true},
	{"lefevre", []string{"François Lefèvre", "Francois Lefevre"}, false},
	{"helene", []string{"Hélène Dubois"}, false},
	{"Jääskeläinen", []string{"Päivi Jääskeläinen", "Paivi Jaaskelainen"}, true},
	{"paivi", []string{"Päivi Jääskeläinen", "Paivi Jaaskelainen"}, false},
	// Prefix as you type.
	{"Fran", []string{"François Lefèvre", "Francois Lefevre"}, false},
	{"jääs", []string{"Päivi Jääskeläinen", "Paivi Jaaskelainen"}, false},
	{"meh", []string{"Mehmet Kaya"}, false},
	// Persian: Arabic yeh/kaf meet Persian ی/ک; ZWNJ joins or splits.
	{"علي", []string{"علی کریمی"}, false},
	{"كريمي", []string{"علی کریمی"}, false},
	{"مهدیزاده", []string{"زهرا مهدی\u200cزاده"}, false},
	{"مهدی\u200cزاده", []string{"زهرا مهدی\u200cزاده"}, false},
	{"زاده", []string{"زهرا مهدی\u200cزاده"}, false},
	// Japanese: two-character queries, across the space, one character as prefix.
	{"山田", []string{"山田 太郎"}, false},
	{"花子", []string{"山本 花子"}, false},
	{"山田太郎", []string{"山田 太郎"}, false},
	{"山", []string{"山田 太郎", "山本 花子"}, false},
	// Half and full width.
	{"ﾔﾏﾀﾞ", []string{"ヤマダ商店"}, false},
	{"abc", []string{"ＡＢＣ Trading"}, false},
	{"ＴＲＡＤＩＮＧ", []string{"ＡＢＣ Trading"}, false},
	// Phones in any format and digit script.
	{"0532 123 45 67", []string{"İsmail Işık"}, false},
	{"+90 532 123 4567", []string{"İsmail Işık"}, false},
	{"۰۵۳۲۱۲۳۴۵۶۷", []string{"İsmail Işık"}, false},
	{"5321234567", []string{"İsmail Işık"}, false},
	{"0532", []string{"İsmail Işık"}, false},
	{"+33 6 12 34 56 78", []string{"Hélène Dubois"}, false},
	{"0612345678", []string{"Hélène Dubois"}, false},
	{"09123456789", []string{"علی کریمی"}, false},
	{"+98 912 345 6789", []string{"علی کریمی"}, false},
	// E-mail addresses, whole or typed halfway.
	{"ayse.yilmaz@example.com", []string{"Ayşe Yılmaz"}, false},
	{"ayse.yilmaz@exa", []string{"Ayşe Yılmaz"}, false},
	{"sukru.ozturk", []string{"Şükrü Öztürk"}, false},
	// Apostrophes.
	{"obrien", []string{"Mary O'Brien"}, false},
	{"O’Brien", []string{"Mary O'Brien"}, false},
	// Nothing.
	{"zzzz", nil, false},
}

func TestSearchGolden(t *testing.T) {
	results := map[db.Dialect][][]string{}
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		byName := map[string]int64{}
		for _, np := range golden {
			p := create(t, s, np)
			byName[p.DisplayName] = p.ID
		}
		var got [][]string
		for _, c := range goldenCases {
			page, err := s.Search(ctx, c.q, people.SearchFilter{}, "", 20)
			if err != nil {
				t.Fatalf("%q: %v", c.q, err)
			}
			var names []string
			for _, p := range page.Items {
				names = append(names, p.DisplayName)
			}
			got = append(got, names)
			want := c.want
			if !c.ordered {
				names, want = sorted(names), sorted(want)
			}
			if !slices.Equal(names, want) {
				t.Errorf("%q = %q, want %q", c.q, names, want)
			}
		}
		results[d.Dialect] = got
	})
	// Both backends return the same rows in the same order.
	if a, b := results[db.SQLite], results[db.Postgres]; a != nil && b != nil {
		for i := range a {
			if !slices.Equal(a[i], b[i]) {
				t.Errorf("%q: sqlite %q, postgres %q", goldenCases[i].q, a[i], b[i])
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSearchKeepsUpToDate(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		names := func(q string, f people.SearchFilter) string {
			t.Helper()
			page := must[people.Page[people.Person]](t)(s.Search(ctx, q, f, "", 50))
			var out []string
			for _, p := range page.Items {
				out = append(out, p.DisplayName)
			}
			return strings.Join(out, ",")
		}
		org := create(t, s, people.NewPerson{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "Kızılay Derneği"}})
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Mehmet", FamilyName: "Kaya"}})
		if got := names("mehmet", people.SearchFilter{}); got != "Mehmet Kaya" {
			t.Fatalf("created: %q", got)
		}
		// Names of related organizations find the person.
		must[people.Relationship](t)(s.AddRelationship(ctx, people.RelationshipInput{PersonID: p.ID, OtherID: org.ID, Type: people.RelEmployee}))
		if got := names("kizilay", people.SearchFilter{Kind: people.Individual}); got != "Mehmet Kaya" {
			t.Fatalf("by org name: %q", got)
		}
		must[people.Person](t)(s.UpdatePerson(ctx, org.ID, people.PersonInput{Kind: people.Organization, DisplayName: "Türk Kızılay"}))
		if got := names("türk", people.SearchFilter{Kind: people.Individual}); got != "Mehmet Kaya" {
			t.Fatalf("after org rename: %q", got)
		}
		// Contact points and notes are indexed as they change.
		cp := must[people.ContactPoint](t)(s.AddContact(ctx, p.ID, email("mkaya@example.org")))
		if got := names("mkaya@example.org", people.SearchFilter{}); got != "Mehmet Kaya" {
			t.Fatalf("by email: %q", got)
		}
		if err := s.RemoveContact(ctx, cp.ID); err != nil {
			t.Fatal(err)
		}
		if got := names("mkaya@example.org", people.SearchFilter{}); got != "" {
			t.Fatalf("removed email still found: %q", got)
		}
		must[people.Event](t)(s.AddNote(ctx, p.ID, people.NoteInput{Body: "Prefers afternoon visits"}))
		must[people.Event](t)(s.AddNote(ctx, p.ID, people.NoteInput{Body: "Diagnosis confidential", Confidential: true}))
		if got := names("afternoon", people.SearchFilter{}); got != "Mehmet Kaya" {
			t.Fatalf("by note: %q", got)
		}
		if got := names("diagnosis", people.SearchFilter{}); got != "" {
			t.Fatalf("confidential note is searchable: %q", got)
		}
		// Filters.
		must[people.Role](t)(s.AddRole(ctx, p.ID, people.RoleInput{Role: "volunteer", Start: date(2020, 1, 1)}))
		if err := s.AssignTag(ctx, p.ID, "Kermes"); err != nil {
			t.Fatal(err)
		}
		tags := must[[]people.Tag](t)(s.Tags(ctx))
		if got := names("k", people.SearchFilter{Role: "volunteer", TagID: tags[0].ID}); got != "Mehmet Kaya" {
			t.Fatalf("role+tag filter: %q", got)
		}
		if got := names("k", people.SearchFilter{Role: "donor"}); got != "" {
			t.Fatalf("donor filter: %q", got)
		}
		if got := names("", people.SearchFilter{Kind: people.Organization}); got != "Türk Kızılay" {
			t.Fatalf("browse orgs: %q", got)
		}
		// The search text is exactly textsearch's analysis of the profile.
		var body string
		if err := d.Reader.QueryRow(d.Rebind(map[db.Dialect]string{db.SQLite: "SELECT body FROM people_search WHERE rowid = $1",
			db.Postgres: "SELECT body FROM people_search WHERE person_id = $1"}[d.Dialect]), p.ID).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, textsearch.IndexText("Prefers afternoon visits")) {
			t.Fatalf("index body = %q", body)
		}
	})
}

func TestSearchPagination(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		for i := range 7 {
			create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Aino", FamilyName: string(rune('A' + i))}})
		}
		seen := map[int64]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			page := must[people.Page[people.Person]](t)(s.Search(ctx, "aino", people.SearchFilter{}, cursor, 3))
			for _, p := range page.Items {
				if seen[p.ID] {
					t.Fatalf("%d twice", p.ID)
				}
				seen[p.ID] = true
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if len(seen) != 7 {
			t.Fatalf("saw %d", len(seen))
		}
	})
}

func TestFTS5TokenizerMatchesTextsearch(t *testing.T) {
	b, err := people.MigrationFile("sqlite/00001_people.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b, textsearch.FTS5Tokenize) {
		t.Fatalf("people_search must use %s", textsearch.FTS5Tokenize)
	}
}
