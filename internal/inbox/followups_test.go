package inbox

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

// recNotifier records notifications.
type recNotifier struct {
	mu  sync.Mutex
	got []Notification
}

func (r *recNotifier) Notify(_ context.Context, n Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	return nil
}

func (r *recNotifier) kinds(prefix string) []Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Notification
	for _, n := range r.got {
		if strings.HasPrefix(n.Kind, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// runPromiseJobs runs the pending promise jobs scheduled up to until with
// service s (another instance after a "restart") and removes them.
func (e *env) runPromiseJobs(s *Service, until time.Time) int {
	e.t.Helper()
	n := 0
	for _, j := range e.pendingJobs(promiseArgs{}.Kind()) {
		if j.at.After(until) {
			continue
		}
		var a promiseArgs
		must[any](e.t)(nil, json.Unmarshal(j.args, &a))
		if err := s.promiseStep(context.Background(), a); err != nil {
			e.t.Fatalf("promise job: %v", err)
		}
		// A retried job (same args) changes nothing: the dedupe key holds.
		if err := s.promiseStep(context.Background(), a); err != nil {
			e.t.Fatalf("promise job again: %v", err)
		}
		if _, err := e.d.Writer.Exec(e.d.Rebind("DELETE FROM river_job WHERE id = $1"), j.id); err != nil {
			e.t.Fatal(err)
		}
		n++
	}
	return n
}

func fieldKeys(err error) map[string]string {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeInvalid {
		return nil
	}
	out := map[string]string{}
	for f, fe := range e.Fields {
		out[f] = fe.Key
	}
	return out
}

func TestPromises(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		rec := e.s.cfg.Notifier.(*recNotifier)
		agent, actx := e.agent("Aino", auth.RoleAgent)
		mgr, _ := e.agent("Mikko", auth.RoleManager)
		team := must[org.Team](t)(e.org.CreateTeam(sys(), org.NewTeam{Name: "Donor care", ManagerUserID: &mgr.ID}))
		res := e.ingest(msg{From: "Liisa <liisa@example.fi>", Subject: "Kuitti puuttuu", ID: "p1@example.fi"}.String())
		conv := res.ConversationID
		must[Conversation](t)(e.s.SetTeam(actx, conv, team.ID))

		now := e.clock.Now()
		// Validation, in fields, with nothing written.
		_, err := e.s.AddPromise(actx, conv, PromiseInput{Text: " ", DueAt: now.Add(-time.Hour)})
		if got := fieldKeys(err); got["text"] != "inbox.error.empty" || got["due_at"] != "inbox.error.promise_due" {
			t.Fatalf("validation: %v", err)
		}
		_, err = e.s.AddPromise(actx, conv, PromiseInput{Text: "x", DueAt: now.Add(time.Hour), OwnerUserID: 999999})
		if got := fieldKeys(err); got["owner_user_id"] != "inbox.error.user" {
			t.Fatalf("unknown owner: %v", err)
		}
		viewer, vctx := e.agent("Ville", auth.RoleViewer)
		_ = viewer
		if _, err := e.s.AddPromise(vctx, conv, PromiseInput{Text: "x", DueAt: now.Add(time.Hour)}); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("viewer: %v", err)
		}

		due := now.Add(24 * time.Hour)
		p := must[Promise](t)(e.s.AddPromise(actx, conv, PromiseInput{Text: "I'll confirm the receipt by Friday", DueAt: due}))
		if p.OwnerUserID != agent.ID || p.Status != PromiseOpen || !p.DueAt.Equal(due) || p.Reference != "HK-"+itoa(conv) {
			t.Fatalf("promise %+v", p)
		}
		jobs := e.pendingJobs(promiseArgs{}.Kind())
		var at []time.Time
		for _, j := range jobs {
			at = append(at, j.at.UTC())
		}
		want := []time.Time{due.Add(-PromiseWarnBefore), due, due.Add(PromiseEscalateAfter)}
		if len(at) != 3 || !at[0].Equal(want[0]) || !at[1].Equal(want[1]) || !at[2].Equal(want[2]) {
			t.Fatalf("jobs at %v, want %v", at, want)
		}
		// Scheduling twice (a retried transaction) adds no job: unique args.
		if err := e.d.InTx(sys(), func(ctx context.Context) error { return e.s.schedulePromise(ctx, p.ID, p.DueAt, now) }); err != nil {
			t.Fatal(err)
		}
		if n := len(e.pendingJobs(promiseArgs{}.Kind())); n != 3 {
			t.Fatalf("%d jobs after rescheduling, want 3", n)
		}

		// Another promise, kept by a reply that references it: its jobs do
		// nothing when they run.
		kept := must[Promise](t)(e.s.AddPromise(actx, conv, PromiseInput{Text: "Send the form", DueAt: now.Add(3 * time.Hour)}))
		reply := must[Message](t)(e.s.ReplyWith(actx, conv, ReplyInput{Text: "Here is the form.", PromiseID: kept.ID}))
		kept = must[Promise](t)(e.s.promise(sys(), kept.ID))
		if kept.Status != PromiseKept || kept.KeptMessageID != reply.ID || kept.KeptByUserID != agent.ID || kept.KeptAt == nil {
			t.Fatalf("kept by reply: %+v", kept)
		}
		if _, err := e.s.ReplyWith(actx, conv, ReplyInput{Text: "Again", PromiseID: kept.ID}); fieldKeys(err)["promise_id"] != "inbox.error.promise_closed" {
			t.Fatalf("keeping twice: %v", err)
		}
		// A third, marked done at once.
		done := must[Promise](t)(e.s.AddPromise(actx, conv, PromiseInput{Text: "Call back", DueAt: now.Add(48 * time.Hour)}))
		if got := must[Promise](t)(e.s.KeepPromise(actx, conv, done.ID)); got.Status != PromiseKept || got.KeptMessageID != 0 {
			t.Fatalf("done: %+v", got)
		}
		if _, err := e.s.KeepPromise(actx, conv, done.ID); !apperr.Is(err, apperr.CodeConflict) {
			t.Fatalf("done twice: %v", err)
		}

		mine := must[[]Promise](t)(e.s.MyPromises(actx, time.Time{}, 0))
		if len(mine) != 1 || mine[0].ID != p.ID || mine[0].Overdue(e.clock.Now()) || mine[0].DueSoon(e.clock.Now()) {
			t.Fatalf("my promises %+v", mine)
		}

		// A "restart": a second service on the same database runs the jobs.
		s2, err := New(e.d, Config{People: e.people, Jobs: mustJobs(t, e), Org: e.org, Now: e.clock.Now, Log: quiet,
			ReplySecret: testSecret, Notifier: rec})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(due.Add(-PromiseWarnBefore))
		if n := e.runPromiseJobs(s2, e.clock.Now()); n != 4 { // the kept promise's three (doing nothing) and this one's warning
			t.Fatalf("%d jobs ran at the warning", n)
		}
		warn := rec.kinds("promise.")
		if len(warn) != 1 || warn[0].Kind != NotifyPromiseWarning || !slices.Equal(warn[0].UserIDs, []int64{agent.ID}) ||
			warn[0].PromiseID != p.ID || warn[0].Text != p.Text {
			t.Fatalf("warning notifications %+v", warn)
		}
		if mine := must[[]Promise](t)(e.s.MyPromises(actx, time.Time{}, 0)); !mine[0].DueSoon(e.clock.Now()) || mine[0].WarnedAt == nil {
			t.Fatalf("due soon: %+v", mine)
		}

		e.clock.Set(due)
		e.runPromiseJobs(s2, e.clock.Now())
		e.clock.Set(due.Add(PromiseEscalateAfter))
		e.runPromiseJobs(s2, e.clock.Now())
		got := rec.kinds("promise.")
		if len(got) != 3 || got[1].Kind != NotifyPromiseMissed || got[2].Kind != NotifyPromiseEscalated ||
			!slices.Equal(got[2].UserIDs, []int64{mgr.ID}) || got[2].TeamID != team.ID {
			t.Fatalf("notifications %+v", got)
		}
		p = must[Promise](t)(e.s.promise(sys(), p.ID))
		if p.MissedAt == nil || p.EscalatedAt == nil || !p.Overdue(e.clock.Now()) {
			t.Fatalf("after breach %+v", p)
		}
		var promiseEvents []string
		for _, k := range e.eventKinds(conv) {
			if strings.HasPrefix(k, "promise.") {
				promiseEvents = append(promiseEvents, k)
			}
		}
		wantEvents := []string{EventPromiseAdded, EventPromiseAdded, EventPromiseKept, EventPromiseAdded, EventPromiseKept,
			EventPromiseWarning, EventPromiseMissed, EventPromiseEscalated}
		if !slices.Equal(promiseEvents, wantEvents) {
			t.Fatalf("events %v, want %v", promiseEvents, wantEvents)
		}
		list := must[[]Promise](t)(e.s.Promises(actx, conv))
		if len(list) != 3 || list[0].ID != p.ID {
			t.Fatalf("conversation promises %+v", list)
		}
	}, func(c *Config) { c.Notifier = &recNotifier{} })
}

