package people

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Channels people can be contacted on.
const (
	ChannelEmail  = "email"
	ChannelPhone  = "phone"
	ChannelSMS    = "sms"
	ChannelPost   = "post"
	ChannelSocial = "social"
)

// Channels lists every channel.
var Channels = []string{ChannelEmail, ChannelPhone, ChannelSMS, ChannelPost, ChannelSocial}

// Purposes of a contact. Service is a reply to the person's own request.
const (
	PurposeService      = "service"
	PurposeFundraising  = "fundraising"
	PurposeVolunteering = "volunteering"
	PurposeNewsletter   = "newsletter"
	PurposeSurveys      = "surveys"
)

// Purposes lists every purpose.
var Purposes = []string{PurposeService, PurposeFundraising, PurposeVolunteering, PurposeNewsletter, PurposeSurveys}

// Consent statuses.
const (
	OptIn   = "opt_in"
	OptOut  = "opt_out"
	Unknown = "unknown"
)

// Consent is the current consent on a channel, for one purpose or, with an
// empty Purpose, for every purpose on that channel.
type Consent struct {
	Channel     string    `json:"channel"`
	Purpose     string    `json:"purpose,omitempty"`
	Status      string    `json:"status"`
	Source      string    `json:"source,omitempty"`
	EffectiveAt time.Time `json:"effective_at"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// ConsentInput records a consent decision. At is when the person decided
// (a paper form signed last year); zero means now. Source says how it was
// given ("web_form", "phone call", "import").
type ConsentInput struct {
	Channel string    `json:"channel"`
	Purpose string    `json:"purpose"`
	Status  string    `json:"status"`
	Source  string    `json:"source"`
	Note    string    `json:"note"`
	At      time.Time `json:"at"`
}

// Preference fields in the history.
const (
	PrefConsent          = "consent"
	PrefDoNotContact     = "do_not_contact"
	PrefPreferredChannel = "preferred_channel"
	PrefPreferredTime    = "preferred_time"
)

// PreferenceChange is one entry of the full history of communication
// preferences: who changed what, when, how, and the value before.
type PreferenceChange struct {
	ID          int64     `json:"id"`
	Field       string    `json:"field"`
	Channel     string    `json:"channel,omitempty"`
	Purpose     string    `json:"purpose,omitempty"`
	Value       string    `json:"value"`
	Previous    string    `json:"previous"`
	Source      string    `json:"source,omitempty"`
	Note        string    `json:"note,omitempty"`
	ActorUserID int64     `json:"actor_user_id,omitempty"`
	EffectiveAt time.Time `json:"effective_at"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// Preferences are how someone likes to be reached. FromHour/ToHour (0–23,
// local to them) optionally bound the free-text window.
type Preferences struct {
	Channel  string `json:"channel"`
	Time     string `json:"time"`
	FromHour *int   `json:"from_hour"`
	ToHour   *int   `json:"to_hour"`
	Source   string `json:"source"`
}

func validateConsent(in *ConsentInput) error {
	v := apperr.Invalid()
	in.Channel, in.Purpose = strings.TrimSpace(in.Channel), strings.TrimSpace(in.Purpose)
	if !slices.Contains(Channels, in.Channel) {
		v.Field("channel", "people.error.channel")
	}
	if in.Purpose != "" && !slices.Contains(Purposes, in.Purpose) {
		v.Field("purpose", "people.error.purpose")
	}
	if in.Status != OptIn && in.Status != OptOut && in.Status != Unknown {
		v.Field("status", "people.error.consent_status")
	}
	if runeLen(in.Source) > maxShortLen {
		v.Field("source", "people.error.too_long", "Max", maxShortLen)
	}
	return v.OrNil()
}

// SetConsent records a consent decision and its history entry.
func (s *Service) SetConsent(ctx context.Context, personID int64, in ConsentInput) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	if err := validateConsent(&in); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		if err := s.setConsent(ctx, personID, in); err != nil {
			return err
		}
		if err := s.touch(ctx, personID); err != nil {
			return err
		}
		return s.audit(ctx, "person.consent", "person", personID, in)
	})
}

