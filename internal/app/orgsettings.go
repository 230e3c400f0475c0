package app

import (
	"context"
	"time"
)

// phoneRegion is the organization's default phone region, for people.
func (a *App) phoneRegion(ctx context.Context) string {
	o, err := a.orgSettings(ctx)
	if err != nil {
		return ""
	}
	return o.PhoneRegion
}

// forgetOrgSettings drops the cached settings after a change, so this
// instance uses the new ones at once (others within orgCacheTTL).
func (a *App) forgetOrgSettings() {
	a.orgCache.mu.Lock()
	defer a.orgCache.mu.Unlock()
	a.orgCache.at = time.Time{}
}
