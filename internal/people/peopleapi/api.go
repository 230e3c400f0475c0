// Package peopleapi is the people capability's JSON API under /api/v1:
// profiles, search (the same analyzer and ranking as the UI), timeline and
// notes, roles, relationships, consent, tags, segments, duplicates and
// merge, CSV import and export, and the privacy operations.
package peopleapi

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// Module is the people API.
type Module struct {
	svc *people.Service
	a   *api.API
}

// New returns the people API over svc.
func New(svc *people.Service) *Module { return &Module{svc: svc} }

var tags = []string{"People"}

type body[T any] struct {
	Body T
}

type idPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The profile's id."`
}

// MountAPI registers the people operations.
func (m *Module) MountAPI(a *api.API) {
	m.a = a
	a.OpenAPI().Components.Schemas.RegisterTypeAlias(reflect.TypeFor[people.Date](), reflect.TypeFor[apiDate]())
	m.mountPeople(a)
	m.mountTimeline(a)
	m.mountConsent(a)
	m.mountSegments(a)
	m.mountImport(a)
}

// fail maps a service error for the API, renaming the service's field names
// to the request's (rename may be nil).
func (m *Module) fail(ctx context.Context, err error, rename func(string) string) error {
	if e, ok := apperr.As(err); ok && rename != nil && len(e.Fields) > 0 {
		c := *e
		c.Fields = map[string]apperr.FieldError{}
		for k, v := range e.Fields {
			c.Fields[rename(k)] = v
		}
		err = &c
	}
	return m.a.Fail(ctx, err)
}

func invalid(field, key string, args ...any) error {
	return apperr.Invalid().Field(field, key, args...)
}

// --- profiles ---

type emailIn struct {
	Address string `json:"address" doc:"An e-mail address."`
	Type    string `json:"type,omitempty" doc:"home, work, other."`
	Primary bool   `json:"primary,omitempty"`
}

type phoneIn struct {
	Number  string `json:"number" doc:"In any format and digit script, with or without the country code."`
	Type    string `json:"type,omitempty" doc:"mobile, home, work, other."`
	Primary bool   `json:"primary,omitempty"`
	Region  string `json:"region,omitempty" doc:"ISO 3166-1 country of a number written without a country code (TR, FR, JP…)."`
}

