package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/notify"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

var routingModules = append(slices.Clone(modules), notify.Module())

// rtEnv is an inbox whose notifier is the real notify capability.
type rtEnv struct {
	*env
	n   *notify.Service
	seq int
}

func runRouting(t *testing.T, fn func(t *testing.T, e *rtEnv)) {
	t.Helper()
	dbtest.Run(t, routingModules, func(t *testing.T, d *db.DB) {
		var ns *notify.Service
		e := newEnv(t, d, func(c *Config) {
			var err error
			if ns, err = notify.New(d, notify.Config{Jobs: c.Jobs, Now: c.Now, Log: quiet}); err != nil {
				t.Fatal(err)
			}
			c.Notifier = StaffNotifier{N: ns}
		})
		fn(t, &rtEnv{env: e, n: ns})
	})
}

// team makes a team fed by the test mailbox, with members who are online.
func (e *rtEnv) team(name string, st TeamSettings, members ...auth.User) org.Team {
	e.t.Helper()
	tm := must[org.Team](e.t)(e.org.CreateTeam(sys(), org.NewTeam{Name: name}))
	for _, u := range members {
		if err := e.org.AddMember(sys(), tm.ID, u.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	st.TeamID = tm.ID
	must[TeamSettings](e.t)(e.s.SaveTeamSettings(sys(), st))
	must[Mailbox](e.t)(e.s.UpdateMailbox(sys(), e.mb.ID, MailboxInput{DisplayName: e.mb.DisplayName, TeamID: tm.ID}))
	return tm
}

func (e *rtEnv) online(ctxs ...context.Context) {
	e.t.Helper()
	for _, ctx := range ctxs {
		must[AgentStatus](e.t)(e.s.SetAvailability(ctx, AvailOnline))
	}
}

// open ingests a new conversation from a new sender and returns it.
func (e *rtEnv) open(body string) Conversation {
	e.t.Helper()
	e.seq++
	res := e.ingest(msg{From: fmt.Sprintf("p%d@example.net", e.seq), Subject: fmt.Sprintf("Question %d", e.seq),
		ID: fmt.Sprintf("m%d@example.net", e.seq), Body: body}.String())
	return e.conversation(res.ConversationID).Conversation
}

// notes lists "user:kind" of every notification, in order.
func (e *rtEnv) notes() []string {
	e.t.Helper()
	rows, err := e.d.Writer.Query("SELECT user_id, kind FROM notifications ORDER BY id")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			u    int64
			kind string
		)
		if err := rows.Scan(&u, &kind); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s", u, kind))
	}
	return out
}