func (s *Service) setConsent(ctx context.Context, personID int64, in ConsentInput) error {
	now := s.now()
	at := in.At.UTC().Truncate(time.Microsecond)
	if in.At.IsZero() {
		at = now
	}
	prev := Unknown
	var prevAt time.Time
	err := s.q.QueryRow(ctx, "GetConsent", personID, in.Channel, in.Purpose).Scan(&prev, &prevAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	exists := err == nil
	if _, err := s.q.Exec(ctx, "InsertPreferenceChange", personID, PrefConsent, in.Channel, in.Purpose, in.Status,
		prev, in.Source, in.Note, nullInt(actorID(ctx)), at, now); err != nil {
		return err
	}
	// A decision dated before the current one goes into the history only.
	if !exists || !at.Before(prevAt) {
		if _, err := s.q.Exec(ctx, "UpsertConsent", personID, in.Channel, in.Purpose, in.Status, in.Source, at, now); err != nil {
			return err
		}
	}
	data, _ := json.Marshal(map[string]string{"channel": in.Channel, "purpose": in.Purpose, "status": in.Status,
		"previous": prev, "source": in.Source})
	_, err = s.addEvent(ctx, Event{PersonID: personID, Kind: EventConsent, OccurredAt: at,
		TitleKey: "people.event.consent." + in.Status, Data: data})
	return err
}

// SetDoNotContact sets or clears the flag that overrides every consent.
func (s *Service) SetDoNotContact(ctx context.Context, personID int64, on bool, source, note string) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		p, err := s.livePerson(ctx, personID)
		if err != nil {
			return err
		}
		if err := s.setDoNotContact(ctx, personID, p.DoNotContact, on, source, note, time.Time{}); err != nil {
			return err
		}
		return s.audit(ctx, "person.do_not_contact", "person", personID, change{p.DoNotContact, on})
	})
}

func (s *Service) setDoNotContact(ctx context.Context, personID int64, old, on bool, source, note string, at time.Time) error {
	now := s.now()
	if at.IsZero() {
		at = now
	}
	if _, err := s.q.Exec(ctx, "SetDoNotContact", personID, on, now); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, "InsertPreferenceChange", personID, PrefDoNotContact, "", "", strconv.FormatBool(on),
		strconv.FormatBool(old), source, note, nullInt(actorID(ctx)), at, now)
	return err
}

// SetPreferences records the preferred channel and time window.
func (s *Service) SetPreferences(ctx context.Context, personID int64, in Preferences) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	v := apperr.Invalid()
	in.Time = clean(in.Time)
	if in.Channel != "" && !slices.Contains(Channels, in.Channel) {
		v.Field("channel", "people.error.channel")
	}
	if runeLen(in.Time) > maxShortLen {
		v.Field("time", "people.error.too_long", "Max", maxShortLen)
	}
	for name, h := range map[string]*int{"from_hour": in.FromHour, "to_hour": in.ToHour} {
		if h != nil && (*h < 0 || *h > 23) {
			v.Field(name, "people.error.hour")
		}
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		p, err := s.livePerson(ctx, personID)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := s.q.Exec(ctx, "SetPreferences", personID, in.Channel, in.Time, intArg(in.FromHour),
			intArg(in.ToHour), now); err != nil {
			return err
		}
		actor := nullInt(actorID(ctx))
		if p.PreferredChannel != in.Channel {
			if _, err := s.q.Exec(ctx, "InsertPreferenceChange", personID, PrefPreferredChannel, "", "", in.Channel,
				p.PreferredChannel, in.Source, "", actor, now, now); err != nil {
				return err
			}
		}
		oldTime, newTime := timeWindow(p.PreferredTime, p.PreferredFromHour, p.PreferredToHour), timeWindow(in.Time, in.FromHour, in.ToHour)
		if oldTime != newTime {
			if _, err := s.q.Exec(ctx, "InsertPreferenceChange", personID, PrefPreferredTime, "", "", newTime, oldTime,
				in.Source, "", actor, now, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, "person.preferences", "person", personID, in)
	})
}

