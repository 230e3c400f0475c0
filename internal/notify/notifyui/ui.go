// Package notifyui is the notifications UI: the unread badge in the shell's
// header (refreshed by htmx), the list with mark-read, links that open the
// subject, and the delivery preference. It works without JavaScript.
package notifyui

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/notify"
	"github.com/hearken-org/hearken/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Module is the notifications UI.
type Module struct {
	svc   *notify.Service
	s     *web.Server
	badge *template.Template
}

// New returns the UI over svc.
func New(svc *notify.Service) *Module { return &Module{svc: svc} }

// MountWeb adds the pages and the header badge to the shell.
func (m *Module) MountWeb(s *web.Server) error {
	m.s = s
	if err := s.AddTemplates(templates, "templates"); err != nil {
		return err
	}
	t, err := template.New("").ParseFS(templates, "templates/notify_badge.html")
	if err != nil {
		return err
	}
	m.badge = t
	s.AddHeaderItem("", m.headerBadge)
	s.Handle("GET /notifications", "", m.list)
	s.Handle("GET /notifications/badge", "", m.badgeFragment)
	s.Handle("GET /notifications/{id}/open", "", m.open)
	s.Handle("POST /notifications/{id}/read", "", m.read)
	s.Handle("POST /notifications/read-all", "", m.readAll)
	s.Handle("POST /notifications/preferences", "", m.prefs)
	return nil
}

// headerBadge renders the badge into the shell's header.
func (m *Module) headerBadge(r *http.Request, p *web.Page) template.HTML {
	n, err := m.svc.UnreadCount(r.Context())
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	q := *p
	q.Data = n
	if err := m.badge.ExecuteTemplate(&buf, "notify_badge", &q); err != nil {
		return ""
	}
	return template.HTML(buf.String()) // rendered by html/template
}

func (m *Module) badgeFragment(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.UnreadCount(r.Context())
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.Render(w, r, http.StatusOK, "notify_badge", m.s.NewPage(r, "", n))
}

type listData struct {
	Items      []notify.Notification
	Next       int64
	Unread     int
	UnreadOnly bool
	Email      bool
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := listData{UnreadOnly: q.Get("unread") != ""}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	page, err := m.svc.List(ctx, before, 50, d.UnreadOnly)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.Items, d.Next = page.Items, page.Next
	if d.Unread, err = m.svc.UnreadCount(ctx); err != nil {
		m.s.Error(w, r, err)
		return
	}
	p, err := m.svc.Prefs(ctx)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.Email = p.Email
	m.s.Render(w, r, http.StatusOK, "notify_list", m.s.NewPage(r, "notify.page.title", d))
}

func pathID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// open marks the notification read and goes to its subject.
func (m *Module) open(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.MarkRead(r.Context(), pathID(r))
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	to := "/notifications"
	if strings.HasPrefix(n.Link, "/") && !strings.HasPrefix(n.Link, "//") {
		to = n.Link
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (m *Module) read(w http.ResponseWriter, r *http.Request) {
	if _, err := m.svc.MarkRead(r.Context(), pathID(r)); err != nil {
		m.s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (m *Module) readAll(w http.ResponseWriter, r *http.Request) {
	if err := m.svc.MarkAllRead(r.Context()); err != nil {
		m.s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (m *Module) prefs(w http.ResponseWriter, r *http.Request) {
	if _, err := m.svc.SetPrefs(r.Context(), notify.Prefs{Email: r.PostFormValue("delivery") == "email"}); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.SetFlash(r.Context(), "ok", i18nT(r, "notify.prefs.saved"))
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func i18nT(r *http.Request, key string) string { return i18n.FromContext(r.Context()).T(key) }
