package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

// runWake runs the pending snooze jobs due by until, as River would.
func (e *env) runWake(until time.Time) int {
	e.t.Helper()
	n := 0
	for _, j := range e.pendingJobs(wakeArgs{}.Kind()) {
		if j.at.After(until) {
			continue
		}
		var a wakeArgs
		if err := json.Unmarshal(j.args, &a); err != nil {
			e.t.Fatal(err)
		}
		if err := e.s.wake(context.Background(), a); err != nil {
			e.t.Fatalf("wake job: %v", err)
		}
		if _, err := e.d.Writer.Exec(e.d.Rebind("DELETE FROM river_job WHERE id = $1"), j.id); err != nil {
			e.t.Fatal(err)
		}
		n++
	}
	return n
}

// person creates a profile with an e-mail address, a language and a donor
// role since March 2017.
func (e *env) person(given, family, lang, addr string) people.Person {
	e.t.Helper()
	p, err := e.people.CreatePerson(sys(), people.NewPerson{
		PersonInput: people.PersonInput{GivenName: given, FamilyName: family, Language: lang},
		Contacts:    []people.ContactInput{{Kind: people.Email, Value: addr}},
		Roles:       []people.RoleInput{{Role: people.RoleDonor, Start: people.NewDate(2017, 3, 1)}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func listIDs(t *testing.T, e *env, ctx context.Context, f Filter) []int64 {
	t.Helper()
	page, err := e.s.ListConversations(ctx, f, "", 50)
	if err != nil {
		t.Fatalf("list %+v: %v", f, err)
	}
	var ids []int64
	for _, c := range page.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestCannedRenderPerLanguage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, agentCtx := e.agent("Sanna", auth.RoleAgent)
		_, mgrCtx := e.agent("Maija", auth.RoleManager)
		bodies := map[string]string{
			"en": "Dear {{greeting_name}}, {{tenure}}. Ref {{reference}}. {{agent_name}}",
			"fr": "Bonjour {{greeting_name}}, {{tenure}}. Réf {{reference}}. {{agent_name}}",
			"fi": "Hei {{greeting_name}}, {{tenure}}. Viite {{reference}}. {{agent_name}}",
			"tr": "Merhaba {{greeting_name}}, {{tenure}}. Referans {{reference}}. {{agent_name}}",
			"ja": "{{greeting_name}}様、{{tenure}}。番号 {{reference}}。{{agent_name}}",
			"fa": "{{greeting_name}} عزیز، {{tenure}}. شماره {{reference}}. {{agent_name}}",
		}
		var variants []CannedVariant
		for lang, body := range bodies {
			variants = append(variants, CannedVariant{Language: lang, Body: body + " {{ due }}"})
		}
		cr, err := e.s.SaveCanned(mgrCtx, 0, CannedInput{Title: "Thanks", Shortcut: "thanks", Variants: variants})
		if err != nil {
			t.Fatal(err)
		}
		enOnly, err := e.s.SaveCanned(mgrCtx, 0, CannedInput{Title: "English only", Variants: []CannedVariant{{Language: "en", Body: "Hi {{first_name}}"}}})
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range []struct {
			lang, given, family, greeting, tenure, dir string
		}{
			{"en", "Alice", "Smith", "Alice", "Supporter since March 2017", "ltr"},
			{"fr", "Élodie", "Martin", "Élodie", "Soutien depuis mars 2017", "ltr"},
			{"fi", "Aino", "Virtanen", "Aino", "Tukija maaliskuusta 2017 lähtien", "ltr"},
			{"tr", "Ayşe", "Yılmaz", "Ayşe", "Mart 2017 tarihinden beri destekçi", "ltr"},
			{"ja", "美咲", "桜井", "桜井", "2017年3月からのご支援", "ltr"},
			{"fa", "مریم", "احمدی", "مریم", "حامی از اسفند ۱۳۹۵", "rtl"},
		} {
			t.Run(tc.lang, func(t *testing.T) {
				addr := fmt.Sprintf("p%d@example.net", i)
				p := e.person(tc.given, tc.family, tc.lang, addr)
				res := e.ingest(msg{From: addr, Subject: "Hello " + tc.lang, ID: fmt.Sprintf("canned-%d@example.net", i)}.String())
				r, err := e.s.RenderCanned(agentCtx, cr.ID, res.ConversationID)
				if err != nil {
					t.Fatal(err)
				}
				if r.Language != tc.lang || r.Dir != tc.dir {
					t.Fatalf("variant %s %s, want %s %s", r.Language, r.Dir, tc.lang, tc.dir)
				}
				if p.GreetingName != tc.greeting {
					t.Fatalf("greeting name %q, want %q", p.GreetingName, tc.greeting)
				}
				ref := fmt.Sprintf("HK-%d", res.ConversationID)
				for _, want := range []string{tc.greeting, tc.tenure, ref, "Sanna"} {
					if !strings.Contains(r.Text, want) {
						t.Errorf("rendered %q lacks %q", r.Text, want)
					}
				}
				if strings.Contains(r.Text, "{{") || strings.HasSuffix(strings.TrimSpace(r.Text), "Sanna") {
					t.Errorf("rendered %q: a variable is left or the due time is missing", r.Text)
				}
				// No variant in the person's language: the organization's (English).
				r, err = e.s.RenderCanned(agentCtx, enOnly.ID, res.ConversationID)
				if err != nil || r.Language != "en" || r.Text != "Hi "+tc.given {
					t.Fatalf("fallback: %+v %v", r, err)
				}
			})
		}
		// Values are inserted as text, never expanded again.
		if got := fillVariables("Hi {{first_name}} {{unknown}}", map[string]string{"first_name": "{{reference}}", "reference": "HK-1"}); got != "Hi {{reference}} " {
			t.Fatalf("fillVariables = %q", got)
		}
	})
}

func TestCannedCRUD(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		agent, agentCtx := e.agent("Aki", auth.RoleAgent)
		_, otherCtx := e.agent("Ben", auth.RoleAgent)
		_, mgrCtx := e.agent("Mia", auth.RoleManager)
		v := []CannedVariant{{Language: "en", Body: "Thank you, {{first_name}}!"}, {Language: "fa", Body: "سپاس، {{first_name}}!"}}

		_, err := e.s.SaveCanned(agentCtx, 0, CannedInput{Title: "Shared", Variants: v})
		wantErr(t, err, apperr.CodeForbidden, "")
		own, err := e.s.SaveCanned(agentCtx, 0, CannedInput{Title: "My thanks", Shortcut: "/ty", Personal: true, Variants: v})
		if err != nil || own.OwnerUserID != agent.ID || own.Shortcut != "ty" || len(own.Variants) != 2 {
			t.Fatalf("personal: %+v %v", own, err)
		}
		shared, err := e.s.SaveCanned(mgrCtx, 0, CannedInput{Title: "Receipt sent", Shortcut: "receipt", Variants: v})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			in   CannedInput
			key  string
		}{
			{"unknown variable", CannedInput{Title: "x", Variants: []CannedVariant{{Language: "en", Body: "Hi {{password}}"}}}, "inbox.error.variable"},
			{"no text", CannedInput{Title: "x", Variants: []CannedVariant{{Language: "en", Body: " "}}}, "inbox.error.no_variant"},
			{"bad language", CannedInput{Title: "x", Variants: []CannedVariant{{Language: "xx", Body: "Hi"}}}, "inbox.error.language"},
			{"shortcut taken", CannedInput{Title: "x", Shortcut: "RECEIPT", Variants: v}, "inbox.error.shortcut_taken"},
			{"bad shortcut", CannedInput{Title: "x", Shortcut: "a b", Variants: v}, "inbox.error.shortcut"},
			{"no title", CannedInput{Variants: v}, "inbox.error.name"},
		} {
			_, err := e.s.SaveCanned(mgrCtx, 0, tc.in)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid {
				t.Fatalf("%s: %v", tc.name, err)
			}
			found := false
			for _, fe := range e.Fields {
				found = found || fe.Key == tc.key
			}
			if !found {
				t.Fatalf("%s: fields %+v, want %s", tc.name, e.Fields, tc.key)
			}
		}
		titles := func(ctx context.Context, q string) []string {
			list, err := e.s.CannedResponses(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range list {
				out = append(out, c.Title)
			}
			return out
		}
		if got := titles(agentCtx, ""); !slices.Equal(got, []string{"Receipt sent", "My thanks"}) {
			t.Fatalf("agent sees %v", got)
		}
		if got := titles(otherCtx, ""); !slices.Equal(got, []string{"Receipt sent"}) {
			t.Fatalf("another agent sees %v", got)
		}
		if got := titles(agentCtx, "/TY"); !slices.Equal(got, []string{"My thanks"}) {
			t.Fatalf("search by shortcut: %v", got)
		}
		if got := titles(agentCtx, "receipt"); !slices.Equal(got, []string{"Receipt sent"}) {
			t.Fatalf("search by title: %v", got)
		}
		_, err = e.s.Canned(otherCtx, own.ID)
		wantErr(t, err, apperr.CodeNotFound, "")
		_, err = e.s.SaveCanned(agentCtx, shared.ID, CannedInput{Title: "Mine now", Personal: true, Variants: v})
		wantErr(t, err, apperr.CodeForbidden, "")
		upd, err := e.s.SaveCanned(agentCtx, own.ID, CannedInput{Title: "My thanks 2", Personal: true, Variants: v[:1]})
		if err != nil || upd.Title != "My thanks 2" || len(upd.Variants) != 1 {
			t.Fatalf("update: %+v %v", upd, err)
		}
		wantErr(t, e.s.DeleteCanned(agentCtx, shared.ID), apperr.CodeForbidden, "")
		if err := e.s.DeleteCanned(agentCtx, own.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, e.d, "SELECT count(*) FROM inbox_canned_variants WHERE canned_id = $1", own.ID); n != 0 {
			t.Fatalf("%d variants left", n)
		}
		if n := count(t, e.d, "SELECT count(*) FROM audit_log WHERE action LIKE 'inbox.canned.%'"); n != 4 {
			t.Fatalf("%d audit entries, want 4", n)
		}
		// A language's own title finds its response too.
		if _, err := e.s.SaveCanned(mgrCtx, 0, CannedInput{Title: "Receipt (Japan)", Variants: []CannedVariant{{Language: "ja", Title: "領収書のご案内", Body: "{{first_name}}様、領収書をお送りしました。"}}}); err != nil {
			t.Fatal(err)
		}
		if got := titles(agentCtx, "領収書"); !slices.Equal(got, []string{"Receipt (Japan)"}) {
			t.Fatalf("search by a language's title: %v", got)
		}
	})
}

