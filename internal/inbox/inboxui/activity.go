package inboxui

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
)

// The conversation's activity log: its events (status, assignment, snooze,
// merge, deadlines, promises…), newest first, each with who did it and a
// sentence in the viewer's language.

// activityItem is one line of the log.
type activityItem struct {
	ID   int64
	Kind string
	// Actor is the staff member who did it, or Hearken itself (System).
	Actor  string
	System bool
	// Text says what happened; Detail (optional) adds why or what exactly.
	// Both are escaped here, with names, addresses and people's words
	// isolated in <bdi> so they keep their direction in right-to-left pages.
	Text   template.HTML
	Detail template.HTML
	At     time.Time
}

// hiddenEvents repeat what the thread already shows: a note or reply is a
// message on the page, and its delivery shows on it.
var hiddenEvents = map[string]bool{inbox.EventNoteAdded: true, inbox.EventReplyQueued: true, inbox.EventSent: true}

// activity is the log of a conversation's events for the viewer.
func (m *Module) activity(r *http.Request, events []inbox.Event) []activityItem {
	ctx := r.Context()
	names := map[int64]string{}
	if slices.ContainsFunc(events, namesUser) {
		// Staff names as the workspace shows assignees; someone no longer
		// active is named by number.
		if agents, err := m.svc.Agents(ctx); err == nil {
			for _, a := range agents {
				names[a.ID] = a.Name
			}
		}
	}
	teams := map[int64]string{}
	if slices.ContainsFunc(events, func(e inbox.Event) bool { return e.Kind == inbox.EventTeam }) {
		if ts, err := m.svc.Teams(ctx); err == nil {
			for _, t := range ts {
				teams[t.ID] = t.Name
			}
		}
	}
	return describeEvents(i18n.FromContext(ctx), m.s.TZ(ctx), names, teams, events)
}

// namesUser reports whether an event's line names a staff member.
func namesUser(e inbox.Event) bool {
	return e.ActorUserID != 0 || e.Kind == inbox.EventAssigned || e.Kind == inbox.NotifyMention
}

// describeEvents turns events into log lines, newest first, leaving out the
// hidden kinds. names maps staff user ids to names, teams team ids to
// theirs; times in the text are shown in tz.
func describeEvents(l *i18n.Localizer, tz *time.Location, names, teams map[int64]string, events []inbox.Event) []activityItem {
	a := activityWriter{l: l, tz: tz, names: names, teams: teams}
	out := make([]activityItem, 0, len(events))
	for _, e := range events {
		if hiddenEvents[e.Kind] {
			continue
		}
		it := activityItem{ID: e.ID, Kind: e.Kind, At: e.CreatedAt, System: e.ActorUserID == 0}
		if it.System {
			it.Actor = l.T("inboxui.activity.system")
		} else {
			it.Actor = a.user(e.ActorUserID)
		}
		it.Text, it.Detail = a.describe(e)
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(x, y activityItem) int {
		if c := y.At.Compare(x.At); c != 0 {
			return c
		}
		return int(min(max(y.ID-x.ID, -1), 1))
	})
	return out
}

type activityWriter struct {
	l     *i18n.Localizer
	tz    *time.Location
	names map[int64]string
	teams map[int64]string
}

// eventData is an event's JSON object; a getter returns the zero value for
// a missing or differently typed field, so odd data never breaks the page.
type eventData map[string]json.RawMessage

func (d eventData) str(k string) string {
	var s string
	_ = json.Unmarshal(d[k], &s)
	return s
}

func (d eventData) num(k string) int64 {
	var f float64
	if json.Unmarshal(d[k], &f) != nil {
		return 0
	}
	return int64(f)
}

func (d eventData) strs(k string) []string {
	var ss []string
	_ = json.Unmarshal(d[k], &ss)
	return ss
}

func (d eventData) ids(k string) []int64 {
	var ns []int64
	_ = json.Unmarshal(d[k], &ns)
	return ns
}

