package inbox

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/inbox/sla"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

func TestSelectPolicy(t *testing.T) {
	t.Parallel()
	major := Policy{ID: 1, Name: "major donors", Enabled: true, FirstResponse: 4 * time.Hour, Rules: Rules{Roles: []string{"donor"}, Tags: []string{"Major donor"}}}
	finnish := Policy{ID: 2, Name: "finnish web", Enabled: true, FirstResponse: 8 * time.Hour, Rules: Rules{Languages: []string{"fi"}, Channels: []Channel{ChannelWeb}}}
	team := Policy{ID: 3, Name: "team 7 urgent", Enabled: true, FirstResponse: time.Hour, Rules: Rules{TeamIDs: []int64{7}, Priorities: []Priority{PriorityUrgent}}}
	off := Policy{ID: 4, Name: "disabled catch-all", Enabled: false}
	ps := []Policy{off, major, finnish, team}
	tests := []struct {
		f    Facts
		want string
	}{
		{Facts{Channel: ChannelEmail, Roles: []string{"donor"}, Tags: []string{"major donor"}, Priority: PriorityNormal}, "major donors"},
		{Facts{Channel: ChannelEmail, Roles: []string{"donor"}}, "default"},
		{Facts{Channel: ChannelEmail, Tags: []string{"major donor"}}, "default"},
		{Facts{Roles: []string{"client", "client:patient"}, Tags: []string{"major donor"}}, "default"},
		{Facts{Channel: ChannelWeb, Language: "fi-FI"}, "finnish web"},
		{Facts{Channel: ChannelEmail, Language: "fi"}, "default"},
		{Facts{Channel: ChannelWeb, Language: "fi", Roles: []string{"donor"}, Tags: []string{"major donor"}}, "major donors"}, // first match wins
		{Facts{TeamID: 7, Priority: PriorityUrgent}, "team 7 urgent"},
		{Facts{TeamID: 7, Priority: PriorityHigh}, "default"},
	}
	for _, tt := range tests {
		if got := SelectPolicy(ps, tt.f).Name; got != tt.want {
			t.Errorf("SelectPolicy(%+v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

// TestClocksPause: waiting pauses every running deadline; resuming gives back
// the open time that was left, in business hours, across a weekend.
func TestClocksPause(t *testing.T) {
	t.Parallel()
	hel, _ := time.LoadLocation("Europe/Helsinki")
	week, err := sla.ParseSchedule(officeSchedule())
	if err != nil {
		t.Fatal(err)
	}
	k := clocks{policy: Policy{FirstResponse: 7 * time.Hour, NextResponse: 2 * time.Hour, Resolution: 21 * time.Hour},
		hours: sla.BusinessHours{Location: hel, Week: week}}
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, hel)
		return v.UTC()
	}
	c := Conversation{Status: StatusNew}
	k.start(&c, at("2025-06-05 10:00")) // Thursday
	if !c.FirstResponseDueAt.Equal(at("2025-06-06 10:00")) || !c.ResolutionDueAt.Equal(at("2025-06-10 10:00")) {
		t.Fatalf("start: first %s resolution %s", c.FirstResponseDueAt.In(hel), c.ResolutionDueAt.In(hel))
	}
	// Waiting from Thursday 16:00 (first response left: 10:00–11:00 Friday's
	// morning plus Thursday's 16–17 = 2 h… precisely 1 h Thursday + 1 h
	// Friday) until Monday 09:30.
	k.setStatus(&c, StatusWaiting, at("2025-06-05 16:00"))
	if c.DueAt() != nil {
		t.Fatal("a waiting conversation has a running deadline")
	}
	k.setStatus(&c, StatusOpen, at("2025-06-09 09:30"))
	if c.WaitingSince != nil {
		t.Fatal("still paused")
	}
	// First response had 2 h left: Monday 09:30 + 2 h = 11:30.
	if !c.FirstResponseDueAt.Equal(at("2025-06-09 11:30")) {
		t.Errorf("first response due %s, want Monday 11:30", c.FirstResponseDueAt.In(hel))
	}
	// Resolution had 1 h Thu + 7 h Fri + 7 h Mon + 1 h Tue = 16 h left…
	// from Monday 09:30: 6.5 h Monday, 7 h Tuesday, 2.5 h Wednesday.
	if !c.ResolutionDueAt.Equal(at("2025-06-11 11:30")) {
		t.Errorf("resolution due %s, want Wednesday 11:30", c.ResolutionDueAt.In(hel))
	}
	// A deadline already missed before the pause stays missed.
	c2 := Conversation{Status: StatusOpen, FirstResponseDueAt: ptr(at("2025-06-05 11:00"))}
	k.setStatus(&c2, StatusWaiting, at("2025-06-05 12:30"))
	k.setStatus(&c2, StatusOpen, at("2025-06-06 12:30"))
	if !c2.FirstResponseDueAt.Equal(at("2025-06-05 11:00")) {
		t.Errorf("missed deadline moved to %s", c2.FirstResponseDueAt.In(hel))
	}
	// An answer to a resolved conversation reopens it straight into waiting.
	c3 := Conversation{Status: StatusResolved, ResolvedAt: ptr(at("2025-06-06 10:00"))}
	k.setStatus(&c3, StatusWaiting, at("2025-06-09 10:00"))
	if c3.ResolvedAt != nil || c3.WaitingSince == nil || c3.ResolutionDueAt == nil {
		t.Errorf("resolved → waiting: %+v", c3)
	}
	// Resolved stops the clocks; reopening restarts resolution.
	k.setStatus(&c, StatusResolved, at("2025-06-09 12:00"))
	if c.DueAt() != nil || c.ResolvedAt == nil {
		t.Fatal("resolved conversation has a running deadline")
	}
	k.setStatus(&c, StatusOpen, at("2025-06-09 13:00"))
	// 21 h from Monday 13:00: 4 + 7 + 7 h, then Thursday 09:00–12:00.
	if c.ResolvedAt != nil || !c.ResolutionDueAt.Equal(at("2025-06-12 12:00")) {
		t.Errorf("reopened: resolution due %s", c.ResolutionDueAt.In(hel))
	}
}

// TestDeadlinesEndToEnd runs a conversation through its warning and breach
// jobs with a fake clock in New York across the November DST change, with a
// pause that moves the deadline and leaves the first timers stale.
func TestDeadlinesEndToEnd(t *testing.T) {
	t.Parallel()
	notes := &recordNotifier{}
	run(t, func(t *testing.T, e *env) {
		notes.got = nil // one notifier serves both backends in turn
		e.setOrg("America/New_York", "en")
		team := must[org.Team](t)(e.org.CreateTeam(sys(), org.NewTeam{Name: "Donor care", TimeZone: "America/New_York"}))
		must[Hours](t)(e.s.SaveHours(sys(), Hours{Name: "Donor care hours", TeamID: team.ID, Schedule: officeSchedule(),
			Holidays: []sla.Date{{Year: 2025, Month: 11, Day: 3}}}))
		must[Mailbox](t)(e.s.UpdateMailbox(sys(), e.mb.ID, MailboxInput{DisplayName: e.mb.DisplayName, TeamID: team.ID}))
		must[Policy](t)(e.s.SavePolicy(sys(), Policy{Name: "Major donors", Enabled: true, FirstResponse: 4 * time.Hour,
			NextResponse: 2 * time.Hour, WarnPercent: 75, Rules: Rules{Roles: []string{"donor"}, Tags: []string{"major DONOR"}}}))
		p := must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "Grace Hopper"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "grace@example.com"}},
			Roles:       []people.RoleInput{{Role: people.RoleDonor, Start: people.NewDate(2020, 1, 1)}},
			Tags:        []string{"Major donor"},
		}))
		ny, _ := time.LoadLocation("America/New_York")
		at := func(s string) time.Time {
			v, _ := time.ParseInLocation("2006-01-02 15:04", s, ny)
			return v.UTC()
		}
		// Friday 31 October, 15:00: 2 h left that day; Sunday 2 November the
		// clocks fall back; Monday 3 November is a holiday. 4 business hours
		// end Tuesday 4 November 11:00 EST.
		e.clock.Set(at("2025-10-31 15:00"))
		res := e.ingest(msg{From: "grace@example.com", Subject: "Bequest question", ID: "grace-1@example.com"}.String())
		c := e.conversation(res.ConversationID)
		if c.PersonID != p.ID || c.TeamID != team.ID {
			t.Fatalf("conversation %+v", c.Conversation)
		}
		if !c.FirstResponseDueAt.Equal(at("2025-11-04 11:00")) {
			t.Fatalf("first response due %s, want Tue 4 Nov 11:00 EST", c.FirstResponseDueAt.In(ny))
		}
		// Warning at 75 %: 1 h left = Tuesday 10:00; the warning schedules
		// the breach timer for 11:00.
		jobs := e.pendingJobs(deadlineArgs{}.Kind())
		if len(jobs) != 1 || !jobs[0].at.Equal(at("2025-11-04 10:00")) {
			t.Fatalf("deadline jobs %+v", jobs)
		}
		e.clock.Set(at("2025-11-04 10:00"))
		runAll(t, e, at("2025-11-04 10:00"))
		if kinds := e.eventKinds(c.ID); !slices.Contains(kinds, EventSLAWarning) || slices.Contains(kinds, EventSLABreach) {
			t.Fatalf("events at 10:00: %v", kinds)
		}
		if jobs := e.pendingJobs(deadlineArgs{}.Kind()); len(jobs) != 1 || !jobs[0].at.Equal(at("2025-11-04 11:00")) {
			t.Fatalf("deadline jobs after the warning %+v", jobs)
		}
		// An agent sets it waiting at 10:30 (30 min left) until Wednesday 9:15;
		// the first breach timer then finds nothing to do, and a new deadline
		// of 9:45 is scheduled.
		_, as := e.agent("Agent", auth.RoleAgent)
		e.clock.Set(at("2025-11-04 10:30"))
		must[Conversation](t)(e.s.SetStatus(as, c.ID, StatusWaiting))
		e.clock.Set(at("2025-11-05 09:15"))
		runAll(t, e, at("2025-11-05 09:15"))
		if slices.Contains(e.eventKinds(c.ID), EventSLABreach) {
			t.Fatal("breach recorded while waiting")
		}
		must[Conversation](t)(e.s.SetStatus(as, c.ID, StatusOpen))
		c = e.conversation(c.ID)
		if !c.FirstResponseDueAt.Equal(at("2025-11-05 09:45")) {
			t.Fatalf("resumed first response due %s, want 09:45", c.FirstResponseDueAt.In(ny))
		}
		e.clock.Set(at("2025-11-05 09:50"))
		runAll(t, e, at("2025-11-05 09:50"))
		kinds := e.eventKinds(c.ID)
		if n := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE kind = 'sla.breach'"); n != 1 {
			t.Fatalf("%d breach events (%v)", n, kinds)
		}
		if len(notes.got) < 2 || notes.got[len(notes.got)-1].Kind != stageBreach || notes.got[len(notes.got)-1].Deadline != dueFirstResponse {
			t.Errorf("notifications %+v", notes.got)
		}
		// A reply meets the target; the next message starts the next-response
		// clock (2 h), answered in time: no more events.
		must[Message](t)(e.s.Reply(as, c.ID, "Thank you, Grace.", ""))
		e.clock.Set(at("2025-11-05 13:30"))
		e.ingest(msg{From: "grace@example.com", Subject: "Re: thanks", ID: "grace-2@example.com", InReplyTo: "grace-1@example.com"}.String())
		c = e.conversation(c.ID)
		if c.Status != StatusOpen || !c.NextResponseDueAt.Equal(at("2025-11-05 15:30")) {
			t.Fatalf("next response due %v", c.NextResponseDueAt)
		}
		e.clock.Set(at("2025-11-05 14:00"))
		must[Message](t)(e.s.Reply(as, c.ID, "Of course.", ""))
		e.clock.Set(at("2025-11-06 12:00"))
		before := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE kind LIKE 'sla.%'")
		runAll(t, e, at("2025-11-06 12:00"))
		if after := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE kind LIKE 'sla.%'"); after != before {
			t.Errorf("a met deadline still fired (%d → %d events)", before, after)
		}
	}, func(c *Config) { c.Notifier = notes })
}

