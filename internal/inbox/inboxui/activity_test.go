package inboxui

import (
	"encoding/json"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/people"
)

func testBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	if err := inbox.AddCatalog(b); err != nil {
		t.Fatal(err)
	}
	if err := b.AddCatalog(Locales, "locales"); err != nil {
		t.Fatal(err)
	}
	if err := b.AddCatalog(people.Locales, "locales"); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDescribeEvents checks the activity line of every event kind the
// inbox records (from the data its addEvent calls write), in English and
// for a few kinds in Persian and Japanese: names, addresses and references
// isolated in <bdi>, references linked, times in the viewer's zone, the
// message's own text and people's words escaped, odd data and unknown kinds
// still shown.
func TestDescribeEvents(t *testing.T) {
	b := testBundle(t)
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	until := time.Date(2026, 3, 5, 12, 30, 0, 0, time.UTC) // 14:30 in Helsinki
	names := map[int64]string{7: "Ana Agent", 8: "Bo <Boss>"}
	teams := map[int64]string{3: "Donor relations"}
	js := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		lang, kind   string
		data         any
		text, detail string
	}{
		{"en", inbox.EventCreated, map[string]any{"mailbox": "help@example.org", "policy": "Default"}, "Opened by e-mail to <bdi>help@example.org</bdi>", ""},
		{"en", inbox.EventCreated, map[string]any{"channel": "web", "policy": "Default"}, "Opened via Web form", ""},
		{"en", inbox.EventCreated, map[string]any{"channel": "email", "follow_up_of": 3}, `Opened as a follow-up to <a href="/inbox/3"><bdi>HK-3</bdi></a>`, ""},
		{"en", inbox.EventCreated, map[string]any{"split_from": 3, "policy": "Default"}, "Conversation opened", ""},
		{"en", inbox.EventReopened, map[string]any{"from": "waiting"}, "Reopened: the person wrote again", ""},
		{"en", inbox.EventStatus, map[string]any{"from": "open", "to": "waiting"}, "Status changed to Waiting", ""},
		{"en", inbox.EventPriority, map[string]any{"from": "normal", "to": "urgent"}, "Priority changed to Urgent", ""},
		{"en", inbox.EventAssigned, map[string]any{"from": 0, "to": 7}, "Assigned to <bdi>Ana Agent</bdi>", ""},
		{"en", inbox.EventAssigned, map[string]any{"from": 0, "to": 8, "by": "round_robin"}, "Assigned to <bdi>Bo &lt;Boss&gt;</bdi>", "Round-robin"},
		{"en", inbox.EventAssigned, map[string]any{"from": 7, "to": 0, "by": "breach"}, "Unassigned", "After a missed deadline"},
		{"en", inbox.EventAssigned, map[string]any{"from": 7, "to": 99, "by": "silence"}, "Assigned to <bdi>Staff member #99</bdi>", "The assignee had not replied in time"},
		{"en", inbox.EventTeam, map[string]any{"from": 1, "to": 2}, "Moved to another team", ""},
		{"en", inbox.EventTeam, map[string]any{"from": 2, "to": 3}, "Moved to team <bdi>Donor relations</bdi>", ""},
		{"fa", inbox.EventTeam, map[string]any{"from": 2, "to": 3}, "به تیم <bdi>Donor relations</bdi> منتقل شد", ""},
		{"en", inbox.EventTags, map[string]any{"from": []string{}, "to": []string{"vip", "kuitti"}}, "Tags set to <bdi>vip</bdi>, <bdi>kuitti</bdi>", ""},
		{"en", inbox.EventTags, map[string]any{"from": []string{"vip"}, "to": []string{}}, "All tags removed", ""},
		{"en", inbox.EventTopics, map[string]any{"added": []string{"Receipts"}, "removed": []string{}}, "Topics added: <bdi>Receipts</bdi>", ""},
		{"en", inbox.EventTopics, map[string]any{"added": []string{"A"}, "removed": []string{"B"}}, "Topics added: <bdi>A</bdi>; removed: <bdi>B</bdi>", ""},
		{"en", inbox.EventAckQueued, map[string]any{"message_id": 4, "language": "fi"}, "Automatic acknowledgement sent", `<bdi lang="fi">Suomi</bdi>`},
		{"en", inbox.EventAckSkipped, map[string]any{"reason": "auto:bulk"}, "No automatic acknowledgement sent", "The message was sent automatically"},
		{"en", inbox.EventAckSkipped, map[string]any{"reason": "people.contact.do_not_contact"}, "No automatic acknowledgement sent", "Do not contact: they asked not to be contacted at all"},
		{"en", inbox.EventSendFailed, map[string]any{"message_id": 4, "error": "550 <no such user>", "permanent": true}, "A message could not be delivered", "<bdi>550 &lt;no such user&gt;</bdi>"},
		{"en", inbox.EventSLABreach, map[string]any{"deadline": "first_response", "due": until}, "Deadline missed: first response", "due March 5, 2026 at 2:30\u202fPM"},
		{"en", inbox.EventSLALeadership, map[string]any{"deadline": "resolution", "due": until}, "Leadership told of the missed deadline: resolution", ""},
		{"en", inbox.EventFollowUp, map[string]any{"conversation_id": 12}, `Follow-up conversation opened: <a href="/inbox/12"><bdi>HK-12</bdi></a>`, ""},
		{"en", inbox.EventSnoozed, map[string]any{"until": until}, "Snoozed until March 5, 2026 at 2:30\u202fPM", ""},
		{"en", inbox.EventUnsnoozed, nil, "Brought back from snooze", ""},
		{"en", inbox.EventSnoozeWoke, map[string]any{"reason": "reply"}, "Back from snooze: the person wrote", ""},
		{"en", inbox.EventMerged, map[string]any{"target_id": 12, "target": "HK-12", "source_id": 13, "source": "HK-13", "messages": 2}, `<a href="/inbox/13"><bdi>HK-13</bdi></a> merged into this conversation`, ""},
		{"en", inbox.EventMergedInto, map[string]any{"target_id": 12, "target": "HK-12", "source_id": 13, "source": "HK-13"}, `Merged into <a href="/inbox/12"><bdi>HK-12</bdi></a>`, ""},
		{"en", inbox.EventSplit, map[string]any{"message_id": 5, "from_id": 12, "from": "HK-12", "to_id": 14, "to": "HK-14"}, `A message was split off into <a href="/inbox/14"><bdi>HK-14</bdi></a>`, ""},
		{"en", inbox.EventSplitFrom, map[string]any{"message_id": 5, "from_id": 12, "from": "HK-12", "to_id": 14, "to": "HK-14"}, `Split off from <a href="/inbox/12"><bdi>HK-12</bdi></a>`, ""},
		{"en", inbox.EventForwarded, map[string]any{"message_id": 6, "forwarded_id": 5, "to": "finance@example.net"}, "Forwarded to <bdi>finance@example.net</bdi>", ""},
		{"en", inbox.EventPromiseAdded, map[string]any{"promise_id": 1, "text": "Send the <b>receipt</b>", "due": until, "owner_user_id": 7}, "Promise recorded: “<bdi>Send the &lt;b&gt;receipt&lt;/b&gt;</bdi>”", "due March 5, 2026 at 2:30\u202fPM"},
		{"en", inbox.EventPromiseCancelled, map[string]any{"promise_id": 1}, "Promise withdrawn", ""},
		{"en", inbox.EventEscalationRaised, map[string]any{"escalation_id": 1, "reason": "Angry donor", "severity": "high"}, "Escalated to leadership (high)", "<bdi>Angry donor</bdi>"},
		{"en", inbox.EventRouted, map[string]any{"rule": "VIP", "rule_id": 1, "team_id": 2, "priority": "high"}, "Routed by the rule <bdi>VIP</bdi>", ""},
		{"en", inbox.EventQueueAlert, map[string]any{"team_id": 2, "unassigned": 1200, "wait_minutes": 45}, "Queue alert: 1,200 unassigned, the oldest waiting 45 min", ""},
		{"en", inbox.NotifyMention, map[string]any{"message_id": 5, "users": []int64{7, 8}}, "Mentioned <bdi>Ana Agent</bdi>, <bdi>Bo &lt;Boss&gt;</bdi>", ""},
		// Unknown kinds and odd data still make a line.
		{"en", "something.new", map[string]any{"x": 1}, "Other activity: <bdi>something.new</bdi>", ""},
		{"en", inbox.EventStatus, map[string]any{"to": 5}, "Other activity: <bdi>status</bdi>", ""},
		{"en", inbox.EventStatus, map[string]any{"to": "archived"}, "Status changed to archived", ""},
		{"en", inbox.EventSnoozed, "not an object", "Snoozed", ""},
		// Right to left: the name keeps its direction inside the Persian sentence.
		{"fa", inbox.EventAssigned, map[string]any{"from": 0, "to": 7}, "به <bdi>Ana Agent</bdi> واگذار شد", ""},
		{"fa", inbox.EventSnoozed, map[string]any{"until": until}, "تا ۱۴ اسفند ۱۴۰۴، ساعت ۱۴:۳۰ به تعویق افتاد", ""},
		{"fa", inbox.EventMergedInto, map[string]any{"target_id": 12, "target": "HK-12"}, `در <a href="/inbox/12"><bdi>HK-12</bdi></a> ادغام شد`, ""},
		{"fa", inbox.EventTags, map[string]any{"to": []string{"a", "b"}}, "برچسب\u200cها: <bdi>a</bdi>، <bdi>b</bdi>", ""},
		{"ja", inbox.EventStatus, map[string]any{"to": "waiting"}, "ステータスを「返信待ち」に変更", ""},
		{"ja", inbox.EventForwarded, map[string]any{"to": "finance@example.net"}, "<bdi>finance@example.net</bdi> に転送", ""},
	}
	for i, c := range cases {
		raw := json.RawMessage("null")
		if c.data != nil {
			raw = js(c.data)
		}
		if s, ok := c.data.(string); ok && s == "not an object" {
			raw = json.RawMessage("not json at all")
		}
		items := describeEvents(b.Localizer(c.lang), hel, names, teams, []inbox.Event{{ID: int64(i + 1), Kind: c.kind, Data: raw}})
		if len(items) != 1 {
			t.Fatalf("%s %s: %d items", c.lang, c.kind, len(items))
		}
		if got := items[0]; got.Text != template.HTML(c.text) || got.Detail != template.HTML(c.detail) {
			t.Errorf("%s %s %v:\n text   %q\n want   %q\n detail %q\n want   %q", c.lang, c.kind, c.data, got.Text, c.text, got.Detail, c.detail)
		}
	}
}

