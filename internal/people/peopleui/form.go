package peopleui

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

type personFormData struct {
	Edit     *people.Person
	Form     map[string]string
	Errors   map[string]string
	Kinds    []option
	Langs    []option
	Roles    []option
	Regions  []string
	Today    string
	HasError bool
}

var personFields = []string{"kind", "display_name", "given_name", "family_name", "greeting_name", "sort_name", "language",
	"pronouns", "birth_date", "email", "phone", "phone_region", "role", "role_start", "tags"}

func (m *Module) renderPersonForm(w http.ResponseWriter, r *http.Request, status int, d personFormData) {
	l := i18n.FromContext(r.Context())
	page := m.s.NewPage(r, "peopleui.new.title", nil)
	d.Kinds, d.Langs, d.Roles, d.Regions, d.Today = kindOptions(l), langOptions(), roleOptions(l), phoneRegions, today(page.TZ).String()
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	if d.Form["phone_region"] == "" && d.Edit == nil {
		d.Form["phone_region"] = m.defaultRegion(r.Context(), page.TZ)
	}
	d.Regions = regionChoices(d.Form["phone_region"])
	d.HasError = len(d.Errors) > 0
	if d.Edit != nil {
		page.Title = l.T("peopleui.edit.title", "Name", d.Edit.DisplayName)
	}
	page.Data = d
	m.s.Render(w, r, status, "people_form", page)
}

func (m *Module) newForm(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"kind": string(people.Individual), "language": r.URL.Query().Get("language")}
	m.renderPersonForm(w, r, http.StatusOK, personFormData{Form: form})
}

// personInput reads the profile fields of the form; bad holds what cannot be
// parsed at all.
func personInput(r *http.Request, bad *apperr.Error) people.PersonInput {
	in := people.PersonInput{Kind: people.Kind(r.PostFormValue("kind")), DisplayName: r.PostFormValue("display_name"),
		GivenName: r.PostFormValue("given_name"), FamilyName: r.PostFormValue("family_name"),
		GreetingName: r.PostFormValue("greeting_name"), SortName: r.PostFormValue("sort_name"),
		Language: strings.TrimSpace(r.PostFormValue("language")), Pronouns: r.PostFormValue("pronouns")}
	if in.Kind == people.Organization {
		in.GivenName, in.FamilyName = "", ""
	}
	if d, ok := parseDate(r.PostFormValue("birth_date")); !ok {
		bad.Field("birth_date", "peopleui.error.date")
	} else {
		in.BirthDate = d
	}
	return in
}

func postedForm(r *http.Request) map[string]string {
	out := map[string]string{}
	for _, f := range personFields {
		out[f] = r.PostFormValue(f)
	}
	return out
}

var tagSplit = regexp.MustCompile(`\s*[,،、;]\s*`)

