package people_test

import (
	"context"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

// A new profile's search row, written from what CreatePerson inserted, is
// the one a reindex would write.
func TestNewProfileSearchRow(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := sys()
		p, err := s.CreatePerson(ctx, people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Şükrü Öztürk", GivenName: "Şükrü", FamilyName: "Öztürk", GreetingName: "Şükrü Bey"},
			Contacts: []people.ContactInput{
				{Kind: people.Email, Value: "Sukru@Example.COM.tr"},
				{Kind: people.Phone, Value: "0532 123 45 67", PhoneRegion: "TR"},
				{Kind: people.Address, Line1: "Atatürk Cd. 5", City: "İzmir", Country: "TR"},
				{Kind: people.Social, Value: "@sukru", Platform: "mastodon"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		stored, fresh, err := people.SearchRow(s, context.Background(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored == "" || stored != fresh {
			t.Errorf("stored search text\n%q\nreindex would write\n%q", stored, fresh)
		}
	})
}