func TestEscalations(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		rec := e.s.cfg.Notifier.(*recNotifier)
		boss, bctx := e.agent("Helena", auth.RoleAdmin)
		agent, actx := e.agent("Aino", auth.RoleAgent)
		conv := e.ingest(msg{From: "angry@example.org", Subject: "Complaint", ID: "esc1@example.org"}.String()).ConversationID

		_, err := e.s.Escalate(actx, conv, EscalationInput{Reason: "", Severity: "apocalyptic"})
		if got := fieldKeys(err); got["reason"] != "inbox.error.empty" || got["severity"] != "inbox.error.severity" {
			t.Fatalf("validation: %v", err)
		}
		esc := must[Escalation](t)(e.s.Escalate(actx, conv, EscalationInput{Reason: "Threatens to go to the press", Severity: "critical"}))
		if esc.Status != EscalationOpen || esc.RaisedByUserID != agent.ID || esc.Severity != "critical" {
			t.Fatalf("escalation %+v", esc)
		}
		n := rec.kinds("escalation.")
		if len(n) != 1 || n[0].Kind != NotifyEscalationRaised || !slices.Contains(n[0].UserIDs, boss.ID) ||
			slices.Contains(n[0].UserIDs, agent.ID) || n[0].Severity != "critical" || n[0].Text != esc.Reason {
			t.Fatalf("notifications %+v", n)
		}
		res := must[Escalation](t)(e.s.ResolveEscalation(bctx, conv, esc.ID, "Called them; apologised."))
		if res.Status != EscalationResolved || res.ResolvedByUserID != boss.ID || res.ResolvedAt == nil {
			t.Fatalf("resolved %+v", res)
		}
		if _, err := e.s.ResolveEscalation(bctx, conv, esc.ID, ""); !apperr.Is(err, apperr.CodeConflict) {
			t.Fatalf("resolve twice: %v", err)
		}
		if n := rec.kinds("escalation."); len(n) != 2 || !slices.Equal(n[1].UserIDs, []int64{agent.ID}) {
			t.Fatalf("resolution notification %+v", n)
		}
		kinds := e.eventKinds(conv)
		if !slices.Contains(kinds, EventEscalationRaised) || !slices.Contains(kinds, EventEscalationResolved) {
			t.Fatalf("events %v", kinds)
		}
		list := must[[]Escalation](t)(e.s.Escalations(actx, conv))
		if len(list) != 1 || list[0].Resolution != "Called them; apologised." {
			t.Fatalf("list %+v", list)
		}
	}, func(c *Config) { c.Notifier = &recNotifier{} })
}

