package i18n_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
)

func newBundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShellCatalog(t *testing.T) {
	i18ntest.CheckCatalog(t, os.DirFS("."), "locales")
}

func TestSupported(t *testing.T) {
	got := i18n.Supported()
	want := []i18n.Locale{
		{Tag: "en", Name: "English", Dir: "ltr"},
		{Tag: "tr", Name: "Türkçe", Dir: "ltr"},
		{Tag: "fr", Name: "Français", Dir: "ltr"},
		{Tag: "fi", Name: "Suomi", Dir: "ltr"},
		{Tag: "ja", Name: "日本語", Dir: "ltr"},
		{Tag: "fa", Name: "فارسی", Dir: "rtl"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Supported() = %v", got)
	}
	got[0].Name = "changed"
	if i18n.Supported()[0].Name != "English" {
		t.Fatal("Supported returns shared state")
	}
}

func TestNewBundle(t *testing.T) {
	tests := []struct {
		lang    string
		wantErr bool
		want    string // Localizer of an unsupported language
	}{
		{"", false, "en"},
		{"en", false, "en"},
		{"fa", false, "fa"},
		{"fr-CA", false, "fr"},
		{"pt", true, ""},
		{"!!", true, ""},
	}
	for _, tt := range tests {
		b, err := i18n.NewBundle(tt.lang)
		if (err != nil) != tt.wantErr {
			t.Errorf("NewBundle(%q) error = %v", tt.lang, err)
			continue
		}
		if err == nil {
			if got := b.Localizer("pt").Lang(); got != tt.want {
				t.Errorf("NewBundle(%q).Localizer(pt).Lang() = %q, want %q", tt.lang, got, tt.want)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	b := newBundle(t)
	tests := []struct {
		user, accept, org string
		want              string
	}{
		{"tr", "fr", "fi", "tr"},
		{"fa-IR", "", "", "fa"},
		{"FR_ca", "", "", "fr"},
		{"pt", "ja", "fi", "ja"},                    // unsupported user setting ignored
		{"", "fr-CA,fr;q=0.9", "", "fr"},            // region variant
		{"", "fr-CA,fr;q=0.9,en;q=0.8", "", "fr"},   //
		{"", "pt", "fi", "fi"},                      // unsupported: org default
		{"", "pt-BR,pt;q=0.9,fr;q=0.5", "", "fr"},   // later preference
		{"", "de-DE,de;q=0.9,en;q=0.5", "", "en"},   //
		{"", "ar", "tr", "tr"},                      // Arabic is not Persian
		{"", "en-GB", "fa", "en"},                   //
		{"", "ja-JP", "", "ja"},                     //
		{"", "*", "fi", "fi"},                       // wildcard says nothing
		{"", "fr;q=0", "fi", "fi"},                  // q=0 means "not French"
		{"", "", "", "en"},                          // bundle default
		{"", "", "xx", "en"},                        // unsupported org default
		{"💥", ";;;q=,,, ", "\x00", "en"},            // garbage
		{"", strings.Repeat("fr,", 1000), "", "en"}, // oversized header ignored
		{"", "zh-Hant-TW, tr;q=0.2", "", "tr"},      //
	}
	for _, tt := range tests {
		if got := b.Match(tt.user, tt.accept, tt.org); got != tt.want {
			t.Errorf("Match(%q, %q, %q) = %q, want %q", tt.user, tt.accept, tt.org, got, tt.want)
		}
	}

	fb, err := i18n.NewBundle("fi")
	if err != nil {
		t.Fatal(err)
	}
	if got := fb.Match("", "pt", ""); got != "fi" {
		t.Errorf("bundle default: got %q, want fi", got)
	}
}

func FuzzMatch(f *testing.F) {
	b := newBundle(f)
	for _, s := range []string{"fr-CA,fr;q=0.9", "en;q=x", "-", "x-private-use", "en-u-ca-persian", "fa-Arab-IR"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, user, accept string) {
		got := b.Match(user, accept, "")
		if b.Localizer(got).Lang() != got {
			t.Fatalf("Match returned unsupported %q", got)
		}
	})
}

func TestLocalizer(t *testing.T) {
	b := newBundle(t)
	tests := []struct{ lang, wantLang, wantDir string }{
		{"fa", "fa", "rtl"},
		{"fa-AF", "fa", "rtl"},
		{"ja", "ja", "ltr"},
		{"pt", "en", "ltr"},
		{"", "en", "ltr"},
	}
	for _, tt := range tests {
		l := b.Localizer(tt.lang)
		if l.Lang() != tt.wantLang || l.Dir() != tt.wantDir {
			t.Errorf("Localizer(%q) = %s/%s, want %s/%s", tt.lang, l.Lang(), l.Dir(), tt.wantLang, tt.wantDir)
		}
	}
}

func TestT(t *testing.T) {
	b := newBundle(t)
	tests := []struct {
		lang, id string
		args     []any
		want     string
	}{
		{"en", "nav.people", nil, "People"},
		{"tr", "nav.people", nil, "Kişiler"},
		{"ja", "nav.people", nil, "人物"},
		{"fa", "nav.people", nil, "افراد"},
		{"en", "home.welcome", []any{"Name", "Ada"}, "Welcome, Ada"},
		{"fr", "error.server", []any{"Ref", "9f3c"}, "Une erreur s'est produite de notre côté. Référence\u00a0: 9f3c"},
		{"fi", "validation.too_long", []any{"Max", 1000}, "Enintään 1\u00a0000 merkkiä."},
		{"fa", "validation.password_too_short", []any{"Min", 12}, "گذرواژه باید دست\u200cکم ۱۲ نویسه باشد."},
		// "Count" in the data selects the plural form.
		{"en", "search.results", []any{"Count", 1}, "1 result"},
		{"en", "search.results", []any{"Count", int64(3)}, "3 results"},
		{"en", "search.results", []any{"Count", "1"}, "1 result"},
		{"en", "search.results", []any{"Count", 1.5}, "1.5 results"},
		{"fr", "search.results", []any{"Count", 1.5}, "1,5 résultat"},
		{"en", "search.results", []any{"Count", "lots"}, "lots results"}, // not a number: "other"
		// Plural message without a count: "other".
		{"en", "search.results", nil, "<no value> results"},
		// Count given to a plain string is only data.
		{"en", "nav.home", []any{"Count", 1}, "Home"},
		// Odd and non-string keys are tolerated.
		{"en", "home.welcome", []any{"Name", "Ada", "dangling"}, "Welcome, Ada"},
		{"en", "nav.home", []any{42, "x"}, "Home"},
		// Missing everywhere: the ID itself.
		{"en", "no.such.message", nil, "no.such.message"},
		{"fa", "no.such.message", []any{"Count", 2}, "no.such.message"},
	}
	for _, tt := range tests {
		if got := b.Localizer(tt.lang).T(tt.id, tt.args...); got != tt.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tt.lang, tt.id, tt.args, got, tt.want)
		}
	}
}

func TestN(t *testing.T) {
	b := newBundle(t)
	tests := []struct {
		lang, id string
		n        int
		args     []any
		want     string
	}{
		{"en", "search.results", 0, nil, "0 results"},
		{"en", "search.results", 1, nil, "1 result"},
		{"en", "search.results", 1234, nil, "1,234 results"},
		{"fr", "search.results", 0, nil, "0 résultat"},
		{"fr", "search.results", 1, nil, "1 résultat"},
		{"fr", "search.results", 2, nil, "2 résultats"},
		{"fr", "search.results", 1_000_000, nil, "1\u202f000\u202f000 de résultats"},
		{"fr", "search.results", 1_000_001, nil, "1\u202f000\u202f001 résultats"},
		{"fi", "search.results", 0, nil, "0 tulosta"},
		{"fi", "search.results", 1, nil, "1 tulos"},
		{"fi", "search.results", 5, nil, "5 tulosta"},
		{"tr", "search.results", 5, nil, "5 sonuç"},
		{"ja", "search.results", 1, nil, "1 件の結果"},
		{"fa", "search.results", 0, nil, "۰ نتیجه"},
		{"fa", "search.results", 21, nil, "۲۱ نتیجه"},
		{"en", "signin.throttled", 1, []any{"Minutes", 1}, "Too many attempts. Try again in 1 minute."},
		{"en", "signin.throttled", 15, []any{"Minutes", 15}, "Too many attempts. Try again in 15 minutes."},
		{"fi", "home.active_volunteers", 1, nil, "1 aktiivinen vapaaehtoinen"},
		{"fi", "home.active_volunteers", 2, nil, "2 aktiivista vapaaehtoista"},
		{"en", "home.people", -1, nil, "-1 person"}, // CLDR uses the absolute value
	}
	for _, tt := range tests {
		if got := b.Localizer(tt.lang).N(tt.id, tt.n, tt.args...); got != tt.want {
			t.Errorf("%s N(%q, %d) = %q, want %q", tt.lang, tt.id, tt.n, got, tt.want)
		}
	}
}

func TestPluralForms(t *testing.T) {
	want := map[string][]string{
		"en": {"one", "other"},
		"tr": {"one", "other"},
		"fr": {"one", "many", "other"},
		"fi": {"one", "other"},
		"ja": {"other"},
		"fa": {"one", "other"},
	}
	for lang, w := range want {
		if got := i18n.PluralForms(lang); !slices.Equal(got, w) {
			t.Errorf("PluralForms(%s) = %v, want %v", lang, got, w)
		}
	}
	if got := i18n.PluralForms("xx"); got != nil {
		t.Errorf("PluralForms(xx) = %v", got)
	}
}

// formsFS is a catalog whose plural texts name their form, to observe which
// form N and T select in every locale.
var formsFS = func() fstest.MapFS {
	texts := map[string]string{
		"en": "one = \"one {{.Count}}\"\nother = \"other {{.Count}}\"",
		"tr": "one = \"one {{.Count}}\"\nother = \"other {{.Count}}\"",
		"fr": "one = \"one {{.Count}}\"\nmany = \"many {{.Count}}\"\nother = \"other {{.Count}}\"",
		"fi": "one = \"one {{.Count}}\"\nother = \"other {{.Count}}\"",
		"ja": "other = \"other {{.Count}}\"",
		"fa": "one = \"one {{.Count}}\"\nother = \"other {{.Count}}\"",
	}
	fsys := fstest.MapFS{}
	for lang, body := range texts {
		fsys["locales/"+lang+".toml"] = &fstest.MapFile{Data: []byte("[test.forms]\n" + body + "\n")}
	}
	return fsys
}()

func TestPluralFormSelection(t *testing.T) {
	b := newBundle(t)
	if err := b.AddCatalog(formsFS, "locales"); err != nil {
		t.Fatal(err)
	}
	// Expected form for each count, per locale (CLDR 42+ rules via go-i18n).
	counts := []int{0, 1, 2, 5, 11, 21, 100, 101, 1_000_000, 2_000_000, 1_000_100}
	want := map[string][]string{
		"en": {"other", "one", "other", "other", "other", "other", "other", "other", "other", "other", "other"},
		"tr": {"other", "one", "other", "other", "other", "other", "other", "other", "other", "other", "other"},
		"fi": {"other", "one", "other", "other", "other", "other", "other", "other", "other", "other", "other"},
		"fr": {"one", "one", "other", "other", "other", "other", "other", "other", "many", "many", "other"},
		"ja": {"other", "other", "other", "other", "other", "other", "other", "other", "other", "other", "other"},
		"fa": {"one", "one", "other", "other", "other", "other", "other", "other", "other", "other", "other"},
	}
	for lang, forms := range want {
		l := b.Localizer(lang)
		for i, n := range counts {
			gotN := strings.Fields(l.N("test.forms", n))[0]
			gotT := strings.Fields(l.T("test.forms", "Count", n))[0]
			gotRule := i18n.PluralFormOf(lang, int64(n))
			if gotN != forms[i] || gotT != forms[i] || gotRule != forms[i] {
				t.Errorf("%s count %d: N %s, T %s, PluralFormOf %s; want %s", lang, n, gotN, gotT, gotRule, forms[i])
			}
		}
	}
	if got := b.Localizer("fa").N("test.forms", 0); got != "one ۰" {
		t.Errorf("fa N(0) = %q", got)
	}
}

func TestAddCatalog(t *testing.T) {
	cat := func(files map[string]string) fstest.MapFS {
		fsys := fstest.MapFS{}
		for name, body := range files {
			fsys["people/locales/"+name] = &fstest.MapFile{Data: []byte(body)}
		}
		return fsys
	}
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"ok", map[string]string{"en.toml": `people.title = "People"`, "fr.toml": `people.title = "Personnes"`}, ""},
		{"duplicate of shell", map[string]string{"en.toml": `nav.home = "Start"`}, `"nav.home" already defined`},
		{"unsupported locale", map[string]string{"en.toml": `x.y = "z"`, "pt.toml": `x.y = "z"`}, `"pt" is not a supported locale`},
		{"region in file name", map[string]string{"fr_FR.toml": `x.y = "z"`}, "not a supported locale"},
		{"bad toml", map[string]string{"en.toml": `x.y = "unterminated`}, "en.toml"},
		{"mixed keys", map[string]string{"en.toml": "[x]\none = \"a\"\nfoo = \"b\""}, "reserved keys"},
		{"empty", map[string]string{}, "no *.toml catalogs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBundle(t)
			err := b.AddCatalog(cat(tt.files), "people/locales")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			// All or nothing: nothing of a failed catalog is visible.
			if got := b.Localizer("en").T("x.y"); got != "x.y" {
				t.Errorf("failed catalog partly loaded: %q", got)
			}
		})
	}

	t.Run("fallback to English", func(t *testing.T) {
		b := newBundle(t)
		if err := b.AddCatalog(cat(map[string]string{"en.toml": `people.title = "People"`, "fr.toml": `people.title = "Personnes"`}), "people/locales"); err != nil {
			t.Fatal(err)
		}
		if got := b.Localizer("fr").T("people.title"); got != "Personnes" {
			t.Errorf("fr = %q", got)
		}
		if got := b.Localizer("ja").T("people.title"); got != "People" {
			t.Errorf("ja = %q, want English fallback", got)
		}
	})
}

