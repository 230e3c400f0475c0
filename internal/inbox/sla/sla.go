// Package sla does the calendar arithmetic of response targets: business
// hours in a time zone (weekly schedule with split shifts, holidays) and the
// due time of a target counted in open time only. It has no database or
// clock of its own, so it is exact and testable across DST changes.
//
// Open time is measured in real elapsed time between instants, never by
// adding hours to wall clocks: a shift from 01:00 to 05:00 on the night the
// clocks go forward holds three hours, and a 24-hour target on an always-open
// calendar ends 24 real hours later whatever the local clocks say.
package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Span is an opening interval within a local day, in minutes after midnight:
// 0 ≤ From < To ≤ 1440 (24:00 is the end of the day).
type Span struct {
	From, To int
}

// minutesPerDay is 24:00, the largest To.
const minutesPerDay = 24 * 60

func (s Span) String() string { return clock(s.From) + "-" + clock(s.To) }

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// Date is a calendar day in the hours' own time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the local date of t.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// at is the instant of minute m of day d in loc. time.Date normalises a
// wall time in a DST gap forward and picks the first of two repeated ones,
// which is what an opening time means on those days.
func (d Date) at(m int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, m/60, m%60, 0, 0, loc)
}

func (d Date) next() Date { return DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC)) }
func (d Date) prev() Date { return DateOf(time.Date(d.Year, d.Month, d.Day-1, 12, 0, 0, 0, time.UTC)) }

func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d Date) before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// BusinessHours is when a team answers. The zero value is always open in UTC.
// A week with no spans at all is open around the clock (a team without
// configured hours); holidays still close it.
type BusinessHours struct {
	Location *time.Location
	// Week holds each day's spans, indexed by time.Weekday, sorted and not
	// overlapping (Validate checks).
	Week [7][]Span
	// Holidays are closed all day.
	Holidays []Date
}

// AlwaysOpen reports whether no schedule or holiday ever closes the hours.
func (h BusinessHours) AlwaysOpen() bool { return h.noSchedule() && len(h.Holidays) == 0 }

