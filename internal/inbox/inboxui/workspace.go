package inboxui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/web"
)

// The agent workspace: canned responses and signatures (their own pages),
// presence and collision warnings, snooze, merge, split, forward, priority,
// list filters, counts and bulk actions.

func (m *Module) mountWorkspace(s *web.Server) {
	s.Handle("GET /canned-responses", auth.PermInboxReply, m.cannedList)
	s.Handle("GET /canned-responses/new", auth.PermInboxReply, m.cannedNew)
	s.Handle("POST /canned-responses", auth.PermInboxReply, m.cannedSave)
	s.Handle("GET /canned-responses/{cid}", auth.PermInboxReply, m.cannedEdit)
	s.Handle("POST /canned-responses/{cid}", auth.PermInboxReply, m.cannedSave)
	s.Handle("POST /canned-responses/{cid}/delete", auth.PermInboxReply, m.cannedDelete)
	s.Handle("GET /signatures", auth.PermInboxReply, m.signatures)
	s.Handle("POST /signatures", auth.PermInboxReply, m.saveSignatures)
	s.Handle("GET /inbox/{id}/canned/search", auth.PermInboxReply, m.cannedPick)
	s.Handle("GET /inbox/{id}/canned/{cid}", auth.PermInboxReply, m.cannedFill)
	s.Handle("POST /inbox/{id}/presence", auth.PermInboxView, m.presence)
	s.Handle("POST /inbox/{id}/snooze", auth.PermInboxReply, m.snooze)
	s.Handle("POST /inbox/{id}/priority", auth.PermInboxAssign, m.priority)
	s.Handle("POST /inbox/{id}/merge", auth.PermInboxAssign, m.merge)
	s.Handle("POST /inbox/{id}/split", auth.PermInboxAssign, m.split)
	s.Handle("POST /inbox/{id}/forward", auth.PermInboxReply, m.forward)
	s.Handle("POST /inbox/bulk", auth.PermInboxView, m.bulk)
}

// wsConv is the workspace's part of the conversation page.
type wsConv struct {
	// LastMessageID is the newest message when the page was made: the reply
	// form sends it back, so a reply written meanwhile is noticed.
	LastMessageID int64
	// Dir is each message's writing direction, from its language.
	Dir      map[int64]string
	ReplyDir string
	ReplyLng string
	Canned   []cannedItem
	// Collision lists what others sent since the page was loaded, when a
	// reply was held back because of it.
	Collision   []inbox.Message
	Confirm     bool
	Snoozed     *time.Time
	MergedInto  int64
	Priorities  []string
	SnoozeMin   string
	CanAssign   bool
	Errors      map[string]string
	ForwardTo   string
	ForwardText string
	ForwardMsg  int64
}

// workspaceConv fills the workspace's part of a conversation page.
func (m *Module) workspaceConv(r *http.Request, d *convData, det inbox.ConversationDetail) {
	ctx := r.Context()
	if d.WS == nil {
		d.WS = &wsConv{}
	}
	ws := d.WS
	ws.Dir = map[int64]string{}
	for _, msg := range det.Messages {
		ws.LastMessageID = max(ws.LastMessageID, msg.ID)
		if msg.Language != "" {
			ws.Dir[msg.ID] = dirOf(msg.Language)
		}
	}
	ws.Snoozed, ws.MergedInto = det.SnoozedUntil, det.MergedIntoID
	for _, p := range inbox.Priorities {
		ws.Priorities = append(ws.Priorities, string(p))
	}
	ws.CanAssign = can(r, auth.PermInboxAssign)
	ws.SnoozeMin = time.Now().In(m.s.TZ(r.Context())).Format("2006-01-02T15:04")
	if d.CanReply {
		list, _ := m.svc.CannedResponses(ctx, "")
		ws.Canned = m.cannedItems(r, det.ID, list)
		if cid, err := strconv.ParseInt(r.URL.Query().Get("canned"), 10, 64); err == nil && d.Reply == "" {
			if rc, err := m.svc.RenderCanned(ctx, cid, det.ID); err == nil {
				d.Reply, ws.ReplyDir, ws.ReplyLng = rc.Text, rc.Dir, rc.Language
			}
		}
	}
	if ws.ReplyDir == "" {
		ws.ReplyDir = "auto"
	}
}

