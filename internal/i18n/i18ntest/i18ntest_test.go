package i18ntest

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// recorder collects Errorf calls so failing catalogs can be tested.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// good is a complete, valid catalog; cases below break one file.
var good = map[string]string{
	"en": `
brand = "Hearken"
people.title = "People of your organisation"
people.greeting = "Hello, {{.Name}}"
[people.count]
one = "{{.Count}} person"
other = "{{.Count}} people"
`,
	"tr": `
brand = "Hearken"
people.title = "Kuruluşunuzun kişileri"
people.greeting = "Merhaba, {{.Name}}"
[people.count]
one = "{{.Count}} kişi"
other = "{{.Count}} kişi"
`,
	"fr": `
brand = "Hearken"
people.title = "Les personnes de votre organisation"
people.greeting = "Bonjour, {{.Name}}"
[people.count]
one = "{{.Count}} personne"
many = "{{.Count}} de personnes"
other = "{{.Count}} personnes"
`,
	"fi": `
brand = "Hearken"
people.title = "Organisaatiosi henkilöt"
people.greeting = "Hei, {{.Name}}"
[people.count]
one = "{{.Count}} henkilö"
other = "{{.Count}} henkilöä"
`,
	"ja": `
brand = "Hearken"
people.title = "組織の人物"
people.greeting = "こんにちは、{{.Name}} さん"
[people.count]
other = "{{.Count}} 人"
`,
	"fa": `
brand = "Hearken"
people.title = "افراد سازمان شما"
people.greeting = "سلام، {{.Name}}"
[people.count]
one = "{{.Count}} نفر"
other = "{{.Count}} نفر"
`,
}

func catalog(edit func(files map[string]string)) fstest.MapFS {
	files := map[string]string{}
	for k, v := range good {
		files[k] = v
	}
	if edit != nil {
		edit(files)
	}
	fsys := fstest.MapFS{}
	for lang, body := range files {
		fsys["locales/"+lang+".toml"] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func replace(lang, old, new string) func(map[string]string) {
	return func(f map[string]string) { f[lang] = strings.Replace(f[lang], old, new, 1) }
}

func TestCheckCatalog(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]string)
		opts []Option
		want []string // substrings of the expected errors; none means valid
	}{
		{"valid", nil, nil, nil},
		{"missing file", func(f map[string]string) { delete(f, "fi") }, nil,
			[]string{"locales/fi.toml: open"}},
		{"unsupported file", func(f map[string]string) { f["de"] = good["en"] }, nil,
			[]string{`"de" is not a supported locale`}},
		{"parse error", replace("tr", `brand = "Hearken"`, `brand = "Hearken`), nil,
			[]string{"locales/tr.toml"}},
		{"missing key", replace("ja", `people.title = "組織の人物"`, ""), nil,
			[]string{`ja.toml: missing "people.title"`}},
		{"extra key", replace("fa", `brand = "Hearken"`, "brand = \"Hearken\"\nextra = \"اضافی\""), nil,
			[]string{`en.toml: missing "extra"`, `tr.toml: missing "extra"`, `ja.toml: missing "extra"`}},
		{"french many missing", replace("fr", "many = \"{{.Count}} de personnes\"\n", ""), nil,
			[]string{`fr.toml: "people.count": missing plural form "many"`}},
		{"plain string where plural", replace("fi", "[people.count]\none = \"{{.Count}} henkilö\"\nother", "[people.count]\nother"), nil,
			[]string{`fi.toml: "people.count": missing plural form "one"`}},
		{"unused form", replace("ja", "[people.count]\n", "[people.count]\none = \"{{.Count}} 人\"\n"), nil,
			[]string{`ja.toml: "people.count": plural form "one" is never used`}},
		{"placeholder renamed", replace("tr", "{{.Name}}", "{{.Isim}}"), nil,
			[]string{`tr.toml: "people.greeting": placeholders [Isim], English has [Name]`}},
		{"placeholder dropped", replace("ja", "{{.Name}} さん", "さん"), nil,
			[]string{`ja.toml: "people.greeting": placeholders [], English has [Name]`}},
		{"persian one hides the number", replace("fa", `one = "{{.Count}} نفر"`, `one = "یک نفر"`), nil,
			[]string{`fa.toml: "people.count": form "one" covers several numbers in fa but does not show {{.Count}}`}},
		{"english one may omit the number", replace("en", `one = "{{.Count}} person"`, `one = "One person"`), nil, nil},
		{"bad template", replace("fi", "{{.Name}}", "{{.Name"), nil,
			[]string{`fi.toml: "people.greeting" (other): template does not parse`}},
		{"empty text", replace("fr", `"Bonjour, {{.Name}}"`, `""`), nil,
			[]string{`fr.toml: "people.greeting": empty other text`}},
		{"reserved word as id", replace("en", "brand = ", "brand.description = "), nil,
			[]string{`en.toml: "brand": empty other text`}},
		{"copied english", replace("fi", `"Organisaatiosi henkilöt"`, `"People of your organisation"`), nil,
			[]string{`fi.toml: "people.title" (other) is identical to English`}},
		{"copied english allowed", replace("fi", `"Organisaatiosi henkilöt"`, `"People of your organisation"`),
			[]Option{AllowIdentical("people.title")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			CheckCatalog(rec, catalog(tt.edit), "locales", tt.opts...)
			if len(tt.want) == 0 && len(rec.errs) > 0 {
				t.Fatalf("unexpected errors:\n%s", strings.Join(rec.errs, "\n"))
			}
			for _, w := range tt.want {
				found := false
				for _, e := range rec.errs {
					found = found || strings.Contains(e, w)
				}
				if !found {
					t.Errorf("missing error containing %q; got:\n%s", w, strings.Join(rec.errs, "\n"))
				}
			}
		})
	}
}
