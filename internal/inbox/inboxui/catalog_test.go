package inboxui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
	"github.com/hearken-org/hearken/internal/inbox"
)

func TestCatalog(t *testing.T) {
	i18ntest.CheckCatalog(t, Locales, "locales")
	testBundle(t) // loads beside the inbox's and people's catalogs
}

// TestEveryKeyInCatalog checks that every message key the UI uses, literal
// or built from a status, priority, view or direction, is in a catalog.
func TestEveryKeyInCatalog(t *testing.T) {
	var catalog strings.Builder
	for _, f := range []struct {
		fsys fs.FS
		path string
	}{{Locales, "locales/en.toml"}} {
		b, err := fs.ReadFile(f.fsys, f.path)
		if err != nil {
			t.Fatal(err)
		}
		catalog.Write(b)
	}
	for _, p := range []string{"../locales/en.toml", "../../i18n/locales/en.toml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		catalog.Write(b)
	}
	cat := catalog.String()
	has := func(k string) bool {
		return strings.Contains(cat, `"`+k+`"`) || strings.Contains(cat, "\n"+k+" =")
	}
	keyRe := regexp.MustCompile(`"((?:inboxui|inbox|error)\.[a-z_]+(?:\.[a-z_]+)*)"`)
	files, _ := filepath.Glob("*.go")
	tpls, _ := filepath.Glob("templates/*.html")
	for _, f := range append(files, tpls...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(src), -1) {
			if !has(m[1]) {
				t.Errorf("%s: key %q is in no catalog", f, m[1])
			}
		}
	}
	var built []string
	for _, s := range inbox.Statuses {
		built = append(built, "inboxui.status."+string(s))
	}
	for _, p := range inbox.Priorities {
		built = append(built, "inboxui.priority."+string(p))
	}
	for _, v := range views {
		built = append(built, "inboxui.view."+string(v))
	}
	for _, d := range []inbox.Direction{inbox.DirectionIn, inbox.DirectionOut, inbox.DirectionNote} {
		built = append(built, "inboxui.direction."+string(d))
	}
	for _, k := range built {
		if !has(k) {
			t.Errorf("built key %q is in no catalog", k)
		}
	}
}