// runRt runs the routing jobs of kind scheduled up to until.
func (e *rtEnv) runRt(kind string, until time.Time) {
	e.t.Helper()
	for _, j := range e.pendingJobs(kind) {
		if j.at.After(until) {
			continue
		}
		var err error
		switch kind {
		case silenceArgs{}.Kind():
			var a silenceArgs
			must[any](e.t)(nil, json.Unmarshal(j.args, &a))
			err = e.s.silence(context.Background(), a)
		case leadershipArgs{}.Kind():
			var a leadershipArgs
			must[any](e.t)(nil, json.Unmarshal(j.args, &a))
			err = e.s.slaLeadership(context.Background(), a)
		default:
			e.t.Fatalf("no runner for %s", kind)
		}
		if err != nil {
			e.t.Fatalf("%s: %v", kind, err)
		}
		if _, err := e.d.Writer.Exec(e.d.Rebind("DELETE FROM river_job WHERE id = $1"), j.id); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestAssignmentModes(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		a, actxA := e.agent("Ada", auth.RoleAgent)
		b, actxB := e.agent("Bo", auth.RoleAgent)
		c, actxC := e.agent("Cem", auth.RoleAgent)
		v, _ := e.agent("Vera", auth.RoleViewer) // may not reply: never assigned
		e.online(actxA, actxB, actxC)
		tm := e.team("Donor care", TeamSettings{Mode: AssignRoundRobin}, a, b, c, v)

		// Round-robin: in member order, wrapping around.
		var got []int64
		var convs []Conversation
		for range 4 {
			c := e.open("")
			convs = append(convs, c)
			got = append(got, c.AssigneeUserID)
		}
		if want := []int64{a.ID, b.ID, c.ID, a.ID}; !slices.Equal(got, want) {
			t.Fatalf("round-robin %v, want %v", got, want)
		}
		first := e.conversation(e.open("").ID) // to b
		if first.AssigneeUserID != b.ID || first.Status != StatusOpen || !slices.Contains(e.eventKinds(first.ID), EventAssigned) {
			t.Fatalf("assigned conversation %+v %v", first.Conversation, e.eventKinds(first.ID))
		}
		if n := e.notes(); !slices.Contains(n, fmt.Sprintf("%d:inbox.assigned", b.ID)) {
			t.Fatalf("no assignment notification: %v", n)
		}

		// Least open load: a 2, b 2, c 1 → c, then the tie a=b=c=2 goes on
		// in round-robin order after c → a.
		must[TeamSettings](t)(e.s.SaveTeamSettings(sys(), TeamSettings{TeamID: tm.ID, Mode: AssignLeastLoad}))
		if got := e.open("").AssigneeUserID; got != c.ID {
			t.Fatalf("least load picked %d, want %d (Cem)", got, c.ID)
		}
		if got := e.open("").AssigneeUserID; got != a.ID {
			t.Fatalf("least load tie picked %d, want %d (Ada)", got, a.ID)
		}
		// Resolving two of b's makes b the least loaded.
		for _, id := range []int64{convs[1].ID, first.ID} {
			must[Conversation](t)(e.s.SetStatus(actxB, id, StatusResolved))
		}
		if got := e.open("").AssigneeUserID; got != b.ID {
			t.Fatalf("least load picked %d, want %d (Bo)", got, b.ID)
		}

		// Capacity 1 (Ada holds 3, Bo 1, Cem 2): nobody takes more; the
		// conversation waits unassigned. An agent's own capacity beats the
		// team's.
		must[TeamSettings](t)(e.s.SaveTeamSettings(sys(), TeamSettings{TeamID: tm.ID, Mode: AssignLeastLoad, DefaultCapacity: 1}))
		if got := e.open("").AssigneeUserID; got != 0 {
			t.Fatalf("over capacity, assigned to %d", got)
		}
		must[AgentStatus](t)(e.s.SetAgentCapacity(sys(), c.ID, 5))
		if got := e.open("").AssigneeUserID; got != c.ID {
			t.Fatalf("own capacity: assigned to %d, want %d", got, c.ID)
		}
		// Away and auto-away agents are skipped.
		must[AgentStatus](t)(e.s.SetAvailability(actxC, AvailAway))
		must[AgentStatus](t)(e.s.SetAgentCapacity(sys(), a.ID, 10))
		e.clock.Advance(20 * time.Minute) // a was last seen 20 min ago: auto-away
		if st := must[AgentStatus](t)(e.s.AgentStatusOf(actxA, a.ID)); st.Availability != AvailOnline || st.Effective != AvailAway {
			t.Fatalf("auto-away status %+v", st)
		}
		if got := e.open("").AssigneeUserID; got != 0 {
			t.Fatalf("away agents got %d", got)
		}
		must[any](t)(nil, e.s.AgentSeen(actxA))
		if got := e.open("").AssigneeUserID; got != a.ID {
			t.Fatalf("after heartbeat got %d, want %d", got, a.ID)
		}
		// Manual mode assigns nobody.
		must[TeamSettings](t)(e.s.SaveTeamSettings(sys(), TeamSettings{TeamID: tm.ID, Mode: AssignManual}))
		if got := e.open("").AssigneeUserID; got != 0 {
			t.Fatalf("manual mode assigned %d", got)
		}
		// Bad input is a field error.
		_, err := e.s.SaveTeamSettings(sys(), TeamSettings{TeamID: tm.ID, Mode: "lottery"})
		wantErr(t, err, apperr.CodeInvalid, "")
		_, err = e.s.SetAvailability(actxA, "asleep")
		wantErr(t, err, apperr.CodeInvalid, "")
	})
}

