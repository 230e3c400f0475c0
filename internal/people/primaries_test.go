package people

import (
	"slices"
	"testing"
)

// A new profile's primaries are those inserting its contacts one by one
// leaves: per kind the last marked primary, else the first.
func TestNewPrimaries(t *testing.T) {
	c := func(kind ContactKind, primary bool) contactRow {
		return contactRow{ContactInput: ContactInput{Kind: kind, Primary: primary}}
	}
	for _, tc := range []struct {
		name string
		in   []contactRow
		want []bool
	}{
		{"none marked: the first of each kind", []contactRow{c(Email, false), c(Phone, false), c(Email, false)}, []bool{true, true, false}},
		{"a later one marked", []contactRow{c(Email, false), c(Email, true)}, []bool{false, true}},
		{"two marked: the last", []contactRow{c(Email, true), c(Phone, false), c(Email, true), c(Email, false)}, []bool{false, true, true, false}},
		{"empty", nil, []bool{}},
	} {
		if got := newPrimaries(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
