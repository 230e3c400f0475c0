package inboxui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/web"
)

// followupsView is the conversation page's promises, escalations and topics.
type followupsView struct {
	Promises        []inbox.Promise
	OpenPromises    []inbox.Promise
	Escalations     []inbox.Escalation
	OpenEscalations []inbox.Escalation
	Topics          []inbox.TopicStat
	AllTopics       []inbox.Topic
	Selected        map[int64]bool
	Teammates       []inbox.Teammate
	Severities      []string
	Me              int64
	Now             time.Time
	CanReply        bool
	// Form echo and errors of the follow-up forms.
	PromiseText string
	PromiseDue  string
	Reason      string
	Errors      map[string]string
}

// mountFollowups adds the promise, escalation, topic and acknowledgement
// template pages.
func (m *Module) mountFollowups(s *web.Server) {
	s.AddNav("inboxui.fu.promises.nav", "/inbox/promises", auth.PermInboxReply, 201)
	s.Handle("GET /inbox/promises", auth.PermInboxView, m.myPromises)
	s.Handle("POST /inbox/{id}/promises", auth.PermInboxReply, m.addPromise)
	s.Handle("POST /inbox/{id}/promises/{pid}/done", auth.PermInboxReply, m.promiseDone)
	s.Handle("POST /inbox/{id}/promises/{pid}/cancel", auth.PermInboxReply, m.promiseCancel)
	s.Handle("POST /inbox/{id}/escalations", auth.PermInboxReply, m.escalate)
	s.Handle("POST /inbox/{id}/escalations/{eid}/resolve", auth.PermInboxReply, m.resolveEscalation)
	s.Handle("POST /inbox/{id}/topics", auth.PermInboxReply, m.setTopics)
	s.Handle("GET /inbox/topic", auth.PermInboxView, m.topicPage)
	s.AddNav("inboxui.fu.topics.nav", "/inbox/topics", auth.PermInboxManage, 206)
	s.Handle("GET /inbox/topics", auth.PermInboxManage, m.topicsPage)
	s.Handle("POST /inbox/topics", auth.PermInboxManage, m.topicsPost)
	s.AddNav("inboxui.fu.ack.nav", "/inbox/ack-templates", auth.PermInboxManage, 207)
	s.Handle("GET /inbox/ack-templates", auth.PermInboxManage, m.ackTemplates)
	s.Handle("POST /inbox/ack-templates", auth.PermInboxManage, m.ackTemplatesPost)
}

// followupsConv fills the conversation page's part; errors leave it out
// rather than failing the page.
func (m *Module) followupsConv(r *http.Request, d *convData) {
	ctx := r.Context()
	v := &followupsView{Now: time.Now().UTC(), Severities: inbox.Severities, Selected: map[int64]bool{}, CanReply: can(r, auth.PermInboxReply)}
	if u := web.CurrentUser(ctx); u != nil {
		v.Me = u.ID
	}
	if d.FU != nil {
		v.PromiseText, v.PromiseDue, v.Reason, v.Errors = d.FU.PromiseText, d.FU.PromiseDue, d.FU.Reason, d.FU.Errors
	}
	v.Promises, _ = m.svc.Promises(ctx, d.Conv.ID)
	for _, p := range v.Promises {
		if p.Status == inbox.PromiseOpen {
			v.OpenPromises = append(v.OpenPromises, p)
		}
	}
	v.Escalations, _ = m.svc.Escalations(ctx, d.Conv.ID)
	for _, e := range v.Escalations {
		if e.Status == inbox.EscalationOpen {
			v.OpenEscalations = append(v.OpenEscalations, e)
		}
	}
	v.Topics, _ = m.svc.ConversationTopics(ctx, d.Conv.ID)
	for _, t := range v.Topics {
		v.Selected[t.ID] = true
	}
	v.AllTopics, _ = m.svc.Topics(ctx)
	if v.CanReply {
		v.Teammates, _ = m.svc.Teammates(ctx)
	}
	d.FU = v
}

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// localTime reads a datetime-local value in the organization's time zone.
func (m *Module) localTime(r *http.Request, v string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), m.s.TZ(r.Context()))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// fuDone answers a follow-up form: back to the conversation, or the page
// again with the form's errors.
func (m *Module) fuDone(w http.ResponseWriter, r *http.Request, id int64, err error, fu followupsView, flash string) {
	l := i18n.FromContext(r.Context())
	if err != nil {
		fields, ok := formErrors(m.s, w, r, err, "fu")
		if !ok {
			return
		}
		fu.Errors = fields
		m.renderConversation(w, r, id, http.StatusUnprocessableEntity, convData{FU: &fu})
		return
	}
	m.s.SetFlash(r.Context(), "ok", l.T(flash))
	http.Redirect(w, r, "/inbox/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (m *Module) addPromise(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	text, due := r.PostFormValue("text"), r.PostFormValue("due")
	owner, _ := strconv.ParseInt(r.PostFormValue("owner_user_id"), 10, 64)
	_, err := m.svc.AddPromise(r.Context(), id, inbox.PromiseInput{Text: text, DueAt: m.localTime(r, due), OwnerUserID: owner})
	m.fuDone(w, r, id, err, followupsView{PromiseText: text, PromiseDue: due}, "inboxui.fu.promise.added")
}

func (m *Module) promiseDone(w http.ResponseWriter, r *http.Request) {
	m.promiseAction(w, r, m.svc.KeepPromise, "inboxui.fu.promise.kept")
}

func (m *Module) promiseCancel(w http.ResponseWriter, r *http.Request) {
	m.promiseAction(w, r, m.svc.CancelPromise, "inboxui.fu.promise.cancelled")
}

func (m *Module) promiseAction(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, convID, pid int64) (inbox.Promise, error), flash string) {
	id, ok := idParam(r)
	pid, ok2 := pathID(r, "pid")
	if !ok || !ok2 {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	_, err := fn(r.Context(), id, pid)
	if err == nil && r.PostFormValue("back") == "promises" {
		m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T(flash))
		http.Redirect(w, r, "/inbox/promises", http.StatusSeeOther)
		return
	}
	m.fuDone(w, r, id, err, followupsView{}, flash)
}

