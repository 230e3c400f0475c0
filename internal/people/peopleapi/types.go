package peopleapi

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// The API answers with the people service's own types, renamed so their
// schema names cannot clash with another capability's ("Role", "Event").
// Conversions between the two are free.

// PersonOut is a profile's own fields.
type PersonOut people.Person

// PersonContact is a contact point: an e-mail address, phone number (value in
// E.164, national format alongside), postal address or social handle.
type PersonContact people.ContactPoint

// PersonRole is a role a person holds or held.
type PersonRole people.Role

// PersonTag is a tag, with the number of profiles carrying it where listed.
type PersonTag people.Tag

// PersonConsent is the current consent on a channel for a purpose ("" = every
// purpose on the channel).
type PersonConsent people.Consent

// PersonRelationship is a relationship as seen from the profile.
type PersonRelationship people.Relationship

// PersonEvent is a timeline entry.
type PersonEvent people.Event

// PersonSpecialRequest is a standing need shown on the profile.
type PersonSpecialRequest people.SpecialRequest

// PersonCustomValue is a custom field's value.
type PersonCustomValue people.CustomValue

// PersonHousehold is a household.
type PersonHousehold people.Household

// PersonPreferenceChange is one entry of the consent and preference history.
type PersonPreferenceChange people.PreferenceChange

// PeopleSegment is a saved filter, with its member count.
type PeopleSegment struct {
	ID        int64                `json:"id"`
	Name      string               `json:"name"`
	Filter    people.SegmentFilter `json:"filter"`
	Count     int                  `json:"count" doc:"Live profiles the filter selects now."`
	CreatedBy int64                `json:"created_by,omitempty"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// PersonTenureFact is how long someone has held a role, with the phrase in
// the caller's language ("Volunteer for 3 years").
type PersonTenureFact struct {
	Role    string    `json:"role"`
	Since   time.Time `json:"since"`
	Years   int       `json:"years"`
	Current bool      `json:"current"`
	Phrase  string    `json:"phrase"`
}

// PersonTenure is every role's tenure and the "supporter since" date.
type PersonTenure struct {
	Facts          []PersonTenureFact `json:"facts"`
	SupporterSince *time.Time         `json:"supporter_since,omitempty"`
	Supporter      string             `json:"supporter,omitempty" doc:"\"Supporter since March 2017\" in the caller's language."`
}

// PersonDetail is a full profile: the person's fields and everything shown
// beside them.
type PersonDetail struct {
	PersonOut
	RedirectedFrom  int64                  `json:"redirected_from,omitempty" doc:"Set when the requested profile was merged into this one."`
	Household       *PersonHousehold       `json:"household,omitempty"`
	Contacts        []PersonContact        `json:"contacts"`
	Roles           []PersonRole           `json:"roles"`
	Tenure          PersonTenure           `json:"tenure"`
	Relationships   []PersonRelationship   `json:"relationships"`
	Consents        []PersonConsent        `json:"consents"`
	SpecialRequests []PersonSpecialRequest `json:"special_requests"`
	Pinned          []PersonEvent          `json:"pinned"`
	Tags            []PersonTag            `json:"tags"`
	CustomValues    []PersonCustomValue    `json:"custom_values"`
}

// PersonDataExport is everything stored about a person (subject access
// request), confidential notes included.
type PersonDataExport struct {
	ExportedAt      time.Time                `json:"exported_at"`
	Person          PersonOut                `json:"person"`
	MergedProfiles  []PersonOut              `json:"merged_profiles"`
	Household       *PersonHousehold         `json:"household,omitempty"`
	Contacts        []PersonContact          `json:"contacts"`
	Roles           []PersonRole             `json:"roles"`
	Tenure          PersonTenure             `json:"tenure"`
	Relationships   []PersonRelationship     `json:"relationships"`
	Consents        []PersonConsent          `json:"consents"`
	ConsentHistory  []PersonPreferenceChange `json:"consent_history"`
	Timeline        []PersonEvent            `json:"timeline"`
	SpecialRequests []PersonSpecialRequest   `json:"special_requests"`
	Tags            []PersonTag              `json:"tags"`
	CustomValues    []PersonCustomValue      `json:"custom_values"`
}

// ImportRowError is one bad row of an import, with its reason in the
// caller's language.
type ImportRowError struct {
	Row     int            `json:"row" doc:"Data row, counting from 1."`
	Line    int            `json:"line" doc:"Line in the file."`
	Column  string         `json:"column,omitempty"`
	Key     string         `json:"key" doc:"Stable message key of the reason."`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message"`
}