func TestSignatureAppended(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		agent, agentCtx := e.agent("Leila", auth.RoleAgent)
		mgr, mgrCtx := e.agent("Omid", auth.RoleManager)
		team, err := e.org.CreateTeam(sys(), org.NewTeam{Name: "Donor care", Slug: "donor-care", ManagerUserID: &mgr.ID})
		if err != nil {
			t.Fatal(err)
		}
		mb := e.mustMailbox("donors@example.org", "Donor care")
		if _, err := e.s.UpdateMailbox(sys(), mb.ID, MailboxInput{Address: mb.Address, DisplayName: mb.DisplayName, TeamID: team.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.SetSignatures(agentCtx, 0, []Signature{{Language: "", Body: "Leila — {{org_name}}"}, {Language: "fa", Body: "لیلا"}}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.SetSignatures(agentCtx, team.ID, []Signature{{Body: "Team"}})
		wantErr(t, err, apperr.CodeForbidden, "")
		if _, err := e.s.SetSignatures(mgrCtx, team.ID, []Signature{{Body: "Donor care team\nhttps://example.org"}}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.SetSignatures(agentCtx, 0, []Signature{{Body: "{{secret}}"}})
		wantErr(t, err, apperr.CodeInvalid, "")
		if sigs, err := e.s.Signatures(agentCtx, agent.ID, 0); err != nil || len(sigs) != 2 {
			t.Fatalf("signatures %v %v", sigs, err)
		}
		e.person("Sara", "Karimi", "fa", "sara@example.ir")
		raw := msg{From: "sara@example.ir", To: "donors@example.org", Subject: "رسید", ID: "sig-1@example.ir"}.String()
		res, err := e.s.Ingest(context.Background(), []byte(raw), Envelope{To: []string{"donors@example.org"}, ReceivedAt: e.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.s.ReplyWith(agentCtx, res.ConversationID, ReplyInput{Text: "رسید شما ارسال شد.", HTML: "<p>رسید شما ارسال شد.</p>"})
		if err != nil {
			t.Fatal(err)
		}
		wantText := "رسید شما ارسال شد.\n\n-- \nلیلا\nDonor care team\nhttps://example.org"
		if m.Text != wantText {
			t.Fatalf("reply text %q, want %q", m.Text, wantText)
		}
		if !strings.Contains(m.HTML, `<div class="signature">لیلا<br>Donor care team<br>https://example.org</div>`) {
			t.Fatalf("reply HTML %q", m.HTML)
		}
		sent := e.flush()
		last := sent[len(sent)-1]
		if !strings.HasSuffix(strings.TrimSpace(last.Text), "https://example.org") || !strings.Contains(last.HTML, "signature") {
			t.Fatalf("sent text %q html %q", last.Text, last.HTML)
		}
		// Another language falls back to the any-language signature, filled.
		e.person("Ann", "Lee", "en", "ann@example.com")
		res = e.ingest(msg{From: "ann@example.com", Subject: "Receipt", ID: "sig-2@example.com"}.String())
		m, err = e.s.Reply(agentCtx, res.ConversationID, "Sent.", "")
		if err != nil || !strings.HasPrefix(m.Text, "Sent.\n\n-- \nLeila — ") || strings.Contains(m.Text, "{{") {
			t.Fatalf("reply %q %v", m.Text, err)
		}
	})
}

func TestPresenceAndCollision(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		a, aCtx := e.agent("Anna", auth.RoleAgent)
		b, bCtx := e.agent("Bruno", auth.RoleAgent)
		res := e.ingest(msg{From: "x@example.net", Subject: "Help", ID: "presence-1@example.net"}.String())
		id := res.ConversationID

		p, err := e.s.Heartbeat(aCtx, id, false)
		if err != nil || len(p.Viewers) != 0 || p.LastMessageID != res.MessageID {
			t.Fatalf("alone: %+v %v", p, err)
		}
		if _, err := e.s.Heartbeat(bCtx, id, true); err != nil {
			t.Fatal(err)
		}
		p, _ = e.s.Heartbeat(aCtx, id, false)
		if len(p.Viewers) != 1 || p.Viewers[0].UserID != b.ID || !p.Viewers[0].Typing || p.Viewers[0].Name != "Bruno" {
			t.Fatalf("A sees %+v", p.Viewers)
		}
		p, _ = e.s.Viewers(bCtx, id)
		if len(p.Viewers) != 1 || p.Viewers[0].UserID != a.ID || p.Viewers[0].Typing {
			t.Fatalf("B sees %+v", p.Viewers)
		}
		// B's heartbeats stop: after the TTL A is alone again.
		e.clock.Advance(PresenceTTL - time.Second)
		if p, _ = e.s.Heartbeat(aCtx, id, false); len(p.Viewers) != 1 {
			t.Fatalf("before expiry: %+v", p.Viewers)
		}
		e.clock.Advance(2 * time.Second)
		if p, _ = e.s.Heartbeat(aCtx, id, false); len(p.Viewers) != 0 {
			t.Fatalf("after expiry: %+v", p.Viewers)
		}
		if err := e.s.Leave(aCtx, id); err != nil {
			t.Fatal(err)
		}
		if p, _ = e.s.Viewers(bCtx, id); len(p.Viewers) != 0 {
			t.Fatalf("after leave: %+v", p.Viewers)
		}
		_, err = e.s.Heartbeat(aCtx, 999999, false)
		wantErr(t, err, apperr.CodeNotFound, "")

		// B replies after A loaded the page: A's check finds it; B's own does not.
		loaded := res.MessageID
		reply, err := e.s.Reply(bCtx, id, "On it.", "")
		if err != nil {
			t.Fatal(err)
		}
		newer, err := e.s.NewerMessages(aCtx, id, loaded)
		if err != nil || len(newer) != 1 || newer[0].ID != reply.ID || newer[0].AuthorName != "Bruno" {
			t.Fatalf("A's newer: %+v %v", newer, err)
		}
		if newer, _ = e.s.NewerMessages(bCtx, id, loaded); len(newer) != 0 {
			t.Fatalf("B's own reply counted: %+v", newer)
		}
		if _, err := e.s.AddNote(bCtx, id, "note"); err != nil {
			t.Fatal(err)
		}
		if newer, _ = e.s.NewerMessages(aCtx, id, reply.ID); len(newer) != 0 {
			t.Fatalf("a note counted: %+v", newer)
		}
	})
}

func TestSnoozeWake(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, ctx := e.agent("Sami", auth.RoleAgent)
		c1 := e.ingest(msg{From: "one@example.net", Subject: "One", ID: "snooze-1@example.net"}.String()).ConversationID
		c2 := e.ingest(msg{From: "two@example.net", Subject: "Two", ID: "snooze-2@example.net"}.String()).ConversationID

		_, err := e.s.Snooze(ctx, c1, e.clock.Now().Add(-time.Minute))
		wantErr(t, err, apperr.CodeInvalid, "")
		until := e.clock.Now().Add(2 * time.Hour)
		if _, err := e.s.Snooze(ctx, c1, until); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Snooze(ctx, c2, until); err != nil {
			t.Fatal(err)
		}
		if got := e.conversation(c1).SnoozedUntil; got == nil || !got.Equal(until) {
			t.Fatalf("snoozed until %v", got)
		}
		for _, f := range []Filter{{View: ViewAll}, {View: ViewUnassigned}, {View: ViewAll, Q: "One"}, {View: ViewAll, Sort: SortNewest}} {
			if ids := listIDs(t, e, ctx, f); len(ids) != 0 {
				t.Fatalf("%+v lists snoozed %v", f, ids)
			}
		}
		if ids := listIDs(t, e, ctx, Filter{View: ViewSnoozed}); !slices.Equal(ids, []int64{c1, c2}) {
			t.Fatalf("snoozed view %v", ids)
		}
		counts, err := e.s.ViewCounts(ctx)
		if err != nil || counts[ViewSnoozed] != 2 || counts[ViewAll] != 0 {
			t.Fatalf("counts %v %v", counts, err)
		}

		// c2: snoozed again for longer, so the first job must not wake it.
		if _, err := e.s.Snooze(ctx, c2, until.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// c1: the person writes back before the time.
		e.clock.Advance(time.Hour)
		e.ingest(msg{From: "one@example.net", Subject: "Re: One", ID: "snooze-3@example.net", InReplyTo: "snooze-1@example.net",
			Headers: []string{"Auto-Submitted: auto-replied"}}.String())
		if e.conversation(c1).SnoozedUntil == nil {
			t.Fatal("an auto-reply woke the conversation")
		}
		e.ingest(msg{From: "one@example.net", Subject: "Re: One", ID: "snooze-4@example.net", InReplyTo: "snooze-1@example.net"}.String())
		if d := e.conversation(c1); d.SnoozedUntil != nil || d.Events[len(d.Events)-1].Kind != EventSnoozeWoke ||
			!strings.Contains(string(d.Events[len(d.Events)-1].Data), `"reply"`) {
			t.Fatalf("reply did not wake: %+v %s", d.SnoozedUntil, d.Events[len(d.Events)-1].Data)
		}
		if ids := listIDs(t, e, ctx, Filter{View: ViewAll}); !slices.Equal(ids, []int64{c1}) {
			t.Fatalf("after the reply: %v", ids)
		}

		e.clock.Set(until)
		if n := e.runWake(until); n != 2 {
			t.Fatalf("%d wake jobs ran, want 2", n)
		}
		if e.conversation(c2).SnoozedUntil == nil {
			t.Fatal("a stale job woke the re-snoozed conversation")
		}
		e.clock.Set(until.Add(time.Hour))
		e.runWake(until.Add(time.Hour))
		d := e.conversation(c2)
		if d.SnoozedUntil != nil || !strings.Contains(string(d.Events[len(d.Events)-1].Data), `"time"`) {
			t.Fatalf("job did not wake: %+v", d.SnoozedUntil)
		}
		if ids := listIDs(t, e, ctx, Filter{View: ViewAll}); len(ids) != 2 {
			t.Fatalf("after waking: %v", ids)
		}
		// Unsnooze by hand.
		if _, err := e.s.Snooze(ctx, c2, e.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if c, err := e.s.Unsnooze(ctx, c2); err != nil || c.SnoozedUntil != nil {
			t.Fatalf("unsnooze: %+v %v", c, err)
		}
	})
}

func TestMergeKeepsEverything(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, ctx := e.agent("Maria", auth.RoleAgent)
		t1 := e.ingest(msg{From: "Aino <aino@example.fi>", Subject: "Donation receipt", ID: "merge-1@example.fi"}.String())
		e.ingest(msg{From: "aino@example.fi", Subject: "Re: Donation receipt", ID: "merge-2@example.fi", InReplyTo: "merge-1@example.fi"}.String())
		s1 := e.ingest(msg{From: "Aino <aino.v@example.fi>", To: "help@example.org, board@example.fi", Subject: "Receipt again", ID: "merge-3@example.fi"}.String())
		if _, err := e.s.SetTags(ctx, s1.ConversationID, []string{"receipts"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddNote(ctx, s1.ConversationID, "Same person, other address"); err != nil {
			t.Fatal(err)
		}
		target, source := t1.ConversationID, s1.ConversationID
		before := map[string]int{}
		for _, table := range []string{"inbox_messages", "inbox_events", "inbox_participants"} {
			before[table] = count(t, e.d, "SELECT count(*) FROM "+table+" WHERE conversation_id IN ($1, $2)", target, source)
		}
		srcEvents := len(e.conversation(source).Events)

		c, err := e.s.Merge(ctx, target, source)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Tags, []string{"receipts"}) {
			t.Fatalf("tags %v", c.Tags)
		}
		dt, ds := e.conversation(target), e.conversation(source)
		if len(dt.Messages) != before["inbox_messages"] || len(ds.Messages) != 0 {
			t.Fatalf("messages: target %d, source %d, want %d and 0", len(dt.Messages), len(ds.Messages), before["inbox_messages"])
		}
		if !slices.IsSortedFunc(dt.Messages, func(a, b Message) int { return int(a.ID - b.ID) }) {
			t.Fatal("messages out of order")
		}
		// Every event moved, plus one "merged" on each side.
		if got := count(t, e.d, "SELECT count(*) FROM inbox_events WHERE conversation_id = $1", target); got != before["inbox_events"]+1 {
			t.Fatalf("target events %d, want %d", got, before["inbox_events"]+1)
		}
		if srcEvents == 0 || len(ds.Events) != 1 || ds.Events[0].Kind != EventMergedInto {
			t.Fatalf("source events %+v", ds.Events)
		}
		if got := count(t, e.d, "SELECT count(*) FROM inbox_participants WHERE conversation_id = $1", target); got != 3 {
			t.Fatalf("target participants %d, want aino, aino.v and board", got)
		}
		if ds.Status != StatusClosed || ds.MergedIntoID != target || dt.MergedIntoID != 0 {
			t.Fatalf("source %s → %d", ds.Status, ds.MergedIntoID)
		}
		if n := count(t, e.d, "SELECT count(*) FROM audit_log WHERE action = 'inbox.merge' AND entity_id = $1", target); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
		// A reply to a message that was in the source threads into the target.
		r := e.ingest(msg{From: "aino.v@example.fi", Subject: "Re: Receipt again", ID: "merge-4@example.fi", InReplyTo: "merge-3@example.fi"}.String())
		if r.ConversationID != target {
			t.Fatalf("reply threaded into %d, want %d", r.ConversationID, target)
		}
		// A reply to the source's reply address (no known Message-ID) too.
		route := email.ReplyAddress(e.mb.Address, source, e.secret)
		r = e.ingest(msg{From: "aino.v@example.fi", To: route, Subject: "Re: Receipt again", ID: "merge-5@example.fi"}.String())
		if r.ConversationID != target || r.New {
			t.Fatalf("reply to the merged route went to %d (new %v), want %d", r.ConversationID, r.New, target)
		}
		_, err = e.s.Merge(ctx, target, source)
		wantErr(t, err, apperr.CodeConflict, "inbox.error.merged_already")
		_, err = e.s.Merge(ctx, target, target)
		wantErr(t, err, apperr.CodeInvalid, "")
		_, err = e.s.Merge(ctx, target, 99999)
		wantErr(t, err, apperr.CodeNotFound, "")
		_, viewerCtx := e.agent("Vera", auth.RoleViewer)
		_, err = e.s.Merge(viewerCtx, target, source)
		wantErr(t, err, apperr.CodeForbidden, "")
	})
}

func TestSplit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, ctx := e.agent("Sofia", auth.RoleAgent)
		first := e.ingest(msg{From: "Kenji <kenji@example.jp>", Subject: "ボランティア", ID: "split-1@example.jp"}.String())
		second := e.ingest(msg{From: "kenji@example.jp", Subject: "寄付の領収書", ID: "split-2@example.jp", InReplyTo: "split-1@example.jp",
			Body: "別件ですが、領収書を再発行していただけますか。"}.String())
		if second.ConversationID != first.ConversationID {
			t.Fatal("not threaded")
		}
		if _, err := e.s.SetPriority(ctx, first.ConversationID, PriorityHigh); err != nil {
			t.Fatal(err)
		}
		nc, err := e.s.Split(ctx, first.ConversationID, second.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		orig, split := e.conversation(first.ConversationID), e.conversation(nc.ID)
		if len(orig.Messages) != 1 || len(split.Messages) != 1 || split.Messages[0].ID != second.MessageID {
			t.Fatalf("messages: %d / %d", len(orig.Messages), len(split.Messages))
		}
		if split.Subject != "寄付の領収書" || split.Reference != fmt.Sprintf("HK-%d", nc.ID) || split.PersonID != orig.PersonID ||
			split.Priority != PriorityHigh || split.Status != StatusOpen || split.FirstResponseDueAt == nil {
			t.Fatalf("split conversation %+v", split.Conversation)
		}
		if !slices.Contains(e.eventKinds(orig.ID), EventSplit) || !slices.Contains(e.eventKinds(nc.ID), EventSplitFrom) {
			t.Fatal("split events missing")
		}
		// The person's next answer to that message goes to the new conversation.
		r := e.ingest(msg{From: "kenji@example.jp", Subject: "Re: 寄付の領収書", ID: "split-3@example.jp", InReplyTo: "split-2@example.jp"}.String())
		if r.ConversationID != nc.ID {
			t.Fatalf("reply went to %d, want %d", r.ConversationID, nc.ID)
		}
		_, err = e.s.Split(ctx, first.ConversationID, first.MessageID)
		wantErr(t, err, apperr.CodeConflict, "inbox.error.split_last")
		_, err = e.s.Split(ctx, first.ConversationID, second.MessageID)
		wantErr(t, err, apperr.CodeNotFound, "")
	})
}

