package people_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

func TestMayContactDecisionTable(t *testing.T) {
	type step struct {
		consent *people.ConsentInput
		dnc     *bool
	}
	on, off := true, false
	ci := func(ch, pu, st string) step {
		return step{consent: &people.ConsentInput{Channel: ch, Purpose: pu, Status: st, Source: "test"}}
	}
	cases := []struct {
		name         string
		steps        []step
		noEmail      bool
		channel      string
		purpose      string
		requireOptIn bool
		want         people.Decision
	}{
		{"service, nothing recorded", nil, false, "email", "service", false, people.Decision{Allowed: true, Reason: people.ReasonService}},
		{"service, opt-in required: still allowed", nil, false, "email", "service", true, people.Decision{Allowed: true, Reason: people.ReasonService}},
		{"newsletter, nothing recorded", nil, false, "email", "newsletter", false, people.Decision{Allowed: true, Reason: people.ReasonAllowed}},
		{"newsletter, opt-in required", nil, false, "email", "newsletter", true, people.Decision{Reason: people.ReasonNoOptIn}},
		{"newsletter opted in, required", []step{ci("email", "newsletter", "opt_in")}, false, "email", "newsletter", true, people.Decision{Allowed: true, Reason: people.ReasonAllowed}},
		{"channel opted in covers purposes", []step{ci("email", "", "opt_in")}, false, "email", "fundraising", true, people.Decision{Allowed: true, Reason: people.ReasonAllowed}},
		{"fundraising opted out", []step{ci("email", "fundraising", "opt_out")}, false, "email", "fundraising", false, people.Decision{Reason: people.ReasonPurposeOptOut}},
		{"fundraising opt-out does not block service", []step{ci("email", "fundraising", "opt_out")}, false, "email", "service", false, people.Decision{Allowed: true, Reason: people.ReasonService}},
		{"other purpose unaffected", []step{ci("email", "fundraising", "opt_out")}, false, "email", "surveys", false, people.Decision{Allowed: true, Reason: people.ReasonAllowed}},
		{"channel opted out blocks service", []step{ci("email", "", "opt_out")}, false, "email", "service", false, people.Decision{Reason: people.ReasonChannelOptOut}},
		{"channel opt-out beats purpose opt-in", []step{ci("email", "newsletter", "opt_in"), ci("email", "", "opt_out")}, false, "email", "newsletter", false, people.Decision{Reason: people.ReasonChannelOptOut}},
		{"other channel unaffected", []step{ci("email", "", "opt_out")}, false, "sms", "service", false, people.Decision{Allowed: true, Reason: people.ReasonService}},
		{"do not contact overrides opt-in", []step{ci("email", "", "opt_in"), {dnc: &on}}, false, "email", "service", false, people.Decision{Reason: people.ReasonDoNotContact}},
		{"do not contact lifted", []step{{dnc: &on}, {dnc: &off}}, false, "email", "newsletter", false, people.Decision{Allowed: true, Reason: people.ReasonAllowed}},
		{"opted back in", []step{ci("email", "newsletter", "opt_out"), ci("email", "newsletter", "opt_in")}, false, "email", "newsletter", true, people.Decision{Allowed: true, Reason: people.ReasonAllowed}},
		{"reset to unknown", []step{ci("email", "newsletter", "opt_in"), ci("email", "newsletter", "unknown")}, false, "email", "newsletter", true, people.Decision{Reason: people.ReasonNoOptIn}},
		{"no address for post", nil, false, "post", "service", false, people.Decision{Reason: people.ReasonNoContactPoint}},
		{"no e-mail address", nil, true, "email", "service", false, people.Decision{Reason: people.ReasonNoContactPoint}},
	}
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		c := &clock{t: testNow}
		requireOptIn := false
		s := people.New(d, people.Config{Now: c.Now, DefaultRegion: "TR",
			OptInRequired: func(ctx context.Context, channel, purpose string) bool { return requireOptIn }})
		ctx := sys()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				np := people.NewPerson{PersonInput: people.PersonInput{DisplayName: tc.name},
					Contacts: []people.ContactInput{phone("0532 000 00 01")}}
				if !tc.noEmail {
					np.Contacts = append(np.Contacts, email("x@example.org"))
				}
				p := create(t, s, np)
				for i, st := range tc.steps {
					c.t = testNow.Add(time.Duration(i+1) * time.Minute)
					if st.consent != nil {
						if err := s.SetConsent(ctx, p.ID, *st.consent); err != nil {
							t.Fatal(err)
						}
					}
					if st.dnc != nil {
						if err := s.SetDoNotContact(ctx, p.ID, *st.dnc, "phone call", ""); err != nil {
							t.Fatal(err)
						}
					}
				}
				requireOptIn = tc.requireOptIn
				got, err := s.MayContact(ctx, p.ID, tc.channel, tc.purpose, testNow.Add(time.Hour))
				if err != nil || got != tc.want {
					t.Fatalf("MayContact = %+v, %v; want %+v", got, err, tc.want)
				}
			})
		}
	})
}

