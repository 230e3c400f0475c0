package people_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

func searchBody(t testing.TB, d *db.DB, id int64) string {
	t.Helper()
	q := map[db.Dialect]string{db.SQLite: "SELECT body FROM people_search WHERE rowid = $1",
		db.Postgres: "SELECT body FROM people_search WHERE person_id = $1"}[d.Dialect]
	var body string
	if err := d.Reader.QueryRow(d.Rebind(q), id).Scan(&body); err != nil {
		t.Fatalf("search body of %d: %v", id, err)
	}
	return body
}

func TestGenerateDemo(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		var calls []int
		if err := people.GenerateDemo(ctx, s, rand.New(rand.NewPCG(7, 7)), 1500, func(done int) { calls = append(calls, done) }); err != nil {
			t.Fatal(err)
		}
		if len(calls) != 2 || calls[0] != 1000 || calls[1] != 1500 {
			t.Fatalf("progress = %v", calls)
		}
		checks := map[string]struct {
			q   string
			min int
		}{
			"people":             {"SELECT count(*) FROM people", 1500},
			"languages":          {"SELECT count(DISTINCT language) FROM people", 6},
			"organizations":      {"SELECT count(*) FROM people WHERE kind = 'organization'", 60},
			"households":         {"SELECT count(*) FROM households", 20},
			"household members":  {"SELECT count(*) FROM people WHERE household_id IS NOT NULL", 40},
			"former clients now": {"SELECT count(DISTINCT c.person_id) FROM person_roles c JOIN person_roles g ON g.person_id = c.person_id AND g.role IN ('donor', 'volunteer') AND g.start_date > c.end_date WHERE c.role = 'client'", 20},
			"consents":           {"SELECT count(*) FROM consents", 300},
			"notes":              {"SELECT count(*) FROM timeline_events WHERE kind = 'note'", 150},
			"special requests":   {"SELECT count(*) FROM special_requests", 10},
			"tags":               {"SELECT count(*) FROM person_tags", 500},
			"employers":          {"SELECT count(*) FROM relationships WHERE type = 'employee'", 50},
			"persian phones":     {"SELECT count(*) FROM contact_points WHERE value LIKE '+98%'", 50},
			"search rows":        {map[db.Dialect]string{db.SQLite: "SELECT count(*) FROM people_search", db.Postgres: "SELECT count(*) FROM people_search"}[d.Dialect], 1500},
		}
		for name, c := range checks {
			if n := count(t, d, c.q); n < c.min {
				t.Errorf("%s = %d, want at least %d", name, n, c.min)
			}
		}
		// The generator's fast search rows equal what reindexing writes.
		for _, id := range []int64{1, 2, 3, 500, 777, 1499} {
			before := searchBody(t, d, id)
			if err := s.Reindex(ctx, id); err != nil {
				t.Fatal(err)
			}
			if after := searchBody(t, d, id); !sameTokens(before, after) {
				t.Errorf("%d: generated %q, reindexed %q", id, before, after)
			}
		}
		// Everything generated is valid for the service.
		for _, id := range []int64{10, 20, 30} {
			pr := must[*people.Profile](t)(s.Profile(ctx, id))
			if _, err := s.UpdatePerson(ctx, id, people.PersonInput{Kind: pr.Person.Kind, DisplayName: pr.Person.DisplayName,
				GivenName: pr.Person.GivenName, FamilyName: pr.Person.FamilyName, Language: pr.Person.Language,
				BirthDate: pr.Person.BirthDate, HouseholdID: pr.Person.HouseholdID, Source: "demo"}); err != nil {
				t.Fatalf("%d: %v", id, err)
			}
		}
	})
}

func sameTokens(a, b string) bool {
	count := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, t := range splitSpaces(s) {
			m[t] = true
		}
		return m
	}
	x, y := count(a), count(b)
	if len(x) != len(y) {
		return false
	}
	for k := range x {
		if !y[k] {
			return false
		}
	}
	return true
}

func splitSpaces(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if r == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