func (m *Module) escalate(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	reason := r.PostFormValue("reason")
	_, err := m.svc.Escalate(r.Context(), id, inbox.EscalationInput{Reason: reason, Severity: r.PostFormValue("severity")})
	m.fuDone(w, r, id, err, followupsView{Reason: reason}, "inboxui.fu.escalation.raised")
}

func (m *Module) resolveEscalation(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	eid, ok2 := pathID(r, "eid")
	if !ok || !ok2 {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	_, err := m.svc.ResolveEscalation(r.Context(), id, eid, r.PostFormValue("resolution"))
	m.fuDone(w, r, id, err, followupsView{}, "inboxui.fu.escalation.resolved")
}

func (m *Module) setTopics(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	_ = r.ParseForm()
	var ids []int64
	for _, v := range r.PostForm["topic"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	_, err := m.svc.SetTopics(r.Context(), id, ids)
	m.fuDone(w, r, id, err, followupsView{}, "inboxui.fu.topics.saved")
}

// promisesData is the "my promises" page.
type promisesData struct {
	Overdue []inbox.Promise
	Soon    []inbox.Promise
	Later   []inbox.Promise
	Now     time.Time
}

func (m *Module) myPromises(w http.ResponseWriter, r *http.Request) {
	ps, err := m.svc.MyPromises(r.Context(), time.Time{}, 500)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d := promisesData{Now: time.Now().UTC()}
	for _, p := range ps {
		switch {
		case p.Overdue(d.Now):
			d.Overdue = append(d.Overdue, p)
		case p.DueAt.Before(d.Now.Add(24 * time.Hour)):
			d.Soon = append(d.Soon, p)
		default:
			d.Later = append(d.Later, p)
		}
	}
	m.s.Render(w, r, http.StatusOK, "inbox_promises", m.s.NewPage(r, "inboxui.fu.promises.title", d))
}

// topicData lists other people's conversations raising a topic.
type topicData struct {
	Topic inbox.Topic
	Back  int64
	Convs []inbox.Conversation
}

func (m *Module) topicPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tid, err := strconv.ParseInt(q.Get("id"), 10, 64)
	if err != nil || tid <= 0 {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	except, _ := strconv.ParseInt(q.Get("except"), 10, 64)
	t, err := m.svc.Topic(r.Context(), tid)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	cs, err := m.svc.TopicConversations(r.Context(), tid, except, 200)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	p := m.s.NewPage(r, "", topicData{Topic: t, Back: except, Convs: cs})
	p.Title = t.Name
	m.s.Render(w, r, http.StatusOK, "inbox_topic", p)
}

// topicsData is the managed list of topics.
type topicsData struct {
	Topics []inbox.Topic
	Name   string
	Errors map[string]string
}

func (m *Module) topicsPage(w http.ResponseWriter, r *http.Request) {
	m.renderTopics(w, r, http.StatusOK, topicsData{})
}

func (m *Module) renderTopics(w http.ResponseWriter, r *http.Request, status int, d topicsData) {
	ts, err := m.svc.Topics(r.Context())
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.Topics = ts
	m.s.Render(w, r, status, "inbox_topics", m.s.NewPage(r, "inboxui.fu.topics.title", d))
}

func (m *Module) topicsPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	name := r.PostFormValue("name")
	var err error
	flash := "inboxui.fu.topics.created"
	switch {
	case r.PostFormValue("action") == "delete" && id > 0:
		err, flash = m.svc.DeleteTopic(ctx, id), "inboxui.fu.topics.deleted"
	case id > 0:
		_, err = m.svc.RenameTopic(ctx, id, name)
		flash = "inboxui.fu.topics.renamed"
	default:
		_, err = m.svc.CreateTopic(ctx, name)
	}
	if err != nil {
		if fields, ok := web.FieldErrors(l, err); ok {
			m.renderTopics(w, r, http.StatusUnprocessableEntity, topicsData{Name: name, Errors: fields})
			return
		}
		m.s.Error(w, r, err)
		return
	}
	m.s.SetFlash(ctx, "ok", l.T(flash))
	http.Redirect(w, r, "/inbox/topics", http.StatusSeeOther)
}

// ackCell is one language and channel of the templates grid.
type ackCell struct {
	Lang, Channel string
	Custom        bool
	Href          string
}

// ackData is the acknowledgement templates page: the grid, and the editor
// of one language and channel.
type ackData struct {
	Langs    []i18n.Locale
	Channels []string
	Cells    map[string]ackCell
	Lang     string
	Channel  string
	Subject  string
	Body     string
	Custom   bool
	ID       int64
	Preview  *ackPreview
	Vars     []string
	Errors   map[string]string
}

type ackPreview struct{ Subject, Text string }

func (m *Module) ackTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := ackData{Lang: q.Get("lang"), Channel: q.Get("channel")}
	if !slices.Contains(inbox.AckChannels, d.Channel) {
		d.Channel = string(inbox.ChannelEmail)
	}
	if !slices.ContainsFunc(i18n.Supported(), func(l i18n.Locale) bool { return l.Tag == d.Lang }) {
		d.Lang = i18n.FromContext(r.Context()).Lang()
	}
	t, err := m.svc.AckTemplateFor(r.Context(), d.Lang, d.Channel)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	if t != nil {
		d.Subject, d.Body, d.Custom, d.ID = t.Subject, t.Body, true, t.ID
	} else {
		d.Subject, d.Body = m.svc.DefaultAckTemplate(d.Lang)
	}
	m.renderAck(w, r, http.StatusOK, d)
}