type addressIn struct {
	Line1    string `json:"line1,omitempty"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city,omitempty"`
	Region   string `json:"region,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Country  string `json:"country,omitempty" doc:"ISO 3166-1 alpha-2."`
	Type     string `json:"type,omitempty"`
	Primary  bool   `json:"primary,omitempty"`
}

type socialIn struct {
	Platform string `json:"platform" doc:"x, instagram, facebook, linkedin, mastodon, bluesky, tiktok, youtube, telegram, whatsapp or other."`
	Handle   string `json:"handle"`
}

type roleIn struct {
	Role    string       `json:"role" enum:"client,volunteer,donor,member,board,partner,staff"`
	Subtype string       `json:"subtype,omitempty" doc:"For clients: service_user, patient, student or participant."`
	Start   *people.Date `json:"start,omitempty" doc:"Defaults to today."`
	End     *people.Date `json:"end,omitempty"`
	Program string       `json:"program,omitempty"`
	Note    string       `json:"note,omitempty"`
}

func (r roleIn) input() people.RoleInput {
	in := people.RoleInput{Role: r.Role, Subtype: r.Subtype, End: r.End, Program: r.Program, Note: r.Note}
	if r.Start != nil {
		in.Start = *r.Start
	} else {
		in.Start = people.DateOf(time.Now().UTC())
	}
	return in
}

type newPersonIn struct {
	Body struct {
		Kind         string       `json:"kind,omitempty" enum:"individual,organization" default:"individual"`
		DisplayName  string       `json:"display_name,omitempty" doc:"Derived from given and family names when empty."`
		GivenName    string       `json:"given_name,omitempty"`
		FamilyName   string       `json:"family_name,omitempty"`
		GreetingName string       `json:"greeting_name,omitempty" doc:"Derived when empty (the family name in Japanese)."`
		SortName     string       `json:"sort_name,omitempty"`
		Language     string       `json:"language,omitempty" doc:"BCP 47 tag: tr, fa-IR, ja…"`
		Pronouns     string       `json:"pronouns,omitempty"`
		BirthDate    *people.Date `json:"birth_date,omitempty"`
		HouseholdID  int64        `json:"household_id,omitempty"`
		Source       string       `json:"source,omitempty" doc:"Where the profile came from; defaults to api."`
		ExternalID   string       `json:"external_id,omitempty" doc:"The id in the source system; unique within the source."`
		Emails       []emailIn    `json:"emails,omitempty"`
		Phones       []phoneIn    `json:"phones,omitempty"`
		Addresses    []addressIn  `json:"addresses,omitempty"`
		Socials      []socialIn   `json:"socials,omitempty"`
		Roles        []roleIn     `json:"roles,omitempty"`
		Tags         []string     `json:"tags,omitempty"`
	}
}

type listIn struct {
	Q         string `query:"q" doc:"Search text: names, e-mail, phone numbers in any format or digit script, notes. Best match first; the last word matches as a prefix."`
	Kind      string `query:"kind" enum:"individual,organization"`
	Role      string `query:"role" enum:"client,volunteer,donor,member,board,partner,staff" doc:"Holding this role today."`
	TagID     int64  `query:"tag_id"`
	Language  string `query:"language" doc:"Language tag or base language (tr matches tr-TR)."`
	SegmentID int64  `query:"segment_id" doc:"Only members of this saved segment."`
	Cursor    string `query:"cursor" doc:"Opaque cursor from a previous page's next_cursor."`
	Limit     int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (in *listIn) filter() people.SegmentFilter {
	f := people.SegmentFilter{Kind: people.Kind(in.Kind), Text: in.Q}
	if in.Role != "" {
		f.Roles = []people.RoleCondition{{Role: in.Role}}
	}
	if in.Language != "" {
		f.Languages = []string{in.Language}
	}
	if in.TagID != 0 {
		f.TagsAny = []int64{in.TagID}
	}
	return f
}

func (m *Module) mountPeople(a *api.API) {
	huma.Register(a, huma.Operation{OperationID: "listPeople", Method: http.MethodGet, Path: "/people", Tags: tags,
		Summary:     "List or search people",
		Description: "Without q, profiles in sort order; with q, best match first with the same analyzer and ranking as the web UI's search box. kind, role, tag_id and language (the preferred language) narrow either. With segment_id, members come in id order."},
		func(ctx context.Context, in *listIn) (*body[api.Page[PersonOut]], error) {
			var page people.Page[people.Person]
			var err error
			switch {
			case in.SegmentID != 0:
				seg, gerr := m.svc.GetSegment(ctx, in.SegmentID)
				if gerr != nil {
					return nil, m.fail(ctx, gerr, nil)
				}
				f := seg.Filter
				if in.Q != "" {
					f.Text = strings.TrimSpace(f.Text + " " + in.Q)
				}
				page, err = m.svc.SegmentMembers(ctx, f, in.Cursor, in.Limit)
			default:
				page, err = m.svc.Search(ctx, in.Q, people.SearchFilter{Kind: people.Kind(in.Kind), Role: in.Role, TagID: in.TagID, Language: in.Language}, in.Cursor, in.Limit)
			}
			if err != nil {
				return nil, m.fail(ctx, err, func(f string) string {
					if strings.HasPrefix(f, "languages.") {
						return "language"
					}
					return f
				})
			}
			out := api.Page[PersonOut]{Items: conv(page.Items, func(p people.Person) PersonOut { return PersonOut(p) }), NextCursor: page.Next}
			return &body[api.Page[PersonOut]]{out}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "createPerson", Method: http.MethodPost, Path: "/people", Tags: tags,
		Summary: "Create a person or organization", DefaultStatus: http.StatusCreated,
		Description: "Creates the profile with its first contact points, roles and tags in one transaction. Validation messages come in the caller's language, per field (emails.0.address, phones.1.number, roles.0.start…)."},
		func(ctx context.Context, in *newPersonIn) (*body[PersonDetail], error) {
			b := in.Body
			np := people.NewPerson{PersonInput: people.PersonInput{Kind: people.Kind(b.Kind), DisplayName: b.DisplayName,
				GivenName: b.GivenName, FamilyName: b.FamilyName, GreetingName: b.GreetingName, SortName: b.SortName,
				Language: b.Language, Pronouns: b.Pronouns, BirthDate: b.BirthDate, HouseholdID: b.HouseholdID,
				Source: b.Source, ExternalID: b.ExternalID}, Tags: b.Tags}
			if np.Source == "" {
				np.Source = "api"
			}
			// Where each contact point came from, to name the request's field in errors.
			from := map[string]string{}
			add := func(field string, c people.ContactInput) {
				from["contacts."+strconv.Itoa(len(np.Contacts))+"."] = field
				np.Contacts = append(np.Contacts, c)
			}
			for i, e := range b.Emails {
				add("emails."+strconv.Itoa(i)+".", people.ContactInput{Kind: people.Email, Value: e.Address, Type: e.Type, Primary: e.Primary})
			}
			for i, p := range b.Phones {
				add("phones."+strconv.Itoa(i)+".", people.ContactInput{Kind: people.Phone, Value: p.Number, Type: p.Type, Primary: p.Primary, PhoneRegion: p.Region})
			}
			for i, ad := range b.Addresses {
				add("addresses."+strconv.Itoa(i)+".", people.ContactInput{Kind: people.Address, Line1: ad.Line1, Line2: ad.Line2, City: ad.City,
					Region: ad.Region, Postcode: ad.Postcode, Country: ad.Country, Type: ad.Type, Primary: ad.Primary})
			}
			for i, s := range b.Socials {
				add("socials."+strconv.Itoa(i)+".", people.ContactInput{Kind: people.Social, Platform: s.Platform, Value: s.Handle})
			}
			for _, r := range b.Roles {
				np.Roles = append(np.Roles, r.input())
			}
			rename := func(f string) string {
				for prefix, to := range from {
					if rest, ok := strings.CutPrefix(f, prefix); ok {
						switch {
						case strings.HasPrefix(to, "emails.") && rest == "value":
							rest = "address"
						case strings.HasPrefix(to, "phones.") && rest == "value":
							rest = "number"
						case strings.HasPrefix(to, "socials.") && rest == "value":
							rest = "handle"
						}
						return to + rest
					}
				}
				if f == "name" { // a tag's
					return "tags"
				}
				return f
			}
			p, err := m.svc.CreatePerson(ctx, np)
			if err != nil {
				return nil, m.fail(ctx, err, rename)
			}
			return m.detail(ctx, p.ID)
		})

	huma.Register(a, huma.Operation{OperationID: "getPerson", Method: http.MethodGet, Path: "/people/{id}", Tags: tags,
		Summary: "Get a profile", Description: "A merged profile's id answers with the surviving profile (redirected_from says so); an erased one is not found."},
		func(ctx context.Context, in *idPath) (*body[PersonDetail], error) {
			return m.detail(ctx, in.ID)
		})

	type patchIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Kind         *string `json:"kind,omitempty" enum:"individual,organization"`
			DisplayName  *string `json:"display_name,omitempty"`
			GivenName    *string `json:"given_name,omitempty"`
			FamilyName   *string `json:"family_name,omitempty"`
			GreetingName *string `json:"greeting_name,omitempty" doc:"Empty to derive it again."`
			SortName     *string `json:"sort_name,omitempty"`
			Language     *string `json:"language,omitempty"`
			Pronouns     *string `json:"pronouns,omitempty"`
			BirthDate    *string `json:"birth_date,omitempty" doc:"YYYY-MM-DD; an empty string clears it."`
			HouseholdID  *int64  `json:"household_id,omitempty" doc:"0 takes them out of their household."`
			ExternalID   *string `json:"external_id,omitempty"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "updatePerson", Method: http.MethodPatch, Path: "/people/{id}", Tags: tags,
		Summary: "Change a profile", Description: "Changes the fields present in the body; the others keep their values."},
		func(ctx context.Context, in *patchIn) (*body[PersonDetail], error) {
			cur, err := m.svc.GetPerson(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			if cur.MergedIntoID != 0 || cur.ErasedAt != nil {
				return nil, m.fail(ctx, apperr.NotFound("people.error.not_found"), nil)
			}
			p := people.InputOf(cur)
			b := in.Body
			set := func(dst *string, src *string) {
				if src != nil {
					*dst = *src
				}
			}
			if b.Kind != nil {
				p.Kind = people.Kind(*b.Kind)
			}
			set(&p.DisplayName, b.DisplayName)
			set(&p.GivenName, b.GivenName)
			set(&p.FamilyName, b.FamilyName)
			set(&p.GreetingName, b.GreetingName)
			set(&p.SortName, b.SortName)
			set(&p.Language, b.Language)
			set(&p.Pronouns, b.Pronouns)
			set(&p.ExternalID, b.ExternalID)
			if b.HouseholdID != nil {
				p.HouseholdID = *b.HouseholdID
			}
			if b.BirthDate != nil {
				if *b.BirthDate == "" {
					p.BirthDate = nil
				} else if d, err := people.ParseDate(*b.BirthDate); err != nil {
					return nil, m.fail(ctx, invalid("birth_date", "people.error.birth_date"), nil)
				} else {
					p.BirthDate = &d
				}
			}
			if (b.GivenName != nil || b.FamilyName != nil) && b.DisplayName == nil && p.Kind == people.Individual {
				p.DisplayName = "" // derive it from the new name parts
			}
			if _, err := m.svc.UpdatePerson(ctx, in.ID, p); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return m.detail(ctx, in.ID)
		})

	huma.Register(a, huma.Operation{OperationID: "erasePerson", Method: http.MethodDelete, Path: "/people/{id}", Tags: tags,
		Summary: "Erase a person's personal data", DefaultStatus: http.StatusNoContent,
		Description: "Right to be forgotten: names, contact points, consents, notes' text, tags and relationships are removed for good, with every profile merged into this one. Needs people.erase."},
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := m.svc.Erase(ctx, in.ID); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return nil, nil
		})

	huma.Register(a, huma.Operation{OperationID: "exportPersonData", Method: http.MethodGet, Path: "/people/{id}/export", Tags: tags,
		Summary: "Everything stored about a person", Description: "For a subject access request: the profile, merged profiles, contact points, roles, consents and their history, the whole timeline (confidential notes included), tags and custom values. Needs people.export."},
		func(ctx context.Context, in *idPath) (*body[PersonDataExport], error) {
			x, err := m.svc.ExportPerson(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PersonDataExport]{exportOut(ctx, x)}, nil
		})

	type contactIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Kind     string `json:"kind" enum:"email,phone,address,social"`
			Value    string `json:"value,omitempty" doc:"The address, number or handle."`
			Type     string `json:"type,omitempty"`
			Primary  bool   `json:"primary,omitempty"`
			Region   string `json:"region,omitempty" doc:"For a phone number without a country code."`
			Platform string `json:"platform,omitempty"`
			Line1    string `json:"line1,omitempty"`
			Line2    string `json:"line2,omitempty"`
			City     string `json:"city,omitempty"`
			Postcode string `json:"postcode,omitempty"`
			Country  string `json:"country,omitempty"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "addContact", Method: http.MethodPost, Path: "/people/{id}/contacts", Tags: tags,
		Summary: "Add a contact point", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *contactIn) (*body[PersonContact], error) {
			b := in.Body
			c, err := m.svc.AddContact(ctx, in.ID, people.ContactInput{Kind: people.ContactKind(b.Kind), Value: b.Value, Type: b.Type,
				Primary: b.Primary, PhoneRegion: b.Region, Platform: b.Platform, Line1: b.Line1, Line2: b.Line2, City: b.City,
				Postcode: b.Postcode, Country: b.Country})
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PersonContact]{PersonContact(c)}, nil
		})

	type contactPath struct {
		ID        int64 `path:"id" minimum:"1"`
		ContactID int64 `path:"contact_id" minimum:"1"`
	}
	huma.Register(a, huma.Operation{OperationID: "removeContact", Method: http.MethodDelete, Path: "/people/{id}/contacts/{contact_id}", Tags: tags,
		Summary: "Remove a contact point", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *contactPath) (*struct{}, error) {
			cs, err := m.svc.Contacts(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			if !slices.ContainsFunc(cs, func(c people.ContactPoint) bool { return c.ID == in.ContactID }) {
				return nil, m.fail(ctx, apperr.NotFound("people.error.contact_missing"), nil)
			}
			if err := m.svc.RemoveContact(ctx, in.ContactID); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return nil, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listPersonRoles", Method: http.MethodGet, Path: "/people/{id}/roles", Tags: tags,
		Summary: "A person's roles, oldest first"},
		func(ctx context.Context, in *idPath) (*body[[]PersonRole], error) {
			rs, err := m.svc.RolesOf(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[[]PersonRole]{conv(rs, func(r people.Role) PersonRole { return PersonRole(r) })}, nil
		})

	type addRoleIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body roleIn
	}
	huma.Register(a, huma.Operation{OperationID: "addPersonRole", Method: http.MethodPost, Path: "/people/{id}/roles", Tags: tags,
		Summary: "Give a person a role", Description: "Records the start (and end, if given) on the timeline.", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *addRoleIn) (*body[PersonRole], error) {
			r, err := m.svc.AddRole(ctx, in.ID, in.Body.input())
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PersonRole]{PersonRole(r)}, nil
		})

	type endRoleIn struct {
		ID     int64 `path:"id" minimum:"1"`
		RoleID int64 `path:"role_id" minimum:"1"`
		Body   struct {
			End *people.Date `json:"end,omitempty" doc:"Defaults to today."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "endPersonRole", Method: http.MethodPost, Path: "/people/{id}/roles/{role_id}/end", Tags: tags,
		Summary: "End a role"},
		func(ctx context.Context, in *endRoleIn) (*body[PersonRole], error) {
			if err := m.ownsRole(ctx, in.ID, in.RoleID); err != nil {
				return nil, err
			}
			end := people.DateOf(time.Now().UTC())
			if in.Body.End != nil {
				end = *in.Body.End
			}
			r, err := m.svc.EndRole(ctx, in.RoleID, end)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PersonRole]{PersonRole(r)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listRelationships", Method: http.MethodGet, Path: "/people/{id}/relationships", Tags: tags,
		Summary: "A person's relationships, from their side"},
		func(ctx context.Context, in *idPath) (*body[[]PersonRelationship], error) {
			rs, err := m.svc.Relationships(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[[]PersonRelationship]{relsOut(i18n.FromContext(ctx), rs)}, nil
		})

	type relIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			OtherID      int64        `json:"other_id" minimum:"1"`
			Type         string       `json:"type" enum:"spouse,parent,sibling,employee,officer,household_member,referred_by,other" doc:"Read from this person's side: parent means this person is the other's parent."`
			Label        string       `json:"label,omitempty" doc:"Names an other relationship from this side."`
			ReverseLabel string       `json:"reverse_label,omitempty"`
			Start        *people.Date `json:"start,omitempty"`
			End          *people.Date `json:"end,omitempty"`
			Note         string       `json:"note,omitempty"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "addRelationship", Method: http.MethodPost, Path: "/people/{id}/relationships", Tags: tags,
		Summary: "Link two profiles", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *relIn) (*body[PersonRelationship], error) {
			b := in.Body
			r, err := m.svc.AddRelationship(ctx, people.RelationshipInput{PersonID: in.ID, OtherID: b.OtherID, Type: b.Type,
				Label: b.Label, ReverseLabel: b.ReverseLabel, Start: b.Start, End: b.End, Note: b.Note})
			if err != nil {
				return nil, m.fail(ctx, err, func(f string) string {
					if f == "person_id" {
						return "id"
					}
					return f
				})
			}
			return &body[PersonRelationship]{PersonRelationship(r)}, nil
		})

	type relPath struct {
		ID    int64 `path:"id" minimum:"1"`
		RelID int64 `path:"relationship_id" minimum:"1"`
	}
	huma.Register(a, huma.Operation{OperationID: "removeRelationship", Method: http.MethodDelete, Path: "/people/{id}/relationships/{relationship_id}", Tags: tags,
		Summary: "Remove a relationship", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *relPath) (*struct{}, error) {
			rs, err := m.svc.Relationships(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			if !slices.ContainsFunc(rs, func(r people.Relationship) bool { return r.ID == in.RelID }) {
				return nil, m.fail(ctx, apperr.NotFound("people.error.relationship_missing"), nil)
			}
			if err := m.svc.RemoveRelationship(ctx, in.RelID); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return nil, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listTags", Method: http.MethodGet, Path: "/tags", Tags: tags,
		Summary: "Every tag, with the number of profiles carrying it"},
		func(ctx context.Context, _ *struct{}) (*body[[]PersonTag], error) {
			ts, err := m.svc.Tags(ctx)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[[]PersonTag]{conv(ts, func(t people.Tag) PersonTag { return PersonTag(t) })}, nil
		})

	type tagIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Name string `json:"name" doc:"Created if no tag has this name (ignoring case and accents)."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "tagPerson", Method: http.MethodPost, Path: "/people/{id}/tags", Tags: tags,
		Summary: "Put a tag on a profile", Description: "Answers with the profile's tags."},
		func(ctx context.Context, in *tagIn) (*body[[]PersonTag], error) {
			if err := m.svc.AssignTag(ctx, in.ID, in.Body.Name); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return m.tagsOf(ctx, in.ID)
		})

	type tagPath struct {
		ID    int64 `path:"id" minimum:"1"`
		TagID int64 `path:"tag_id" minimum:"1"`
	}
	huma.Register(a, huma.Operation{OperationID: "untagPerson", Method: http.MethodDelete, Path: "/people/{id}/tags/{tag_id}", Tags: tags,
		Summary: "Take a tag off a profile", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *tagPath) (*struct{}, error) {
			if err := m.svc.RemoveTag(ctx, in.ID, in.TagID); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return nil, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listDuplicates", Method: http.MethodGet, Path: "/people/{id}/duplicates", Tags: tags,
		Summary: "Profiles that may be the same person", Description: "Same e-mail address or phone number, or the same name (same script, ignoring case, accents and order) with the same postcode or birth date."},
		func(ctx context.Context, in *idPath) (*body[[]people.DuplicateMatch], error) {
			ds, err := m.svc.FindDuplicates(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[[]people.DuplicateMatch]{ds}, nil
		})

	type mergeIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"The profile to keep."`
		Body struct {
			MergeID int64 `json:"merge_id" minimum:"1" doc:"The duplicate to fold into it."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "mergePerson", Method: http.MethodPost, Path: "/people/{id}/merge", Tags: tags,
		Summary: "Merge a duplicate into this profile", Description: "Everything of merge_id moves to this profile in one transaction; merge_id stays as a tombstone whose links lead here. Needs people.merge."},
		func(ctx context.Context, in *mergeIn) (*body[PersonDetail], error) {
			if err := m.svc.Merge(ctx, in.ID, in.Body.MergeID); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return m.detail(ctx, in.ID)
		})
}