func TestForwardWithAttachments(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, ctx := e.agent("Fatma", auth.RoleAgent)
		raw := "From: Ayşe <ayse@example.com.tr>\r\nTo: help@example.org\r\nSubject: Makbuz\r\nMessage-ID: <fwd-1@example.com.tr>\r\n" +
			"Date: Mon, 02 Jun 2025 10:00:00 +0300\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
			"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMakbuzum ekte.\r\n" +
			"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"makbuz.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			"JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n--b1--\r\n"
		res := e.ingest(raw)
		e.flush()
		before := len(e.sender.messages())
		m, err := e.s.Forward(ctx, res.ConversationID, res.MessageID, ForwardInput{To: "Finance <finance@example.net>", Text: "Lütfen kontrol edin."})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Filename != "makbuz.pdf" || m.To[0].Email != "finance@example.net" {
			t.Fatalf("forward %+v", m)
		}
		sent := e.flush()
		if len(sent) != before+1 {
			t.Fatalf("%d sent", len(sent)-before)
		}
		out := sent[len(sent)-1]
		if out.Subject != "Fwd: Makbuz" || len(out.To) != 1 || !strings.Contains(out.To[0], "finance@example.net") ||
			!strings.Contains(out.Text, "Lütfen kontrol edin.") || !strings.Contains(out.Text, "Makbuzum ekte.") ||
			!strings.Contains(out.Text, "ayse@example.com.tr") {
			t.Fatalf("sent %+v", out)
		}
		if len(out.Attachments) != 1 || out.Attachments[0].Filename != "makbuz.pdf" ||
			!bytes.HasPrefix(out.Attachments[0].Data, []byte("%PDF-1.4")) {
			t.Fatalf("attachments %+v", out.Attachments)
		}
		if !slices.Contains(e.eventKinds(res.ConversationID), EventForwarded) {
			t.Fatal("no forwarded event")
		}
		for _, to := range []string{"not an address", "help@example.org"} {
			_, err := e.s.Forward(ctx, res.ConversationID, res.MessageID, ForwardInput{To: to})
			wantErr(t, err, apperr.CodeInvalid, "")
		}
	})
}

