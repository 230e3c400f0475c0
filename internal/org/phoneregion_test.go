package org_test

import (
	"testing"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/org"
)

// TestPhoneRegion checks that the default phone region is validated,
// normalized, stored, audited and cleared, and only by admins.
func TestPhoneRegion(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		if st, err := f.org.Get(system()); err != nil || st.PhoneRegion != "" {
			t.Fatalf("initial region = %q, %v", st.PhoneRegion, err)
		}
		for _, c := range []struct{ in, want string }{
			{"tr", "TR"}, {" FR ", "FR"}, {"FI", "FI"}, {"jp", "JP"}, {"IR", "IR"}, {"US", "US"}, {"", ""},
		} {
			st, err := f.org.Update(as(f.admin), org.SettingsPatch{PhoneRegion: ptr(c.in)})
			if err != nil || st.PhoneRegion != c.want {
				t.Fatalf("Update(%q) = %q, %v", c.in, st.PhoneRegion, err)
			}
			if got, _ := f.org.Get(system()); got.PhoneRegion != c.want {
				t.Fatalf("stored %q, want %q", got.PhoneRegion, c.want)
			}
		}
		for _, bad := range []string{"XX", "TUR", "EU", "9", "ZZ"} {
			_, err := f.org.Update(as(f.admin), org.SettingsPatch{PhoneRegion: ptr(bad)})
			e := wantCode(t, err, apperr.CodeInvalid, "")
			if e.Fields["phone_region"].Key != "validation.phone_region" {
				t.Fatalf("Update(%q) fields = %v", bad, e.Fields)
			}
		}
		_, err := f.org.Update(as(f.agent), org.SettingsPatch{PhoneRegion: ptr("TR")})
		wantCode(t, err, apperr.CodeForbidden, "")
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'org.update' AND CAST(changes AS TEXT) LIKE '%phone_region%'"); n != 7 {
			t.Fatalf("%d audited region changes, want 7", n)
		}
		if org.PhoneExample("TR") == "" || org.PhoneExample("") != "" {
			t.Fatal("PhoneExample")
		}
	})
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Writer.QueryRow(d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
