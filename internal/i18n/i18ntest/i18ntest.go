// Package i18ntest checks message catalogs in tests. Every package with a
// locales/ directory calls CheckCatalog from a test, so a missing key,
// plural form or placeholder fails CI instead of showing up in production.
package i18ntest

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/hearken-org/hearken/internal/i18n"
)

// Option adjusts CheckCatalog.
type Option func(*config)

type config struct {
	allowIdentical map[string]bool
}

// AllowIdentical lets the listed message IDs be byte-identical to English in
// other locales (brand names, product terms that are not translated).
func AllowIdentical(ids ...string) Option {
	return func(c *config) {
		for _, id := range ids {
			c.allowIdentical[id] = true
		}
	}
}

// identicalMinLen is the length above which a non-English string equal to
// the English one is taken for an untranslated copy. Short labels such as
// "Action", "Dons" or "OK" are legitimately the same in several languages.
const identicalMinLen = 12

// message holds the texts of one message by plural form; a plain string
// is the "other" form.
type message struct {
	forms map[string]string
}

func (m message) plural() bool {
	for f := range m.forms {
		if f != "other" {
			return true
		}
	}
	return false
}

// CheckCatalog reports (with t.Errorf, so every problem is listed at once)
// a catalog in fsys under dir, named <lang>.toml for the six locales, that:
//   - lacks a locale file, has a file for another locale, or does not parse;
//   - has a key in one locale that another lacks;
//   - has a plural message missing a form that the locale's CLDR rules
//     need, or carrying a form the rules never select;
//   - uses a different set of {{.Placeholders}} in one locale than in
//     English, or has a template that does not parse or an empty text;
//   - has a plural form covering several numbers (such as fr or fa "one",
//     which covers 0 and 1) that omits a placeholder of the "other" form,
//     so the number would not be shown;
//   - has a non-English text longer than 12 bytes identical to English,
//     a copy-paste left untranslated, unless allowed with AllowIdentical
//     or made only of placeholders, digits and punctuation.
func CheckCatalog(t testing.TB, fsys fs.FS, dir string, opts ...Option) {
	t.Helper()
	cfg := config{allowIdentical: map[string]bool{}}
	for _, o := range opts {
		o(&cfg)
	}

	locales := i18n.Supported()
	catalogs := map[string]map[string]message{}
	for _, loc := range locales {
		p := path.Join(dir, loc.Tag+".toml")
		msgs, err := readCatalog(fsys, p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		catalogs[loc.Tag] = msgs
	}
	if paths, err := fs.Glob(fsys, path.Join(dir, "*.toml")); err == nil {
		for _, p := range paths {
			lang := strings.TrimSuffix(path.Base(p), ".toml")
			if !slices.ContainsFunc(locales, func(l i18n.Locale) bool { return l.Tag == lang }) {
				t.Errorf("%s: %q is not a supported locale", p, lang)
			}
		}
	}
	if len(catalogs) == 0 {
		return
	}

	// Union of keys, and whether each is plural anywhere.
	plural := map[string]bool{}
	for _, msgs := range catalogs {
		for id, m := range msgs {
			plural[id] = plural[id] || m.plural()
		}
	}
	ids := make([]string, 0, len(plural))
	for id := range plural {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	english := catalogs["en"]
	for _, loc := range locales {
		lang := loc.Tag
		msgs, ok := catalogs[lang]
		if !ok {
			continue
		}
		file := path.Join(dir, lang+".toml")
		needed := i18n.PluralForms(lang)
		wide := multiValueForms(lang)
		for _, id := range ids {
			m, ok := msgs[id]
			if !ok {
				t.Errorf("%s: missing %q", file, id)
				continue
			}
			fieldsByForm := map[string][]string{}
			for form, text := range m.forms {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s: %q: empty %s text", file, id, form)
					continue
				}
				fields, err := placeholders(text)
				if err != nil {
					t.Errorf("%s: %q (%s): template does not parse: %v", file, id, form, err)
					continue
				}
				fieldsByForm[form] = fields
			}
			if plural[id] {
				for _, f := range needed {
					if m.forms[f] == "" {
						t.Errorf("%s: %q: missing plural form %q (%s needs %s)", file, id, f, lang, strings.Join(needed, ", "))
					}
				}
				for f := range m.forms {
					if !slices.Contains(needed, f) {
						t.Errorf("%s: %q: plural form %q is never used in %s (it uses %s)", file, id, f, lang, strings.Join(needed, ", "))
					}
				}
				for f := range wide {
					if _, ok := fieldsByForm[f]; !ok {
						continue
					}
					for _, p := range fieldsByForm["other"] {
						if !slices.Contains(fieldsByForm[f], p) {
							t.Errorf("%s: %q: form %q covers several numbers in %s but does not show {{.%s}}", file, id, f, lang, p)
						}
					}
				}
			}

			if lang == "en" {
				continue
			}
			if en, ok := english[id]; ok {
				got, want := union(fieldsByForm), union(placeholderMap(en))
				if !slices.Equal(got, want) {
					t.Errorf("%s: %q: placeholders %v, English has %v", file, id, got, want)
				}
				if cfg.allowIdentical[id] {
					continue
				}
				for form, text := range m.forms {
					if text == en.forms[form] && len(text) > identicalMinLen && hasWords(text) {
						t.Errorf("%s: %q (%s) is identical to English %q: untranslated copy? (allow with i18ntest.AllowIdentical)", file, id, form, text)
					}
				}
			}
		}
	}
}

func readCatalog(fsys fs.FS, p string) (map[string]message, error) {
	buf, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	parsed, err := goi18n.ParseMessageBytes(buf, toml.Unmarshal)
	if err != nil {
		return nil, err
	}
	msgs := make(map[string]message, len(parsed))
	for _, m := range parsed {
		forms := map[string]string{}
		for name, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two,
			"few": m.Few, "many": m.Many, "other": m.Other} {
			if text != "" {
				forms[name] = text
			}
		}
		if len(forms) == 0 {
			// go-i18n reads {description = "…"} as a message without text:
			// an ID ending in a reserved word such as ".description".
			forms["other"] = ""
		}
		msgs[m.ID] = message{forms: forms}
	}
	return msgs, nil
}

