package i18n

import (
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// pluralFormOrder is CLDR's order of plural categories.
var pluralFormOrder = []string{"zero", "one", "two", "few", "many", "other"}

// The plural rules live in go-i18n's internal package, so they are observed
// rather than read: a probe bundle holds, per locale, a message whose every
// form renders its own name, and localizing it with a count reveals the
// form go-i18n (and so every T and N call) picks.
var probe struct {
	once  sync.Once
	loc   map[string]*goi18n.Localizer
	forms map[string][]string
}

// probeCounts covers every category of the six locales: 0–1000 for the
// integer rules, millions for French "many" (CLDR 42+: "1 000 000 de …"),
// and decimals for rules that depend on visible fraction digits.
var probeCounts = func() []any {
	c := make([]any, 0, 1020)
	for i := range int64(1001) {
		c = append(c, i)
	}
	for _, n := range []int64{1_000_000, 2_000_000, 1_000_000_000} {
		c = append(c, n)
	}
	for _, s := range []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "1.25", "10.1", "1000000.0"} {
		c = append(c, s)
	}
	return c
}()

func loadProbe() {
	probe.once.Do(func() {
		b := goi18n.NewBundle(language.English)
		probe.loc = map[string]*goi18n.Localizer{}
		probe.forms = map[string][]string{}
		for _, l := range supported {
			_ = b.AddMessages(language.Make(l.Tag), &goi18n.Message{ID: "p",
				Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"})
		}
		for _, l := range supported {
			loc := goi18n.NewLocalizer(b, l.Tag)
			probe.loc[l.Tag] = loc
			used := map[string]bool{}
			for _, c := range probeCounts {
				used[probeForm(loc, c)] = true
			}
			for _, f := range pluralFormOrder {
				if used[f] {
					probe.forms[l.Tag] = append(probe.forms[l.Tag], f)
				}
			}
		}
	})
}

func probeForm(loc *goi18n.Localizer, count any) string {
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: "p", PluralCount: count})
	if err != nil {
		return "other"
	}
	return s
}

// PluralForms returns the CLDR plural categories that lang's rules use, in
// CLDR order ("one", "many", "other" for fr; "other" for ja); a plural
// message needs a text for each. It returns nil for unsupported languages.
func PluralForms(lang string) []string {
	loadProbe()
	return append([]string(nil), probe.forms[lang]...)
}

// PluralFormOf returns the plural category lang's rules pick for n, e.g.
// PluralFormOf("fa", 0) == "one"; "" for unsupported languages.
func PluralFormOf(lang string, n int64) string {
	loadProbe()
	loc, ok := probe.loc[lang]
	if !ok {
		return ""
	}
	return probeForm(loc, n)
}