// TestActivityOrderAndActors checks that lines come newest first, notes and
// replies (shown as messages) are left out, and the actor is the staff
// member or Hearken.
func TestActivityOrderAndActors(t *testing.T) {
	b := testBundle(t)
	t0 := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	ev := []inbox.Event{
		{ID: 1, Kind: inbox.EventCreated, Data: json.RawMessage(`{"mailbox":"help@example.org"}`), CreatedAt: t0},
		{ID: 2, Kind: inbox.EventNoteAdded, ActorUserID: 7, Data: json.RawMessage(`{"message_id":3}`), CreatedAt: t0.Add(time.Minute)},
		{ID: 3, Kind: inbox.EventAssigned, ActorUserID: 7, Data: json.RawMessage(`{"from":0,"to":7}`), CreatedAt: t0.Add(2 * time.Minute)},
		{ID: 4, Kind: inbox.EventReplyQueued, ActorUserID: 7, Data: json.RawMessage(`{"message_id":4,"status":"waiting"}`), CreatedAt: t0.Add(3 * time.Minute)},
		{ID: 5, Kind: inbox.EventSent, Data: json.RawMessage(`{"message_id":4}`), CreatedAt: t0.Add(3 * time.Minute)},
		{ID: 6, Kind: inbox.EventStatus, ActorUserID: 42, Data: json.RawMessage(`{"from":"open","to":"waiting"}`), CreatedAt: t0.Add(3 * time.Minute)},
		{ID: 7, Kind: inbox.EventSnoozed, ActorUserID: 7, Data: json.RawMessage(`{"until":"2026-03-06T07:00:00Z"}`), CreatedAt: t0.Add(3 * time.Minute)},
	}
	items := describeEvents(b.Localizer("en"), time.UTC, map[int64]string{7: "Ana Agent"}, nil, ev)
	var got []string
	for _, it := range items {
		got = append(got, it.Actor+": "+string(it.Text))
	}
	want := []string{
		"Ana Agent: Snoozed until March 6, 2026 at 7:00\u202fAM",
		"Staff member #42: Status changed to Waiting",
		"Ana Agent: Assigned to <bdi>Ana Agent</bdi>",
		"Hearken: Opened by e-mail to <bdi>help@example.org</bdi>",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("activity:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !items[3].System || items[0].System {
		t.Fatalf("system flags: %+v", items)
	}
}

// TestActivityKeysInCatalog checks the message keys activity.go builds from
// data (deadlines, assignment and acknowledgement reasons).
func TestActivityKeysInCatalog(t *testing.T) {
	b := testBundle(t)
	l := b.Localizer("en")
	var keys []string
	for _, d := range []string{"first_response", "next_response", "resolution"} {
		keys = append(keys, "inboxui.activity.deadline."+d)
	}
	for _, r := range []string{"breach", "silence"} {
		keys = append(keys, "inboxui.activity.by."+r)
	}
	for _, r := range []string{"auto", "no_person", "answered", "cooldown", "no_mailbox"} {
		keys = append(keys, "inboxui.activity.ack_reason."+r)
	}
	for _, m := range []inbox.AssignMode{inbox.AssignRoundRobin, inbox.AssignLeastLoad} {
		keys = append(keys, "inboxui.mode."+string(m))
	}
	for _, c := range inbox.Channels {
		keys = append(keys, "inboxui.ws_channel."+string(c))
	}
	for _, s := range inbox.Severities {
		keys = append(keys, "inboxui.fu.severity."+s)
	}
	for _, k := range keys {
		if l.T(k) == k {
			t.Errorf("key %q is in no catalog", k)
		}
	}
}