func intArg(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func timeWindow(text string, from, to *int) string {
	s := text
	if from != nil || to != nil {
		f, t := "", ""
		if from != nil {
			f = strconv.Itoa(*from)
		}
		if to != nil {
			t = strconv.Itoa(*to)
		}
		s += " [" + f + "-" + t + "]"
	}
	return strings.TrimSpace(s)
}

func (s *Service) consents(ctx context.Context, personID int64) ([]Consent, error) {
	rows, err := s.q.Query(ctx, "ConsentsOf", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Consent{}
	for rows.Next() {
		var c Consent
		if err := rows.Scan(&c.Channel, &c.Purpose, &c.Status, &c.Source, &c.EffectiveAt, &c.RecordedAt); err != nil {
			return nil, err
		}
		c.EffectiveAt, c.RecordedAt = c.EffectiveAt.UTC(), c.RecordedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Consents lists the current consents of a person.
func (s *Service) Consents(ctx context.Context, personID int64) ([]Consent, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	return s.consents(ctx, personID)
}

func (s *Service) preferenceHistory(ctx context.Context, personID int64) ([]PreferenceChange, error) {
	rows, err := s.q.Query(ctx, "PreferenceHistory", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PreferenceChange{}
	for rows.Next() {
		var (
			c     PreferenceChange
			actor sql.NullInt64
		)
		if err := rows.Scan(&c.ID, &c.Field, &c.Channel, &c.Purpose, &c.Value, &c.Previous, &c.Source, &c.Note,
			&actor, &c.EffectiveAt, &c.RecordedAt); err != nil {
			return nil, err
		}
		c.ActorUserID, c.EffectiveAt, c.RecordedAt = actor.Int64, c.EffectiveAt.UTC(), c.RecordedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// PreferenceHistory is the full history of consent and preference changes,
// oldest first.
func (s *Service) PreferenceHistory(ctx context.Context, personID int64) ([]PreferenceChange, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	return s.preferenceHistory(ctx, personID)
}

// Decision is MayContact's answer. Reason is a message key saying why.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

// Policy is the organization's consent setting for one decision.
type Policy struct {
	// RequireOptIn: marketing purposes need an explicit opt-in, not merely the
	// absence of an opt-out (GDPR-style consent for newsletters, fundraising).
	RequireOptIn bool
}

// Reasons of a Decision (message keys).
const (
	ReasonAllowed        = "people.contact.allowed"
	ReasonService        = "people.contact.allowed_service"
	ReasonDoNotContact   = "people.contact.do_not_contact"
	ReasonChannelOptOut  = "people.contact.channel_opt_out"
	ReasonPurposeOptOut  = "people.contact.purpose_opt_out"
	ReasonNoOptIn        = "people.contact.no_opt_in"
	ReasonNoContactPoint = "people.contact.no_contact_point"
	ReasonErased         = "people.contact.erased"
)

// MayContact is the one check every outbound feature makes before contacting
// someone on channel for purpose at time at, under the organization's policy
// (Config.OptInRequired). Replies to the person's own request (PurposeService)
// are allowed unless they asked not to be contacted at all or opted out of the
// channel; other purposes also need no opt-out for the purpose, and an opt-in
// where the policy requires one. Consent is read as it stood at at.
func (s *Service) MayContact(ctx context.Context, personID int64, channel, purpose string, at time.Time) (Decision, error) {
	var p Policy
	if s.cfg.OptInRequired != nil {
		p.RequireOptIn = s.cfg.OptInRequired(ctx, channel, purpose)
	}
	return s.MayContactWith(ctx, personID, channel, purpose, at, p)
}

// MayContactWith is MayContact under an explicit policy.
func (s *Service) MayContactWith(ctx context.Context, personID int64, channel, purpose string, at time.Time, policy Policy) (Decision, error) {
	if !slices.Contains(Channels, channel) || !slices.Contains(Purposes, purpose) {
		v := apperr.Invalid()
		if !slices.Contains(Channels, channel) {
			v.Field("channel", "people.error.channel")
		}
		if !slices.Contains(Purposes, purpose) {
			v.Field("purpose", "people.error.purpose")
		}
		return Decision{}, v
	}
	id, err := s.Resolve(ctx, personID)
	if err != nil {
		return Decision{}, err
	}
	p, err := s.person(ctx, id)
	if err != nil {
		return Decision{}, err
	}
	if p.ErasedAt != nil {
		return Decision{Reason: ReasonErased}, nil
	}
	// State as of at, replayed from the history; the current columns answer
	// for anything recorded without history.
	dnc := p.DoNotContact
	state := map[[2]string]string{}
	rows, err := s.q.Query(ctx, "PreferenceHistoryUntil", id, at.UTC())
	if err != nil {
		return Decision{}, err
	}
	sawDNC := false
	for rows.Next() {
		var field, ch, pu, val string
		if err := rows.Scan(&field, &ch, &pu, &val); err != nil {
			rows.Close()
			return Decision{}, err
		}
		switch field {
		case PrefDoNotContact:
			dnc, sawDNC = val == "true", true
		case PrefConsent:
			state[[2]string{ch, pu}] = val
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Decision{}, err
	}
	if !sawDNC && at.Before(p.CreatedAt) {
		dnc = false
	}
	if dnc {
		return Decision{Reason: ReasonDoNotContact}, nil
	}
	kind := map[string]ContactKind{ChannelEmail: Email, ChannelPhone: Phone, ChannelSMS: Phone,
		ChannelPost: Address, ChannelSocial: Social}[channel]
	var n int
	if err := s.q.QueryRow(ctx, "CountContactsOfKind", id, string(kind)).Scan(&n); err != nil {
		return Decision{}, err
	}
	if n == 0 {
		return Decision{Reason: ReasonNoContactPoint}, nil
	}
	channelStatus, purposeStatus := state[[2]string{channel, ""}], state[[2]string{channel, purpose}]
	if channelStatus == OptOut {
		return Decision{Reason: ReasonChannelOptOut}, nil
	}
	if purpose == PurposeService {
		return Decision{Allowed: true, Reason: ReasonService}, nil
	}
	if purposeStatus == OptOut {
		return Decision{Reason: ReasonPurposeOptOut}, nil
	}
	if policy.RequireOptIn && purposeStatus != OptIn && channelStatus != OptIn {
		return Decision{Reason: ReasonNoOptIn}, nil
	}
	return Decision{Allowed: true, Reason: ReasonAllowed}, nil
}