func TestRoutingRules(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		donors := must[org.Team](t)(e.org.CreateTeam(sys(), org.NewTeam{Name: "Donor relations"}))
		japan := must[org.Team](t)(e.org.CreateTeam(sys(), org.NewTeam{Name: "Japan desk"}))
		other := e.mustMailbox("volunteer@example.org", "Volunteers")
		must[RoutingRule](t)(e.s.SaveRoutingRule(sys(), RoutingRule{Name: "Major donors", Position: 1, Enabled: true,
			Conditions: RuleConditions{Roles: []string{"donor", "client:participant"}},
			Actions:    RuleActions{TeamID: donors.ID, Priority: PriorityHigh, Tags: []string{"major gift"}}}))
		must[RoutingRule](t)(e.s.SaveRoutingRule(sys(), RoutingRule{Name: "Japanese", Position: 2, Enabled: true,
			Conditions: RuleConditions{Languages: []string{"ja"}, Channels: []Channel{ChannelEmail}},
			Actions:    RuleActions{TeamID: japan.ID}}))
		must[RoutingRule](t)(e.s.SaveRoutingRule(sys(), RoutingRule{Name: "Volunteer mailbox", Position: 3, Enabled: true,
			Conditions: RuleConditions{MailboxIDs: []int64{other.ID}}, Actions: RuleActions{Tags: []string{"volunteering"}}}))
		must[RoutingRule](t)(e.s.SaveRoutingRule(sys(), RoutingRule{Name: "Disabled", Position: 0, Enabled: false,
			Actions: RuleActions{Priority: PriorityLow}}))
		must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Grace Hopper"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "grace@example.com"}},
			Roles:       []people.RoleInput{{Role: people.RoleDonor, Start: people.NewDate(2020, 1, 1)}},
		}))

		cases := []struct {
			name, raw string
			team      int64
			priority  Priority
			tags      []string
		}{
			{"role", msg{From: "grace@example.com", Subject: "Gift", ID: "g1@x"}.String(), donors.ID, PriorityHigh, []string{"major gift"}},
			{"language", msg{From: "kenji@example.jp", Subject: "寄付について", ID: "k1@x",
				Body: "こんにちは。寄付の領収書についてお伺いしたいことがあります。よろしくお願いいたします。"}.String(), japan.ID, PriorityNormal, []string{}},
			{"mailbox", msg{From: "sam@example.net", To: "volunteer@example.org", Subject: "Helping", ID: "s1@x"}.String(), 0, PriorityNormal, []string{"volunteering"}},
			{"none", msg{From: "lee@example.net", Subject: "Hello", ID: "l1@x"}.String(), 0, PriorityNormal, []string{}},
		}
		for _, tc := range cases {
			to := e.mb.Address
			if strings.Contains(tc.raw, "volunteer@example.org") {
				to = other.Address
			}
			res, err := e.s.Ingest(context.Background(), []byte(tc.raw), Envelope{To: []string{to}, ReceivedAt: e.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			c := e.conversation(res.ConversationID)
			if c.TeamID != tc.team || c.Priority != tc.priority || !slices.Equal(c.Tags, tc.tags) {
				t.Errorf("%s: team %d priority %s tags %v, want %d %s %v", tc.name, c.TeamID, c.Priority, c.Tags, tc.team, tc.priority, tc.tags)
			}
			if routed := slices.Contains(e.eventKinds(c.ID), EventRouted); routed != (tc.name != "none") {
				t.Errorf("%s: routed event %v", tc.name, e.eventKinds(c.ID))
			}
		}
		rules := must[[]RoutingRule](t)(e.s.RoutingRules(sys()))
		if len(rules) != 4 || rules[0].Name != "Disabled" {
			t.Fatalf("rules %+v", rules)
		}
		_, err := e.s.SaveRoutingRule(sys(), RoutingRule{Name: "Major donors"})
		wantErr(t, err, apperr.CodeInvalid, "")
		_, err = e.s.SaveRoutingRule(sys(), RoutingRule{Name: "Bad", Actions: RuleActions{TeamID: 999, Priority: "whenever"}})
		wantErr(t, err, apperr.CodeInvalid, "")
		must[any](t)(nil, e.s.DeleteRoutingRule(sys(), rules[0].ID))
		wantErr(t, e.s.DeleteRoutingRule(sys(), rules[0].ID), apperr.CodeNotFound, "")
		_, as := e.agent("Agent", auth.RoleAgent)
		_, err = e.s.SaveRoutingRule(as, RoutingRule{Name: "Sneaky"})
		wantErr(t, err, apperr.CodeForbidden, "")
	})
}

