package app

import (
	"context"
	"fmt"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/demo"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

// The demo's staff all share one password, printed when the demo starts.
const (
	DemoPassword   = "hearken-demo-2026"
	DemoAdminEmail = "admin@demo.hearken.org"
)

// demoStaff has one or more users of every role, named in the six languages.
var demoStaff = []struct {
	Email, Name string
	Role        auth.Role
	Locale      string
	Teams       []string
}{
	{DemoAdminEmail, "Amira Haddad", auth.RoleAdmin, "en", nil},
	{"manager@demo.hearken.org", "Élodie Marchand", auth.RoleManager, "fr", []string{"client-services", "donor-relations"}},
	{"agent@demo.hearken.org", "Mehmet Yıldız", auth.RoleAgent, "tr", []string{"client-services"}},
	{"agent.fa@demo.hearken.org", "نگار احمدی", auth.RoleAgent, "fa", []string{"client-services"}},
	{"agent.ja@demo.hearken.org", "佐藤 花子", auth.RoleAgent, "ja", []string{"client-services", "volunteer-coordination"}},
	{"fundraiser@demo.hearken.org", "Aino Virtanen", auth.RoleFundraiser, "fi", []string{"donor-relations"}},
	{"volunteers@demo.hearken.org", "Kofi Mensah", auth.RoleVolunteerCoordinator, "en", []string{"volunteer-coordination"}},
	{"viewer@demo.hearken.org", "Board Observer", auth.RoleViewer, "en", nil},
}

var demoTeams = []org.NewTeam{
	{Slug: "client-services", Name: "Client services", Description: "People we serve: appointments, questions, follow-ups.", TimeZone: "Europe/Istanbul"},
	{Slug: "donor-relations", Name: "Donor relations", Description: "Thanks, receipts and stewardship for every giver.", TimeZone: "Europe/Paris"},
	{Slug: "volunteer-coordination", Name: "Volunteer coordination", Description: "Shifts, training and thanks for volunteers.", TimeZone: "Europe/Helsinki"},
}

// demoPeople is how many people a demo of the size has.
func demoPeople(size demo.Size) int {
	if size == demo.Large {
		return 1_000_000
	}
	return 300
}

// DemoSteps lists every capability's demo generator, in order.
func (a *App) DemoSteps() []demo.Step {
	return []demo.Step{
		{
			Name: "organization", Chunk: 1,
			Total: func(demo.Size) int { return 1 },
			Run: func(ctx context.Context, env *demo.Env, _, _ int) error {
				name := "Harbor Light Community Care"
				locale, tz, currency := "en", "Europe/Istanbul", "EUR"
				_, err := a.Org.Update(ctx, org.SettingsPatch{Name: &name, DefaultLocale: &locale, TimeZone: &tz, Currency: &currency})
				return err
			},
		},
		{
			Name: "staff", Chunk: len(demoStaff),
			Total: func(demo.Size) int { return len(demoStaff) },
			Run: func(ctx context.Context, env *demo.Env, from, to int) error {
				teamIDs := map[string]int64{}
				for _, t := range demoTeams {
					team, err := a.Org.CreateTeam(ctx, t)
					if err != nil {
						return fmt.Errorf("team %s: %w", t.Slug, err)
					}
					teamIDs[t.Slug] = team.ID
				}
				for _, s := range demoStaff[from:to] {
					u, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: s.Email, Name: s.Name, Role: s.Role, Locale: s.Locale, Password: DemoPassword})
					if err != nil {
						return fmt.Errorf("user %s: %w", s.Email, err)
					}
					for _, slug := range s.Teams {
						if err := a.Org.AddMember(ctx, teamIDs[slug], u.ID); err != nil {
							return err
						}
					}
				}
				return nil
			},
		},
		{
			// People in six languages and scripts, 5,000 per transaction
			// (bigger transactions make fewer, larger FTS5 segments);
			// statistics are refreshed once, after the last chunk.
			Name: "people", Chunk: 5000,
			Total: demoPeople,
			Run: func(ctx context.Context, env *demo.Env, from, to int) error {
				if err := people.GenerateDemoChunk(ctx, a.People, env.Rand("people", from), to-from); err != nil {
					return err
				}
				if to == demoPeople(env.Size) {
					return a.People.RefreshStatistics(ctx)
				}
				return nil
			},
		},
		a.demoInboxStep(),
		a.demoInboxChannelsStep(),
	}
}
