package people_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

// TestEraseScrubsAudit checks that erasure leaves the audit log saying who
// did what and when about the person, but none of their values, while other
// people's entries keep theirs.
func TestEraseScrubsAudit(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Leyla", FamilyName: "Karimi"},
			Contacts: []people.ContactInput{email("leyla@example.ir"), phone("0532 111 22 33")}})
		other := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Otto", FamilyName: "Virtanen"}})
		in := people.PersonInput{GivenName: "Leyla", FamilyName: "Karimi-Nejad", Kind: people.Individual}
		if _, err := s.UpdatePerson(ctx, p.ID, in); err != nil {
			t.Fatal(err)
		}
		must[people.SpecialRequest](t)(s.AddSpecialRequest(ctx, p.ID, "Needs a Farsi interpreter"))
		if err := s.SetConsent(ctx, p.ID, people.ConsentInput{Channel: "email", Status: "opt_in", Source: "form", Note: "asked at the gala"}); err != nil {
			t.Fatal(err)
		}
		before := count(t, d, "SELECT count(*) FROM audit_log WHERE entity_type = 'person' AND entity_id = $1", p.ID)
		if err := s.Erase(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Writer.QueryContext(context.Background(), d.Rebind(
			"SELECT action, actor_label, changes FROM audit_log WHERE entity_type = 'person' AND entity_id = $1 ORDER BY id"), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var actions []string
		for rows.Next() {
			var action, label string
			var changes []byte
			if err := rows.Scan(&action, &label, &changes); err != nil {
				t.Fatal(err)
			}
			actions = append(actions, action)
			if label != "test" {
				t.Errorf("%s: actor %q lost", action, label)
			}
			for _, secret := range []string{"Leyla", "Karimi", "leyla@example.ir", "532", "Farsi", "gala"} {
				if strings.Contains(string(changes), secret) {
					t.Errorf("%s still holds %q: %s", action, secret, changes)
				}
			}
			if action == "person.consent" && (!strings.Contains(string(changes), `"channel":`) || !strings.Contains(string(changes), `"email"`)) {
				t.Errorf("consent entry lost its channel: %s", changes)
			}
			if action == "person.update" && !strings.Contains(string(changes), people.ErasedValue) {
				t.Errorf("update entry not marked: %s", changes)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(actions) != before+1 || actions[len(actions)-1] != "person.erase" || actions[0] != "person.create" {
			t.Fatalf("actions = %v (had %d entries before)", actions, before)
		}
		// Someone else's history is untouched.
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE entity_type = 'person' AND entity_id = $1 AND CAST(changes AS TEXT) LIKE '%Virtanen%'", other.ID); n != 1 {
			t.Fatalf("other person's entries scrubbed: %d", n)
		}
	})
}