func (d eventData) time(k string) (time.Time, bool) {
	var t time.Time
	err := json.Unmarshal(d[k], &t)
	return t, err == nil && !t.IsZero()
}

// describe is an event's text and detail.
func (a activityWriter) describe(e inbox.Event) (text, detail template.HTML) {
	var d eventData
	_ = json.Unmarshal(e.Data, &d)
	t := a.t
	switch e.Kind {
	case inbox.EventCreated:
		switch {
		case d.num("follow_up_of") > 0:
			return t("inboxui.activity.created_follow_up", "Ref", a.conv(d.num("follow_up_of"), "")), ""
		case d.str("mailbox") != "":
			return t("inboxui.activity.created_mailbox", "Address", bdi(d.str("mailbox"))), ""
		case d.str("channel") != "" && d.num("split_from") == 0:
			return t("inboxui.activity.created_channel", "Channel", label(a.l, "inboxui.ws_channel.", d.str("channel"), inbox.Channels)), ""
		}
		return t("inboxui.activity.created"), ""
	case inbox.EventReopened:
		return t("inboxui.activity.reopened"), ""
	case inbox.EventStatus:
		if to := d.str("to"); to != "" {
			return t("inboxui.activity.status", "Status", label(a.l, "inboxui.status.", to, inbox.Statuses)), ""
		}
	case inbox.EventPriority:
		if to := d.str("to"); to != "" {
			return t("inboxui.activity.priority", "Priority", label(a.l, "inboxui.priority.", to, inbox.Priorities)), ""
		}
	case inbox.EventAssigned:
		if to := d.num("to"); to != 0 {
			text = t("inboxui.activity.assigned", "Name", bdi(a.user(to)))
		} else {
			text = t("inboxui.activity.unassigned")
		}
		switch by := d.str("by"); by {
		case "breach", "silence":
			detail = t("inboxui.activity.by." + by)
		case string(inbox.AssignRoundRobin), string(inbox.AssignLeastLoad):
			detail = t("inboxui.mode." + by)
		}
		return text, detail
	case inbox.EventTeam:
		to := d.num("to")
		if to == 0 {
			return t("inboxui.activity.team_none"), ""
		}
		if name := a.teams[to]; name != "" {
			return t("inboxui.activity.team_named", "Team", bdi(name)), ""
		}
		return t("inboxui.activity.team"), ""
	case inbox.EventTags:
		if tags := d.strs("to"); len(tags) > 0 {
			return t("inboxui.activity.tags", "Tags", a.list(tags)), ""
		}
		return t("inboxui.activity.tags_none"), ""
	case inbox.EventTopics:
		added, removed := d.strs("added"), d.strs("removed")
		switch {
		case len(added) > 0 && len(removed) > 0:
			return t("inboxui.activity.topics_changed", "Added", a.list(added), "Removed", a.list(removed)), ""
		case len(removed) > 0:
			return t("inboxui.activity.topics_removed", "Topics", a.list(removed)), ""
		}
		return t("inboxui.activity.topics_added", "Topics", a.list(added)), ""
	case inbox.EventAckQueued:
		return t("inboxui.activity.ack_queued"), a.language(d.str("language"))
	case inbox.EventAckSkipped:
		return t("inboxui.activity.ack_skipped"), a.ackReason(d.str("reason"))
	case inbox.EventSendFailed:
		return t("inboxui.activity.send_failed"), bdi(d.str("error")).html()
	case inbox.EventBounce:
		return t("inboxui.activity.bounce"), a.list(d.strs("recipients")).html()
	case inbox.EventSLAWarning:
		return t("inboxui.activity.sla_warning", "Deadline", a.deadline(d.str("deadline"))), a.due(d)
	case inbox.EventSLABreach:
		return t("inboxui.activity.sla_breach", "Deadline", a.deadline(d.str("deadline"))), a.due(d)
	case inbox.EventSLALeadership:
		return t("inboxui.activity.sla_leadership", "Deadline", a.deadline(d.str("deadline"))), ""
	case inbox.EventFollowUp:
		return t("inboxui.activity.follow_up", "Ref", a.conv(d.num("conversation_id"), "")), ""
	case inbox.EventSnoozed:
		if until, ok := d.time("until"); ok {
			return t("inboxui.activity.snoozed", "Time", a.l.DateTime(until, a.tz)), ""
		}
		return t("inboxui.activity.snoozed_plain"), ""
	case inbox.EventUnsnoozed:
		return t("inboxui.activity.unsnoozed"), ""
	case inbox.EventSnoozeWoke:
		if d.str("reason") == "reply" {
			return t("inboxui.activity.woke_reply"), ""
		}
		return t("inboxui.activity.woke"), ""
	case inbox.EventMerged:
		return t("inboxui.activity.merged", "Ref", a.conv(d.num("source_id"), d.str("source"))), ""
	case inbox.EventMergedInto:
		return t("inboxui.activity.merged_into", "Ref", a.conv(d.num("target_id"), d.str("target"))), ""
	case inbox.EventSplit:
		return t("inboxui.activity.split", "Ref", a.conv(d.num("to_id"), d.str("to"))), ""
	case inbox.EventSplitFrom:
		return t("inboxui.activity.split_from", "Ref", a.conv(d.num("from_id"), d.str("from"))), ""
	case inbox.EventForwarded:
		return t("inboxui.activity.forwarded", "Address", bdi(d.str("to"))), ""
	case inbox.EventPromiseAdded:
		return t("inboxui.activity.promise_added", "Text", bdi(d.str("text"))), a.due(d)
	case inbox.EventPromiseKept:
		return t("inboxui.activity.promise_kept", "Text", bdi(d.str("text"))), ""
	case inbox.EventPromiseCancelled:
		return t("inboxui.activity.promise_cancelled"), ""
	case inbox.EventPromiseWarning:
		return t("inboxui.activity.promise_warning", "Text", bdi(d.str("text"))), a.due(d)
	case inbox.EventPromiseMissed:
		return t("inboxui.activity.promise_missed", "Text", bdi(d.str("text"))), a.due(d)
	case inbox.EventPromiseEscalated:
		return t("inboxui.activity.promise_escalated", "Text", bdi(d.str("text"))), ""
	case inbox.EventEscalationRaised:
		return t("inboxui.activity.escalation_raised", "Severity", label(a.l, "inboxui.fu.severity.", d.str("severity"), inbox.Severities)),
			bdi(d.str("reason")).html()
	case inbox.EventEscalationResolved:
		return t("inboxui.activity.escalation_resolved"), bdi(d.str("resolution")).html()
	case inbox.EventRouted:
		return t("inboxui.activity.routed", "Rule", bdi(d.str("rule"))), ""
	case inbox.EventQueueAlert:
		return t("inboxui.activity.queue_alert", "Unassigned", int(d.num("unassigned")), "Minutes", int(d.num("wait_minutes"))), ""
	case inbox.NotifyMention:
		var ns []string
		for _, id := range d.ids("users") {
			ns = append(ns, a.user(id))
		}
		return t("inboxui.activity.mention", "Names", a.list(ns)), ""
	}
	return t("inboxui.activity.other", "Kind", bdi(e.Kind)), ""
}

