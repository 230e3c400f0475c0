// Package orgui is the organization settings page of the web shell: name,
// default language, time zone, currency, reply-to domain and the default
// phone region, editable by those who manage the organization.
package orgui

import (
	"embed"
	"net/http"
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Locales is the page's catalog; register it with the bundle.
//
//go:embed locales/*.toml
var Locales embed.FS

// Module is the organization settings page.
type Module struct {
	org *org.Service
	s   *web.Server
	// changed runs after a successful save (the application drops its cache
	// of the settings).
	changed func()
}

// New returns the page over svc; changed may be nil.
func New(svc *org.Service, changed func()) *Module { return &Module{org: svc, changed: changed} }

// Path is where the page lives.
const Path = "/admin/organization"

// MountWeb adds the page and its navigation entry.
func (m *Module) MountWeb(s *web.Server) error {
	m.s = s
	if err := s.AddTemplates(templates, "templates"); err != nil {
		return err
	}
	s.AddNav("orgui.nav", Path, auth.PermOrgManage, 890)
	s.Handle("GET "+Path, auth.PermOrgManage, m.page)
	s.Handle("POST "+Path, auth.PermOrgManage, m.save)
	return nil
}

type option struct{ Value, Label string }

type pageData struct {
	Form    map[string]string
	Errors  map[string]string
	Regions []option
	Example string // a national number in the chosen region, as a hint
}

var fields = []string{"name", "default_locale", "time_zone", "currency", "reply_to_domain", "phone_region"}

func (m *Module) render(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	l := i18n.FromContext(r.Context())
	d.Regions = regionOptions(l.Lang())
	if d.Form["phone_region"] != "" {
		d.Example = org.PhoneExample(d.Form["phone_region"])
	}
	m.s.Render(w, r, status, "org_settings", m.s.NewPage(r, "orgui.title", d))
}

func (m *Module) page(w http.ResponseWriter, r *http.Request) {
	st, err := m.org.Get(r.Context())
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.render(w, r, http.StatusOK, pageData{Form: map[string]string{
		"name": st.Name, "default_locale": st.DefaultLocale, "time_zone": st.TimeZone, "currency": st.Currency,
		"reply_to_domain": st.ReplyToDomain, "phone_region": st.PhoneRegion,
	}})
}

func (m *Module) save(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	if err := r.ParseForm(); err != nil {
		m.s.ErrorStatus(w, r, http.StatusBadRequest, "error.invalid_request")
		return
	}
	form := map[string]string{}
	for _, f := range fields {
		form[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	p := org.SettingsPatch{Name: ptr(form["name"]), DefaultLocale: ptr(form["default_locale"]), TimeZone: ptr(form["time_zone"]),
		Currency: ptr(form["currency"]), ReplyToDomain: ptr(form["reply_to_domain"]), PhoneRegion: ptr(form["phone_region"])}
	if _, err := m.org.Update(ctx, p); err != nil {
		errs, ok := web.FieldErrors(l, err)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		m.render(w, r, http.StatusUnprocessableEntity, pageData{Form: form, Errors: errs})
		return
	}
	if m.changed != nil {
		m.changed()
	}
	m.s.SetFlash(ctx, "ok", l.T("orgui.saved"))
	http.Redirect(w, r, Path, http.StatusSeeOther)
}

func ptr(s string) *string { return &s }

// regionOptions lists the phone regions by their name in lang, sorted as
// that language sorts.
func regionOptions(lang string) []option {
	tag := language.Make(lang)
	names := display.Regions(tag)
	var out []option
	for _, code := range org.PhoneRegions() {
		label := code
		if reg, err := language.ParseRegion(code); err == nil {
			if n := names.Name(reg); n != "" {
				label = n + " (" + code + ")"
			}
		}
		out = append(out, option{code, label})
	}
	c := collate.New(tag)
	sort.SliceStable(out, func(i, j int) bool { return c.CompareString(out[i].Label, out[j].Label) < 0 })
	return out
}