func TestSilentAssigneeReassigned(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		a, actxA := e.agent("Ada", auth.RoleAgent)
		b, actxB := e.agent("Bo", auth.RoleAgent)
		e.online(actxA, actxB)
		e.team("Client services", TeamSettings{Mode: AssignRoundRobin, SilenceLimit: 30 * time.Minute}, a, b)
		quiet := e.open("")
		answered := e.open("")
		if quiet.AssigneeUserID != a.ID || answered.AssigneeUserID != b.ID {
			t.Fatalf("assigned %d, %d", quiet.AssigneeUserID, answered.AssigneeUserID)
		}
		e.clock.Advance(10 * time.Minute)
		must[Message](t)(e.s.ReplyWith(actxB, answered.ID, ReplyInput{Text: "On it.", Status: StatusOpen}))
		e.clock.Advance(19 * time.Minute)
		e.runRt(silenceArgs{}.Kind(), e.clock.Now()) // not yet due
		if c := e.conversation(quiet.ID); c.AssigneeUserID != a.ID {
			t.Fatalf("reassigned early to %d", c.AssigneeUserID)
		}
		e.clock.Advance(2 * time.Minute)
		e.s.AgentSeen(actxA)
		e.s.AgentSeen(actxB)
		e.runRt(silenceArgs{}.Kind(), e.clock.Now())
		if c := e.conversation(quiet.ID); c.AssigneeUserID != b.ID {
			t.Fatalf("silent conversation now with %d, want %d (Bo)", c.AssigneeUserID, b.ID)
		}
		if c := e.conversation(answered.ID); c.AssigneeUserID != b.ID {
			t.Fatalf("answered conversation moved to %d", c.AssigneeUserID)
		}
		n := e.notes()
		if !slices.Contains(n, fmt.Sprintf("%d:inbox.reassigned", a.ID)) {
			t.Fatalf("notifications %v", n)
		}
		// Running the same job again (a retry, a second instance) changes nothing.
		before := len(e.conversation(quiet.ID).Events)
		must[any](t)(nil, e.s.silence(context.Background(), silenceArgs{ConversationID: quiet.ID, UserID: a.ID, AssignedAt: testStart}))
		if after := len(e.conversation(quiet.ID).Events); after != before {
			t.Fatalf("events %d → %d", before, after)
		}
	})
}

func TestQueuePressureAlert(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		a, actxA := e.agent("Ada", auth.RoleAgent)
		b, _ := e.agent("Bo", auth.RoleAgent) // offline: not alerted
		m, _ := e.agent("Mia", auth.RoleManager)
		e.online(actxA)
		tm := e.team("Front desk", TeamSettings{Mode: AssignManual, MaxUnassigned: 2, MaxWait: time.Hour, AlertCooldown: 30 * time.Minute}, a, b)
		must[org.Team](t)(e.org.UpdateTeam(sys(), tm.ID, org.TeamPatch{ManagerUserID: &m.ID}))
		alerts := func() int {
			n := 0
			for _, x := range e.notes() {
				if strings.HasSuffix(x, ":inbox.queue.pressure") {
					n++
				}
			}
			return n
		}
		first := e.open("")
		if alerts() != 0 {
			t.Fatal("alert under the threshold")
		}
		second := e.open("")
		want := []string{fmt.Sprintf("%d:inbox.queue.pressure", a.ID), fmt.Sprintf("%d:inbox.queue.pressure", m.ID)}
		if got := e.notes(); !slices.Equal(got, want) {
			t.Fatalf("alert went to %v, want %v", got, want)
		}
		if !slices.Contains(e.eventKinds(second.ID), EventQueueAlert) {
			t.Fatalf("no queue event: %v", e.eventKinds(second.ID))
		}
		third := e.open("") // still over, inside the cool-down
		e.clock.Advance(10 * time.Minute)
		must[any](t)(nil, e.s.CheckQueues(context.Background()))
		if alerts() != 2 {
			t.Fatalf("%d alerts inside the cool-down", alerts())
		}
		e.clock.Advance(25 * time.Minute) // 35 min after the alert, still over
		must[any](t)(nil, e.s.AgentSeen(actxA))
		must[any](t)(nil, e.s.CheckQueues(context.Background()))
		if alerts() != 4 {
			t.Fatalf("%d alerts after the cool-down, want 4", alerts())
		}
		qs := must[[]QueueStats](t)(e.s.Queues(sys()))
		if len(qs) != 1 || qs[0].Unassigned != 3 || qs[0].Open != 3 || qs[0].AgentsOnline != 1 || !qs[0].Over ||
			qs[0].OldestWait != 35*time.Minute || len(qs[0].Agents) != 2 {
			t.Fatalf("queue stats %+v", qs)
		}
		// Back under both thresholds: the alert ends; the next crossing
		// after the cool-down alerts again.
		for _, c := range []Conversation{first, second, third} {
			must[Conversation](t)(e.s.Assign(actxA, c.ID, a.ID))
		}
		must[any](t)(nil, e.s.CheckQueues(context.Background()))
		st := must[TeamSettings](t)(e.s.TeamSettings(sys(), tm.ID))
		if st.AlertActive {
			t.Fatal("alert still active under the threshold")
		}
		e.clock.Advance(31 * time.Minute)
		e.open("")
		e.open("")
		if alerts() != 5 { // only the manager: Ada, seen 31 min ago, is auto-away
			t.Fatalf("%d alerts after the new crossing, want 5", alerts())
		}
	})
}