func TestConsentHistoryAndTime(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		p := create(t, s, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Anna"}, Contacts: []people.ContactInput{email("anna@example.fi")}})
		signed := time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)
		if err := s.SetConsent(ctx, p.ID, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_in", Source: "paper form", At: signed}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetConsent(ctx, p.ID, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_out", Source: "unsubscribe link"}); err != nil {
			t.Fatal(err)
		}
		// A decision dated before the current one enters the history only.
		if err := s.SetConsent(ctx, p.ID, people.ConsentInput{Channel: "email", Purpose: "newsletter", Status: "opt_in", Source: "late paper", At: signed.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		cs := must[[]people.Consent](t)(s.Consents(ctx, p.ID))
		if len(cs) != 1 || cs[0].Status != "opt_out" || cs[0].Source != "unsubscribe link" {
			t.Fatalf("consents = %+v", cs)
		}
		h := must[[]people.PreferenceChange](t)(s.PreferenceHistory(ctx, p.ID))
		if len(h) != 3 || h[0].Value != "opt_in" || h[0].Previous != "unknown" || !h[0].EffectiveAt.Equal(signed) ||
			h[2].Value != "opt_out" || h[2].Previous != "opt_in" || h[2].Source != "unsubscribe link" {
			t.Fatalf("history = %+v", h)
		}
		policy := people.Policy{RequireOptIn: true}
		// As of last year they had opted in; today they have opted out.
		if dec := must[people.Decision](t)(s.MayContactWith(ctx, p.ID, "email", "newsletter", signed.Add(24*time.Hour), policy)); !dec.Allowed {
			t.Fatalf("then: %+v", dec)
		}
		if dec := must[people.Decision](t)(s.MayContactWith(ctx, p.ID, "email", "newsletter", testNow, policy)); dec.Allowed {
			t.Fatalf("now: %+v", dec)
		}
		_, err := s.MayContact(ctx, p.ID, "pigeon", "service", testNow)
		wantField(t, err, "channel", "people.error.channel")
		wantField(t, s.SetConsent(ctx, p.ID, people.ConsentInput{Channel: "email", Status: "maybe"}), "status", "people.error.consent_status")
		from, to := 14, 18
		if err := s.SetPreferences(ctx, p.ID, people.Preferences{Channel: "sms", Time: "weekday afternoons", FromHour: &from, ToHour: &to, Source: "call"}); err != nil {
			t.Fatal(err)
		}
		bad := 25
		wantField(t, s.SetPreferences(ctx, p.ID, people.Preferences{FromHour: &bad}), "from_hour", "people.error.hour")
		got := must[people.Person](t)(s.GetPerson(ctx, p.ID))
		if got.PreferredChannel != "sms" || got.PreferredTime != "weekday afternoons" || *got.PreferredFromHour != 14 || *got.PreferredToHour != 18 {
			t.Fatalf("preferences = %+v", got)
		}
		h = must[[]people.PreferenceChange](t)(s.PreferenceHistory(ctx, p.ID))
		if len(h) != 5 || h[3].Field != "preferred_channel" || h[4].Value != "weekday afternoons [14-18]" {
			t.Fatalf("history = %+v", h)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.consent'"); n != 3 {
			t.Fatalf("consent audits = %d", n)
		}
	})
}