func (m *Module) renderAck(w http.ResponseWriter, r *http.Request, status int, d ackData) {
	list, err := m.svc.ListAckTemplates(r.Context())
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.Langs, d.Channels, d.Vars, d.Cells = i18n.Supported(), inbox.AckChannels, inbox.AckVariables, map[string]ackCell{}
	for _, l := range d.Langs {
		for _, c := range d.Channels {
			d.Cells[l.Tag+"/"+c] = ackCell{Lang: l.Tag, Channel: c,
				Href: "/inbox/ack-templates?" + url.Values{"lang": {l.Tag}, "channel": {c}}.Encode()}
		}
	}
	for _, t := range list {
		if cell, ok := d.Cells[t.Language+"/"+t.Channel]; ok {
			cell.Custom = true
			d.Cells[t.Language+"/"+t.Channel] = cell
		}
	}
	m.s.Render(w, r, status, "inbox_ack_templates", m.s.NewPage(r, "inboxui.fu.ack.title", d))
}

func (m *Module) ackTemplatesPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	in := inbox.AckTemplateInput{Language: r.PostFormValue("lang"), Channel: r.PostFormValue("channel"),
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	d := ackData{Lang: in.Language, Channel: in.Channel, Subject: in.Subject, Body: in.Body}
	d.ID, _ = strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	d.Custom = d.ID > 0
	back := "/inbox/ack-templates?" + url.Values{"lang": {in.Language}, "channel": {in.Channel}}.Encode()
	var err error
	switch r.PostFormValue("action") {
	case "preview":
		var subj, text string
		if subj, text, err = m.svc.PreviewAckTemplate(ctx, in); err == nil {
			d.Preview = &ackPreview{Subject: subj, Text: text}
			m.renderAck(w, r, http.StatusOK, d)
			return
		}
	case "delete":
		if err = m.svc.DeleteAckTemplate(ctx, d.ID); err == nil {
			m.s.SetFlash(ctx, "ok", l.T("inboxui.fu.ack.deleted"))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
	default:
		if _, err = m.svc.SaveAckTemplate(ctx, in); err == nil {
			m.s.SetFlash(ctx, "ok", l.T("inboxui.fu.ack.saved"))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
	}
	if fields, ok := web.FieldErrors(l, err); ok {
		d.Errors = fields
		m.renderAck(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	m.s.Error(w, r, err)
}
