package peopleui

import (
	"io/fs"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// TestTenureGolden renders tenure phrases as the profile shows them, in every
// language: Persian months and years are Solar Hijri, with Persian digits.
func TestTenureGolden(t *testing.T) {
	b, err := i18n.NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []fs.FS{people.Locales, Locales} {
		if err := b.AddCatalog(c, "locales"); err != nil {
			t.Fatal(err)
		}
	}
	d := func(y int, m time.Month, day int) people.Date {
		return people.DateOf(time.Date(y, m, day, 0, 0, 0, 0, time.UTC))
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ten := people.ComputeTenure([]people.Role{
		{Role: "donor", Start: d(2017, 3, 5)},                                      // 14 Esfand 1395
		{Role: "volunteer", Start: d(2026, 4, 10)},                                 // 21 Farvardin 1405
		{Role: "client", Start: d(2015, 1, 1), End: people.DatePtr(d(2016, 1, 1))}, // former
	}, now)
	type want struct{ supporter, donor, volunteer, client string }
	golden := map[string]want{
		"en": {"Supporter since March 2017", "Donor for 9 years", "Volunteer since April 2026", "Former client"},
		"fr": {"Soutien depuis mars 2017", "Donateur·rice depuis 9 ans", "Bénévole depuis avril 2026", "Ancien·ne bénéficiaire"},
		"tr": {"Mart 2017 tarihinden beri destekçi", "9 yıldır bağışçı", "Nisan 2026 tarihinden beri gönüllü", "Eski danışan"},
		"fi": {"Tukija maaliskuusta 2017 lähtien", "Lahjoittajana 9 vuoden ajan", "Vapaaehtoinen huhtikuusta 2026 alkaen", "Entinen asiakas"},
		"ja": {"2017年3月からのご支援", "寄付歴 9 年", "2026年4月からボランティア", "元利用者"},
		"fa": {"حامی از اسفند ۱۳۹۵", "۹ سال نیکوکار", "داوطلب از فروردین ۱۴۰۵", "مددجوی پیشین"},
	}
	for lang, w := range golden {
		t.Run(lang, func(t *testing.T) {
			l := b.Localizer(lang)
			sm, ok := ten.SupporterMessage(lang)
			if !ok {
				t.Fatal("no supporter message")
			}
			got := want{supporter: msg(l, sm.Key, sm.Args)}
			for _, f := range ten.Facts {
				m := f.Message(lang)
				phrase := msg(l, m.Key, m.Args)
				switch f.Role {
				case "donor":
					got.donor = phrase
				case "volunteer":
					got.volunteer = phrase
				case "client":
					got.client = phrase
				}
			}
			if got != w {
				t.Errorf("got  %q\nwant %q", got, w)
			}
		})
	}
}
