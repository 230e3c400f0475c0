// Package inboxui is the inbox capability's web UI: the list of conversations
// by view (mine, unassigned, team, waiting, all) with search, and the
// conversation page with its messages, the person beside them, the reply and
// internal note forms and the status. Every page works without JavaScript.
package inboxui

import (
	"embed"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Locales is the UI's message catalog (locales/<lang>.toml); the application
// registers it with the bundle next to the inbox service's own.
//
//go:embed locales/*.toml
var Locales embed.FS

// Module is the inbox UI, mounted on the web shell.
type Module struct {
	svc    *inbox.Service
	people *people.Service
	s      *web.Server
}

// New returns the inbox UI over svc; people shows the person beside a
// conversation.
func New(svc *inbox.Service, people *people.Service) *Module {
	return &Module{svc: svc, people: people}
}

// MountWeb adds the inbox pages and navigation to the shell.
func (m *Module) MountWeb(s *web.Server) error {
	m.s = s
	if err := s.AddTemplates(templates, "templates"); err != nil {
		return err
	}
	s.AddNav("inboxui.nav", "/inbox", auth.PermInboxView, 200)
	s.Handle("GET /inbox", auth.PermInboxView, m.list)
	s.Handle("GET /inbox/{id}", auth.PermInboxView, m.conversation)
	s.Handle("POST /inbox/{id}/reply", auth.PermInboxReply, m.reply)
	s.Handle("POST /inbox/{id}/note", auth.PermInboxReply, m.note)
	s.Handle("POST /inbox/{id}/status", auth.PermInboxReply, m.status)
	s.Handle("GET /inbox/attachments/{id}", auth.PermInboxView, m.attachment)
	s.AddNav("inboxui.channels.nav", "/inbox/channels", auth.PermInboxManage, 205)
	m.mountChannels()
	m.mountWorkspace(s)
	m.mountFollowups(s)
	return nil
}

var views = inbox.Views

// viewTab is one tab of the list.
type viewTab struct {
	View    string
	Href    string
	Current bool
}

// row is a conversation as listed.
type row struct {
	inbox.Conversation
	Due     *time.Time
	Overdue bool
}

type listData struct {
	// WS is the agent workspace's part (workspace.go).
	WS    *wsList
	Tabs  []viewTab
	View  string
	Q     string
	Rows  []row
	Next  string
	Now   time.Time
	Error string
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	q := r.URL.Query()
	view := inbox.View(q.Get("view"))
	if view == "" {
		view = inbox.ViewMine
	}
	d := listData{View: string(view), Q: strings.TrimSpace(q.Get("q")), Now: time.Now().UTC()}
	valid := false
	for _, v := range views {
		vals := url.Values{"view": {string(v)}}
		if d.Q != "" {
			vals.Set("q", d.Q)
		}
		d.Tabs = append(d.Tabs, viewTab{View: string(v), Href: "/inbox?" + vals.Encode(), Current: v == view})
		valid = valid || v == view
	}
	if !valid {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	filter := listFilter(view, d.Q, q)
	page, err := m.svc.ListConversations(ctx, filter, q.Get("cursor"), 50)
	if err != nil {
		if fields, ok := web.FieldErrors(l, err); ok {
			for _, v := range fields {
				d.Error = v
			}
		} else {
			m.s.Error(w, r, err)
			return
		}
	}
	for _, c := range page.Items {
		due := c.DueAt()
		d.Rows = append(d.Rows, row{Conversation: c, Due: due, Overdue: due != nil && due.Before(d.Now)})
	}
	if page.Next != "" {
		vals := url.Values{"view": {string(view)}, "cursor": {page.Next}}
		if d.Q != "" {
			vals.Set("q", d.Q)
		}
		d.Next = "/inbox?" + vals.Encode()
	}
	m.workspaceList(r, &d, filter)
	m.s.Render(w, r, http.StatusOK, "inbox_list", m.s.NewPage(r, "inboxui.nav", d))
}

// messageView is a message as shown.
type messageView struct {
	inbox.Message
	// HTML is the stored, already sanitized HTML, shown only on request.
	HTML template.HTML
}

type personView struct {
	ID       int64
	Name     string
	Greeting string
	Href     string
}

type convData struct {
	Conv       inbox.Conversation
	Due        *time.Time
	Messages   []messageView
	Person     *personView
	ShowHTML   bool
	HasHTML    bool
	Statuses   []string
	CanReply   bool
	CanStatus  bool
	Reply      string
	Note       string
	Errors     map[string]string
	ReplyAfter string
	// StatusError is the status form's own error (the reply form has a
	// status field too).
	StatusError string
	statusForm  bool
	// Call is the call form (channels.go); nil shows its defaults.
	Call *callForm
	// WS is the agent workspace's part (workspace.go).
	WS *wsConv
	// FU is the promises, escalations and topics part (followups.go).
	FU *followupsView
	// Activity is the conversation's event log, newest first (activity.go).
	Activity []activityItem
}

func (m *Module) conversation(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	m.renderConversation(w, r, id, http.StatusOK, convData{ShowHTML: r.URL.Query().Get("format") == "html"})
}

func (m *Module) renderConversation(w http.ResponseWriter, r *http.Request, id int64, status int, d convData) {
	ctx := r.Context()
	det, err := m.svc.GetConversation(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.Conv = det.Conversation
	d.Due = det.Conversation.DueAt()
	for _, msg := range det.Messages {
		mv := messageView{Message: msg}
		if mv.Text == "" && msg.HTML != "" {
			mv.Text = email.HTMLToText(msg.HTML)
		}
		if msg.HTML != "" {
			d.HasHTML = true
			if d.ShowHTML {
				// Stored HTML has been through email.SanitizeHTML on the way in.
				mv.HTML = template.HTML(msg.HTML)
			}
		}
		d.Messages = append(d.Messages, mv)
	}
	if d.Conv.PersonID != 0 && can(r, auth.PermPeopleView) {
		if p, err := m.people.GetPerson(ctx, d.Conv.PersonID); err == nil && p.ErasedAt == nil {
			d.Person = &personView{ID: p.ID, Name: p.DisplayName, Greeting: p.GreetingName, Href: "/people/" + strconv.FormatInt(p.ID, 10)}
		}
	}
	for _, s := range inbox.Statuses {
		d.Statuses = append(d.Statuses, string(s))
	}
	d.CanReply = can(r, auth.PermInboxReply)
	d.CanStatus = can(r, auth.PermInboxReply)
	m.workspaceConv(r, &d, det)
	m.followupsConv(r, &d)
	d.Activity = m.activity(r, det.Events)
	if d.Call == nil {
		f := newCallForm(string(inbox.DirectionOut)) // from a conversation, staff mostly call back
		d.Call = &f
	}
	if d.ReplyAfter == "" {
		d.ReplyAfter = string(inbox.StatusWaiting)
	}
	p := m.s.NewPage(r, "", d)
	p.Title = d.Conv.Subject
	if p.Title == "" {
		p.Title = i18n.FromContext(ctx).T("inboxui.no_subject")
	}
	m.s.Render(w, r, status, "inbox_conversation", p)
}

func (m *Module) reply(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	text, after := r.PostFormValue("text"), r.PostFormValue("status")
	if m.replyCollision(w, r, id, text, after) {
		return
	}
	promiseID, _ := strconv.ParseInt(r.PostFormValue("promise_id"), 10, 64)
	_, err := m.svc.ReplyWith(r.Context(), id, inbox.ReplyInput{Text: text, Status: inbox.Status(after), PromiseID: promiseID})
	m.done(w, r, id, err, convData{Reply: text, ReplyAfter: after}, "inboxui.reply.sent")
}

func (m *Module) note(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	text := r.PostFormValue("text")
	_, err := m.svc.AddNote(r.Context(), id, text)
	m.done(w, r, id, err, convData{Note: text}, "inboxui.note.added")
}

func (m *Module) status(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	_, err := m.svc.SetStatus(r.Context(), id, inbox.Status(r.PostFormValue("status")))
	m.done(w, r, id, err, convData{statusForm: true}, "inboxui.status.changed")
}

// done redirects back to the conversation after a change, or shows the form
// again with its errors.
func (m *Module) done(w http.ResponseWriter, r *http.Request, id int64, err error, d convData, flashKey string) {
	l := i18n.FromContext(r.Context())
	if err != nil {
		fields, ok := formErrors(m.s, w, r, err, "_")
		if !ok {
			return
		}
		if d.statusForm {
			d.StatusError = fields["status"]
			delete(fields, "status")
		}
		d.Errors = fields
		m.renderConversation(w, r, id, http.StatusUnprocessableEntity, d)
		return
	}
	m.s.SetFlash(r.Context(), "ok", l.T(flashKey))
	http.Redirect(w, r, "/inbox/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// attachment downloads a file that came with a message. It is always a
// download (never shown inline), so a file cannot run as a page of ours.
func (m *Module) attachment(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	att, data, err := m.svc.Attachment(r.Context(), id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	if data == nil {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "inbox.error.attachment_not_found")
		return
	}
	ct := att.ContentType
	if _, _, perr := mime.ParseMediaType(ct); ct == "" || perr != nil {
		ct = "application/octet-stream"
	}
	name := att.Filename
	if name == "" {
		name = "attachment"
	}
	w.Header().Set("Content-Type", ct)
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if cd == "" {
		cd = "attachment"
	}
	w.Header().Set("Content-Disposition", cd)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func idParam(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func can(r *http.Request, p auth.Permission) bool {
	u := web.CurrentUser(r.Context())
	return u != nil && auth.Can(u.Role, p)
}