func TestViewsFiltersBulk(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		agent, ctx := e.agent("Ilona", auth.RoleAgent)
		var ids []int64
		for i := range 4 {
			r := e.ingest(msg{From: fmt.Sprintf("v%d@example.net", i), Subject: fmt.Sprintf("View %d", i), ID: fmt.Sprintf("view-%d@example.net", i)}.String())
			ids = append(ids, r.ConversationID)
			e.clock.Advance(time.Hour)
		}
		// ids[3] gets a newer message than everyone else.
		e.ingest(msg{From: "v0@example.net", Subject: "Re: View 0", ID: "view-9@example.net", InReplyTo: "view-0@example.net"}.String())

		res, err := e.s.Bulk(ctx, []int64{ids[0], ids[1], 999999}, BulkAction{Action: "priority", Priority: PriorityUrgent})
		if err != nil || len(res) != 3 || res[0].Err != nil || res[1].Err != nil || !apperr.Is(res[2].Err, apperr.CodeNotFound) {
			t.Fatalf("bulk priority %+v %v", res, err)
		}
		if res, err = e.s.Bulk(ctx, []int64{ids[1], ids[2]}, BulkAction{Action: "tag", Tag: "gift aid"}); err != nil || res[0].Err != nil {
			t.Fatalf("bulk tag %+v %v", res, err)
		}
		if res, err = e.s.Bulk(ctx, []int64{ids[2]}, BulkAction{Action: "assign", UserID: agent.ID}); err != nil || res[0].Err != nil {
			t.Fatalf("bulk assign %+v %v", res, err)
		}
		if res, err = e.s.Bulk(ctx, []int64{ids[3]}, BulkAction{Action: "status", Status: StatusWaiting}); err != nil || res[0].Err != nil {
			t.Fatalf("bulk status %+v %v", res, err)
		}
		_, err = e.s.Bulk(ctx, []int64{ids[3]}, BulkAction{Action: "explode"})
		wantErr(t, err, apperr.CodeInvalid, "")
		_, viewerCtx := e.agent("Viktor", auth.RoleViewer)
		if res, _ := e.s.Bulk(viewerCtx, []int64{ids[0]}, BulkAction{Action: "status", Status: StatusResolved}); !apperr.Is(res[0].Err, apperr.CodeForbidden) {
			t.Fatalf("viewer bulk %+v", res)
		}

		for _, tc := range []struct {
			name string
			f    Filter
			want []int64
		}{
			{"due", Filter{View: ViewAll}, []int64{ids[0], ids[1], ids[2], ids[3]}},
			{"newest", Filter{View: ViewAll, Sort: SortNewest}, []int64{ids[0], ids[3], ids[2], ids[1]}},
			{"oldest", Filter{View: ViewAll, Sort: SortOldest}, ids},
			{"priority", Filter{View: ViewAll, Priority: PriorityUrgent}, []int64{ids[0], ids[1]}},
			{"tag", Filter{View: ViewAll, Tag: "gift aid"}, []int64{ids[1], ids[2]}},
			{"tag prefix is no match", Filter{View: ViewAll, Tag: "gift"}, nil},
			{"assignee", Filter{View: ViewAll, AssigneeID: agent.ID}, []int64{ids[2]}},
			{"mine", Filter{View: ViewMine}, []int64{ids[2]}},
			{"channel", Filter{View: ViewAll, Channel: ChannelPhone}, nil},
			{"channel email, search", Filter{View: ViewAll, Channel: ChannelEmail, Q: "View 1"}, []int64{ids[1]}},
			{"waiting", Filter{View: ViewWaiting, Sort: SortOldest}, []int64{ids[3]}},
			{"breaching: none yet", Filter{View: ViewBreaching}, nil},
		} {
			if got := listIDs(t, e, ctx, tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		// Newest first, page by page.
		page, err := e.s.ListConversations(ctx, Filter{View: ViewAll, Sort: SortNewest}, "", 2)
		if err != nil || len(page.Items) != 2 || page.Next == "" {
			t.Fatalf("page 1 %+v %v", page, err)
		}
		page, err = e.s.ListConversations(ctx, Filter{View: ViewAll, Sort: SortNewest}, page.Next, 2)
		if err != nil || len(page.Items) != 2 || page.Items[0].ID != ids[2] || page.Items[1].ID != ids[1] {
			t.Fatalf("page 2 %+v %v", page, err)
		}
		_, err = e.s.ListConversations(ctx, Filter{View: ViewAll, Sort: "random"}, "", 10)
		wantErr(t, err, apperr.CodeInvalid, "")

		// The default policy answers in 24 h and warns with a fifth (4.8 h)
		// left: at 21 h the first two (due at 24 h and 25 h) are breaching
		// soon, the third (26 h) not yet, the waiting one never.
		e.clock.Set(testStart.Add(21 * time.Hour))
		if got := listIDs(t, e, ctx, Filter{View: ViewBreaching}); !slices.Equal(got, []int64{ids[0], ids[1]}) {
			t.Fatalf("breaching %v", got)
		}
		counts, err := e.s.ViewCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[View]int{ViewMine: 1, ViewTeam: 0, ViewUnassigned: 2, ViewWaiting: 1, ViewBreaching: 2, ViewAll: 4, ViewSnoozed: 0}
		for v, n := range want {
			if counts[v] != n {
				t.Errorf("count %s = %d, want %d", v, counts[v], n)
			}
		}
	})
}
