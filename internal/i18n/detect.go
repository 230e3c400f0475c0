package i18n

import (
	"strings"
	"unicode"
)

// Detect guesses the language of free text (an email or form message from a
// new person) so the acknowledgement can be sent in it. It returns a
// supported tag, or "" when the text is too short or the evidence is weak or
// points to an unsupported language; callers then use the org default.
//
// Scripts decide first: kana (with or without kanji) is Japanese; Arabic
// script is Persian. Persian-specific letters (پ چ ژ گ) would tell Persian
// from Arabic, but fa is the only right-to-left locale, so an Arabic message
// is still best answered in fa. Kanji without kana is likely Chinese: "".
// Latin text is scored by distinctive letters (ı ğ ş for Turkish, ä for
// Finnish, é è à for French) and frequent short words; English needs the
// same kind of evidence, so Spanish or German text is not mistaken for it.
// Quoted reply lines ("> …") are ignored.
func Detect(text string) string {
	var kana, han, arabic, latin, other int
	var words []string
	scores := map[string]float64{}

	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue
		}
		var word []rune
		flush := func() {
			if len(word) > 0 {
				words = append(words, string(word))
				word = word[:0]
			}
		}
		for _, r := range line {
			switch {
			case unicode.In(r, unicode.Hiragana, unicode.Katakana):
				kana++
			case unicode.Is(unicode.Han, r):
				han++
			case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
				arabic++
			case unicode.Is(unicode.Latin, r):
				latin++
				if r == 'İ' { // Turkish capital dotted I
					scores["tr"]++
					r = 'i'
				}
				r = unicode.ToLower(r)
				for lang, w := range letterWeights[r] {
					scores[lang] += w
				}
				word = append(word, r)
				continue
			case r == '\'' || r == '’':
				if len(word) > 0 {
					word = append(word, '\'')
					continue
				}
			case unicode.IsLetter(r):
				other++
			}
			flush()
		}
		flush()
	}

	letters := kana + han + arabic + latin + other
	if letters < 2 {
		return ""
	}
	// A share of 30% lets a Japanese or Persian message keep an English
	// signature ("Best regards, …") and still be detected.
	switch {
	case kana > 0 && (kana+han)*10 >= letters*3:
		return "ja"
	case arabic >= 2 && arabic*10 >= letters*3:
		return "fa"
	case latin*2 < letters || latin < 3:
		return "" // Cyrillic, Hangul, Chinese…, or too little text
	}

	for _, w := range words {
		for lang, s := range wordWeights[w] {
			scores[lang] += s
		}
		// French elision: j'ai, l'association, qu'il, m'indiquer.
		if pre, rest, ok := strings.Cut(w, "'"); ok && rest != "" && frenchElision[pre] {
			scores["fr"]++
		}
	}

	best, bestScore, second := "", 0.0, 0.0
	for lang, s := range scores {
		switch {
		case s > bestScore:
			best, bestScore, second = lang, s, bestScore
		case s > second:
			second = s
		}
	}
	// Two points is one greeting word ("Merci", "Kiitos") or two common
	// words; the winner must also clearly beat the runner-up.
	if best == "" || best == "other" || bestScore < 2 || bestScore < second*1.5 {
		return ""
	}
	return best
}

var frenchElision = map[string]bool{"j": true, "l": true, "d": true, "c": true, "qu": true,
	"n": true, "s": true, "m": true, "t": true}

// letterWeights: letters shared by two candidates count half for each;
// letters of unsupported Latin-script languages (ñ, ß, å…) count for "other".
var letterWeights = map[rune]map[string]float64{
	'ı': {"tr": 1}, 'ğ': {"tr": 1}, 'ş': {"tr": 1},
	'ü': {"tr": 0.5}, 'ö': {"tr": 0.5, "fi": 0.5}, 'ç': {"tr": 0.5, "fr": 0.5},
	'ä': {"fi": 1},
	'é': {"fr": 1}, 'è': {"fr": 1}, 'ê': {"fr": 1}, 'à': {"fr": 1}, 'ù': {"fr": 1},
	'ë': {"fr": 1}, 'ï': {"fr": 1}, 'œ': {"fr": 1}, 'ô': {"fr": 1},
	'â': {"fr": 0.5, "tr": 0.5}, 'î': {"fr": 0.5, "tr": 0.5}, 'û': {"fr": 0.5, "tr": 0.5},
	'ñ': {"other": 1}, 'á': {"other": 1}, 'í': {"other": 1}, 'ó': {"other": 1},
	'ú': {"other": 1}, 'ã': {"other": 1}, 'õ': {"other": 1}, 'ß': {"other": 1},
	'å': {"other": 1}, 'ø': {"other": 1}, 'æ': {"other": 1}, 'ì': {"other": 1}, 'ò': {"other": 1},
}

// wordWeights maps frequent words to the languages they indicate; greetings,
// thanks and sign-offs weigh 2. Words common to two candidates ("de" in
// French and Turkish, "on" in English and Finnish, "se", "ne", "a") are
// left out. Turkish includes ASCII spellings typed on phones without a
// Turkish keyboard ("tesekkurler").
var wordWeights = func() map[string]map[string]float64 {
	m := map[string]map[string]float64{}
	add := func(lang string, weight float64, words string) {
		for w := range strings.FieldsSeq(words) {
			if m[w] == nil {
				m[w] = map[string]float64{}
			}
			m[w][lang] = weight
		}
	}
	add("tr", 1, `ve bir bu şu için icin ile çok cok ben biz siz sizin size bana benim
		lütfen lutfen ederim iyi günler gunler var yok ama gibi daha nasıl nasil kadar
		istiyorum olarak mı mi mu mısınız misiniz değil degil hakkında hakkinda yardım yardim
		gönüllü gonullu bağış bagis olmak rica ediyorum acaba şimdi simdi`)
	add("tr", 2, `merhaba selam teşekkür tesekkur teşekkürler tesekkurler saygılarımla saygilarimla`)
	add("fi", 1, `ja ei että se minä mä mutta tai kanssa myös kun vain tämä tässä voisin olisi
		jos niin kuin mitä miten onko voinko teidän meidän minun olisin haluan
		vapaaehtoiseksi lahjoitus lahjoittaa kiinnostunut lisää tietoa`)
	add("fi", 2, `kiitos hei moi terve olen haluaisin terveisin ystävällisin`)
	add("fr", 1, `le la les je et est vous nous pour pas une un des du que qui avec mon ma mes
		votre vos dans sur au aux ce cette il elle suis être avoir bien très plus mais oui
		madame monsieur bénévole don association souhaite souhaiterais beaucoup serait
		pouvez peux faire comment`)
	add("fr", 2, `bonjour merci cordialement salut aimerais voudrais bonsoir`)
	add("en", 1, `the and i you to is of please my for in it this that we would like dear with
		have am are be can will your about i'm i'd don't it's was been want help
		volunteer donate there from our know let what could`)
	add("en", 2, `hello hi thanks thank regards`)
	add("other", 1, `el los las und der die das ich nicht por para och jag det är tak sono
		mit ist bitte gerne quiero gustaría voluntario`)
	add("other", 2, `hola gracias obrigado olá hej ciao grazie danke hallo`)
	return m
}()