func TestTopics(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		_, mctx := e.agent("Mikko", auth.RoleManager)
		_, actx := e.agent("Aino", auth.RoleAgent)
		if _, err := e.s.CreateTopic(actx, "Receipt missing"); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("agent creates a topic: %v", err)
		}
		receipt := must[Topic](t)(e.s.CreateTopic(mctx, "  Receipt   missing "))
		wheel := must[Topic](t)(e.s.CreateTopic(mctx, "Wheelchair access"))
		if receipt.Name != "Receipt missing" {
			t.Fatalf("name %q", receipt.Name)
		}
		if _, err := e.s.CreateTopic(mctx, "RECEIPT MISSING"); fieldKeys(err)["name"] != "inbox.error.name_taken" {
			t.Fatalf("duplicate: %v", err)
		}

		// An old conversation (40 days ago) does not count.
		e.clock.Set(testStart.Add(-40 * 24 * time.Hour))
		old := e.ingest(msg{From: "old@example.org", Subject: "Receipt?", ID: "t0@example.org"}.String()).ConversationID
		e.clock.Set(testStart)
		a1 := e.ingest(msg{From: "anna@example.org", Subject: "Receipt 1", ID: "t1@example.org"}.String()).ConversationID
		a2 := e.ingest(msg{From: "anna@example.org", Subject: "Receipt again", ID: "t2@example.org"}.String()).ConversationID
		b := e.ingest(msg{From: "bea@example.org", Subject: "No receipt", ID: "t3@example.org"}.String()).ConversationID
		c := e.ingest(msg{From: "cem@example.org", Subject: "Where is my receipt", ID: "t4@example.org"}.String()).ConversationID
		d := e.ingest(msg{From: "dan@example.org", Subject: "Ramp", ID: "t5@example.org"}.String()).ConversationID
		for _, id := range []int64{old, a2, b, c} {
			must[[]TopicStat](t)(e.s.SetTopics(actx, id, []int64{receipt.ID}))
		}
		must[[]TopicStat](t)(e.s.SetTopics(actx, d, []int64{wheel.ID}))
		stats := must[[]TopicStat](t)(e.s.SetTopics(actx, a1, []int64{wheel.ID, receipt.ID, receipt.ID}))
		if len(stats) != 2 || stats[0].ID != receipt.ID || stats[0].OtherPeople != 2 || stats[1].ID != wheel.ID || stats[1].OtherPeople != 1 {
			t.Fatalf("stats %+v", stats)
		}
		// Bea's view: Anna (twice) and Cem are two other people.
		if st := must[[]TopicStat](t)(e.s.ConversationTopics(actx, b)); len(st) != 1 || st[0].OtherPeople != 2 {
			t.Fatalf("bea's stats %+v", st)
		}
		others := must[[]Conversation](t)(e.s.TopicConversations(actx, receipt.ID, a1, 0))
		var ids []int64
		for _, o := range others {
			ids = append(ids, o.ID)
		}
		if slices.Contains(ids, a1) || slices.Contains(ids, old) || !slices.Contains(ids, b) || !slices.Contains(ids, c) {
			t.Fatalf("other conversations %v", ids)
		}
		if _, err := e.s.SetTopics(actx, a1, []int64{999999}); fieldKeys(err)["topic_ids"] != "inbox.error.topic_not_found" {
			t.Fatalf("unknown topic: %v", err)
		}
		// Unchanged: no new event; removed: one event.
		before := len(e.eventKinds(a1))
		must[[]TopicStat](t)(e.s.SetTopics(actx, a1, []int64{receipt.ID, wheel.ID}))
		must[[]TopicStat](t)(e.s.SetTopics(actx, a1, []int64{receipt.ID}))
		if n := len(e.eventKinds(a1)); n != before+1 {
			t.Fatalf("%d events after, %d before", n, before)
		}
		must[Topic](t)(e.s.RenameTopic(mctx, wheel.ID, "Step-free access"))
		if err := e.s.DeleteTopic(mctx, wheel.ID); err != nil {
			t.Fatal(err)
		}
		if st := must[[]TopicStat](t)(e.s.ConversationTopics(actx, d)); len(st) != 0 {
			t.Fatalf("deleted topic still on %+v", st)
		}
	})
}