func TestEscalationChain(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		a, actxA := e.agent("Ada", auth.RoleAgent)
		b, actxB := e.agent("Bo", auth.RoleAgent)
		m, _ := e.agent("Mia", auth.RoleManager)
		boss, _ := e.agent("Boss", auth.RoleAdmin)
		e.online(actxA, actxB)
		tm := e.team("Donor care", TeamSettings{Mode: AssignRoundRobin}, a, b)
		must[org.Team](t)(e.org.UpdateTeam(sys(), tm.ID, org.TeamPatch{ManagerUserID: &m.ID}))
		p := must[Policy](t)(e.s.SavePolicy(sys(), Policy{Name: "Fast", Enabled: true, FirstResponse: 4 * time.Hour, WarnPercent: 75}))
		must[EscalationSettings](t)(e.s.SaveEscalationSettings(sys(), EscalationSettings{PolicyID: p.ID, LeadershipAfterPercent: 50, ReassignOnBreach: true}))
		c := e.open("")
		if c.AssigneeUserID != a.ID || c.PolicyID != p.ID {
			t.Fatalf("conversation %+v", c)
		}
		start := e.clock.Now()
		// Warning at 3 h → the assignee.
		e.clock.Set(start.Add(3 * time.Hour))
		runAll(t, e.env, e.clock.Now())
		if got := e.notes(); !slices.Equal(got, []string{fmt.Sprintf("%d:inbox.assigned", a.ID), fmt.Sprintf("%d:inbox.warning", a.ID)}) {
			t.Fatalf("after warning: %v", got)
		}
		// Breach at 4 h → the assignee and the manager; reassigned to Bo.
		e.clock.Set(start.Add(4 * time.Hour))
		e.s.AgentSeen(actxB)
		runAll(t, e.env, e.clock.Now())
		got := e.notes()[2:]
		if !slices.Contains(got, fmt.Sprintf("%d:inbox.breach", a.ID)) || !slices.Contains(got, fmt.Sprintf("%d:inbox.breach", m.ID)) ||
			!slices.Contains(got, fmt.Sprintf("%d:inbox.assigned", b.ID)) {
			t.Fatalf("after breach: %v", got)
		}
		if cc := e.conversation(c.ID); cc.AssigneeUserID != b.ID {
			t.Fatalf("not reassigned on breach: %d", cc.AssigneeUserID)
		}
		// Leadership at 4 h + 50% of 4 h = 6 h, as a durable job.
		jobs := e.pendingJobs(leadershipArgs{}.Kind())
		if len(jobs) != 1 || !jobs[0].at.Equal(start.Add(6*time.Hour)) {
			t.Fatalf("leadership jobs %+v", jobs)
		}
		// A restart: a second service on the same database (another instance)
		// runs the step; the first one running it again adds nothing.
		e.clock.Set(start.Add(6 * time.Hour))
		s2, err := New(e.d, Config{People: e.people, Jobs: mustJobs(t, e.env), Org: e.org, Now: e.clock.Now, Log: quiet,
			ReplySecret: testSecret, Notifier: StaffNotifier{N: e.n}})
		if err != nil {
			t.Fatal(err)
		}
		var la leadershipArgs
		must[any](t)(nil, json.Unmarshal(jobs[0].args, &la))
		must[any](t)(nil, s2.slaLeadership(context.Background(), la))
		must[any](t)(nil, e.s.slaLeadership(context.Background(), la))
		n := 0
		for _, x := range e.notes() {
			if x == fmt.Sprintf("%d:inbox.sla.leadership", boss.ID) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("leadership told %d times: %v", n, e.notes())
		}
		if k := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE kind = 'sla.leadership'"); k != 1 {
			t.Fatalf("%d leadership events", k)
		}
		// An answered conversation is not escalated further.
		c2 := e.open("")
		must[Message](t)(e.s.Reply(actxA, c2.ID, "Answered.", ""))
		e.clock.Advance(12 * time.Hour)
		runAll(t, e.env, e.clock.Now())
		e.runRt(leadershipArgs{}.Kind(), e.clock.Now())
		if k := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE kind LIKE 'sla.%' AND conversation_id = $1", c2.ID); k != 0 {
			t.Fatalf("answered conversation escalated (%d events)", k)
		}
	})
}

