package people

import (
	"encoding/json"
	"time"
)

// Kind is what a profile describes.
type Kind string

const (
	Individual   Kind = "individual"
	Organization Kind = "organization"
)

// Person is one profile. A merged profile is a tombstone whose MergedIntoID
// names the survivor; an erased one keeps only its id, kind and dates.
type Person struct {
	ID          int64  `json:"id"`
	Kind        Kind   `json:"kind"`
	DisplayName string `json:"display_name"`
	GivenName   string `json:"given_name,omitempty"`
	FamilyName  string `json:"family_name,omitempty"`
	// GreetingName is the name to greet them by; derived when not given.
	GreetingName string `json:"greeting_name"`
	SortName     string `json:"sort_name,omitempty"`
	// Language is a BCP 47 tag ("tr", "fa-IR").
	Language    string `json:"language,omitempty"`
	Pronouns    string `json:"pronouns,omitempty"`
	BirthDate   *Date  `json:"birth_date,omitempty"`
	HouseholdID int64  `json:"household_id,omitempty"`
	Source      string `json:"source"`
	ExternalID  string `json:"external_id,omitempty"`

	DoNotContact      bool   `json:"do_not_contact"`
	PreferredChannel  string `json:"preferred_channel,omitempty"`
	PreferredTime     string `json:"preferred_time,omitempty"`
	PreferredFromHour *int   `json:"preferred_from_hour,omitempty"`
	PreferredToHour   *int   `json:"preferred_to_hour,omitempty"`

	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ErasedAt     *time.Time `json:"erased_at,omitempty"`
	MergedIntoID int64      `json:"merged_into_id,omitempty"`
}

// Sources of a profile (free text is allowed too; these are the common ones).
const (
	SourceManual  = "manual"
	SourceWebForm = "web_form"
	SourceEmail   = "email"
	SourceImport  = "import"
	SourceDemo    = "demo"
)

// PersonInput is the editable part of a profile, for create and update.
type PersonInput struct {
	Kind         Kind   `json:"kind"`
	DisplayName  string `json:"display_name"`
	GivenName    string `json:"given_name"`
	FamilyName   string `json:"family_name"`
	GreetingName string `json:"greeting_name"`
	SortName     string `json:"sort_name"`
	Language     string `json:"language"`
	Pronouns     string `json:"pronouns"`
	BirthDate    *Date  `json:"birth_date"`
	HouseholdID  int64  `json:"household_id"`
	Source       string `json:"source"`
	ExternalID   string `json:"external_id"`
}

// NewPerson is a profile with its first contact points, roles and tags, created
// in one transaction.
type NewPerson struct {
	PersonInput
	Contacts []ContactInput `json:"contacts"`
	Roles    []RoleInput    `json:"roles"`
	Tags     []string       `json:"tags"`
}

// ContactKind is the kind of a contact point.
type ContactKind string

const (
	Email   ContactKind = "email"
	Phone   ContactKind = "phone"
	Address ContactKind = "address"
	Social  ContactKind = "social"
)

// Contact point types.
const (
	TypeHome   = "home"
	TypeWork   = "work"
	TypeMobile = "mobile"
	TypeOther  = "other"
)