func TestAckTemplates(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		e.setOrg("Asia/Tokyo", "en")
		_, admin := e.agent("Helena", auth.RoleAdmin)
		_, actx := e.agent("Aino", auth.RoleAgent)
		ja := AckTemplateInput{Language: "ja", Channel: "email", Subject: "【受付】{{.Subject}}",
			Body: "{{if .FirstName}}{{.FirstName}}様{{else}}お客様{{end}}\n\n{{if .SupporterSince}}{{.SupporterSince}}年からのご支援に感謝いたします。{{end}}" +
				"お問い合わせ（{{.Reference}}）を受け付けました。{{if .ExpectedReply}}{{.ExpectedReply}}までにご返信します。{{end}}\n{{.Signature}}"}
		if _, err := e.s.SaveAckTemplate(actx, ja); !apperr.Is(err, apperr.CodeForbidden) {
			t.Fatalf("agent saves a template: %v", err)
		}
		// Validation: an unknown variable is named, in the user's language.
		bad := ja
		bad.Body = "{{.FirstNmae}}様"
		bad.Subject = "{{range .Subject}}x{{end}}"
		_, err := e.s.SaveAckTemplate(admin, bad)
		ae, _ := apperr.As(err)
		if ae == nil || ae.Fields["body"].Key != "inbox.error.template_variable" || ae.Fields["subject"].Key != "inbox.error.template_syntax" {
			t.Fatalf("validation: %v", err)
		}
		cat := must[*CatalogTemplates](t)(NewCatalogTemplates())
		if msg := cat.b.Localizer("ja").T(ae.Fields["body"].Key, ae.Fields["body"].Args...); !strings.Contains(msg, "不明な変数「FirstNmae」") {
			t.Fatalf("localized error %q", msg)
		}
		_, err = e.s.SaveAckTemplate(admin, AckTemplateInput{Language: "xx", Channel: "fax", Subject: "a", Body: "{{.Reference"})
		if got := fieldKeys(err); got["language"] != "inbox.error.language" || got["channel"] != "inbox.error.ack_channel" || got["body"] != "inbox.error.template_syntax" {
			t.Fatalf("validation: %v", err)
		}
		subj, body := must2(t)(e.s.PreviewAckTemplate(admin, ja))
		if subj != "【受付】寄付の領収書について [HK-123]" || !strings.Contains(body, "さくら様") || !strings.Contains(body, "2017年から") {
			t.Fatalf("preview %q %q", subj, body)
		}
		saved := must[AckTemplate](t)(e.s.SaveAckTemplate(admin, ja))

		// A known supporter writing in Japanese since 2017.
		must[people.Person](t)(e.people.CreatePerson(sys(), people.NewPerson{
			PersonInput: people.PersonInput{DisplayName: "佐藤 さくら", GivenName: "さくら", FamilyName: "佐藤", Language: "ja"},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: "sakura@example.jp"}},
			Roles:       []people.RoleInput{{Role: "donor", Start: people.Date{Year: 2017, Month: 4, Day: 1}}},
		}))
		res := e.ingest(msg{From: "sakura@example.jp", Subject: "領収書が届きません", ID: "ja1@example.jp",
			Body: "こんにちは。昨年の寄付の領収書がまだ届いていません。確認していただけますか。"}.String())
		// A Japanese message from someone new: the same template, no name.
		must[Result](t)(e.s.Ingest(context.Background(), corpus(t, "03-shift_jis.eml"), Envelope{}))
		// A Finn: no Finnish template, the catalog's text.
		e.ingest(msg{From: "matti@example.fi", Subject: "Kysymys", ID: "fi1@example.fi", Body: "Hei! Milloin kuitti tulee? Kiitos paljon vastauksesta."}.String())
		sent := e.flush()
		if len(sent) != 3 {
			t.Fatalf("%d sent", len(sent))
		}
		ref := "HK-" + itoa(res.ConversationID)
		if sent[0].Subject != "【受付】領収書が届きません ["+ref+"]" || !strings.HasPrefix(sent[0].Text, "さくら様\n\n2017年からのご支援に感謝いたします。お問い合わせ（"+ref+"）") ||
			!strings.Contains(sent[0].Text, "までにご返信します。") || !strings.Contains(sent[0].Text, "Hearken Help") {
			t.Errorf("Japanese acknowledgement from the template:\n%s\n%s", sent[0].Subject, sent[0].Text)
		}
		if !strings.HasPrefix(sent[1].Subject, "【受付】") || !strings.HasPrefix(sent[1].Text, "お客様") || strings.Contains(sent[1].Text, "年からのご支援") {
			t.Errorf("new Japanese sender:\n%s\n%s", sent[1].Subject, sent[1].Text)
		}
		if !strings.HasPrefix(sent[2].Text, "Hei") || strings.Contains(sent[2].Text, "【受付】") {
			t.Errorf("Finnish fallback:\n%s", sent[2].Text)
		}

		// Deleted: the catalog's Japanese again.
		if err := e.s.DeleteAckTemplate(admin, saved.ID); err != nil {
			t.Fatal(err)
		}
		if tpl := must[*AckTemplate](t)(e.s.AckTemplateFor(admin, "ja", "email")); tpl != nil {
			t.Fatalf("still there: %+v", tpl)
		}
		s, b := e.s.DefaultAckTemplate("ja")
		if err := validateAckTemplate(&AckTemplateInput{Language: "ja", Channel: "web", Subject: s, Body: b}); err != nil {
			t.Fatalf("the default template does not validate: %v\n%s\n%s", err, s, b)
		}
	})
}

