package people_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

func TestTimeline(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		var notified []people.Event
		s := people.New(d, people.Config{Now: func() time.Time { return testNow }, Hooks: people.Hooks{
			OnEvent: func(ctx context.Context, e people.Event) error { notified = append(notified, e); return nil },
			ResolveMention: func(ctx context.Context, h string) (int64, bool, error) {
				id, ok := map[string]int64{"ayse": 21, "jean.luc": 22}[h]
				return id, ok, nil
			},
		}})
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Timeline Person"}})
		// Another capability adds its own kinds; they come back unchanged.
		base := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
		for i := range 12 {
			_, err := s.AddEvent(ctx, people.Event{PersonID: p.ID, Kind: "gift", OccurredAt: base.Add(time.Duration(i) * time.Hour),
				TitleKey: "giving.event.gift", Summary: "Gift", RefType: "gift", RefID: int64(100 + i), Data: json.RawMessage(`{"amount": 2500, "currency": "TRY"}`)})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Same instant: the id breaks the tie.
		must[people.Event](t)(s.AddEvent(ctx, people.Event{PersonID: p.ID, Kind: "message.in", OccurredAt: base.Add(5 * time.Hour), Summary: "Hello"}))
		// What Hearken records on its own is not audited; what staff add is.
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.event.add'"); n != 0 {
			t.Errorf("%d audit entries for events the system added", n)
		}
		_, err := s.AddEvent(ctx, people.Event{PersonID: p.ID, Kind: "Bad Kind!"})
		wantField(t, err, "kind", "people.error.event_kind")
		_, err = s.AddEvent(ctx, people.Event{PersonID: p.ID, Kind: "gift", Data: json.RawMessage(`[1,2]`)})
		wantField(t, err, "data", "people.error.event_data")

		note := must[people.Event](t)(s.AddNote(ctx, p.ID, people.NoteInput{
			Body: "Met at the fair with @ayse and @[Jean-Luc](user:22); cc @[Kenji](user:23). Mail kenji@example.jp is not a mention.", OccurredAt: base.Add(100 * time.Hour)}))
		if !slices.Equal(note.Mentions, []int64{21, 22, 23}) {
			t.Fatalf("mentions = %v", note.Mentions)
		}
		if n := count(t, d, "SELECT count(*) FROM timeline_mentions WHERE event_id = $1", note.ID); n != 3 {
			t.Fatalf("stored mentions = %d", n)
		}
		if ids := must[[]int64](t)(s.MentionsOf(ctx, 22, 10)); len(ids) != 1 || ids[0] != note.ID {
			t.Fatalf("MentionsOf = %v", ids)
		}
		secret := must[people.Event](t)(s.AddNote(ctx, p.ID, people.NoteInput{Body: "Confidential", Confidential: true, OccurredAt: base.Add(200 * time.Hour)}))

		// Page through newest first; confidential events only when asked and allowed.
		var all []people.Event
		cursor := ""
		for {
			page := must[people.Page[people.Event]](t)(s.Timeline(ctx, p.ID, cursor, 5, false))
			all = append(all, page.Items...)
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if len(all) != 14 || all[0].ID != note.ID || all[len(all)-1].Kind != "gift" {
			t.Fatalf("timeline = %d events, first %+v", len(all), all[0])
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if a.OccurredAt.Before(b.OccurredAt) || (a.OccurredAt.Equal(b.OccurredAt) && a.ID < b.ID) {
				t.Fatalf("not newest first at %d", i)
			}
			if b.Confidential {
				t.Fatal("confidential event shown")
			}
		}
		var gift people.Event
		for _, e := range all {
			if e.Kind == "gift" && e.RefID == 105 {
				gift = e
			}
		}
		var data map[string]any
		if err := json.Unmarshal(gift.Data, &data); err != nil || data["amount"] != 2500.0 || gift.TitleKey != "giving.event.gift" || gift.RefType != "gift" {
			t.Fatalf("gift = %+v %v", gift, err)
		}
		withSecret := must[people.Page[people.Event]](t)(s.Timeline(ctx, p.ID, "", 1, true))
		if withSecret.Items[0].ID != secret.ID {
			t.Fatalf("confidential first = %+v", withSecret.Items[0])
		}
		agent := auth.WithActor(context.Background(), auth.Actor{Role: auth.RoleAgent, Label: "agent"})
		_, err = s.Timeline(agent, p.ID, "", 10, true)
		wantErr(t, err, apperr.CodeForbidden, "")
		_, err = s.AddNote(agent, p.ID, people.NoteInput{Body: "x", Confidential: true})
		wantErr(t, err, apperr.CodeForbidden, "")
		_, err = s.Timeline(ctx, p.ID, "garbage!", 10, false)
		wantField(t, err, "cursor", "people.error.cursor")
		if len(notified) != 15 {
			t.Fatalf("OnEvent ran %d times", len(notified))
		}
		if evs := must[[]people.Event](t)(s.EventsByRef(ctx, "gift", 103)); len(evs) != 1 {
			t.Fatalf("EventsByRef = %v", evs)
		}

		// Pinned events and special requests show on the profile.
		if err := s.PinEvent(ctx, note.ID, true); err != nil {
			t.Fatal(err)
		}
		sr := must[people.SpecialRequest](t)(s.AddSpecialRequest(ctx, p.ID, "Needs a wheelchair-accessible room"))
		pr := must[*people.Profile](t)(s.Profile(ctx, p.ID))
		if len(pr.Pinned) != 1 || pr.Pinned[0].ID != note.ID || len(pr.SpecialRequests) != 1 || pr.SpecialRequests[0].Body != sr.Body {
			t.Fatalf("profile pinned %+v requests %+v", pr.Pinned, pr.SpecialRequests)
		}
		if err := s.ResolveSpecialRequest(ctx, sr.ID, "moved to the ground floor"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.ResolveSpecialRequest(ctx, sr.ID, ""), apperr.CodeConflict, "people.error.already_resolved")
		if open := must[[]people.SpecialRequest](t)(s.SpecialRequests(ctx, p.ID, false)); len(open) != 0 {
			t.Fatalf("open = %+v", open)
		}
		if all := must[[]people.SpecialRequest](t)(s.SpecialRequests(ctx, p.ID, true)); len(all) != 1 || all[0].ResolvedAt == nil || all[0].Resolution != "moved to the ground floor" {
			t.Fatalf("all = %+v", all)
		}
		_, err = s.AddSpecialRequest(ctx, p.ID, "  ")
		wantField(t, err, "body", "people.error.required")
		staff := must[auth.User](t)(auth.NewService(d).CreateUser(sys(), auth.NewUser{Name: "Staff", Email: "staff@example.org", Role: auth.RoleAdmin, Locale: "en"}))
		must[people.Event](t)(s.AddEvent(as(staff.ID, auth.RoleAdmin), people.Event{PersonID: p.ID, Kind: "call", OccurredAt: base.Add(300 * time.Hour), Summary: "Called back"}))
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.event.add'"); n != 1 {
			t.Errorf("%d audit entries for the event a user added, want 1", n)
		}
	})
}