func dirOf(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	for _, l := range i18n.Supported() {
		if l.Tag == base {
			return l.Dir
		}
	}
	return "auto"
}

// replyCollision holds a reply back when someone else wrote to the person
// (or the person wrote) since the page was loaded: the page comes back with
// those messages and a "send anyway" button. It reports whether it did.
func (m *Module) replyCollision(w http.ResponseWriter, r *http.Request, id int64, text, after string) bool {
	if r.PostFormValue("confirm") == "1" {
		return false
	}
	seen, err := strconv.ParseInt(r.PostFormValue("last_message_id"), 10, 64)
	if err != nil || seen <= 0 {
		return false
	}
	newer, err := m.svc.NewerMessages(r.Context(), id, seen)
	if err != nil || len(newer) == 0 {
		return false
	}
	for i := range newer {
		newer[i].Text = plainText(newer[i])
	}
	m.renderConversation(w, r, id, http.StatusConflict, convData{Reply: text, ReplyAfter: after,
		WS: &wsConv{Collision: newer, Confirm: true}})
	return true
}

type presenceData struct {
	Viewing []string
	Typing  []string
	Newer   bool
	ConvID  int64
}

// presence is the heartbeat: htmx posts it every few seconds and swaps in
// who else is there.
func (m *Module) presence(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := m.svc.Heartbeat(r.Context(), id, r.PostFormValue("typing") == "1")
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d := presenceData{ConvID: id}
	for _, v := range p.Viewers {
		if v.Typing {
			d.Typing = append(d.Typing, v.Name)
		} else {
			d.Viewing = append(d.Viewing, v.Name)
		}
	}
	seen, _ := strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
	d.Newer = seen > 0 && p.LastMessageID > seen
	w.Header().Set("Cache-Control", "no-store")
	m.s.Render(w, r, http.StatusOK, "inbox_presence", m.s.NewPage(r, "", d))
}

// cannedPick lists the canned responses matching q, for the reply form.
func (m *Module) cannedPick(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	list, err := m.svc.CannedResponses(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.Render(w, r, http.StatusOK, "inbox_canned_pick", m.s.NewPage(r, "", map[string]any{"ConvID": id, "Canned": m.cannedItems(r, id, list)}))
}

// cannedItem is a canned response as the picker lists it.
type cannedItem struct {
	ID       int64
	Title    string
	Shortcut string
}

// cannedItems names each canned response by its title in the language its
// text would be filled in for conversation convID (the variant's title),
// else by its own title.
func (m *Module) cannedItems(r *http.Request, convID int64, list []inbox.CannedResponse) []cannedItem {
	titles, err := m.svc.CannedTitles(r.Context(), convID, list)
	out := make([]cannedItem, len(list))
	for i, c := range list {
		out[i] = cannedItem{ID: c.ID, Title: c.Title, Shortcut: c.Shortcut}
		if err == nil && titles[i] != "" {
			out[i].Title = titles[i]
		}
	}
	return out
}

// cannedFill answers the reply box filled with a canned response in the
// person's language (after what was already written); without htmx it is
// the conversation page with the reply filled.
func (m *Module) cannedFill(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	cid, err := strconv.ParseInt(r.PathValue("cid"), 10, 64)
	if !ok || err != nil {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if r.Header.Get("HX-Request") == "" {
		http.Redirect(w, r, fmt.Sprintf("/inbox/%d?canned=%d#reply-text", id, cid), http.StatusSeeOther)
		return
	}
	rc, err := m.svc.RenderCanned(r.Context(), cid, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	text := rc.Text
	if cur := strings.TrimSpace(r.URL.Query().Get("text")); cur != "" {
		text = cur + "\n\n" + text
	}
	m.s.Render(w, r, http.StatusOK, "inbox_reply_box", m.s.NewPage(r, "", map[string]any{"Text": text, "Dir": rc.Dir, "Lang": rc.Language}))
}

// snoozeUntil reads the snooze form: a preset or a local date and time.
func (m *Module) snoozeUntil(r *http.Request) (time.Time, bool) {
	tz := m.s.TZ(r.Context())
	now := time.Now().In(tz)
	morning := func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, tz) }
	switch r.PostFormValue("preset") {
	case "1h":
		return now.Add(time.Hour), true
	case "4h":
		return now.Add(4 * time.Hour), true
	case "tomorrow":
		return morning(now.AddDate(0, 0, 1)), true
	case "week":
		days := (8 - int(now.Weekday())) % 7
		if days == 0 {
			days = 7
		}
		return morning(now.AddDate(0, 0, days)), true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("until"), tz)
	return t, err == nil
}

func (m *Module) snooze(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if r.PostFormValue("wake") == "1" {
		_, err := m.svc.Unsnooze(r.Context(), id)
		m.wsDone(w, r, id, err, "inboxui.snooze.woken", "")
		return
	}
	until, ok := m.snoozeUntil(r)
	if !ok {
		m.wsDone(w, r, id, apperr.Invalid().Field("until", "inbox.error.snooze_until"), "", "")
		return
	}
	_, err := m.svc.Snooze(r.Context(), id, until)
	m.wsDone(w, r, id, err, "inboxui.snooze.done", "/inbox")
}

func (m *Module) priority(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	_, err := m.svc.SetPriority(r.Context(), id, inbox.Priority(r.PostFormValue("priority")))
	m.wsDone(w, r, id, err, "inboxui.priority.changed", "")
}

// parseRef reads "HK-12", "#12" or "12".
func parseRef(s string) int64 {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "HK-"), "#")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// merge merges this conversation into the one named in the form, then
// shows that one.
func (m *Module) merge(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	target := parseRef(r.PostFormValue("into"))
	if target == 0 {
		m.wsDone(w, r, id, apperr.Invalid().Field("into", "inboxui.merge.which"), "", "")
		return
	}
	_, err := m.svc.Merge(r.Context(), target, id)
	m.wsDone(w, r, id, err, "inboxui.merge.done", "/inbox/"+strconv.FormatInt(target, 10))
}

