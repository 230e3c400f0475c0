package peopleui

import (
	"context"
	"slices"
	"time"
)

// defaultRegion is the region preselected next to phone fields: the
// organization's default phone region, else a guess from its time zone.
func (m *Module) defaultRegion(ctx context.Context, tz *time.Location) string {
	if r := m.svc.PhoneRegion(ctx); r != "" {
		return r
	}
	return regionForZone(tz)
}

// regionChoices are the regions offered next to a phone field: the usual
// ones and region.
func regionChoices(region string) []string {
	if region == "" || slices.Contains(phoneRegions, region) {
		return phoneRegions
	}
	return append([]string{region}, phoneRegions...)
}
