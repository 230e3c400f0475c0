package people_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
	"github.com/hearken-org/hearken/internal/people"
)

func TestCatalog(t *testing.T) {
	i18ntest.CheckCatalog(t, people.Locales, "locales", i18ntest.AllowIdentical("people.channel.sms"))
	b, err := i18n.NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddCatalog(people.Locales, "locales"); err != nil {
		t.Fatal(err)
	}
}

// TestEveryKeyInCatalog checks that each message key the package uses, and
// each one built from a role, status or type, is in the English catalog.
func TestEveryKeyInCatalog(t *testing.T) {
	en, err := people.Locales.ReadFile("locales/en.toml")
	if err != nil {
		t.Fatal(err)
	}
	catalog := string(en)
	has := func(k string) bool { return strings.Contains(catalog, `"`+k+`"`) }
	files, _ := filepath.Glob("*.go")
	keyRe := regexp.MustCompile(`"(people\.[a-z_]+\.[a-z_.]*[a-z])"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			if !has(m[1]) {
				t.Errorf("%s: %s is not in the catalog", f, m[1])
			}
		}
	}
	var dynamic []string
	for _, r := range people.Roles {
		dynamic = append(dynamic, "people.role."+r, "people.event.role_start."+r, "people.event.role_end."+r,
			"people.tenure."+r+".former", "people.tenure."+r+".since", "people.tenure."+r+".years")
	}
	for _, s := range []string{"opt_in", "opt_out", "unknown"} {
		dynamic = append(dynamic, "people.event.consent."+s, "people.consent."+s)
	}
	for _, ty := range []string{"text", "number", "date", "choice"} {
		dynamic = append(dynamic, "people.error.custom_"+ty)
	}
	for _, c := range people.Channels {
		dynamic = append(dynamic, "people.channel."+c)
	}
	for _, p := range people.Purposes {
		dynamic = append(dynamic, "people.purpose."+p)
	}
	for _, s := range people.ClientSubtypes {
		dynamic = append(dynamic, "people.subtype."+s)
	}
	for _, keys := range people.RelationshipTypes {
		dynamic = append(dynamic, keys[0], keys[1])
	}
	for _, k := range dynamic {
		if !has(k) {
			t.Errorf("%s is not in the catalog", k)
		}
	}
}