func (m *Module) create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	bad := apperr.Invalid()
	np := people.NewPerson{PersonInput: personInput(r, bad)}
	np.Source = people.SourceManual
	// Where each contact point and role came from, to put its errors on the
	// right field.
	contactField := map[string]string{}
	if v := strings.TrimSpace(r.PostFormValue("email")); v != "" {
		contactField["contacts."+strconv.Itoa(len(np.Contacts))] = "email"
		np.Contacts = append(np.Contacts, people.ContactInput{Kind: people.Email, Value: v})
	}
	if v := strings.TrimSpace(r.PostFormValue("phone")); v != "" {
		contactField["contacts."+strconv.Itoa(len(np.Contacts))] = "phone"
		np.Contacts = append(np.Contacts, people.ContactInput{Kind: people.Phone, Value: v, PhoneRegion: r.PostFormValue("phone_region")})
	}
	if role := r.PostFormValue("role"); role != "" {
		ri := people.RoleInput{Role: role, Start: today(m.s.NewPage(r, "", nil).TZ)}
		if d, ok := parseDate(r.PostFormValue("role_start")); !ok {
			bad.Field("role_start", "peopleui.error.date")
		} else if d != nil {
			ri.Start = *d
		}
		np.Roles = append(np.Roles, ri)
	}
	for _, t := range tagSplit.Split(r.PostFormValue("tags"), -1) {
		if t = strings.TrimSpace(t); t != "" {
			np.Tags = append(np.Tags, t)
		}
	}
	rename := func(f string) string {
		if i := strings.Index(f, "."); i > 0 {
			if j := strings.Index(f[i+1:], "."); j > 0 {
				if to, ok := contactField[f[:i+1+j]]; ok {
					return to
				}
			}
		}
		switch {
		case strings.HasPrefix(f, "roles.") && strings.HasSuffix(f, ".start"):
			return "role_start"
		case strings.HasPrefix(f, "roles."):
			return "role"
		case f == "name" || f == "color": // a tag's
			return "tags"
		}
		return f
	}
	var p people.Person
	err := bad.OrNil()
	if err == nil {
		p, err = m.svc.CreatePerson(ctx, np)
	}
	if err != nil {
		fields, ok := fieldErrors(l, err, rename)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		m.renderPersonForm(w, r, http.StatusUnprocessableEntity, personFormData{Form: postedForm(r), Errors: fields})
		return
	}
	m.seeOther(w, r, personURL(p.ID), "peopleui.created")
}

func (m *Module) editForm(w http.ResponseWriter, r *http.Request) {
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
	if p.MergedIntoID != 0 || p.ErasedAt != nil {
		m.notFound(w, r)
		return
	}
	in := people.InputOf(p)
	form := map[string]string{"kind": string(in.Kind), "display_name": in.DisplayName, "given_name": in.GivenName,
		"family_name": in.FamilyName, "greeting_name": in.GreetingName, "sort_name": in.SortName, "language": in.Language,
		"pronouns": in.Pronouns, "greeting_placeholder": p.GreetingName}
	if in.BirthDate != nil {
		form["birth_date"] = in.BirthDate.String()
	}
	m.renderPersonForm(w, r, http.StatusOK, personFormData{Edit: &p, Form: form})
}

func (m *Module) update(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	cur, err := m.svc.GetPerson(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	bad := apperr.Invalid()
	posted := personInput(r, bad)
	in := people.InputOf(cur) // keeps what the form does not show: household, source, external id
	in.Kind, in.DisplayName, in.GivenName, in.FamilyName = posted.Kind, posted.DisplayName, posted.GivenName, posted.FamilyName
	in.GreetingName, in.SortName, in.Language, in.Pronouns, in.BirthDate = posted.GreetingName, posted.SortName, posted.Language, posted.Pronouns, posted.BirthDate
	if in.Kind == people.Individual && in.DisplayName == cur.DisplayName && (in.GivenName != cur.GivenName || in.FamilyName != cur.FamilyName) &&
		cur.DisplayName == strings.TrimSpace(joinName(cur)) {
		// The shown name was derived from the parts; let it follow them.
		in.DisplayName = ""
	}
	err = bad.OrNil()
	if err == nil {
		_, err = m.svc.UpdatePerson(ctx, id, in)
	}
	if err != nil {
		fields, ok := fieldErrors(i18n.FromContext(ctx), err, nil)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		form := postedForm(r)
		form["greeting_placeholder"] = cur.GreetingName
		m.renderPersonForm(w, r, http.StatusUnprocessableEntity, personFormData{Edit: &cur, Form: form, Errors: fields})
		return
	}
	m.seeOther(w, r, personURL(id), "peopleui.saved")
}

// joinName is how a display name derived from given and family names looks,
// in either order.
func joinName(p people.Person) string {
	if p.GivenName == "" || p.FamilyName == "" {
		return p.GivenName + p.FamilyName
	}
	if p.DisplayName == p.FamilyName+" "+p.GivenName {
		return p.DisplayName
	}
	return p.GivenName + " " + p.FamilyName
}
