package i18n

import (
	"fmt"
	"math"
	"time"
)

// Month names from CLDR. Finnish needs three cases: the partitive after a
// day number ("5. maaliskuuta"), the nominative in month-year
// ("maaliskuu 2017") and the elative for "since" ("maaliskuusta").
var (
	enMonths = [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}
	trMonths = [12]string{"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran",
		"Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"}
	frMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	fiMonthsPartitive = [12]string{"tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta",
		"toukokuuta", "kesäkuuta", "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta",
		"marraskuuta", "joulukuuta"}
	fiMonthsElative = [12]string{"tammikuusta", "helmikuusta", "maaliskuusta", "huhtikuusta",
		"toukokuusta", "kesäkuusta", "heinäkuusta", "elokuusta", "syyskuusta", "lokakuusta",
		"marraskuusta", "joulukuusta"}
	// Solar Hijri months (Farvardin … Esfand).
	faMonths = [12]string{"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
		"مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"}
	// Gregorian months in Persian, for dates outside the Solar Hijri range.
	faGregorianMonths = [12]string{"ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن",
		"ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"}
)

// faDate returns the Solar Hijri year, month name and day of t.
func faDate(t time.Time) (year int, month string, day int) {
	if y, m, d, ok := toPersian(t); ok {
		return y, faMonths[m-1], d
	}
	y, m, d := t.Date()
	return y, faGregorianMonths[m-1], d
}

// Date formats the calendar date of t (in t's own location) in the
// locale's long form (CLDR "long" date): en "March 5, 2017", fr
// "5 mars 2017", fi "5. maaliskuuta 2017", ja "2017年3月5日", fa
// "۱۵ اسفند ۱۳۹۵" (Solar Hijri calendar, Persian digits).
func (l *Localizer) Date(t time.Time) string {
	if l == nil {
		return fallbackLocalizer().Date(t)
	}
	y, m, d := t.Date()
	switch l.locale.Tag {
	case "tr":
		return fmt.Sprintf("%d %s %d", d, trMonths[m-1], y)
	case "fr":
		return fmt.Sprintf("%d %s %d", d, frMonths[m-1], y)
	case "fi":
		return fmt.Sprintf("%d. %s %d", d, fiMonthsPartitive[m-1], y)
	case "ja":
		return fmt.Sprintf("%d年%d月%d日", y, m, d)
	case "fa":
		fy, fm, fd := faDate(t)
		return l.num.localDigits(fmt.Sprintf("%d %s %d", fd, fm, fy))
	}
	return fmt.Sprintf("%s %d, %d", enMonths[m-1], d, y)
}

// DateTime formats t in loc (nil means UTC, the storage zone) as the long
// date plus hours and minutes, joined as CLDR does: en "March 5, 2017 at
// 2:30 PM", fr "5 mars 2017 à 14:30", fi "… klo 14.30", fa "…، ساعت ۱۴:۳۰".
func (l *Localizer) DateTime(t time.Time, loc *time.Location) string {
	if l == nil {
		return fallbackLocalizer().DateTime(t, loc)
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	date := l.Date(t)
	h, mi := t.Hour(), t.Minute()
	switch l.locale.Tag {
	case "tr", "ja":
		return fmt.Sprintf("%s %02d:%02d", date, h, mi)
	case "fr":
		return fmt.Sprintf("%s à %02d:%02d", date, h, mi)
	case "fi":
		return fmt.Sprintf("%s klo %d.%02d", date, h, mi)
	case "fa":
		return date + "، ساعت " + l.num.localDigits(fmt.Sprintf("%d:%02d", h, mi))
	}
	// CLDR 42+ separates the day period with U+202F.
	period := "AM"
	if h >= 12 {
		period = "PM"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	return fmt.Sprintf("%s at %d:%02d\u202f%s", date, h12, mi, period)
}

// monthYear formats the month and year of t as the "tenure.since" message
// expects it: the Finnish month is in the elative case ("maaliskuusta
// 2017 alkaen") and Persian uses the Solar Hijri calendar.
func (l *Localizer) monthYear(t time.Time) string {
	y, m, _ := t.Date()
	switch l.locale.Tag {
	case "tr":
		return fmt.Sprintf("%s %d", trMonths[m-1], y)
	case "fr":
		return fmt.Sprintf("%s %d", frMonths[m-1], y)
	case "fi":
		return fmt.Sprintf("%s %d", fiMonthsElative[m-1], y)
	case "ja":
		return fmt.Sprintf("%d年%d月", y, m)
	case "fa":
		fy, fm, _ := faDate(t)
		return l.num.localDigits(fmt.Sprintf("%s %d", fm, fy))
	}
	return fmt.Sprintf("%s %d", enMonths[m-1], y)
}

// Since renders a tenure phrase for the month of t, e.g. "since March
// 2017" (message "tenure.since").
func (l *Localizer) Since(t time.Time) string {
	if l == nil {
		return fallbackLocalizer().Since(t)
	}
	return l.T("tenure.since", "MonthYear", l.monthYear(t))
}

// RelativeDuration renders d relative to now: positive is the future
// ("in 3 hours"), negative the past ("2 days ago"); under a minute is
// "now". Pass t.Sub(now). The count is rounded to the nearest unit, and the
// unit is the largest one that gives at least 1: minutes, hours, days,
// months (30.44 days) or years.
func (l *Localizer) RelativeDuration(d time.Duration) string {
	if l == nil {
		return fallbackLocalizer().RelativeDuration(d)
	}
	dir := "future"
	if d < 0 {
		dir = "past"
		d = -max(d, -math.MaxInt64) // -MinInt64 would overflow
	}
	if d < time.Minute {
		return l.T("relative.now")
	}
	unit, n := relativeUnit(d)
	return l.N("relative."+unit+"."+dir, n)
}

func relativeUnit(d time.Duration) (string, int) {
	round := func(unit float64) int { return int(math.Round(float64(d) / unit)) }
	if n := round(float64(time.Minute)); n < 60 {
		return "minutes", n
	}
	if n := round(float64(time.Hour)); n < 24 {
		return "hours", n
	}
	day := float64(24 * time.Hour)
	if n := round(day); n < 30 {
		return "days", n
	}
	if n := round(day * 365.2425 / 12); n < 12 {
		return "months", max(n, 1)
	}
	return "years", max(round(day*365.2425), 1)
}
