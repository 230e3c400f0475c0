package peopleui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/web"
)

type roleView struct {
	people.Role
	Label   string
	Subtype string
	Active  bool
	Dates   string
}

type tenureView struct {
	Label  string // role name
	Phrase string // "Volunteer for 3 years"
}

type contactView struct {
	people.ContactPoint
	KindLabel string
	TypeLabel string
	Href      string // mailto:, tel:
	Display   string
}

type consentView struct {
	people.Consent
	ChannelLabel string
	PurposeLabel string
	StatusLabel  string
	When         string
}

type relView struct {
	people.Relationship
	Text string // "Parent of"
}

type eventView struct {
	people.Event
	Title  string
	Detail string
	Actor  string
	When   string
	ISO    string
}

type dupView struct {
	people.DuplicateMatch
	Name    string
	Reasons string
}

type profileData struct {
	P            *people.Profile
	KindLabel    string
	LangName     string
	Birth        string
	Roles        []roleView
	Tenure       []tenureView
	Supporter    string
	Contacts     []contactView
	Consents     []consentView
	Relations    []relView
	Timeline     []eventView
	TimelineNext string
	Duplicates   []dupView
	PrefChannel  string
	Perms        perms

	Channels     []option
	Purposes     []option
	Statuses     []option
	RoleOpts     []option
	Subtypes     []option
	RelTypes     []option
	ContactKinds []option
	ContactTypes []option
	Regions      []string
	Region       string
	Today        string

	// Form and Errors hold a sub-form's posted values and field errors when it
	// is shown again (422); keys are "form.field".
	Form   map[string]string
	Errors map[string]string
}

func channelOptions(l *i18n.Localizer) []option {
	out := make([]option, len(people.Channels))
	for i, c := range people.Channels {
		out[i] = option{c, l.T("people.channel." + c)}
	}
	return out
}

func purposeOptions(l *i18n.Localizer) []option {
	out := []option{{"", l.T("peopleui.purpose.all")}}
	for _, p := range people.Purposes {
		out = append(out, option{p, l.T("people.purpose." + p)})
	}
	return out
}

func statusOptions(l *i18n.Localizer) []option {
	return []option{{people.OptIn, l.T("people.consent.opt_in")}, {people.OptOut, l.T("people.consent.opt_out")}, {people.Unknown, l.T("people.consent.unknown")}}
}

var relTypes = []string{people.RelSpouse, people.RelParent, people.RelSibling, people.RelEmployee, people.RelOfficer,
	people.RelHouseholdMember, people.RelReferredBy, people.RelOther}

// tr renders key, or fallback when the catalog lacks it (a service message
// this UI does not own).
func tr(l *i18n.Localizer, key, fallback string, args ...any) string {
	if s := l.T(key, args...); s != key {
		return s
	}
	return fallback
}

func (m *Module) profile(w http.ResponseWriter, r *http.Request) {
	m.renderProfile(w, r, http.StatusOK, nil, nil)
}

