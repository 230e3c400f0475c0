package i18n_test

import (
	"fmt"
	"time"

	"github.com/hearken-org/hearken/internal/i18n"
)

func Example() {
	b, err := i18n.NewBundle("en")
	if err != nil {
		panic(err)
	}
	// Locale middleware: user setting, then Accept-Language, then org default.
	lang := b.Match("", "fr-CA,fr;q=0.9,en;q=0.5", "fi")
	l := b.Localizer(lang)

	fmt.Println(lang, l.Dir())
	fmt.Println(l.T("nav.people"))
	fmt.Println(l.T("home.welcome", "Name", "Camille"))
	fmt.Println(l.N("search.results", 1234))
	fmt.Println(l.Date(time.Date(2017, time.March, 5, 0, 0, 0, 0, time.UTC)))

	fa := b.Localizer("fa")
	fmt.Println(fa.Dir(), fa.N("search.results", 0))
	// Output:
	// fr ltr
	// Personnes
	// Bienvenue, Camille
	// 1 234 résultats
	// 5 mars 2017
	// rtl ۰ نتیجه
}

func ExampleDetect() {
	fmt.Println(i18n.Detect("Merhaba, gönüllü olmak istiyorum. Teşekkürler!"))
	fmt.Println(i18n.Detect("こんにちは。寄付について質問があります。"))
	fmt.Println(i18n.Detect("ok"))
	// Output:
	// tr
	// ja
	//
}