// ContactPoint is one e-mail address, phone number, postal address or social
// handle. Value is the normalized form (e-mail with a lower-case domain, E.164
// phone, "platform:handle"); Original is what was typed.
type ContactPoint struct {
	ID       int64       `json:"id"`
	PersonID int64       `json:"person_id"`
	Kind     ContactKind `json:"kind"`
	Type     string      `json:"type,omitempty"`
	Primary  bool        `json:"primary"`
	Value    string      `json:"value,omitempty"`
	Original string      `json:"original,omitempty"`
	// National is the phone number in national format ("0532 123 45 67").
	National string `json:"national,omitempty"`
	Platform string `json:"platform,omitempty"`
	Line1    string `json:"line1,omitempty"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city,omitempty"`
	Region   string `json:"region,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Country  string `json:"country,omitempty"`

	CreatedAt time.Time `json:"created_at"`
}

// ContactInput adds or changes a contact point. Value holds the e-mail
// address, phone number or social handle; addresses use the line fields.
type ContactInput struct {
	Kind     ContactKind `json:"kind"`
	Type     string      `json:"type"`
	Primary  bool        `json:"primary"`
	Value    string      `json:"value"`
	Platform string      `json:"platform"`
	Line1    string      `json:"line1"`
	Line2    string      `json:"line2"`
	City     string      `json:"city"`
	Region   string      `json:"region"`
	Postcode string      `json:"postcode"`
	Country  string      `json:"country"`
	// Region for phone numbers without a country code; defaults to the
	// organization's.
	PhoneRegion string `json:"phone_region"`
}

// Household groups individuals living together.
type Household struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Line1     string    `json:"line1,omitempty"`
	Line2     string    `json:"line2,omitempty"`
	City      string    `json:"city,omitempty"`
	Region    string    `json:"region,omitempty"`
	Postcode  string    `json:"postcode,omitempty"`
	Country   string    `json:"country,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HouseholdInput creates or changes a household.
type HouseholdInput struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	City     string `json:"city"`
	Region   string `json:"region"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
}

// Role names.
const (
	RoleClient    = "client"
	RoleVolunteer = "volunteer"
	RoleDonor     = "donor"
	RoleMember    = "member"
	RoleBoard     = "board"
	RolePartner   = "partner"
	RoleStaff     = "staff"
)

// Roles lists every role, in display order.
var Roles = []string{RoleClient, RoleVolunteer, RoleDonor, RoleMember, RoleBoard, RolePartner, RoleStaff}

// ClientSubtypes are the words organizations use for the people they serve.
var ClientSubtypes = []string{"service_user", "patient", "student", "participant"}

// Role is one role a person holds or held. End is nil while it lasts.
type Role struct {
	ID        int64     `json:"id"`
	PersonID  int64     `json:"person_id"`
	Role      string    `json:"role"`
	Subtype   string    `json:"subtype,omitempty"`
	Start     Date      `json:"start"`
	End       *Date     `json:"end,omitempty"`
	Program   string    `json:"program,omitempty"`
	ProgramID int64     `json:"program_id,omitempty"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RoleInput adds or changes a role.
type RoleInput struct {
	Role      string `json:"role"`
	Subtype   string `json:"subtype"`
	Start     Date   `json:"start"`
	End       *Date  `json:"end"`
	Program   string `json:"program"`
	ProgramID int64  `json:"program_id"`
	Note      string `json:"note"`
}

// Active reports whether the role lasts on day d.
func (r Role) Active(d Date) bool {
	return !d.Before(r.Start) && (r.End == nil || !r.End.Before(d))
}

// Event is one entry of a person's timeline. Capabilities add their own kinds
// ("gift", "message.in", "shift") through AddEvent; the profile shows them
// unchanged. RefType/RefID link back to the entity the capability owns.
type Event struct {
	ID           int64           `json:"id"`
	PersonID     int64           `json:"person_id"`
	Kind         string          `json:"kind"`
	OccurredAt   time.Time       `json:"occurred_at"`
	ActorUserID  int64           `json:"actor_user_id,omitempty"`
	TitleKey     string          `json:"title_key,omitempty"`
	Summary      string          `json:"summary,omitempty"`
	Body         string          `json:"body,omitempty"`
	RefType      string          `json:"ref_type,omitempty"`
	RefID        int64           `json:"ref_id,omitempty"`
	Data         json.RawMessage `json:"data,omitempty"`
	Confidential bool            `json:"confidential"`
	Pinned       bool            `json:"pinned"`
	Mentions     []int64         `json:"mentions,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// Timeline event kinds written by this package.
const (
	EventNote           = "note"
	EventRoleStart      = "role.start"
	EventRoleEnd        = "role.end"
	EventMerge          = "merge"
	EventSpecialRequest = "special_request"
	EventImport         = "import"
	EventConsent        = "consent"
	EventCreated        = "person.created"
)

// SpecialRequest is a standing need shown to everyone on the profile.
type SpecialRequest struct {
	ID         int64      `json:"id"`
	PersonID   int64      `json:"person_id"`
	Body       string     `json:"body"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy int64      `json:"resolved_by,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

// Page is one page of a cursor-paginated list; Next is empty on the last page.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}
