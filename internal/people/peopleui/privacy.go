package peopleui

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

type mergeSide struct {
	P        *people.Profile
	Contacts []contactView
	Roles    []string
}

type mergeData struct {
	A, B  mergeSide
	Sides []mergeSide
	Error string
}

func (m *Module) mergeSide(l *i18n.Localizer, pr *people.Profile) mergeSide {
	s := mergeSide{P: pr}
	for _, c := range pr.Contacts {
		v := contactView{ContactPoint: c, KindLabel: l.T("peopleui.contact." + string(c.Kind)), Display: c.Value}
		if c.Kind == people.Phone && c.National != "" {
			v.Display = c.National
		}
		s.Contacts = append(s.Contacts, v)
	}
	for _, ro := range pr.Roles {
		s.Roles = append(s.Roles, l.T("people.role."+ro.Role))
	}
	return s
}

// mergePage compares a profile with a possible duplicate (?other=) and asks
// which one to keep.
func (m *Module) mergePage(w http.ResponseWriter, r *http.Request) {
	m.renderMerge(w, r, http.StatusOK, "")
}

func (m *Module) renderMerge(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	id, ok := idParam(r, "id")
	other, err := strconv.ParseInt(r.FormValue("other"), 10, 64)
	if !ok || err != nil || other <= 0 {
		m.notFound(w, r)
		return
	}
	a, err := m.svc.Profile(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	b, err := m.svc.Profile(ctx, other)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d := mergeData{A: m.mergeSide(l, a), B: m.mergeSide(l, b), Error: errMsg}
	d.Sides = []mergeSide{d.A, d.B}
	m.s.Render(w, r, status, "people_merge", m.s.NewPage(r, "peopleui.merge.title", d))
}

func (m *Module) merge(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := idParam(r, "id")
	other, err := strconv.ParseInt(r.PostFormValue("other"), 10, 64)
	if !ok || err != nil || other <= 0 {
		m.notFound(w, r)
		return
	}
	keep, gone := id, other
	if r.PostFormValue("keep") == strconv.FormatInt(other, 10) {
		keep, gone = other, id
	}
	if err := m.svc.Merge(ctx, keep, gone); err != nil {
		fields, ok := fieldErrors(i18n.FromContext(ctx), err, nil)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		text := ""
		for _, v := range fields {
			text += v + " "
		}
		m.renderMerge(w, r, http.StatusUnprocessableEntity, text)
		return
	}
	m.seeOther(w, r, personURL(keep), "peopleui.merge.done")
}

// exportPerson downloads everything stored about a person (subject access
// request).
func (m *Module) exportPerson(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	x, err := m.svc.ExportPerson(r.Context(), id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="person-`+strconv.FormatInt(x.Person.ID, 10)+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(x)
}

type eraseData struct {
	P     people.Person
	Error string
}

func (m *Module) erasePage(w http.ResponseWriter, r *http.Request) {
	m.renderErase(w, r, http.StatusOK, "")
}

func (m *Module) renderErase(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	p, err := m.svc.GetPerson(r.Context(), id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	if p.ErasedAt != nil || p.MergedIntoID != 0 {
		m.notFound(w, r)
		return
	}
	m.s.Render(w, r, status, "people_erase", m.s.NewPage(r, "peopleui.erase.title", eraseData{P: p, Error: errMsg}))
}

// erase removes the person's personal data for good, once the user ticked the
// confirmation.
func (m *Module) erase(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	if r.PostFormValue("confirm") != "1" {
		m.renderErase(w, r, http.StatusUnprocessableEntity, i18n.FromContext(ctx).T("peopleui.erase.confirm_required"))
		return
	}
	if err := m.svc.Erase(ctx, id); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.seeOther(w, r, "/people", "peopleui.erase.done")
}

type dupQueueData struct {
	Items []people.DuplicateCandidate
	Next  string
}

// duplicates is the review queue of possible duplicates.
func (m *Module) duplicates(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page, err := m.svc.DuplicateCandidates(ctx, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d := dupQueueData{Items: page.Items}
	if page.Next != "" {
		d.Next = "/people/duplicates?cursor=" + page.Next
	}
	m.s.Render(w, r, http.StatusOK, "people_duplicates", m.s.NewPage(r, "peopleui.duplicates.title", d))
}

// scanDuplicates fills the review queue.
func (m *Module) scanDuplicates(w http.ResponseWriter, r *http.Request) {
	if _, err := m.svc.ScanDuplicates(r.Context()); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.seeOther(w, r, "/people/duplicates", "peopleui.duplicates.scanned")
}

func (m *Module) dismissDuplicate(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "did")
	if !ok {
		m.notFound(w, r)
		return
	}
	if err := m.svc.DismissDuplicate(r.Context(), id); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.seeOther(w, r, "/people/duplicates", "peopleui.saved")
}