func (m *Module) split(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	msgID, err := strconv.ParseInt(r.PostFormValue("message_id"), 10, 64)
	if !ok || err != nil {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	c, err := m.svc.Split(r.Context(), id, msgID)
	m.wsDone(w, r, id, err, "inboxui.split.done", "/inbox/"+strconv.FormatInt(c.ID, 10))
}

func (m *Module) forward(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	msgID, err := strconv.ParseInt(r.PostFormValue("message_id"), 10, 64)
	if !ok || err != nil {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	to, text := r.PostFormValue("to"), r.PostFormValue("text")
	_, err = m.svc.Forward(r.Context(), id, msgID, inbox.ForwardInput{To: to, Text: text})
	if err != nil {
		if fields, ok := web.FieldErrors(i18n.FromContext(r.Context()), err); ok {
			m.renderConversation(w, r, id, http.StatusUnprocessableEntity, convData{Errors: prefixed("forward_", fields),
				WS: &wsConv{ForwardTo: to, ForwardText: text, ForwardMsg: msgID}})
			return
		}
	}
	m.wsDone(w, r, id, err, "inboxui.forward.done", "")
}

func prefixed(p string, fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		out[p+k] = v
	}
	return out
}

// wsDone ends a workspace action: on success a flash and a redirect (to
// next, else back to the conversation); on a validation error or conflict
// the page again with the error in the sidebar.
func (m *Module) wsDone(w http.ResponseWriter, r *http.Request, id int64, err error, flashKey, next string) {
	l := i18n.FromContext(r.Context())
	if err != nil {
		fields, ok := formErrors(m.s, w, r, err, "_")
		if !ok {
			return
		}
		msg := ""
		for _, v := range fields {
			msg = v
		}
		m.renderConversation(w, r, id, http.StatusUnprocessableEntity, convData{WS: &wsConv{Errors: map[string]string{"ws": msg}}})
		return
	}
	m.s.SetFlash(r.Context(), "ok", l.T(flashKey))
	if next == "" {
		next = "/inbox/" + strconv.FormatInt(id, 10)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// wsList is the workspace's part of the list page: counts, filters, order
// and what bulk actions need.
type wsList struct {
	// Counts are the views' counts as shown ("999+" past the cap).
	Counts     map[string]string
	Channel    string
	Priority   string
	Tag        string
	AssigneeID int64
	Sort       string
	Channels   []string
	Priorities []string
	Sorts      []string
	Statuses   []string
	Agents     []inbox.Agent
	Filtered   bool
	Return     string
	CanAssign  bool
	CanReply   bool
}

var listViews = inbox.Views

// listFilter reads the list's query into a filter.
func listFilter(view inbox.View, q string, vals url.Values) inbox.Filter {
	f := inbox.Filter{View: view, Q: q, Channel: inbox.Channel(vals.Get("channel")), Priority: inbox.Priority(vals.Get("priority")),
		Tag: strings.TrimSpace(vals.Get("tag")), Sort: inbox.Sort(vals.Get("sort"))}
	f.AssigneeID, _ = strconv.ParseInt(vals.Get("assignee"), 10, 64)
	return f
}

// filterValues is the list's query without the view, cursor and empties.
func filterValues(f inbox.Filter) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Q)
	set("channel", string(f.Channel))
	set("priority", string(f.Priority))
	set("tag", f.Tag)
	if f.Sort != inbox.SortDue {
		set("sort", string(f.Sort))
	}
	if f.AssigneeID != 0 {
		v.Set("assignee", strconv.FormatInt(f.AssigneeID, 10))
	}
	return v
}

// workspaceList fills the counts, filters and tabs of the list page.
func (m *Module) workspaceList(r *http.Request, d *listData, f inbox.Filter) {
	ctx := r.Context()
	ws := &wsList{Channel: string(f.Channel), Priority: string(f.Priority), Tag: f.Tag, AssigneeID: f.AssigneeID,
		Sort: string(f.Sort), Counts: map[string]string{}, CanAssign: can(r, auth.PermInboxAssign), CanReply: can(r, auth.PermInboxReply)}
	if ws.Sort == "" {
		ws.Sort = string(inbox.SortDue)
	}
	for _, c := range inbox.Channels {
		ws.Channels = append(ws.Channels, string(c))
	}
	for _, p := range inbox.Priorities {
		ws.Priorities = append(ws.Priorities, string(p))
	}
	for _, s := range inbox.Sorts {
		ws.Sorts = append(ws.Sorts, string(s))
	}
	for _, s := range inbox.Statuses {
		if s != inbox.StatusNew {
			ws.Statuses = append(ws.Statuses, string(s))
		}
	}
	ws.Filtered = f.Channel != "" || f.Priority != "" || f.Tag != "" || f.AssigneeID != 0
	if counts, err := m.svc.ViewCounts(ctx); err == nil {
		l := i18n.FromContext(ctx)
		for v, n := range counts {
			ws.Counts[string(v)] = l.Number(n)
			if n >= inbox.CountCap {
				ws.Counts[string(v)] = l.T("inboxui.count.more", "Count", inbox.CountCap-1)
			}
		}
	}
	ws.Agents, _ = m.svc.Agents(ctx)
	vals := filterValues(f)
	d.Tabs = d.Tabs[:0]
	for _, v := range listViews {
		tv := url.Values{}
		for k, vs := range vals {
			tv[k] = vs
		}
		tv.Set("view", string(v))
		d.Tabs = append(d.Tabs, viewTab{View: string(v), Href: "/inbox?" + tv.Encode(), Current: v == f.View})
	}
	if d.Next != "" {
		if u, err := url.Parse(d.Next); err == nil {
			nv := u.Query()
			for k, vs := range vals {
				nv[k] = vs
			}
			d.Next = "/inbox?" + nv.Encode()
		}
	}
	vals.Set("view", string(f.View))
	ws.Return = "/inbox?" + vals.Encode()
	d.WS = ws
}

type bulkRow struct {
	ID        int64
	Reference string
	Subject   string
	OK        bool
	Error     string
}

// bulk applies one action to the selected conversations and shows what
// happened to each.
func (m *Module) bulk(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	if err := r.ParseForm(); err != nil {
		m.s.ErrorStatus(w, r, http.StatusBadRequest, "error.validation_failed")
		return
	}
	var ids []int64
	for _, s := range r.PostForm["id"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			ids = append(ids, n)
		}
	}
	a := inbox.BulkAction{}
	action, value := r.PostFormValue("action"), ""
	action, value, _ = strings.Cut(action, ":")
	a.Action = action
	switch action {
	case "assign":
		if value == "me" {
			a.UserID = web.CurrentUser(ctx).ID
		} else {
			a.UserID, _ = strconv.ParseInt(value, 10, 64)
		}
	case "status":
		a.Status = inbox.Status(value)
	case "priority":
		a.Priority = inbox.Priority(value)
	case "tag", "untag":
		a.Tag = r.PostFormValue("tag")
	}
	back := r.PostFormValue("return")
	if !strings.HasPrefix(back, "/inbox") || strings.HasPrefix(back, "//") {
		back = "/inbox"
	}
	res, err := m.svc.Bulk(ctx, ids, a)
	data := map[string]any{"Return": back}
	if err != nil {
		fields, ok := web.FieldErrors(l, err)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		var msgs []string
		for _, v := range fields {
			msgs = append(msgs, v)
		}
		slices.Sort(msgs)
		data["Error"] = strings.Join(msgs, " ")
		m.s.Render(w, r, http.StatusUnprocessableEntity, "inbox_bulk", m.s.NewPage(r, "inboxui.bulk.title", data))
		return
	}
	var rows []bulkRow
	okCount := 0
	for _, br := range res {
		row := bulkRow{ID: br.ConversationID, OK: br.Err == nil, Reference: br.Conversation.Reference, Subject: br.Conversation.Subject}
		if row.Reference == "" {
			row.Reference = "#" + strconv.FormatInt(br.ConversationID, 10)
		}
		if br.Err != nil {
			if e, ok := apperr.As(br.Err); ok {
				row.Error = l.T(e.Key, e.Args...)
				for _, fe := range e.Fields {
					row.Error = l.T(fe.Key, fe.Args...)
				}
			} else {
				row.Error = l.T("error.server", "Ref", "")
			}
		} else {
			okCount++
		}
		rows = append(rows, row)
	}
	data["Rows"], data["OK"], data["Total"] = rows, okCount, len(rows)
	m.s.Render(w, r, http.StatusOK, "inbox_bulk", m.s.NewPage(r, "inboxui.bulk.title", data))
}