// placeholders returns the sorted top-level fields ({{.Name}}) a template uses.
func placeholders(text string) ([]string, error) {
	trees, err := parse.Parse("m", text, "", "", map[string]any{})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			seen[n.Ident[0]] = true
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		}
	}
	for _, tree := range trees {
		walk(tree.Root)
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

func placeholderMap(m message) map[string][]string {
	out := map[string][]string{}
	for form, text := range m.forms {
		if fields, err := placeholders(text); err == nil {
			out[form] = fields
		}
	}
	return out
}

func union(byForm map[string][]string) []string {
	seen := map[string]bool{}
	for _, fields := range byForm {
		for _, f := range fields {
			seen[f] = true
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// hasWords reports whether text has letters outside {{…}} actions, so
// "{{.Count}} / {{.Total}}" may legitimately be the same everywhere.
func hasWords(text string) bool {
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			break
		}
		text = text[:i] + text[i+j+2:]
	}
	return strings.IndexFunc(text, unicode.IsLetter) >= 0
}

var (
	wideOnce  sync.Once
	wideForms map[string]map[string]bool
)

// multiValueForms returns lang's plural forms that cover more than one
// integer (fa "one" is 0 and 1; fr "many" is every round million).
func multiValueForms(lang string) map[string]bool {
	wideOnce.Do(func() {
		wideForms = map[string]map[string]bool{}
		for _, loc := range i18n.Supported() {
			count := map[string]int{}
			for n := range int64(1001) {
				count[i18n.PluralFormOf(loc.Tag, n)]++
			}
			for _, n := range []int64{1_000_000, 2_000_000} {
				count[i18n.PluralFormOf(loc.Tag, n)]++
			}
			wideForms[loc.Tag] = map[string]bool{}
			for f, c := range count {
				if c > 1 && f != "other" {
					wideForms[loc.Tag][f] = true
				}
			}
		}
	})
	return wideForms[lang]
}