func must2(t testing.TB) func(a, b string, err error) (string, string) {
	return func(a, b string, err error) (string, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func TestChangeHooks(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		var got []ChangeEvent
		fail := false
		e.s.OnChangeIf(func(_ context.Context, typ string) (bool, error) { return typ != ChangeMessageSent, nil },
			func(_ context.Context, ev ChangeEvent) error {
				if fail {
					return apperr.Conflict("x")
				}
				got = append(got, ev)
				return nil
			})
		_, actx := e.agent("Aino", auth.RoleAgent)
		res := e.ingest(msg{From: "Liisa <liisa@example.fi>", Subject: "Hei", ID: "h1@example.fi"}.String())
		must[Conversation](t)(e.s.SetStatus(actx, res.ConversationID, StatusResolved))
		e.flush() // the acknowledgement is sent: message.sent is filtered out
		var types []string
		for _, ev := range got {
			types = append(types, ev.Type)
		}
		want := []string{ChangeConversationCreated, ChangeMessageReceived, ChangeConversationStatusChanged}
		if !slices.Equal(types, want) {
			t.Fatalf("types %v, want %v", types, want)
		}
		if c := got[0].Conversation; c.Reference != "HK-"+itoa(res.ConversationID) || c.Subject != "Hei" || got[1].Message == nil || got[1].Message.Text == "" {
			t.Fatalf("events %+v", got[:2])
		}
		// A failing hook rolls the change back: nothing is half-stored.
		fail = true
		if _, err := e.s.Ingest(context.Background(), []byte(msg{From: "x@example.org", Subject: "Lost?", ID: "h2@example.org"}.String()),
			Envelope{To: []string{e.mb.Address}}); err == nil {
			t.Fatal("ingest succeeded with a failing hook")
		}
		if n := count(t, e.d, "SELECT COUNT(*) FROM inbox_conversations"); n != 1 {
			t.Fatalf("%d conversations after the failed ingest", n)
		}
	})
}
