package i18n

import (
	"math"
	"testing"
	"time"
)

var tehran = time.FixedZone("IRST", 3*3600+1800)

func TestDate(t *testing.T) {
	ls := localizers(t)
	d := time.Date(2017, time.March, 5, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"en", d, "March 5, 2017"},
		{"tr", d, "5 Mart 2017"},
		{"fr", d, "5 mars 2017"},
		{"fi", d, "5. maaliskuuta 2017"},
		{"ja", d, "2017年3月5日"},
		{"fa", d, "۱۵ اسفند ۱۳۹۵"},
		// The date is taken in t's own location.
		{"en", d.In(tehran), "March 6, 2017"},
		{"fa", d.In(tehran), "۱۶ اسفند ۱۳۹۵"},
		{"fa", time.Date(2024, time.March, 20, 12, 0, 0, 0, time.UTC), "۱ فروردین ۱۴۰۳"},
		// Outside the Solar Hijri range: Gregorian, still Persian digits.
		{"fa", time.Date(4000, time.January, 2, 0, 0, 0, 0, time.UTC), "۲ ژانویه ۴۰۰۰"},
	}
	for _, tt := range tests {
		if got := ls[tt.lang].Date(tt.t); got != tt.want {
			t.Errorf("%s Date(%v) = %q, want %q", tt.lang, tt.t, got, tt.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	ls := localizers(t)
	ts := time.Date(2024, time.September, 21, 21, 5, 0, 0, time.UTC)
	helsinki := time.FixedZone("EEST", 3*3600)
	tests := []struct {
		lang string
		loc  *time.Location
		want string
	}{
		{"en", nil, "September 21, 2024 at 9:05\u202fPM"},
		{"en", helsinki, "September 22, 2024 at 12:05\u202fAM"},
		{"tr", nil, "21 Eylül 2024 21:05"},
		{"fr", nil, "21 septembre 2024 à 21:05"},
		{"fi", helsinki, "22. syyskuuta 2024 klo 0.05"},
		{"ja", nil, "2024年9月21日 21:05"},
		{"fa", nil, "۳۱ شهریور ۱۴۰۳، ساعت ۲۱:۰۵"},
		{"fa", tehran, "۱ مهر ۱۴۰۳، ساعت ۰:۳۵"},
	}
	for _, tt := range tests {
		if got := ls[tt.lang].DateTime(ts, tt.loc); got != tt.want {
			t.Errorf("%s DateTime(%v) = %q, want %q", tt.lang, tt.loc, got, tt.want)
		}
	}
}

func TestSince(t *testing.T) {
	ls := localizers(t)
	joined := time.Date(2017, time.March, 28, 0, 0, 0, 0, time.UTC)
	want := map[string]string{
		"en": "since March 2017",
		"tr": "Mart 2017 tarihinden beri",
		"fr": "depuis mars 2017",
		"fi": "maaliskuusta 2017 alkaen",
		"ja": "2017年3月から",
		"fa": "از فروردین ۱۳۹۶",
	}
	for lang, w := range want {
		if got := ls[lang].Since(joined); got != w {
			t.Errorf("%s Since = %q, want %q", lang, got, w)
		}
	}
}

func TestRelativeDuration(t *testing.T) {
	ls := localizers(t)
	const day = 24 * time.Hour
	tests := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", 0, "now"},
		{"en", -59 * time.Second, "now"},
		{"en", 90 * time.Second, "in 2 minutes"},
		{"en", -time.Minute, "1 minute ago"},
		{"en", 3 * time.Hour, "in 3 hours"},
		{"en", 59*time.Minute + 40*time.Second, "in 1 hour"}, // rounds up into the next unit
		{"en", -2 * day, "2 days ago"},
		{"en", -23*time.Hour - 45*time.Minute, "1 day ago"},
		{"en", 45 * day, "in 1 month"},
		{"en", -364 * day, "1 year ago"},
		{"en", -3 * 365 * day, "3 years ago"},
		{"en", math.MinInt64, "292 years ago"},
		{"en", math.MaxInt64, "in 292 years"},
		{"tr", 3 * time.Hour, "3 saat sonra"},
		{"tr", -2 * day, "2 gün önce"},
		{"fr", 3 * time.Hour, "dans 3 heures"},
		{"fr", -time.Hour, "il y a 1 heure"},
		{"fr", -2 * day, "il y a 2 jours"},
		{"fi", 3 * time.Hour, "3 tunnin päästä"},
		{"fi", -time.Hour, "1 tunti sitten"},
		{"fi", -2 * day, "2 päivää sitten"},
		{"ja", 3 * time.Hour, "3 時間後"},
		{"ja", -2 * day, "2 日前"},
		{"fa", 3 * time.Hour, "۳ ساعت بعد"},
		{"fa", -2 * day, "۲ روز پیش"},
		{"fa", time.Second, "اکنون"},
	}
	for _, tt := range tests {
		if got := ls[tt.lang].RelativeDuration(tt.d); got != tt.want {
			t.Errorf("%s RelativeDuration(%v) = %q, want %q", tt.lang, tt.d, got, tt.want)
		}
	}
}

func TestPersianCalendar(t *testing.T) {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	// Anchors from Iran's official calendar: Nowruz dates on both sides of
	// noon-in-Tehran equinoxes, leap Esfand 30ths and historic dates.
	tests := []struct {
		g          time.Time
		y, m, d    int
		annotation string
	}{
		{date(1979, time.February, 11), 1357, 11, 22, "22 Bahman 1357"},
		{date(1996, time.March, 20), 1375, 1, 1, "Nowruz 1375"},
		{date(2017, time.March, 20), 1395, 12, 30, "leap year 1395 ends"},
		{date(2017, time.March, 21), 1396, 1, 1, "equinox after noon in Tehran"},
		{date(2020, time.March, 20), 1399, 1, 1, ""},
		{date(2023, time.March, 21), 1402, 1, 1, ""},
		{date(2024, time.March, 19), 1402, 12, 29, "1402 is a common year"},
		{date(2024, time.March, 20), 1403, 1, 1, "equinox before noon in Tehran"},
		{date(2024, time.September, 22), 1403, 7, 1, "1 Mehr: first 30-day month"},
		{date(2024, time.September, 21), 1403, 6, 31, "last day of Shahrivar"},
		{date(2025, time.March, 20), 1403, 12, 30, "leap year 1403 ends"},
		{date(2025, time.March, 21), 1404, 1, 1, ""},
		{date(2000, time.January, 1), 1378, 10, 11, ""},
	}
	for _, tt := range tests {
		y, m, d, ok := toPersian(tt.g)
		if !ok || y != tt.y || int(m) != tt.m || d != tt.d {
			t.Errorf("toPersian(%s) = %d/%d/%d (%v), want %d/%d/%d %s", tt.g.Format(time.DateOnly), y, m, d, ok, tt.y, tt.m, tt.d, tt.annotation)
		}
	}
	if _, _, _, ok := toPersian(date(5000, 1, 1)); ok {
		t.Error("toPersian(5000) should be out of range")
	}
}

// TestPersianCalendarContinuity walks day by day over 1800–2200 and checks
// the calendar's structure: consecutive days, month lengths 31×6, 30×5 and
// 29/30, Nowruz between March 19 and 22, and leap years every 4 or 5 years.
func TestPersianCalendarContinuity(t *testing.T) {
	day := time.Date(1800, time.January, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2200, time.January, 1, 0, 0, 0, 0, time.UTC)
	py, pm, pd, _ := toPersian(day)
	lastLeap := 0
	for day = day.AddDate(0, 0, 1); day.Before(end); day = day.AddDate(0, 0, 1) {
		y, m, d, ok := toPersian(day)
		if !ok {
			t.Fatalf("%v out of range", day)
		}
		switch {
		case y == py && m == pm && d == pd+1:
		case y == py && m == pm+1 && d == 1:
			if want := map[bool]int{true: 31, false: 30}[pm <= 6]; pd != want {
				t.Fatalf("%v: month %d of %d had %d days, want %d", day, pm, py, pd, want)
			}
		case y == py+1 && m == 1 && d == 1 && pm == 12:
			if pd != 29 && pd != 30 {
				t.Fatalf("%v: Esfand %d had %d days", day, py, pd)
			}
			if pd == 30 {
				if lastLeap != 0 && py-lastLeap != 4 && py-lastLeap != 5 {
					t.Fatalf("leap years %d and %d", lastLeap, py)
				}
				lastLeap = py
			}
			if day.Month() != time.March || day.Day() < 19 || day.Day() > 22 {
				t.Fatalf("Nowruz %d on %v", y, day)
			}
		default:
			t.Fatalf("%v: %d/%d/%d follows %d/%d/%d", day, y, m, d, py, pm, pd)
		}
		py, pm, pd = y, m, d
	}
}