func (h BusinessHours) noSchedule() bool {
	for _, d := range h.Week {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

func (h BusinessHours) loc() *time.Location {
	if h.Location == nil {
		return time.UTC
	}
	return h.Location
}

// Validate checks the spans are in range, sorted and disjoint.
func (h BusinessHours) Validate() error {
	for wd, spans := range h.Week {
		for i, s := range spans {
			if s.From < 0 || s.To > minutesPerDay || s.From >= s.To {
				return fmt.Errorf("%s: span %s is not a time range within a day", time.Weekday(wd), s)
			}
			if i > 0 && spans[i-1].To > s.From {
				return fmt.Errorf("%s: spans %s and %s overlap or are out of order", time.Weekday(wd), spans[i-1], s)
			}
		}
	}
	return nil
}

// spans is the opening of one local day.
func (h BusinessHours) spans(d Date) []Span {
	if slices.Contains(h.Holidays, d) {
		return nil
	}
	if h.noSchedule() {
		return []Span{{0, minutesPerDay}}
	}
	return h.Week[d.weekday()]
}

// maxDays bounds the walk through the calendar: hours that stay closed this
// long (a schedule of holidays only) have no due time.
const maxDays = 3 * 366

// Never is returned by Due when the hours never open enough to meet a
// target within maxDays.
var Never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Due is when target open time has passed since start: start itself for a
// non-positive target, otherwise the instant the target's last second of open
// time ends. A start outside opening hours counts from the next opening.
func Due(start time.Time, target time.Duration, hours BusinessHours) time.Time {
	if target <= 0 {
		return start
	}
	if hours.AlwaysOpen() {
		return start.Add(target)
	}
	loc := hours.loc()
	start = start.In(loc)
	remaining := target
	d := DateOf(start)
	for range maxDays {
		for _, s := range hours.spans(d) {
			open, close := d.at(s.From, loc), d.at(s.To, loc)
			if !close.After(start) {
				continue
			}
			if open.Before(start) {
				open = start
			}
			if avail := close.Sub(open); remaining <= avail {
				return open.Add(remaining).UTC()
			} else if avail > 0 {
				remaining -= avail
			}
		}
		d = d.next()
	}
	return Never
}

// Before is the latest instant with d of open time left until end: the
// mirror of Due, used to warn ahead of a deadline. d ≤ 0 gives end.
func Before(end time.Time, d time.Duration, hours BusinessHours) time.Time {
	if d <= 0 {
		return end
	}
	if hours.AlwaysOpen() {
		return end.Add(-d)
	}
	loc := hours.loc()
	end = end.In(loc)
	day := DateOf(end)
	for range maxDays {
		spans := hours.spans(day)
		for i := len(spans) - 1; i >= 0; i-- {
			open, close := day.at(spans[i].From, loc), day.at(spans[i].To, loc)
			if !open.Before(end) {
				continue
			}
			if close.After(end) {
				close = end
			}
			if avail := close.Sub(open); d <= avail {
				return close.Add(-d).UTC()
			} else if avail > 0 {
				d -= avail
			}
		}
		day = day.prev()
	}
	return time.Time{}
}

// Elapsed is the open time between from and to; negative when to is before
// from.
func Elapsed(from, to time.Time, hours BusinessHours) time.Duration {
	if to.Before(from) {
		return -Elapsed(to, from, hours)
	}
	if hours.AlwaysOpen() {
		return to.Sub(from)
	}
	loc := hours.loc()
	from, to = from.In(loc), to.In(loc)
	var total time.Duration
	// Start a day early: a span of the previous local day can end after
	// midnight only at 24:00, but DST normalisation may shift it.
	for d := DateOf(from).prev(); !DateOf(to).before(d); d = d.next() {
		for _, s := range hours.spans(d) {
			open, close := d.at(s.From, loc), d.at(s.To, loc)
			if open.Before(from) {
				open = from
			}
			if close.After(to) {
				close = to
			}
			if close.After(open) {
				total += close.Sub(open)
			}
		}
	}
	return total
}

// Open reports whether the hours are open at t.
func (h BusinessHours) Open(t time.Time) bool {
	if h.AlwaysOpen() {
		return true
	}
	t = t.In(h.loc())
	d := DateOf(t)
	for _, s := range h.spans(d) {
		if !t.Before(d.at(s.From, h.loc())) && t.Before(d.at(s.To, h.loc())) {
			return true
		}
	}
	return false
}

// Schedule is the stored form of a week: day name ("mon" … "sun") to spans
// written "09:00"-"12:00". Days left out are closed.
type Schedule map[string][][2]string

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseSchedule turns a Schedule into Week spans, sorted by start.
func ParseSchedule(s Schedule) ([7][]Span, error) {
	var week [7][]Span
	for name, spans := range s {
		wd := slices.Index(dayNames[:], strings.ToLower(strings.TrimSpace(name)))
		if wd < 0 {
			return week, fmt.Errorf("unknown day %q (want mon, tue, wed, thu, fri, sat or sun)", name)
		}
		for _, sp := range spans {
			from, err1 := parseClock(sp[0])
			to, err2 := parseClock(sp[1])
			if err := errors.Join(err1, err2); err != nil {
				return week, fmt.Errorf("%s: %w", name, err)
			}
			week[wd] = append(week[wd], Span{from, to})
		}
		slices.SortFunc(week[wd], func(a, b Span) int { return a.From - b.From })
	}
	return week, BusinessHours{Week: week}.Validate()
}

// FormatSchedule is ParseSchedule's inverse.
func FormatSchedule(week [7][]Span) Schedule {
	s := Schedule{}
	for wd, spans := range week {
		for _, sp := range spans {
			s[dayNames[wd]] = append(s[dayNames[wd]], [2]string{clock(sp.From), clock(sp.To)})
		}
	}
	return s
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return hh*60 + mm, nil
}

// MarshalJSON writes a date as YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads YYYY-MM-DD.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