// PeopleImport is an import run's progress.
type PeopleImport struct {
	ID         int64            `json:"id"`
	Status     string           `json:"status" enum:"queued,running,completed,failed"`
	FileName   string           `json:"file_name"`
	Total      int              `json:"total"`
	Processed  int              `json:"processed"`
	Created    int              `json:"created"`
	Updated    int              `json:"updated"`
	Failed     int              `json:"failed"`
	Errors     []ImportRowError `json:"errors"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
}

// ImportFileInfo is what was understood of a file.
type ImportFileInfo struct {
	Encoding  string            `json:"encoding"`
	Delimiter string            `json:"delimiter"`
	Header    []string          `json:"header"`
	Mapping   map[string]string `json:"mapping" doc:"Column header → field."`
	Unmapped  []string          `json:"unmapped,omitempty"`
	Rows      int               `json:"rows"`
}

// PeopleImportReport is a dry run's verdict.
type PeopleImportReport struct {
	ImportFileInfo
	Valid       int              `json:"valid"`
	WouldCreate int              `json:"would_create"`
	WouldUpdate int              `json:"would_update"`
	Errors      []ImportRowError `json:"errors"`
}

// ImportPreviewRow is one row as it would be imported.
type ImportPreviewRow struct {
	Row    int               `json:"row"`
	Line   int               `json:"line"`
	Values map[string]string `json:"values" doc:"Field → value."`
	Errors []ImportRowError  `json:"errors,omitempty"`
}

// PeopleImportPreview is the first rows of a file, mapped.
type PeopleImportPreview struct {
	ImportFileInfo
	Preview []ImportPreviewRow `json:"preview"`
}

// ContactDecision says whether someone may be contacted, and why.
type ContactDecision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason" doc:"Stable message key."`
	Message string `json:"message"`
}

// PersonPreferences is the consent state of a profile.
type PersonPreferences struct {
	DoNotContact     bool                     `json:"do_not_contact"`
	PreferredChannel string                   `json:"preferred_channel,omitempty"`
	PreferredTime    string                   `json:"preferred_time,omitempty"`
	Consents         []PersonConsent          `json:"consents"`
	History          []PersonPreferenceChange `json:"history"`
}

// apiDate is how people.Date reads in the document: a calendar day.
type apiDate string

func (apiDate) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "string", Format: "date", Examples: []any{"2017-03-01"}}
}

// --- conversions ---

func conv[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func msg(l *i18n.Localizer, key string, args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kv := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		v := args[k]
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			v = int64(f)
		}
		if y, ok := v.(int); ok && k == "Year" {
			v = plainNumber(l, y) // a year is not grouped: 2017, not 2,017
		}
		kv = append(kv, k, v)
	}
	return l.T(key, kv...)
}

func tenureOut(l *i18n.Localizer, t people.Tenure) PersonTenure {
	out := PersonTenure{Facts: []PersonTenureFact{}, SupporterSince: t.SupporterSince}
	for _, f := range t.Facts {
		m := f.Message(l.Lang())
		out.Facts = append(out.Facts, PersonTenureFact{Role: f.Role, Since: f.Since, Years: f.Years, Current: f.Current, Phrase: msg(l, m.Key, m.Args)})
	}
	if m, ok := t.SupporterMessage(l.Lang()); ok {
		out.Supporter = msg(l, m.Key, m.Args)
	}
	return out
}

