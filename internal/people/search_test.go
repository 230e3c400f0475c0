package people_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
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
	// One or two letters or digits are a whole word, not a prefix; the third
	// makes a prefix.
	{"ka", nil, false},
	{"kay", []string{"Mehmet Kaya"}, false},
	{"05", nil, false},
	{"053", []string{"İsmail Işık"}, false},
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
		if got := names("kay", people.SearchFilter{Role: "volunteer", TagID: tags[0].ID}); got != "Mehmet Kaya" {
			t.Fatalf("role+tag filter: %q", got)
		}
		if got := names("kay", people.SearchFilter{Role: "donor"}); got != "" {
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
	for _, f := range []string{"sqlite/00001_people.sql", "sqlite/00002_search_prefix.sql"} {
		b, err := people.MigrationFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(b, textsearch.FTS5Tokenize) != strings.Count(b, "USING fts5") {
			t.Fatalf("%s: people_search must use %s", f, textsearch.FTS5Tokenize)
		}
	}
}

// TestSearchLanguageFilter: the preferred-language filter narrows both the
// ranked search and the browse list; a base language matches its regional
// tags, and a tag that is not one is a field error.
func TestSearchLanguageFilter(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		for _, np := range []people.PersonInput{
			{GivenName: "Ayse", FamilyName: "Yılmaz", Language: "tr"},
			{GivenName: "Ayse", FamilyName: "Yilmaz", Language: "tr-TR"},
			{GivenName: "Ayşe", FamilyName: "Yılmazer", Language: "de"},
			{GivenName: "مریم", FamilyName: "کریمی", Language: "fa"},
			{GivenName: "Mehmet", FamilyName: "Kaya"},
		} {
			create(t, s, people.NewPerson{PersonInput: np})
		}
		names := func(q string, f people.SearchFilter) []string {
			t.Helper()
			page := must[people.Page[people.Person]](t)(s.Search(ctx, q, f, "", 50))
			var out []string
			for _, p := range page.Items {
				out = append(out, p.DisplayName)
			}
			return out
		}
		for _, c := range []struct {
			q, lang string
			want    []string
		}{
			// Ranked as without the filter: exact accents first.
			{"yılmaz", "tr", []string{"Ayse Yılmaz", "Ayse Yilmaz"}},
			{"yıl", "tr-TR", []string{"Ayse Yilmaz"}},
			{"yıl", "de", []string{"Ayşe Yılmazer"}},
			{"yılmaz", "fa", nil},
			{"کریمی", "fa", []string{"مریم کریمی"}},
			{"", "tr", []string{"Ayse Yilmaz", "Ayse Yılmaz"}},
			{"", "fa", []string{"مریم کریمی"}},
			{"", "ja", nil},
		} {
			got, want := names(c.q, people.SearchFilter{Language: c.lang}), c.want
			if c.q == "" { // browsing: sort order, compared as a set
				got, want = sorted(got), sorted(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q language %s = %q, want %q", c.q, c.lang, got, want)
			}
		}
		_, err := s.Search(ctx, "ayse", people.SearchFilter{Language: "not a language"}, "", 10)
		wantField(t, err, "language", "people.error.language")
	})
}

// TestSearchCandidates: a search ranks only the newest Config.SearchCandidates
// matches that pass the filters, on both backends alike: ranking within them
// is unchanged, pages stop at the bound, and filters apply before it.
func TestSearchCandidates(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s := people.New(d, people.Config{Now: func() time.Time { return testNow }, DefaultRegion: "TR", SearchCandidates: 3})
		ctx := sys()
		for _, np := range []people.PersonInput{
			{GivenName: "Aino", FamilyName: "Jääskeläinen", Language: "fi"}, // oldest
			{GivenName: "Aino", FamilyName: "Virtanen", Language: "fi"},
			{GivenName: "Aino", FamilyName: "Jaaskelainen"},
			{GivenName: "Aino", FamilyName: "Jääskeläinen"},
			{GivenName: "Aino", FamilyName: "Jaaskelainen"}, // newest
		} {
			create(t, s, people.NewPerson{PersonInput: np})
		}
		names := func(q string, f people.SearchFilter, cursor string, limit int) ([]string, string) {
			t.Helper()
			page := must[people.Page[people.Person]](t)(s.Search(ctx, q, f, cursor, limit))
			var out []string
			for _, p := range page.Items {
				out = append(out, p.DisplayName)
			}
			return out, page.Next
		}
		// The three newest of four matches, exact accents first among them.
		if got, _ := names("jääskeläinen", people.SearchFilter{}, "", 10); !slices.Equal(got, []string{"Aino Jääskeläinen", "Aino Jaaskelainen", "Aino Jaaskelainen"}) {
			t.Errorf("jääskeläinen = %q", got)
		}
		got, next := names("aino", people.SearchFilter{}, "", 2)
		more, last := names("aino", people.SearchFilter{}, next, 2)
		if all := sorted(append(got, more...)); !slices.Equal(all, []string{"Aino Jaaskelainen", "Aino Jaaskelainen", "Aino Jääskeläinen"}) || last != "" {
			t.Errorf("aino pages = %q + %q (next %q)", got, more, last)
		}
		// Filters choose the candidates: the two oldest are still found.
		if got, _ := names("aino", people.SearchFilter{Language: "fi"}, "", 10); !slices.Equal(sorted(got), []string{"Aino Jääskeläinen", "Aino Virtanen"}) {
			t.Errorf("aino in Finnish = %q", got)
		}
	})
}

// TestDemoSearchRowsMatchReindex: the bulk generator writes its search rows
// itself (last in each chunk, many per statement); they must hold the same
// tokens the normal path computes from the stored profile.
func TestDemoSearchRowsMatchReindex(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		if err := d.InTx(ctx, func(ctx context.Context) error {
			return people.GenerateDemoChunk(ctx, s, rand.New(rand.NewPCG(7, 7)), 300)
		}); err != nil {
			t.Fatal(err)
		}
		q := map[db.Dialect]string{db.SQLite: "SELECT rowid, body FROM people_search ORDER BY rowid",
			db.Postgres: "SELECT person_id, body FROM people_search ORDER BY person_id"}[d.Dialect]
		read := func() map[int64]string {
			rows, err := d.Reader.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[int64]string{}
			for rows.Next() {
				var id int64
				var body string
				if err := rows.Scan(&id, &body); err != nil {
					t.Fatal(err)
				}
				words := strings.Fields(body)
				slices.Sort(words)
				out[id] = strings.Join(slices.Compact(words), " ")
			}
			return out
		}
		bulk := read()
		if len(bulk) != 300 {
			t.Fatalf("%d search rows for 300 people", len(bulk))
		}
		for id := range bulk {
			if err := s.Reindex(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		for id, want := range read() {
			if bulk[id] != want {
				t.Errorf("person %d: bulk row %q, reindexed %q", id, bulk[id], want)
			}
		}
	})
}
