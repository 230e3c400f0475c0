package i18n

import "time"

// The Solar Hijri (Persian) calendar, the civil calendar of Iran, used for
// dates in the fa locale. Months 1–6 have 31 days, 7–11 have 30, and the
// 12th (Esfand) 29, or 30 in leap years. The year starts at Nowruz, the
// day of the March equinox in Tehran.
//
// Year starts follow the arithmetic of Kazimierz Borkowski's algorithm as
// used by jalaali-js: the "breaks" are the years in which the 33-year leap
// cycle is interrupted, which makes it agree with the astronomical calendar
// for Solar Hijri years -61 to 3177 (Gregorian 560–3798).
var persianBreaks = [...]int{-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210,
	1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178}

// nowruzMarchDay returns the day of March (of Gregorian year jy+621) on
// which Solar Hijri year jy begins, and false outside the supported range.
func nowruzMarchDay(jy int) (int, bool) {
	last := len(persianBreaks) - 1
	if jy < persianBreaks[0] || jy >= persianBreaks[last] {
		return 0, false
	}
	gy := jy + 621
	leapJ := -14
	jp := persianBreaks[0]
	jump := 0
	for i := 1; i <= last; i++ {
		jm := persianBreaks[i]
		jump = jm - jp
		if jy < jm {
			break
		}
		leapJ += jump/33*8 + jump%33/4
		jp = jm
	}
	n := jy - jp
	// Leap years from AD 621 to the start of jy in the Persian calendar…
	leapJ += n/33*8 + (n%33+3)/4
	if jump%33 == 4 && jump-n == 4 {
		leapJ++
	}
	// …and in the Gregorian calendar up to gy.
	leapG := gy/4 - (gy/100+1)*3/4 - 150
	return 20 + leapJ - leapG, true
}

// toPersian converts the calendar date of t (in t's location) to the
// Solar Hijri calendar; ok is false outside the supported range.
func toPersian(t time.Time) (year int, month time.Month, day int, ok bool) {
	gy, gm, gd := t.Date()
	date := time.Date(gy, gm, gd, 0, 0, 0, 0, time.UTC)
	jy := gy - 621
	start, ok := persianYearStart(jy)
	if !ok {
		return 0, 0, 0, false
	}
	if date.Before(start) {
		jy--
		if start, ok = persianYearStart(jy); !ok {
			return 0, 0, 0, false
		}
	}
	// Dates are midnight UTC, so the difference is a whole number of days.
	k := int(date.Sub(start) / (24 * time.Hour))
	if k < 186 {
		return jy, time.Month(1 + k/31), 1 + k%31, true
	}
	k -= 186
	return jy, time.Month(7 + k/30), 1 + k%30, true
}

func persianYearStart(jy int) (time.Time, bool) {
	d, ok := nowruzMarchDay(jy)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(jy+621, time.March, d, 0, 0, 0, 0, time.UTC), true
}