// renderProfile shows the profile; form and errs re-show a sub-form that
// failed validation.
func (m *Module) renderProfile(w http.ResponseWriter, r *http.Request, status int, form, errs map[string]string) {
	ctx := r.Context()
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	pr, err := m.svc.Profile(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	if pr.RedirectedFrom != 0 && r.Method == http.MethodGet {
		// A merged profile's links lead to the survivor.
		http.Redirect(w, r, personURL(pr.Person.ID), http.StatusMovedPermanently)
		return
	}
	page := m.s.NewPage(r, "", nil)
	d, err := m.profileData(ctx, page, pr, r.URL.Query().Get("cursor"))
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.Form, d.Errors = form, errs
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	page.Title = pr.Person.DisplayName
	page.Data = d
	m.s.Render(w, r, status, "people_profile", page)
}

func (m *Module) profileData(ctx context.Context, page *web.Page, pr *people.Profile, cursor string) (*profileData, error) {
	l := page.L
	p := pr.Person
	d := &profileData{P: pr, Perms: permsOf(ctx), KindLabel: l.T("people.kind." + string(p.Kind)), LangName: langName(p.Language),
		Channels: channelOptions(l), Purposes: purposeOptions(l), Statuses: statusOptions(l), RoleOpts: roleOptions(l),
		Region: m.defaultRegion(ctx, page.TZ), Today: today(page.TZ).String()}
	d.Regions = regionChoices(d.Region)
	if p.BirthDate != nil {
		d.Birth = l.Date(p.BirthDate.Time())
	}
	if p.PreferredChannel != "" {
		d.PrefChannel = l.T("people.channel." + p.PreferredChannel)
	}
	d.Subtypes = []option{{"", "—"}}
	for _, s := range people.ClientSubtypes {
		d.Subtypes = append(d.Subtypes, option{s, l.T("people.subtype." + s)})
	}
	for _, t := range relTypes {
		d.RelTypes = append(d.RelTypes, option{t, l.T(people.RelationshipTypes[t][0])})
	}
	for _, k := range []people.ContactKind{people.Email, people.Phone, people.Address, people.Social} {
		d.ContactKinds = append(d.ContactKinds, option{string(k), l.T("peopleui.contact." + string(k))})
	}
	for _, t := range []string{people.TypeHome, people.TypeWork, people.TypeMobile, people.TypeOther} {
		d.ContactTypes = append(d.ContactTypes, option{t, l.T("peopleui.contact_type." + t)})
	}

	now := today(page.TZ)
	for _, ro := range pr.Roles {
		v := roleView{Role: ro, Label: l.T("people.role." + ro.Role), Active: ro.Active(now)}
		if ro.Subtype != "" {
			v.Subtype = l.T("people.subtype." + ro.Subtype)
		}
		end := ""
		if ro.End != nil {
			end = l.Date(ro.End.Time())
		}
		v.Dates = l.T("peopleui.role.dates", "Start", l.Date(ro.Start.Time()), "End", end)
		if ro.End == nil {
			v.Dates = l.T("peopleui.role.from", "Start", l.Date(ro.Start.Time()))
		}
		d.Roles = append(d.Roles, v)
	}
	for _, f := range pr.Tenure.Facts {
		mm := f.Message(l.Lang())
		label := l.T("people.role." + f.Role)
		phrase := msg(l, mm.Key, mm.Args)
		if phrase == mm.Key { // the service's catalog lacks it: say it plainly
			phrase = label + " " + l.Since(f.Since)
		}
		d.Tenure = append(d.Tenure, tenureView{Label: label, Phrase: phrase})
	}
	if sm, ok := pr.Tenure.SupporterMessage(l.Lang()); ok {
		d.Supporter = msg(l, sm.Key, sm.Args)
		if d.Supporter == sm.Key {
			d.Supporter = l.T("peopleui.supporter") + " " + l.Since(*pr.Tenure.SupporterSince)
		}
	}
	for _, c := range pr.Contacts {
		v := contactView{ContactPoint: c, KindLabel: l.T("peopleui.contact." + string(c.Kind)), Display: c.Value}
		if c.Type != "" {
			v.TypeLabel = tr(l, "peopleui.contact_type."+c.Type, c.Type)
		}
		switch c.Kind {
		case people.Email:
			v.Href = "mailto:" + c.Value
		case people.Phone:
			v.Href = "tel:" + c.Value
			if c.National != "" {
				v.Display = c.National
			}
		case people.Social:
			v.Display = c.Platform + ": " + c.Value
		}
		d.Contacts = append(d.Contacts, v)
	}
	for _, c := range pr.Consents {
		v := consentView{Consent: c, ChannelLabel: l.T("people.channel." + c.Channel),
			StatusLabel: l.T("people.consent." + c.Status), When: l.Date(c.EffectiveAt.In(page.TZ))}
		v.PurposeLabel = l.T("peopleui.purpose.all")
		if c.Purpose != "" {
			v.PurposeLabel = l.T("people.purpose." + c.Purpose)
		}
		d.Consents = append(d.Consents, v)
	}
	for _, rel := range pr.Relationships {
		text := l.T(rel.LabelKey)
		if rel.Label != "" {
			text = rel.Label
		}
		d.Relations = append(d.Relations, relView{Relationship: rel, Text: text})
	}

	tl, err := m.svc.Timeline(ctx, p.ID, cursor, 30, d.Perms.Confidential)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid { // a stale cursor
			tl, err = m.svc.Timeline(ctx, p.ID, "", 30, d.Perms.Confidential)
		}
		if err != nil {
			return nil, err
		}
	}
	names := map[int64]string{}
	for _, e := range tl.Items {
		d.Timeline = append(d.Timeline, m.eventView(ctx, l, page.TZ, e, names))
	}
	if tl.Next != "" {
		d.TimelineNext = personURL(p.ID) + "?cursor=" + url.QueryEscape(tl.Next) + "#timeline"
	}

	if d.Perms.Merge {
		dups, err := m.svc.FindDuplicates(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, dm := range dups {
			other, err := m.svc.GetPerson(ctx, dm.PersonID)
			if err != nil {
				continue
			}
			var rs []string
			for _, reason := range dm.Reasons {
				rs = append(rs, l.T("people.duplicate."+reason))
			}
			d.Duplicates = append(d.Duplicates, dupView{DuplicateMatch: dm, Name: other.DisplayName, Reasons: strings.Join(rs, ", ")})
		}
	}
	return d, nil
}

func (m *Module) eventView(ctx context.Context, l *i18n.Localizer, tz *time.Location, e people.Event, names map[int64]string) eventView {
	v := eventView{Event: e, When: l.DateTime(e.OccurredAt, tz), ISO: e.OccurredAt.Format(time.RFC3339)}
	if e.Kind == people.EventRoleStart || e.Kind == people.EventRoleEnd {
		// Roles start and end on a calendar day, stored as its midnight UTC.
		v.When, v.ISO = l.Date(e.OccurredAt.UTC()), e.OccurredAt.UTC().Format(time.DateOnly)
	}
	v.Title = l.T("peopleui.event.generic", "Kind", e.Kind)
	if e.TitleKey != "" {
		v.Title = tr(l, e.TitleKey, tr(l, "peopleui.event."+strings.ReplaceAll(e.Kind, ".", "_"), v.Title))
	} else {
		v.Title = tr(l, "peopleui.event."+strings.ReplaceAll(e.Kind, ".", "_"), v.Title)
	}
	var data map[string]any
	_ = json.Unmarshal(e.Data, &data)
	str := func(k string) string { s, _ := data[k].(string); return s }
	switch e.Kind {
	case people.EventConsent:
		purpose := l.T("peopleui.purpose.all")
		if p := str("purpose"); p != "" {
			purpose = l.T("people.purpose." + p)
		}
		v.Detail = l.T("peopleui.event.consent_detail", "Channel", l.T("people.channel."+str("channel")),
			"Purpose", purpose, "Status", l.T("people.consent."+str("status")))
	case people.EventMerge:
		v.Detail = e.Summary
	}
	if e.ActorUserID != 0 && m.auth != nil {
		name, ok := names[e.ActorUserID]
		if !ok {
			if u, err := m.auth.GetUser(ctx, e.ActorUserID); err == nil {
				name = u.Name
			}
			names[e.ActorUserID] = name
		}
		v.Actor = name
	}
	return v
}

// --- the profile's forms ---

// formOf keeps a sub-form's posted values (prefix "form.") to show them again.
func formOf(r *http.Request, prefix string, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[prefix+"."+n] = r.PostFormValue(n)
	}
	return out
}

