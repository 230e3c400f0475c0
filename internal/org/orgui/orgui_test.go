package orgui

import (
	"testing"

	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
)

func TestCatalog(t *testing.T) { i18ntest.CheckCatalog(t, Locales, "locales") }

// TestRegionOptions checks that regions are named and sorted in the viewer's
// language.
func TestRegionOptions(t *testing.T) {
	cases := []struct{ lang, code, label string }{
		{"en", "FI", "Finland (FI)"},
		{"fr", "FI", "Finlande (FI)"},
		{"ja", "JP", "日本 (JP)"},
		{"fa", "IR", "ایران (IR)"},
		{"tr", "US", "Amerika Birleşik Devletleri (US)"},
		{"fi", "FR", "Ranska (FR)"},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			opts := regionOptions(c.lang)
			if len(opts) < 200 {
				t.Fatalf("%d regions", len(opts))
			}
			found := false
			for _, o := range opts {
				if o.Value == c.code {
					found = true
					if o.Label != c.label {
						t.Errorf("%s = %q, want %q", c.code, o.Label, c.label)
					}
				}
			}
			if !found {
				t.Errorf("%s missing", c.code)
			}
		})
	}
}