// TestConcurrentAddCatalog renders while catalogs are added (run with -race).
func TestConcurrentAddCatalog(t *testing.T) {
	b := newBundle(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			fsys := fstest.MapFS{"l/en.toml": &fstest.MapFile{Data: []byte(fmt.Sprintf("c%d.x = \"x%d\"", i, i))}}
			if err := b.AddCatalog(fsys, "l"); err != nil {
				t.Error(err)
			}
		}
	}()
	for range 200 {
		for _, lang := range []string{"en", "fa"} {
			l := b.Localizer(lang)
			_ = l.T("nav.home")
			_ = l.N("search.results", 3)
			_ = l.T("c19.x")
		}
	}
	<-done
	if got := b.Localizer("fa").T("c19.x"); got != "x19" {
		t.Errorf("late catalog: %q", got)
	}
}

func TestMissingLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	l := newBundle(t).Localizer("tr")
	for range 5 {
		if got := l.T("nowhere.to.be.found"); got != "nowhere.to.be.found" {
			t.Fatalf("got %q", got)
		}
	}
	if n := strings.Count(buf.String(), "id=nowhere.to.be.found"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, buf.String())
	}
}

func TestNilLocalizerAndContext(t *testing.T) {
	var l *i18n.Localizer
	if got := l.T("nav.home"); got != "Home" {
		t.Errorf("nil T = %q", got)
	}
	if l.Lang() != "en" || l.Dir() != "ltr" || l.Number(1000) != "1,000" {
		t.Error("nil localizer is not English")
	}

	ctx := context.Background()
	def := i18n.FromContext(ctx)
	if def == nil || def.Lang() != "en" {
		t.Fatalf("FromContext(empty) = %v", def)
	}
	fa := newBundle(t).Localizer("fa")
	if got := i18n.FromContext(i18n.WithLocalizer(ctx, fa)); got != fa {
		t.Errorf("FromContext did not return the stored localizer")
	}
	if got := i18n.FromContext(i18n.WithLocalizer(ctx, nil)); got == nil || got.Lang() != "en" {
		t.Errorf("FromContext(nil localizer) = %v", got)
	}
}

func BenchmarkT(b *testing.B) {
	l := newBundle(b).Localizer("fr")
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = l.T("nav.people")
		}
	})
	b.Run("data", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = l.T("home.welcome", "Name", "Ada")
		}
	})
	b.Run("plural", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = l.N("search.results", 1234)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = l.N("search.results", 1234)
			}
		})
	})
}