// Canned responses: the list, the form, save and delete.

type cannedForm struct {
	ID       int64
	Title    string
	Shortcut string
	Personal bool
	Bodies   map[string]string
	Titles   map[string]string
	Errors   map[string]string
	Langs    []i18n.Locale
	CanShare bool
}

func (m *Module) cannedList(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.CannedResponses(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	me := web.CurrentUser(r.Context()).ID
	m.s.Render(w, r, http.StatusOK, "inbox_canned", m.s.NewPage(r, "inboxui.canned.title", map[string]any{
		"Canned": list, "Q": r.URL.Query().Get("q"), "Me": me, "CanShare": can(r, auth.PermInboxManage)}))
}

func (m *Module) newCannedForm(r *http.Request) cannedForm {
	return cannedForm{Bodies: map[string]string{}, Titles: map[string]string{}, Langs: i18n.Supported(),
		CanShare: can(r, auth.PermInboxManage), Personal: !can(r, auth.PermInboxManage)}
}

func (m *Module) cannedNew(w http.ResponseWriter, r *http.Request) {
	m.renderCanned(w, r, http.StatusOK, m.newCannedForm(r))
}

func (m *Module) cannedEdit(w http.ResponseWriter, r *http.Request) {
	cid, err := strconv.ParseInt(r.PathValue("cid"), 10, 64)
	if err != nil {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	c, err := m.svc.Canned(r.Context(), cid)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	f := m.newCannedForm(r)
	f.ID, f.Title, f.Shortcut, f.Personal = c.ID, c.Title, c.Shortcut, c.OwnerUserID != 0
	for _, v := range c.Variants {
		f.Bodies[v.Language], f.Titles[v.Language] = v.Body, v.Title
	}
	m.renderCanned(w, r, http.StatusOK, f)
}

func (m *Module) renderCanned(w http.ResponseWriter, r *http.Request, status int, f cannedForm) {
	p := m.s.NewPage(r, "inboxui.canned.new", f)
	if f.ID != 0 {
		p.Title = f.Title
	}
	m.s.Render(w, r, status, "inbox_canned_form", p)
}

func (m *Module) cannedSave(w http.ResponseWriter, r *http.Request) {
	var id int64
	if s := r.PathValue("cid"); s != "" {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil {
			m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
			return
		}
	}
	f := m.newCannedForm(r)
	f.ID, f.Title, f.Shortcut = id, r.PostFormValue("title"), r.PostFormValue("shortcut")
	f.Personal = r.PostFormValue("personal") == "1" || !f.CanShare
	in := inbox.CannedInput{Title: f.Title, Shortcut: f.Shortcut, Personal: f.Personal}
	for _, lc := range f.Langs {
		f.Bodies[lc.Tag], f.Titles[lc.Tag] = r.PostFormValue("body_"+lc.Tag), r.PostFormValue("title_"+lc.Tag)
		in.Variants = append(in.Variants, inbox.CannedVariant{Language: lc.Tag, Title: f.Titles[lc.Tag], Body: f.Bodies[lc.Tag]})
	}
	c, err := m.svc.SaveCanned(r.Context(), id, in)
	l := i18n.FromContext(r.Context())
	if err != nil {
		fields, ok := web.FieldErrors(l, err)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		f.Errors = fields
		m.renderCanned(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	m.s.SetFlash(r.Context(), "ok", l.T("inboxui.canned.saved"))
	http.Redirect(w, r, "/canned-responses/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

func (m *Module) cannedDelete(w http.ResponseWriter, r *http.Request) {
	cid, err := strconv.ParseInt(r.PathValue("cid"), 10, 64)
	if err != nil {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := m.svc.DeleteCanned(r.Context(), cid); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T("inboxui.canned.deleted"))
	http.Redirect(w, r, "/canned-responses", http.StatusSeeOther)
}

// Signatures: the agent's own and, for managers, their teams'.

type sigForm struct {
	TeamID int64
	Name   string
	Bodies map[string]string
	Errors map[string]string
}

type sigData struct {
	Forms []sigForm
	Langs []i18n.Locale
}

func (m *Module) sigForms(r *http.Request) ([]sigForm, error) {
	ctx := r.Context()
	me := web.CurrentUser(ctx).ID
	own, err := m.svc.Signatures(ctx, me, 0)
	if err != nil {
		return nil, err
	}
	forms := []sigForm{{Bodies: sigMap(own)}}
	teams, err := m.svc.SignatureTeams(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		sigs, err := m.svc.Signatures(ctx, 0, t.ID)
		if err != nil {
			return nil, err
		}
		forms = append(forms, sigForm{TeamID: t.ID, Name: t.Name, Bodies: sigMap(sigs)})
	}
	return forms, nil
}

func sigMap(sigs []inbox.Signature) map[string]string {
	out := map[string]string{}
	for _, s := range sigs {
		out[s.Language] = s.Body
	}
	return out
}

func (m *Module) signatures(w http.ResponseWriter, r *http.Request) {
	forms, err := m.sigForms(r)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.Render(w, r, http.StatusOK, "inbox_signatures", m.s.NewPage(r, "inboxui.signature.title", sigData{Forms: forms, Langs: i18n.Supported()}))
}

func (m *Module) saveSignatures(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	teamID, _ := strconv.ParseInt(r.PostFormValue("team_id"), 10, 64)
	sigs := []inbox.Signature{{Language: "", Body: r.PostFormValue("body_")}}
	for _, lc := range i18n.Supported() {
		sigs = append(sigs, inbox.Signature{Language: lc.Tag, Body: r.PostFormValue("body_" + lc.Tag)})
	}
	_, err := m.svc.SetSignatures(ctx, teamID, sigs)
	if err != nil {
		fields, ok := web.FieldErrors(l, err)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		forms, ferr := m.sigForms(r)
		if ferr != nil {
			m.s.Error(w, r, ferr)
			return
		}
		for i := range forms {
			if forms[i].TeamID == teamID {
				forms[i].Bodies, forms[i].Errors = sigMap(sigs), fields
			}
		}
		m.s.Render(w, r, http.StatusUnprocessableEntity, "inbox_signatures", m.s.NewPage(r, "inboxui.signature.title", sigData{Forms: forms, Langs: i18n.Supported()}))
		return
	}
	m.s.SetFlash(ctx, "ok", l.T("inboxui.signature.saved"))
	http.Redirect(w, r, "/signatures", http.StatusSeeOther)
}

// plainText is a message's text for the collision warning.
func plainText(msg inbox.Message) string {
	if msg.Text != "" || msg.HTML == "" {
		return msg.Text
	}
	return email.HTMLToText(msg.HTML)
}