func detailOut(ctx context.Context, pr *people.Profile) PersonDetail {
	l := i18n.FromContext(ctx)
	d := PersonDetail{
		PersonOut: PersonOut(pr.Person), RedirectedFrom: pr.RedirectedFrom,
		Contacts:        conv(pr.Contacts, func(c people.ContactPoint) PersonContact { return PersonContact(c) }),
		Roles:           conv(pr.Roles, func(r people.Role) PersonRole { return PersonRole(r) }),
		Tenure:          tenureOut(l, pr.Tenure),
		Relationships:   relsOut(l, pr.Relationships),
		Consents:        conv(pr.Consents, func(c people.Consent) PersonConsent { return PersonConsent(c) }),
		SpecialRequests: conv(pr.SpecialRequests, func(s people.SpecialRequest) PersonSpecialRequest { return PersonSpecialRequest(s) }),
		Pinned:          conv(pr.Pinned, func(e people.Event) PersonEvent { return PersonEvent(e) }),
		Tags:            conv(pr.Tags, func(t people.Tag) PersonTag { return PersonTag(t) }),
		CustomValues:    conv(pr.CustomValues, func(v people.CustomValue) PersonCustomValue { return PersonCustomValue(v) }),
	}
	if pr.Household != nil {
		h := PersonHousehold(*pr.Household)
		d.Household = &h
	}
	return d
}

func relsOut(l *i18n.Localizer, rs []people.Relationship) []PersonRelationship {
	return conv(rs, func(r people.Relationship) PersonRelationship { return PersonRelationship(r) })
}

func exportOut(ctx context.Context, x *people.PersonExport) PersonDataExport {
	l := i18n.FromContext(ctx)
	out := PersonDataExport{
		ExportedAt: x.ExportedAt, Person: PersonOut(x.Person),
		MergedProfiles:  conv(x.MergedProfiles, func(p people.Person) PersonOut { return PersonOut(p) }),
		Contacts:        conv(x.Contacts, func(c people.ContactPoint) PersonContact { return PersonContact(c) }),
		Roles:           conv(x.Roles, func(r people.Role) PersonRole { return PersonRole(r) }),
		Tenure:          tenureOut(l, x.Tenure),
		Relationships:   relsOut(l, x.Relationships),
		Consents:        conv(x.Consents, func(c people.Consent) PersonConsent { return PersonConsent(c) }),
		ConsentHistory:  conv(x.ConsentHistory, func(c people.PreferenceChange) PersonPreferenceChange { return PersonPreferenceChange(c) }),
		Timeline:        conv(x.Timeline, func(e people.Event) PersonEvent { return PersonEvent(e) }),
		SpecialRequests: conv(x.SpecialRequests, func(s people.SpecialRequest) PersonSpecialRequest { return PersonSpecialRequest(s) }),
		Tags:            conv(x.Tags, func(t people.Tag) PersonTag { return PersonTag(t) }),
		CustomValues:    conv(x.CustomValues, func(v people.CustomValue) PersonCustomValue { return PersonCustomValue(v) }),
	}
	if x.Household != nil {
		h := PersonHousehold(*x.Household)
		out.Household = &h
	}
	return out
}

func rowErrorsOut(l *i18n.Localizer, errs []people.RowError) []ImportRowError {
	out := make([]ImportRowError, len(errs))
	for i, e := range errs {
		out[i] = ImportRowError{Row: e.Row, Line: e.Line, Column: e.Column, Key: e.Key, Args: e.Args, Message: msg(l, e.Key, e.Args)}
	}
	return out
}

func fileOut(f people.ImportFile) ImportFileInfo {
	m := map[string]string{}
	for h, fl := range f.Mapping {
		m[h] = string(fl)
	}
	return ImportFileInfo{Encoding: f.Encoding, Delimiter: f.Delimiter, Header: f.Header, Mapping: m, Unmapped: f.Unmapped, Rows: f.Rows}
}

func importOut(l *i18n.Localizer, imp people.Import) PeopleImport {
	return PeopleImport{ID: imp.ID, Status: imp.Status, FileName: imp.FileName, Total: imp.Total, Processed: imp.Processed,
		Created: imp.Created, Updated: imp.Updated, Failed: imp.Failed, Errors: rowErrorsOut(l, imp.Errors),
		StartedAt: imp.StartedAt, FinishedAt: imp.FinishedAt}
}

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
