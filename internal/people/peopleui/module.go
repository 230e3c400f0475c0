// Package peopleui is the people capability's web UI: the list with search as
// you type, filters and saved segments, the profile with its timeline,
// create/edit forms, consent, roles, notes, import, export, merge and the
// privacy actions. Every page works without JavaScript; htmx only makes the
// search and a few swaps quicker.
package peopleui

import (
	"context"
	"embed"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/textsearch"
	"github.com/hearken-org/hearken/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Locales is the UI's message catalog (locales/<lang>.toml); the application
// registers it with the bundle next to the people service's own.
//
//go:embed locales/*.toml
var Locales embed.FS

// Module is the people UI, mounted on the web shell.
type Module struct {
	svc   *people.Service
	auth  *auth.Service
	s     *web.Server
	stash *stash
}

// New returns the people UI over svc; users names the authors of timeline
// entries.
func New(svc *people.Service, users *auth.Service) *Module {
	return &Module{svc: svc, auth: users, stash: newStash()}
}

// MountWeb adds the people pages, navigation and home card to the shell.
func (m *Module) MountWeb(s *web.Server) error {
	m.s = s
	if err := s.AddTemplates(templates, "templates"); err != nil {
		return err
	}
	s.AddNav("nav.people", "/people", auth.PermPeopleView, 100)
	s.AddHomeCard(web.HomeCard{Key: "nav.people", Href: "/people", Perm: auth.PermPeopleView,
		Value: func(ctx context.Context) (int64, error) {
			n, err := m.svc.SegmentCount(ctx, people.SegmentFilter{})
			return int64(n), err
		}})

	view, edit := auth.PermPeopleView, auth.PermPeopleEdit
	s.Handle("GET /people", view, m.list)
	s.Handle("GET /people/new", edit, m.newForm)
	s.Handle("POST /people", edit, m.create)
	s.Handle("GET /people/export.csv", auth.PermPeopleExport, m.exportCSV)
	s.Handle("POST /people/segments", edit, m.saveSegment)
	s.Handle("POST /people/segments/{sid}/delete", edit, m.deleteSegment)
	s.Handle("GET /people/import", auth.PermPeopleImport, m.importPage)
	s.Handle("POST /people/import", auth.PermPeopleImport, m.importPost)
	s.Handle("GET /people/imports/{iid}/status", auth.PermPeopleImport, m.importStatus)
	s.Handle("GET /people/duplicates", auth.PermPeopleMerge, m.duplicates)
	s.Handle("POST /people/duplicates/scan", auth.PermPeopleMerge, m.scanDuplicates)
	s.Handle("POST /people/duplicates/{did}/dismiss", auth.PermPeopleMerge, m.dismissDuplicate)

	s.Handle("GET /people/{id}", view, m.profile)
	s.Handle("GET /people/{id}/edit", edit, m.editForm)
	s.Handle("POST /people/{id}", edit, m.update)
	s.Handle("POST /people/{id}/consent", edit, m.setConsent)
	s.Handle("POST /people/{id}/preferences", edit, m.setPreferences)
	s.Handle("POST /people/{id}/roles", edit, m.addRole)
	s.Handle("POST /people/{id}/roles/{rid}/end", edit, m.endRole)
	s.Handle("POST /people/{id}/notes", edit, m.addNote)
	s.Handle("POST /people/{id}/contacts", edit, m.addContact)
	s.Handle("POST /people/{id}/contacts/{cid}/remove", edit, m.removeContact)
	s.Handle("POST /people/{id}/tags", edit, m.addTag)
	s.Handle("POST /people/{id}/tags/{tid}/remove", edit, m.removeTag)
	s.Handle("POST /people/{id}/requests", edit, m.addRequest)
	s.Handle("POST /people/{id}/requests/{rid}/resolve", edit, m.resolveRequest)
	s.Handle("POST /people/{id}/relationships", edit, m.addRelationship)
	s.Handle("POST /people/{id}/relationships/{rid}/remove", edit, m.removeRelationship)
	s.Handle("GET /people/{id}/merge", auth.PermPeopleMerge, m.mergePage)
	s.Handle("POST /people/{id}/merge", auth.PermPeopleMerge, m.merge)
	s.Handle("GET /people/{id}/export.json", auth.PermPeopleExport, m.exportPerson)
	s.Handle("GET /people/{id}/erase", auth.PermPeopleErase, m.erasePage)
	s.Handle("POST /people/{id}/erase", auth.PermPeopleErase, m.erase)
	return nil
}

// --- small helpers shared by the handlers ---

func idParam(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func (m *Module) notFound(w http.ResponseWriter, r *http.Request) {
	m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
}

func can(ctx context.Context, p auth.Permission) bool {
	u := web.CurrentUser(ctx)
	return u != nil && auth.Can(u.Role, p)
}

// perms is what the templates show or hide.
type perms struct {
	Edit, Confidential, Merge, Import, Export, Erase bool
}

func permsOf(ctx context.Context) perms {
	return perms{
		Edit: can(ctx, auth.PermPeopleEdit), Confidential: can(ctx, auth.PermPeopleViewConfidential),
		Merge: can(ctx, auth.PermPeopleMerge), Import: can(ctx, auth.PermPeopleImport),
		Export: can(ctx, auth.PermPeopleExport), Erase: can(ctx, auth.PermPeopleErase),
	}
}

// msg renders a message whose template data is a map (service messages,
// import row errors).
func msg(l *i18n.Localizer, key string, args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kv := make([]any, 0, 2*len(args))
	for _, k := range keys {
		v := args[k]
		if f, ok := v.(float64); ok && f == float64(int64(f)) { // numbers decoded from JSON
			v = int64(f)
		}
		if y, ok := v.(int); ok && k == "Year" {
			v = plainNumber(l, y) // a year is not grouped: 2017, not 2,017
		}
		kv = append(kv, k, v)
	}
	return l.T(key, kv...)
}

// fieldErrors localizes a validation error's fields, renaming the service's
// field names to the form's (rename may be nil); ok is false for any other
// error.
func fieldErrors(l *i18n.Localizer, err error, rename func(string) string) (map[string]string, bool) {
	fields, ok := web.FieldErrors(l, err)
	if !ok {
		// A conflict or a missing tag names no field but belongs on the form.
		if e, isApp := apperr.As(err); isApp && (e.Code == apperr.CodeConflict) {
			return map[string]string{"_": l.T(e.Key, e.Args...)}, true
		}
		return nil, false
	}
	if rename == nil {
		return fields, true
	}
	out := map[string]string{}
	for k, v := range fields {
		k = rename(k)
		if prev, dup := out[k]; dup && prev != v {
			v = prev + " " + v
		}
		out[k] = v
	}
	return out, true
}

// parseDate reads a form's date (YYYY-MM-DD, digits of any script); empty is
// nil, and ok is false for anything else.
func parseDate(s string) (*people.Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	d, err := people.ParseDate(textsearch.Normalize(s))
	if err != nil {
		return nil, false
	}
	return &d, true
}

// today is the organization's calendar day.
func today(tz *time.Location) people.Date {
	if tz == nil {
		tz = time.UTC
	}
	return people.DateOf(time.Now().In(tz))
}

// seeOther redirects after a successful POST, showing a flash message.
func (m *Module) seeOther(w http.ResponseWriter, r *http.Request, to, flashKey string) {
	if flashKey != "" {
		m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T(flashKey))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func personURL(id int64) string { return "/people/" + strconv.FormatInt(id, 10) }

// regionForZone guesses the country of phone numbers typed without a country
// code from the organization's time zone; "" leaves them to need one.
func regionForZone(tz *time.Location) string {
	if tz == nil {
		return ""
	}
	return zoneRegions[tz.String()]
}

var zoneRegions = map[string]string{
	"Europe/Istanbul": "TR", "Europe/Paris": "FR", "Europe/Helsinki": "FI", "Asia/Tokyo": "JP", "Asia/Tehran": "IR",
	"Europe/London": "GB", "Europe/Dublin": "IE", "Europe/Brussels": "BE", "Europe/Zurich": "CH", "Europe/Berlin": "DE",
	"Europe/Amsterdam": "NL", "Europe/Madrid": "ES", "Europe/Rome": "IT", "Europe/Stockholm": "SE", "Europe/Oslo": "NO",
	"Europe/Copenhagen": "DK", "Europe/Vienna": "AT", "Europe/Lisbon": "PT", "Asia/Kabul": "AF", "America/New_York": "US",
	"America/Chicago": "US", "America/Denver": "US", "America/Los_Angeles": "US", "America/Toronto": "CA",
	"America/Montreal": "CA", "America/Vancouver": "CA", "Australia/Sydney": "AU",
}

// phoneRegions are offered next to a phone field.
var phoneRegions = []string{"TR", "FR", "FI", "JP", "IR", "GB", "US", "CA", "DE", "BE", "CH", "AF"}

// plainNumber writes n in the locale's digits without grouping.
func plainNumber(l *i18n.Localizer, n int) string {
	var b strings.Builder
	for _, r := range strconv.Itoa(n) {
		if r >= '0' && r <= '9' {
			b.WriteString(l.Number(int(r - '0')))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