// runAll runs every deadline job due by until, checking none fails.
func runAll(t *testing.T, e *env, until time.Time) {
	t.Helper()
	for _, err := range e.runJobs(deadlineArgs{}.Kind(), until) {
		if err != nil {
			t.Fatal(err)
		}
	}
}

type recordNotifier struct{ got []Notification }

func (r *recordNotifier) Notify(_ context.Context, n Notification) error {
	r.got = append(r.got, n)
	return nil
}

func TestPolicyAdmin(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		_, agent := e.agent("Agent", auth.RoleAgent)
		if _, err := e.s.SavePolicy(agent, Policy{Name: "x"}); err == nil {
			t.Error("an agent saved a policy")
		}
		_, err := e.s.SavePolicy(sys(), Policy{Name: "", FirstResponse: -time.Hour})
		wantErr(t, err, "validation_failed", "")
		_, err = e.s.SaveHours(sys(), Hours{Name: "Bad", Schedule: sla.Schedule{"mon": {{"17:00", "09:00"}}}})
		wantErr(t, err, "validation_failed", "")
		h := must[Hours](t)(e.s.SaveHours(sys(), Hours{Name: "Default", Default: true, TimeZone: "Europe/Helsinki", Schedule: officeSchedule()}))
		h2 := must[Hours](t)(e.s.SaveHours(sys(), Hours{Name: "Other default", Default: true, Schedule: officeSchedule()}))
		all := must[[]Hours](t)(e.s.BusinessHours(sys()))
		if len(all) != 2 || all[0].Default || !all[1].Default || all[0].ID != h.ID || all[1].ID != h2.ID {
			t.Errorf("hours %+v: only the last saved default keeps the mark", all)
		}
		p := must[Policy](t)(e.s.SavePolicy(sys(), Policy{Name: "Fast", Enabled: true, FirstResponse: time.Hour, BusinessHoursID: h.ID}))
		p.Position = 5
		p = must[Policy](t)(e.s.SavePolicy(sys(), p))
		if ps := must[[]Policy](t)(e.s.Policies(sys())); len(ps) != 1 || ps[0].Position != 5 || ps[0].WarnPercent != 80 || ps[0].BusinessHoursID != h.ID {
			t.Errorf("policies %+v", ps)
		}
		if err := e.s.DeletePolicy(sys(), p.ID); err != nil {
			t.Fatal(err)
		}
	})
}
