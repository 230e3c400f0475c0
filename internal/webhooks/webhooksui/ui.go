// Package webhooksui is the administrators' webhooks page: endpoints, their
// events and secret, the delivery log and the "send test" button.
package webhooksui

import (
	"embed"
	"net/http"
	"slices"
	"strconv"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/web"
	"github.com/hearken-org/hearken/internal/webhooks"
)

//go:embed templates/*.html
var templates embed.FS

// Module is the webhooks UI.
type Module struct {
	svc *webhooks.Service
	s   *web.Server
}

// New returns the UI over svc.
func New(svc *webhooks.Service) *Module { return &Module{svc: svc} }

// MountWeb adds the pages under /admin/webhooks.
func (m *Module) MountWeb(s *web.Server) error {
	m.s = s
	if err := s.AddTemplates(templates, "templates"); err != nil {
		return err
	}
	s.AddNav("webhooks.nav", "/admin/webhooks", auth.PermOrgManage, 930)
	s.Handle("GET /admin/webhooks", auth.PermOrgManage, m.list)
	s.Handle("POST /admin/webhooks", auth.PermOrgManage, m.create)
	s.Handle("GET /admin/webhooks/{id}", auth.PermOrgManage, m.show)
	s.Handle("POST /admin/webhooks/{id}", auth.PermOrgManage, m.update)
	s.Handle("POST /admin/webhooks/{id}/test", auth.PermOrgManage, m.test)
	s.Handle("POST /admin/webhooks/{id}/rotate", auth.PermOrgManage, m.rotate)
	s.Handle("POST /admin/webhooks/{id}/delete", auth.PermOrgManage, m.delete)
	return nil
}

// form is the endpoint form's state.
type form struct {
	Name   string
	URL    string
	Events []string
	Active bool
	Errors map[string]string
}

func (f form) Has(t string) bool { return slices.Contains(f.Events, t) }

type listData struct {
	Endpoints  []webhooks.Endpoint
	EventTypes []string
	Form       form
}

type showData struct {
	Endpoint   webhooks.Endpoint
	EventTypes []string
	Form       form
	Log        []webhooks.Delivery
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) {
	m.renderList(w, r, http.StatusOK, form{Active: true, Events: []string{webhooks.AllEvents}})
}

func (m *Module) renderList(w http.ResponseWriter, r *http.Request, status int, f form) {
	es, err := m.svc.Endpoints(r.Context())
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.Render(w, r, status, "webhooks_list", m.s.NewPage(r, "webhooks.title",
		listData{Endpoints: es, EventTypes: m.svc.EventTypes(), Form: f}))
}

func readForm(r *http.Request) form {
	_ = r.ParseForm()
	return form{Name: r.PostFormValue("name"), URL: r.PostFormValue("url"), Events: r.PostForm["events"],
		Active: r.PostFormValue("active") == "1"}
}

func (f form) input() webhooks.EndpointInput {
	return webhooks.EndpointInput{Name: f.Name, URL: f.URL, EventTypes: f.Events, Active: f.Active}
}

func (m *Module) create(w http.ResponseWriter, r *http.Request) {
	f := readForm(r)
	e, err := m.svc.CreateEndpoint(r.Context(), f.input())
	if err != nil {
		if fields, ok := web.FieldErrors(i18n.FromContext(r.Context()), err); ok {
			f.Errors = fields
			m.renderList(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		m.s.Error(w, r, err)
		return
	}
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T("webhooks.created"))
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
}

func idOf(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (m *Module) show(w http.ResponseWriter, r *http.Request) {
	id, ok := idOf(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	m.renderShow(w, r, id, http.StatusOK, nil)
}

func (m *Module) renderShow(w http.ResponseWriter, r *http.Request, id int64, status int, f *form) {
	ctx := r.Context()
	e, err := m.svc.Endpoint(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	log, err := m.svc.Deliveries(ctx, id, 0, 50)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	if f == nil {
		f = &form{Name: e.Name, URL: e.URL, Events: e.EventTypes, Active: e.Active}
	}
	p := m.s.NewPage(r, "webhooks.title", showData{Endpoint: e, EventTypes: m.svc.EventTypes(), Form: *f, Log: log})
	p.Title = e.Name
	m.s.Render(w, r, status, "webhooks_show", p)
}

func (m *Module) update(w http.ResponseWriter, r *http.Request) {
	id, ok := idOf(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	f := readForm(r)
	if _, err := m.svc.UpdateEndpoint(r.Context(), id, f.input()); err != nil {
		if fields, ok := web.FieldErrors(i18n.FromContext(r.Context()), err); ok {
			f.Errors = fields
			m.renderShow(w, r, id, http.StatusUnprocessableEntity, &f)
			return
		}
		m.s.Error(w, r, err)
		return
	}
	m.back(w, r, id, "webhooks.saved")
}

func (m *Module) test(w http.ResponseWriter, r *http.Request) {
	m.action(w, r, "webhooks.test_queued", func(id int64) error { _, err := m.svc.SendTest(r.Context(), id); return err })
}

func (m *Module) rotate(w http.ResponseWriter, r *http.Request) {
	m.action(w, r, "webhooks.rotated", func(id int64) error { _, err := m.svc.RotateSecret(r.Context(), id); return err })
}

func (m *Module) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := idOf(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := m.svc.DeleteEndpoint(r.Context(), id); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T("webhooks.deleted"))
	http.Redirect(w, r, "/admin/webhooks", http.StatusSeeOther)
}

func (m *Module) action(w http.ResponseWriter, r *http.Request, flash string, fn func(id int64) error) {
	id, ok := idOf(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := fn(id); err != nil {
		if apperr.Is(err, apperr.CodeNotFound) {
			m.s.ErrorStatus(w, r, http.StatusNotFound, "webhooks.error.not_found")
			return
		}
		m.s.Error(w, r, err)
		return
	}
	m.back(w, r, id, flash)
}

func (m *Module) back(w http.ResponseWriter, r *http.Request, id int64, flash string) {
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T(flash))
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