// t localizes a line; see richT.
func (a activityWriter) t(key string, args ...any) template.HTML { return richT(a.l, key, args...) }

// user names a staff member.
func (a activityWriter) user(id int64) string {
	if n := a.names[id]; n != "" {
		return n
	}
	return a.l.T("inboxui.activity.user", "ID", strconv.FormatInt(id, 10))
}

// conv is a link to a conversation, named by its reference.
func (a activityWriter) conv(id int64, ref string) richPart {
	if ref == "" && id > 0 {
		ref = "HK-" + strconv.FormatInt(id, 10)
	}
	p := richPart{Items: []string{ref}}
	if id > 0 {
		p.Href = "/inbox/" + strconv.FormatInt(id, 10)
	}
	return p
}

// label is the message prefix+value when value is one of known, else the
// value itself.
func label[T ~string](l *i18n.Localizer, prefix, value string, known []T) string {
	if slices.Contains(known, T(value)) {
		return l.T(prefix + value)
	}
	return value
}

// deadline names a response deadline.
func (a activityWriter) deadline(name string) string {
	switch name {
	case "first_response", "next_response", "resolution":
		return a.l.T("inboxui.activity.deadline." + name)
	}
	return name
}

// due is the detail "due …" of an event with a due time.
func (a activityWriter) due(d eventData) template.HTML {
	if due, ok := d.time("due"); ok {
		return a.t("inboxui.fu.promise.due", "Due", a.l.DateTime(due, a.tz))
	}
	return ""
}