func prefixed(prefix string, fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		out[prefix+"."+k] = v
	}
	return out
}

// done finishes a profile form: on success back to the profile (to anchor),
// on a validation error the profile again with the form's errors (422).
func (m *Module) done(w http.ResponseWriter, r *http.Request, err error, prefix, anchor string, form map[string]string, rename func(string) string) {
	ctx := r.Context()
	id, _ := idParam(r, "id")
	if err == nil {
		m.seeOther(w, r, personURL(id)+anchor, "peopleui.saved")
		return
	}
	fields, ok := fieldErrors(i18n.FromContext(ctx), err, rename)
	if !ok {
		m.s.Error(w, r, err)
		return
	}
	m.renderProfile(w, r, http.StatusUnprocessableEntity, form, prefixed(prefix, fields))
}

func (m *Module) setConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	in := people.ConsentInput{Channel: r.PostFormValue("channel"), Purpose: r.PostFormValue("purpose"),
		Status: r.PostFormValue("status"), Source: strings.TrimSpace(r.PostFormValue("source")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if in.Source == "" {
		in.Source = "staff"
	}
	err := m.svc.SetConsent(r.Context(), id, in)
	m.done(w, r, err, "consent", "#consent", formOf(r, "consent", "channel", "purpose", "status", "source", "note"), nil)
}

func (m *Module) setPreferences(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	p, err := m.svc.GetPerson(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	form := formOf(r, "prefs", "channel", "time", "do_not_contact")
	in := people.Preferences{Channel: r.PostFormValue("channel"), Time: r.PostFormValue("time"), Source: "staff",
		FromHour: p.PreferredFromHour, ToHour: p.PreferredToHour}
	if err := m.svc.SetPreferences(ctx, id, in); err != nil {
		m.done(w, r, err, "prefs", "#preferences", form, nil)
		return
	}
	dnc := r.PostFormValue("do_not_contact") == "1"
	if dnc != p.DoNotContact {
		err = m.svc.SetDoNotContact(ctx, id, dnc, "staff", "")
	}
	m.done(w, r, err, "prefs", "#preferences", form, nil)
}

func (m *Module) addRole(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	form := formOf(r, "role", "role", "subtype", "start", "end", "program")
	in := people.RoleInput{Role: r.PostFormValue("role"), Subtype: r.PostFormValue("subtype"), Program: r.PostFormValue("program")}
	bad := apperr.Invalid()
	if d, ok := parseDate(r.PostFormValue("start")); !ok {
		bad.Field("start", "peopleui.error.date")
	} else if d != nil {
		in.Start = *d
	}
	if d, ok := parseDate(r.PostFormValue("end")); !ok {
		bad.Field("end", "peopleui.error.date")
	} else {
		in.End = d
	}
	if err := bad.OrNil(); err != nil {
		m.done(w, r, err, "role", "#roles", form, nil)
		return
	}
	_, err := m.svc.AddRole(r.Context(), id, in)
	m.done(w, r, err, "role", "#roles", form, nil)
}

func (m *Module) endRole(w http.ResponseWriter, r *http.Request) {
	rid, ok := idParam(r, "rid")
	if !ok {
		m.notFound(w, r)
		return
	}
	end := today(m.s.NewPage(r, "", nil).TZ)
	if d, ok := parseDate(r.PostFormValue("end")); ok && d != nil {
		end = *d
	}
	_, err := m.svc.EndRole(r.Context(), rid, end)
	m.done(w, r, err, "role", "#roles", nil, nil)
}

func (m *Module) addNote(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	in := people.NoteInput{Body: r.PostFormValue("body"), Confidential: r.PostFormValue("confidential") == "1", Pinned: r.PostFormValue("pinned") == "1"}
	_, err := m.svc.AddNote(r.Context(), id, in)
	m.done(w, r, err, "note", "#timeline", formOf(r, "note", "body", "confidential", "pinned"), nil)
}

func (m *Module) addContact(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	in := people.ContactInput{Kind: people.ContactKind(r.PostFormValue("kind")), Type: r.PostFormValue("type"),
		Primary: r.PostFormValue("primary") == "1", Value: r.PostFormValue("value"), Platform: r.PostFormValue("platform"),
		Line1: r.PostFormValue("line1"), Line2: r.PostFormValue("line2"), City: r.PostFormValue("city"),
		Region: r.PostFormValue("region"), Postcode: r.PostFormValue("postcode"), Country: r.PostFormValue("country"),
		PhoneRegion: r.PostFormValue("phone_region")}
	_, err := m.svc.AddContact(r.Context(), id, in)
	m.done(w, r, err, "contact", "#contacts", formOf(r, "contact", "kind", "type", "value", "platform", "line1", "line2",
		"city", "region", "postcode", "country", "phone_region", "primary"), nil)
}

func (m *Module) removeContact(w http.ResponseWriter, r *http.Request) {
	cid, ok := idParam(r, "cid")
	if !ok {
		m.notFound(w, r)
		return
	}
	m.done(w, r, m.svc.RemoveContact(r.Context(), cid), "contact", "#contacts", nil, nil)
}

func (m *Module) addTag(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	err := m.svc.AssignTag(r.Context(), id, r.PostFormValue("name"))
	m.done(w, r, err, "tag", "#tags", formOf(r, "tag", "name"), nil)
}

func (m *Module) removeTag(w http.ResponseWriter, r *http.Request) {
	id, ok1 := idParam(r, "id")
	tid, ok2 := idParam(r, "tid")
	if !ok1 || !ok2 {
		m.notFound(w, r)
		return
	}
	m.done(w, r, m.svc.RemoveTag(r.Context(), id, tid), "tag", "#tags", nil, nil)
}

func (m *Module) addRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	_, err := m.svc.AddSpecialRequest(r.Context(), id, r.PostFormValue("body"))
	m.done(w, r, err, "request", "#requests", formOf(r, "request", "body"), nil)
}

func (m *Module) resolveRequest(w http.ResponseWriter, r *http.Request) {
	rid, ok := idParam(r, "rid")
	if !ok {
		m.notFound(w, r)
		return
	}
	m.done(w, r, m.svc.ResolveSpecialRequest(r.Context(), rid, r.PostFormValue("resolution")), "request", "#requests", nil, nil)
}

func (m *Module) addRelationship(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		m.notFound(w, r)
		return
	}
	form := formOf(r, "rel", "other_id", "type", "label", "reverse_label")
	other, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("other_id")), "#"), 10, 64)
	if err != nil || other <= 0 {
		m.done(w, r, apperr.Invalid().Field("other_id", "peopleui.error.person_id"), "rel", "#relationships", form, nil)
		return
	}
	_, err = m.svc.AddRelationship(r.Context(), people.RelationshipInput{PersonID: id, OtherID: other, Type: r.PostFormValue("type"),
		Label: r.PostFormValue("label"), ReverseLabel: r.PostFormValue("reverse_label")})
	m.done(w, r, err, "rel", "#relationships", form, nil)
}

func (m *Module) removeRelationship(w http.ResponseWriter, r *http.Request) {
	rid, ok := idParam(r, "rid")
	if !ok {
		m.notFound(w, r)
		return
	}
	m.done(w, r, m.svc.RemoveRelationship(r.Context(), rid), "rel", "#relationships", nil, nil)
}
