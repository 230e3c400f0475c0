package people_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

// TestOrganizationPhoneRegion checks that the organization's region (read at
// each use, so a change applies at once) reads national numbers in forms, the
// API and imports, that an explicit region wins, and that an empty setting
// falls back to the configured default.
func TestOrganizationPhoneRegion(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		var region atomic.Value
		region.Store("FR")
		s := people.New(d, people.Config{Now: func() time.Time { return testNow }, DefaultRegion: "TR",
			Region: func(context.Context) string { return region.Load().(string) }})
		ctx := sys()
		cases := []struct {
			org, explicit, number, want string
		}{
			{"FR", "", "06 12 34 56 78", "+33612345678"},
			{"FI", "", "040 123 4567", "+358401234567"},
			{"JP", "", "090-1234-5678", "+819012345678"},
			{"IR", "", "۰۹۱۲ ۳۴۵ ۶۷۸۹", "+989123456789"},
			{"US", "", "(415) 555-2671", "+14155552671"},
			{"JP", "TR", "0532 123 45 67", "+905321234567"}, // the number's own region wins
			{"", "", "0533 765 43 21", "+905337654321"},     // no setting: the configured default
		}
		for _, c := range cases {
			region.Store(c.org)
			p, err := s.CreatePerson(ctx, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Test " + c.number},
				Contacts: []people.ContactInput{{Kind: people.Phone, Value: c.number, PhoneRegion: c.explicit}}})
			if err != nil {
				t.Fatalf("%s in %s: %v", c.number, c.org, err)
			}
			pr := must[*people.Profile](t)(s.Profile(ctx, p.ID))
			if len(pr.Contacts) != 1 || pr.Contacts[0].Value != c.want {
				t.Fatalf("%s in %s: %+v", c.number, c.org, pr.Contacts)
			}
			ids := must[[]int64](t)(s.FindByContact(ctx, people.Phone, c.number))
			if c.explicit == "" && (len(ids) != 1 || ids[0] != p.ID) {
				t.Fatalf("FindByContact(%s) in %s = %v", c.number, c.org, ids)
			}
		}
		// An import reads its numbers in the region of the time it was read.
		region.Store("FI")
		rep := must[*people.ImportReport](t)(s.DryRun(ctx, strings.NewReader("name,phone\nAino,040 765 4321\n"), people.ImportOptions{}))
		if rep.Valid != 1 {
			t.Fatalf("dry run in FI: %+v", rep)
		}
		region.Store("JP")
		rep = must[*people.ImportReport](t)(s.DryRun(ctx, strings.NewReader("name,phone\nAino,040 765 4321\n"), people.ImportOptions{}))
		if rep.Valid != 0 || len(rep.Errors) != 1 || rep.Errors[0].Key != "people.import.invalid_phone" {
			t.Fatalf("dry run in JP: %+v", rep)
		}
	})
}