func TestNoteMentions(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		_, actx := e.agent("Ada", auth.RoleAgent)
		bo, _ := e.agent("Bo", auth.RoleAgent)
		kim, _ := e.agent("Kim", auth.RoleManager)
		vi, _ := e.agent("Vi", auth.RoleFundraiser) // no inbox access: not told
		c := e.open("")
		must[Message](t)(e.s.AddNote(actx, c.ID, fmt.Sprintf("@bo can you check? cc @[Kim](user:%d), @vi, @ada and mail x@bo.org", kim.ID)))
		got := e.notes()
		want := []string{fmt.Sprintf("%d:inbox.mention", bo.ID), fmt.Sprintf("%d:inbox.mention", kim.ID)}
		if !slices.Equal(got, want) {
			t.Fatalf("notifications %v, want %v (not %d)", got, want, vi.ID)
		}
		bctx := auth.WithActor(context.Background(), auth.ActorFor(bo, nil))
		page := must[notify.Page](t)(e.n.List(bctx, 0, 10, true))
		if len(page.Items) != 1 || page.Items[0].Link != fmt.Sprintf("/inbox/%d", c.ID) || !strings.Contains(page.Items[0].Body, "@bo can you check") ||
			page.Items[0].Args["Actor"] != "Ada" {
			t.Fatalf("bo's notifications %+v", page.Items)
		}
	})
}

// TestAssignmentTwoInstances: two services (two instances) opening
// conversations for one team at the same time never give an agent more
// than the capacity, nor one conversation to two agents.
func TestAssignmentTwoInstances(t *testing.T) {
	t.Parallel()
	runRouting(t, func(t *testing.T, e *rtEnv) {
		a, actxA := e.agent("Ada", auth.RoleAgent)
		b, actxB := e.agent("Bo", auth.RoleAgent)
		e.online(actxA, actxB)
		e.team("Front desk", TeamSettings{Mode: AssignLeastLoad, DefaultCapacity: 2}, a, b)
		s2, err := New(e.d, Config{People: e.people, Jobs: mustJobs(t, e.env), Org: e.org, Now: e.clock.Now, Log: quiet,
			ReplySecret: testSecret, Notifier: StaffNotifier{N: e.n}})
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			s := e.s
			if i%2 == 1 {
				s = s2
			}
			go func() {
				raw := msg{From: fmt.Sprintf("c%d@example.net", i), Subject: "Hello", ID: fmt.Sprintf("c%d@example.net", i)}.String()
				_, err := s.Ingest(context.Background(), []byte(raw), Envelope{To: []string{e.mb.Address}, ReceivedAt: e.clock.Now()})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []auth.User{a, b} {
			if k := count(t, e.d, "SELECT count(*) FROM inbox_conversations WHERE assignee_user_id = $1", u.ID); k != 2 {
				t.Errorf("%s holds %d conversations, capacity 2", u.Name, k)
			}
		}
		if k := count(t, e.d, "SELECT count(*) FROM inbox_conversations WHERE assignee_user_id IS NULL"); k != n-4 {
			t.Errorf("%d unassigned, want %d", k, n-4)
		}
		if k := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE kind = 'assigned'"); k != 4 {
			t.Errorf("%d assignment events, want 4", k)
		}
	})
}
