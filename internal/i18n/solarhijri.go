package i18n

import "time"

// SolarHijri converts the calendar date of t (in t's location) to the Solar
// Hijri calendar Persian dates use; ok is false outside the supported range
// (callers then keep the Gregorian date).
func SolarHijri(t time.Time) (year int, month time.Month, day int, ok bool) {
	return toPersian(t)
}

// PersianMonthName is the Persian name of a Solar Hijri month (1 Farvardin … 12 Esfand).
func PersianMonthName(m time.Month) string { return faMonths[m-1] }
