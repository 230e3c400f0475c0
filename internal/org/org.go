// Package org owns the organization's settings and its teams. It is domain and
// store code only: the web and API layers call it.
package org

import (
	"context"
	"embed"
	"strings"
	"time"
	_ "time/tzdata" // time zones are validated and used here; minimal containers lack /usr/share/zoneinfo
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/currency"
	"golang.org/x/text/unicode/norm"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
)

//go:embed migrations queries
var files embed.FS

// Module is org's schema. Teams reference users with foreign keys, so it must be
// migrated after auth.Module: register it as db.Migrate(ctx, log, auth.Module, org.Module, …).
var Module = db.Module{Name: "org", FS: files, Dir: "migrations"}

// Service manages the organization's settings and teams. Every write needs a
// permission (org.manage, teams.manage) and is audited in its transaction; reads
// are open to any caller, since every screen needs the time zone and teams.
type Service struct {
	// Now is the clock; tests replace it. It must return UTC.
	Now func() time.Time

	db    *db.DB
	q     *db.Queries
	users *auth.Service // user lookups and the audit log
}

// NewService returns the service over d; users must run on the same database.
func NewService(d *db.DB, users *auth.Service) *Service {
	return &Service{Now: db.Now, db: d, q: db.MustLoadQueries(d, files, "queries"), users: users}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Settings are the organization's settings.
type Settings struct {
	Name          string    `json:"name"` // "" until set up
	DefaultLocale string    `json:"default_locale"`
	TimeZone      string    `json:"time_zone"` // IANA name
	Currency      string    `json:"currency"`  // ISO 4217 code
	ReplyToDomain string    `json:"reply_to_domain"`
	PhoneRegion   string    `json:"phone_region"` // country of numbers written without a country code ("TR"); "" if unset
	CreatedAt     time.Time `json:"created_at" audit:"-"`
	UpdatedAt     time.Time `json:"updated_at" audit:"-"`
}

// Location is the organization's time zone (UTC if it cannot be loaded, which
// validation prevents).
func (s Settings) Location() *time.Location { return location(s.TimeZone) }

func location(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// SettingsPatch changes the fields that are not nil. ReplyToDomain "" clears it.
type SettingsPatch struct {
	Name          *string
	DefaultLocale *string
	TimeZone      *string
	Currency      *string
	ReplyToDomain *string
	PhoneRegion   *string // "" clears it
}

// Get returns the settings.
func (s *Service) Get(ctx context.Context) (Settings, error) {
	// Once per group commit: every inbound message of the group reads them.
	return db.GroupMemo(ctx, settingsKey{}, func() (Settings, error) {
		var st Settings
		err := s.q.QueryRow(ctx, "GetSettings").Scan(&st.Name, &st.DefaultLocale, &st.TimeZone, &st.Currency,
			&st.ReplyToDomain, &st.CreatedAt, &st.UpdatedAt, &st.PhoneRegion)
		st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
		return st, err
	})
}

type settingsKey struct{}

// Update applies p. It needs org.manage.
func (s *Service) Update(ctx context.Context, p SettingsPatch) (Settings, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Settings{}, err
	}
	v := apperr.Invalid()
	var name, cur, domain, region string
	if p.Name != nil {
		name = cleanText(*p.Name)
		validateText(v, "name", name, maxNameLen, true)
	}
	if p.DefaultLocale != nil && !auth.ValidLocale(*p.DefaultLocale) {
		v.Field("default_locale", "validation.one_of", "Options", strings.Join(auth.SupportedLocales(), ", "))
	}
	if p.TimeZone != nil && !validTimeZone(*p.TimeZone, false) {
		v.Field("time_zone", "validation.time_zone")
	}
	if p.Currency != nil {
		var ok bool
		if cur, ok = normalizeCurrency(*p.Currency); !ok {
			v.Field("currency", "validation.currency")
		}
	}
	if p.ReplyToDomain != nil {
		var ok bool
		if domain, ok = normalizeDomain(*p.ReplyToDomain); !ok {
			v.Field("reply_to_domain", "validation.domain")
		}
	}
	if p.PhoneRegion != nil {
		var ok bool
		if region, ok = NormalizePhoneRegion(*p.PhoneRegion); !ok {
			v.Field("phone_region", "validation.phone_region")
		}
	}
	if err := v.OrNil(); err != nil {
		return Settings{}, err
	}
	var after Settings
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.Get(ctx)
		if err != nil {
			return err
		}
		after = before
		if p.Name != nil {
			after.Name = name
		}
		if p.DefaultLocale != nil {
			after.DefaultLocale = *p.DefaultLocale
		}
		if p.TimeZone != nil {
			after.TimeZone = *p.TimeZone
		}
		if p.Currency != nil {
			after.Currency = cur
		}
		if p.ReplyToDomain != nil {
			after.ReplyToDomain = domain
		}
		if p.PhoneRegion != nil {
			after.PhoneRegion = region
		}
		changes := auth.Diff(before, after)
		if len(changes) == 0 {
			return nil
		}
		after.UpdatedAt = s.now()
		if _, err := s.q.Exec(ctx, "UpdateSettings", after.Name, after.DefaultLocale, after.TimeZone, after.Currency,
			after.ReplyToDomain, after.UpdatedAt, after.PhoneRegion); err != nil {
			return err
		}
		return s.users.Audit(ctx, "org.update", "organization", 1, changes)
	})
	if err != nil {
		return Settings{}, err
	}
	return after, nil
}

const (
	maxNameLen        = 200
	maxDescriptionLen = 2000
)

func cleanText(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

func validateText(v *apperr.Error, field, s string, maxLen int, required bool) {
	switch {
	case s == "" && required:
		v.Field(field, "validation.required")
	case !utf8.ValidString(s):
		v.Field(field, "validation.invalid")
	case utf8.RuneCountInString(s) > maxLen:
		v.Field(field, "validation.too_long", "Max", maxLen)
	}
}

// validTimeZone accepts IANA names ("Europe/Istanbul", "UTC"). "Local" is refused:
// it means whatever the server happens to run in.
func validTimeZone(name string, allowEmpty bool) bool {
	if name == "" {
		return allowEmpty
	}
	if name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// normalizeCurrency upper-cases an ISO 4217 code and checks CLDR knows it.
func normalizeCurrency(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 3 {
		return "", false
	}
	u, err := currency.ParseISO(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// normalizeDomain checks a host name (IDNA, so "örnek.org" is fine) and returns it
// in lower-case Unicode form; the mail layer converts it to ASCII when sending.
func normalizeDomain(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil || len(ascii) > 253 || !strings.Contains(ascii, ".") {
		return "", false
	}
	for label := range strings.SplitSeq(ascii, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", false
			}
		}
	}
	uni, err := idna.Lookup.ToUnicode(ascii)
	if err != nil {
		return "", false
	}
	return uni, true
}