// language is a language's own name, marked as written in it.
func (a activityWriter) language(tag string) template.HTML {
	for _, lc := range i18n.Supported() {
		if lc.Tag == tag {
			return template.HTML(`<bdi lang="` + template.HTMLEscapeString(lc.Tag) + `">` + template.HTMLEscapeString(lc.Name) + `</bdi>`)
		}
	}
	return bdi(tag).html()
}

// ackReason says why no acknowledgement went out.
func (a activityWriter) ackReason(reason string) template.HTML {
	switch {
	case strings.HasPrefix(reason, "auto:"):
		return a.t("inboxui.activity.ack_reason.auto")
	case reason == "no_person", reason == "answered", reason == "cooldown", reason == "no_mailbox":
		return a.t("inboxui.activity.ack_reason." + reason)
	case strings.HasPrefix(reason, "people."):
		return a.t(reason) // the consent decision's own message
	}
	return bdi(reason).html()
}

// list is several values, each isolated, separated as the language writes
// lists.
func (a activityWriter) list(items []string) richPart {
	sep := ", "
	switch a.l.Lang() {
	case "ja":
		sep = "、"
	case "fa":
		sep = "، "
	}
	return richPart{Items: items, Sep: sep}
}

// richPart is a value inside a localized line: each item in its own <bdi>
// (names, addresses, references and people's words keep their own
// direction), joined by Sep, linked when Href is set.
type richPart struct {
	Items []string
	Sep   string
	Href  string
}

func bdi(s string) richPart { return richPart{Items: []string{s}} }

func (p richPart) html() template.HTML {
	var b strings.Builder
	if p.Href != "" {
		b.WriteString(`<a href="` + template.HTMLEscapeString(p.Href) + `">`)
	}
	n := 0
	for _, it := range p.Items {
		if it == "" {
			continue
		}
		if n > 0 {
			b.WriteString(template.HTMLEscapeString(p.Sep))
		}
		n++
		b.WriteString("<bdi>" + template.HTMLEscapeString(it) + "</bdi>")
	}
	if p.Href != "" {
		b.WriteString("</a>")
	}
	return template.HTML(b.String())
}

// richT localizes key with args (key/value pairs as for Localizer.T). The
// message's text is escaped; a richPart value is put in as its HTML, so the
// translation decides where the value goes but never adds markup.
func richT(l *i18n.Localizer, key string, args ...any) template.HTML {
	targs := slices.Clone(args)
	var pairs []string
	for i := 1; i < len(targs); i += 2 {
		if p, ok := targs[i].(richPart); ok {
			mark := "\ue000" + strconv.Itoa(len(pairs)/2) + "\ue001"
			targs[i] = mark
			pairs = append(pairs, mark, string(p.html()))
		}
	}
	s := template.HTMLEscapeString(l.T(key, targs...))
	if len(pairs) > 0 {
		s = strings.NewReplacer(pairs...).Replace(s)
	}
	return template.HTML(s)
}
