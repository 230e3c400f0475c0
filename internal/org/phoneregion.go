package org

import (
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhoneRegion upper-cases a region code and checks that phone
// numbers are known for it ("tr" → "TR"); "" is valid (no default region).
func NormalizePhoneRegion(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	if len(s) != 2 || phonenumbers.GetCountryCodeForRegion(s) == 0 {
		return "", false
	}
	return s, true
}

// PhoneRegions are the region codes NormalizePhoneRegion accepts, sorted.
func PhoneRegions() []string {
	var out []string
	for r := range phonenumbers.GetSupportedRegions() {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// PhoneExample is an example mobile number of region as written there without
// the country code ("0501 234 56 78" for TR), "" when unknown.
func PhoneExample(region string) string {
	n := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE)
	if n == nil {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.NATIONAL)
}
