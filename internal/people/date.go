package people

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day without a time zone (birth dates, role dates), stored
// as 'YYYY-MM-DD' text on both backends so comparisons agree.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{y, m, d} }

// DateOf returns the calendar day of t in its own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads 'YYYY-MM-DD'.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return DateOf(t), nil
}

// DatePtr is a helper for optional dates.
func DatePtr(d Date) *Date { return &d }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Time is midnight UTC of the day.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return o.Before(d) }

func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// dateArg is the stored form of an optional date.
func dateArg(d *Date) any {
	if d == nil || d.IsZero() {
		return nil
	}
	return d.String()
}

// nullDate scans an optional stored date.
type nullDate struct{ d *Date }

func (n *nullDate) Scan(v any) error {
	n.d = nil
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	case time.Time:
		d := DateOf(x)
		n.d = &d
		return nil
	default:
		return fmt.Errorf("date: cannot scan %T", v)
	}
	if s == "" {
		return nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return err
	}
	n.d = &d
	return nil
}

// Value stores a Date as text.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a stored Date.
func (d *Date) Scan(v any) error {
	var n nullDate
	if err := n.Scan(v); err != nil {
		return err
	}
	if n.d == nil {
		*d = Date{}
		return nil
	}
	*d = *n.d
	return nil
}
