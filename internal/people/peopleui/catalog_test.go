package peopleui

import (
	"io/fs"
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
	i18ntest.CheckCatalog(t, Locales, "locales")
	b, err := i18n.NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []fs.FS{people.Locales, Locales} {
		if err := b.AddCatalog(c, "locales"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEveryKeyInCatalog checks that every message key the UI uses, literal or
// built from a status or kind, is in the English catalog (this one's or the
// people service's).
func TestEveryKeyInCatalog(t *testing.T) {
	var catalog strings.Builder
	for _, c := range []fs.FS{people.Locales, Locales} {
		b, err := fs.ReadFile(c, "locales/en.toml")
		if err != nil {
			t.Fatal(err)
		}
		catalog.Write(b)
	}
	has := func(k string) bool { return strings.Contains(catalog.String(), `"`+k+`"`) }
	keyRe := regexp.MustCompile(`"((?:peopleui|people|nav|common|search|pagination|error)\.[a-z_]+(?:\.[a-z_]+)*)"`)
	files, _ := filepath.Glob("*.go")
	tpls, _ := filepath.Glob("templates/*.html")
	shell, err := os.ReadFile("../../i18n/locales/en.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, tpls...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			k := m[1]
			if strings.HasSuffix(k, "_") || strings.Count(k, ".") < 1 {
				continue
			}
			if !has(k) && !strings.Contains(string(shell), "\n"+k+" =") && !strings.Contains(string(shell), "["+k+"]") {
				t.Errorf("%s: %s is in no catalog", f, k)
			}
		}
	}
	var dynamic []string
	for _, s := range []string{"queued", "running", "completed", "failed"} {
		dynamic = append(dynamic, "peopleui.import.status."+s)
	}
	for _, k := range []people.ContactKind{people.Email, people.Phone, people.Address, people.Social} {
		dynamic = append(dynamic, "peopleui.contact."+string(k))
	}
	for _, ty := range []string{people.TypeHome, people.TypeWork, people.TypeMobile, people.TypeOther, "main"} {
		dynamic = append(dynamic, "peopleui.contact_type."+ty)
	}
	for _, k := range []string{people.EventNote, people.EventRoleStart, people.EventRoleEnd, people.EventMerge, people.EventSpecialRequest,
		people.EventImport, people.EventConsent, people.EventCreated} {
		dynamic = append(dynamic, "peopleui.event."+strings.ReplaceAll(k, ".", "_"))
	}
	for _, r := range []string{"email", "phone", "name_postcode", "name_birth_date", "import"} {
		dynamic = append(dynamic, "people.duplicate."+r)
	}
	for _, k := range dynamic {
		if !has(k) {
			t.Errorf("%s is in no catalog", k)
		}
	}
}