// detail answers with the full profile of id.
func (m *Module) detail(ctx context.Context, id int64) (*body[PersonDetail], error) {
	pr, err := m.svc.Profile(ctx, id)
	if err != nil {
		return nil, m.fail(ctx, err, nil)
	}
	return &body[PersonDetail]{detailOut(ctx, pr)}, nil
}

func (m *Module) tagsOf(ctx context.Context, id int64) (*body[[]PersonTag], error) {
	pr, err := m.svc.Profile(ctx, id)
	if err != nil {
		return nil, m.fail(ctx, err, nil)
	}
	return &body[[]PersonTag]{conv(pr.Tags, func(t people.Tag) PersonTag { return PersonTag(t) })}, nil
}

// ownsRole checks the role belongs to the person in the path.
func (m *Module) ownsRole(ctx context.Context, personID, roleID int64) error {
	rs, err := m.svc.RolesOf(ctx, personID)
	if err != nil {
		return m.fail(ctx, err, nil)
	}
	if !slices.ContainsFunc(rs, func(r people.Role) bool { return r.ID == roleID }) {
		return m.fail(ctx, apperr.NotFound("people.error.role_missing"), nil)
	}
	return nil
}

// canConfidential reports whether the caller may read confidential notes.
func canConfidential(ctx context.Context) bool {
	a, ok := auth.ActorFrom(ctx)
	return ok && a.Can(auth.PermPeopleViewConfidential)
}
