package i18n

// For returns the localizer of the same bundle for lang when lang is a
// supported locale, else l itself (a public page's ?lang= parameter).
func (l *Localizer) For(lang string) *Localizer {
	if l == nil || l.bundle == nil {
		return l
	}
	if tag := normalize(lang); tag != "" {
		if other := l.bundle.localizers[tag]; other != nil {
			return other
		}
	}
	return l
}
