package sla

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// officeHours is Monday to Friday with a lunch break: 09:00–12:00, 13:00–17:00.
func officeHours(t testing.TB, zone string, holidays ...string) BusinessHours {
	t.Helper()
	week, err := ParseSchedule(Schedule{
		"mon": {{"09:00", "12:00"}, {"13:00", "17:00"}},
		"tue": {{"09:00", "12:00"}, {"13:00", "17:00"}},
		"wed": {{"09:00", "12:00"}, {"13:00", "17:00"}},
		"thu": {{"09:00", "12:00"}, {"13:00", "17:00"}},
		"fri": {{"09:00", "12:00"}, {"13:00", "17:00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := BusinessHours{Location: mustLoc(t, zone), Week: week}
	for _, d := range holidays {
		day, err := ParseDate(d)
		if err != nil {
			t.Fatal(err)
		}
		h.Holidays = append(h.Holidays, day)
	}
	return h
}

func TestDue(t *testing.T) {
	hel := mustLoc(t, "Europe/Helsinki")
	ny := mustLoc(t, "America/New_York")
	night, err := ParseSchedule(Schedule{"sun": {{"00:00", "04:00"}}, "mon": {{"00:00", "04:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		hours  BusinessHours
		start  time.Time
		target time.Duration
		want   time.Time
	}{
		{"always open, UTC", BusinessHours{}, at(time.UTC, "2025-03-29 10:00"), 24 * time.Hour, at(time.UTC, "2025-03-30 10:00")},
		// 24 real hours across Helsinki's spring-forward: the wall clock
		// shows 13:00, an hour later than the start's 12:00.
		{"always open across DST (Helsinki)", BusinessHours{Location: hel}, at(hel, "2025-03-29 12:00"), 24 * time.Hour, at(hel, "2025-03-30 13:00")},
		{"within a span", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-02 09:30"), 2 * time.Hour, at(hel, "2025-06-02 11:30")},
		{"over the lunch break", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-02 11:30"), time.Hour, at(hel, "2025-06-02 13:30")},
		{"ends at closing", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-02 16:00"), time.Hour, at(hel, "2025-06-02 17:00")},
		{"over the weekend", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-06 16:00"), 2 * time.Hour, at(hel, "2025-06-09 10:00")},
		{"received on Saturday", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-07 11:00"), time.Hour, at(hel, "2025-06-09 10:00")},
		{"received at night", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-03 22:00"), 30 * time.Minute, at(hel, "2025-06-04 09:30")},
		{"24 business hours is three days", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-02 09:00"), 21 * time.Hour, at(hel, "2025-06-04 17:00")},
		// Midsummer Eve (Friday) closed: Thursday 16:00 + 2 h is Monday 10:00.
		{"holiday", officeHours(t, "Europe/Helsinki", "2025-06-20"), at(hel, "2025-06-19 16:00"), 2 * time.Hour, at(hel, "2025-06-23 10:00")},
		// The week of the DST change has normal 8-hour days in local time.
		{"office hours across DST (Helsinki)", officeHours(t, "Europe/Helsinki"), at(hel, "2025-03-28 16:00"), 2 * time.Hour, at(hel, "2025-03-31 10:00")},
		{"office hours across DST (New York, fall)", officeHours(t, "America/New_York"), at(ny, "2025-10-31 16:00"), 2 * time.Hour, at(ny, "2025-11-03 10:00")},
		// A night shift 00:00–04:00 holds 3 real hours on 9 March 2025 (clocks
		// jump from 02:00 to 03:00): 3.5 h of work ends at 00:30 on Monday.
		{"night shift on spring-forward day (New York)", BusinessHours{Location: ny, Week: night}, at(ny, "2025-03-09 00:00"), 3*time.Hour + 30*time.Minute, at(ny, "2025-03-10 00:30")},
		// 2 November 2025: 01:00–02:00 happens twice, the shift holds 5 hours.
		{"night shift on fall-back day (New York)", BusinessHours{Location: ny, Week: night}, at(ny, "2025-11-02 00:00"), 4*time.Hour + 30*time.Minute, at(ny, "2025-11-02 00:00").Add(4*time.Hour + 30*time.Minute)},
		// Always open but for a holiday: Saturday 12:00 → midnight (12 h),
		// Sunday 30 March has 23 hours (35 h), Monday is a holiday, so the
		// 36th hour ends Tuesday 01:00.
		{"around the clock with a holiday across DST", BusinessHours{Location: hel, Holidays: []Date{{2025, 3, 31}}}, at(hel, "2025-03-29 12:00"), 36 * time.Hour, at(hel, "2025-04-01 01:00")},
		{"zero target", officeHours(t, "Europe/Helsinki"), at(hel, "2025-06-07 11:00"), 0, at(hel, "2025-06-07 11:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Due(tt.start, tt.target, tt.hours)
			if !got.Equal(tt.want) {
				loc := tt.hours.loc()
				t.Fatalf("Due(%s, %s) = %s, want %s", tt.start.In(loc), tt.target, got.In(loc), tt.want.In(loc))
			}
			if tt.target > 0 {
				if e := Elapsed(tt.start, got, tt.hours); e != tt.target {
					t.Errorf("Elapsed(start, due) = %s, want %s", e, tt.target)
				}
			}
		})
	}
	if got := Elapsed(at(ny, "2025-11-02 00:00"), at(ny, "2025-11-03 00:00"), BusinessHours{Location: ny, Week: night}); got != 5*time.Hour {
		t.Errorf("fall-back night shift holds %s, want 5h", got)
	}
	if got := Elapsed(at(ny, "2025-03-09 00:00"), at(ny, "2025-03-10 00:00"), BusinessHours{Location: ny, Week: night}); got != 3*time.Hour {
		t.Errorf("spring-forward night shift holds %s, want 3h", got)
	}
}

// TestDueProperties checks Due, Elapsed and Before against each other on
// random starts and targets over two years in both zones.
func TestDueProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	calendars := map[string]BusinessHours{
		"office Helsinki": officeHours(t, "Europe/Helsinki", "2025-12-24", "2025-12-25", "2026-01-01"),
		"office New York": officeHours(t, "America/New_York", "2025-11-27", "2025-12-25"),
		"always Helsinki": {Location: mustLoc(t, "Europe/Helsinki")},
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, h := range calendars {
		for range 400 {
			start := base.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Minute)
			target := time.Duration(r.Int64N(int64(60*time.Hour))).Truncate(time.Minute) + time.Minute
			due := Due(start, target, h)
			if e := Elapsed(start, due, h); e != target {
				t.Fatalf("%s: Elapsed(%s, Due(…, %s) = %s) = %s", name, start, target, due, e)
			}
			if !h.AlwaysOpen() && !h.Open(due.Add(-time.Second)) {
				t.Fatalf("%s: due %s does not end open time", name, due.In(h.loc()))
			}
			back := Before(due, target, h)
			if e := Elapsed(back, due, h); e != target {
				t.Fatalf("%s: Elapsed(Before(%s, %s)) = %s", name, due, target, e)
			}
			// From a closed start the latest such instant is the next opening.
			if h.Open(start) && !back.Equal(start) {
				t.Fatalf("%s: Before(Due(%s, %s)) = %s is not the start", name, start, target, back)
			}
		}
	}
}

func TestParseSchedule(t *testing.T) {
	week, err := ParseSchedule(Schedule{"MON": {{"13:00", "17:00"}, {"09:00", "12:00"}}, "sat": {{"22:00", "24:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := week[time.Monday]; len(got) != 2 || got[0] != (Span{540, 720}) || got[1] != (Span{780, 1020}) {
		t.Errorf("Monday = %v, want sorted spans", got)
	}
	if got := FormatSchedule(week)["sat"]; len(got) != 1 || got[0] != [2]string{"22:00", "24:00"} {
		t.Errorf("FormatSchedule Saturday = %v", got)
	}
	for _, bad := range []Schedule{
		{"mon": {{"09:00", "12:00"}, {"11:00", "13:00"}}},
		{"mon": {{"17:00", "09:00"}}},
		{"mon": {{"9", "12:00"}}},
		{"mon": {{"24:30", "25:00"}}},
		{"someday": {{"09:00", "10:00"}}},
	} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%v) accepted", bad)
		}
	}
	if _, err := ParseDate("2025-13-01"); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("ParseDate(bad) = %v", err)
	}
}
