package i18n

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// numberSymbols is the CLDR "latn"/"arabext" number data of a locale. It is
// kept here rather than formatted by x/text/number because x/text carries
// CLDR 32 (French grouping changed to U+202F in CLDR 34) and only formats
// through float64, which cannot represent every int64 amount of money.
// A test checks this table against x/text for everything but those changes.
type numberSymbols struct {
	decimal string
	group   string
	minus   string
	zero    rune // '0', or '۰' for Persian (Extended Arabic-Indic digits)

	currencyAfter bool // "1 234,56 €" rather than "€1,234.56"
	currencyLRM   bool // fa: CLDR pattern "‎¤#,##0.00" starts with U+200E
}

var numberData = map[string]numberSymbols{
	"en": {decimal: ".", group: ",", minus: "-", zero: '0'},
	"tr": {decimal: ",", group: ".", minus: "-", zero: '0'},
	"fr": {decimal: ",", group: "\u202f", minus: "-", zero: '0', currencyAfter: true},
	"fi": {decimal: ",", group: "\u00a0", minus: "\u2212", zero: '0', currencyAfter: true},
	"ja": {decimal: ".", group: ",", minus: "-", zero: '0'},
	// The LRM keeps the minus sign on the left of the digits inside RTL text.
	"fa": {decimal: "\u066b", group: "\u066c", minus: "\u200e\u2212", zero: '\u06f0', currencyLRM: true},
}

func numberSymbolsFor(lang string) numberSymbols {
	if s, ok := numberData[lang]; ok {
		return s
	}
	return numberData["en"]
}

// localDigits rewrites ASCII digits for the locale (Persian digits for fa).
func (s numberSymbols) localDigits(ascii string) string {
	if s.zero == '0' {
		return ascii
	}
	var sb strings.Builder
	sb.Grow(len(ascii) * 2)
	for _, r := range ascii {
		if r >= '0' && r <= '9' {
			r = s.zero + (r - '0')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// format renders an unsigned decimal given as ASCII integer digits and
// optional fraction digits, with grouping by thousands (all six locales use
// 3-digit groups and minimum grouping 1).
func (s numberSymbols) format(neg bool, intDigits, fracDigits string) string {
	var sb strings.Builder
	if neg {
		sb.WriteString(s.minus)
	}
	for i, r := range intDigits {
		if i > 0 && (len(intDigits)-i)%3 == 0 {
			sb.WriteString(s.group)
		}
		sb.WriteRune(r)
	}
	if fracDigits != "" {
		sb.WriteString(s.decimal)
		sb.WriteString(fracDigits)
	}
	return s.localDigits(sb.String())
}

// Number formats an integer or floating-point value (any Go numeric type)
// for the locale; floats keep up to three fraction digits, as CLDR's
// "#,##0.###". Other types are formatted like fmt.Sprint would, untouched.
func (l *Localizer) Number(v any) string {
	if l == nil {
		return fallbackLocalizer().Number(v)
	}
	s := l.num
	switch n := v.(type) {
	case int:
		return s.formatInt(int64(n))
	case int8:
		return s.formatInt(int64(n))
	case int16:
		return s.formatInt(int64(n))
	case int32:
		return s.formatInt(int64(n))
	case int64:
		return s.formatInt(n)
	case uint:
		return s.format(false, strconv.FormatUint(uint64(n), 10), "")
	case uint8:
		return s.formatInt(int64(n))
	case uint16:
		return s.formatInt(int64(n))
	case uint32:
		return s.formatInt(int64(n))
	case uint64:
		return s.format(false, strconv.FormatUint(n, 10), "")
	case float32:
		return s.formatFloat(float64(n))
	case float64:
		return s.formatFloat(n)
	}
	return fmt.Sprint(v)
}

func (s numberSymbols) formatInt(n int64) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u // two's complement: correct for math.MinInt64 too
	}
	return s.format(neg, strconv.FormatUint(u, 10), "")
}

func (s numberSymbols) formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "∞"
	case math.IsInf(f, -1):
		return s.minus + "∞"
	}
	txt := strconv.FormatFloat(math.Abs(f), 'f', 3, 64)
	intPart, frac, _ := strings.Cut(txt, ".")
	frac = strings.TrimRight(frac, "0")
	neg := f < 0 && (strings.Trim(intPart, "0") != "" || frac != "")
	return s.format(neg, intPart, frac)
}

// Money formats an amount given in the currency's minor units (cents for
// USD; yen for JPY, which has none) with the CLDR number of fraction
// digits and the locale's symbol and pattern: en "$1,234.56", fr
// "1 234,56 €", tr "₺1.234,56", ja "￥1,200", fa "‎$۱٬۲۳۴٫۵۶". Integer
// arithmetic keeps every int64 amount exact. An unknown currency code is
// shown as given, with two fraction digits.
func (l *Localizer) Money(minorUnits int64, currencyCode string) string {
	if l == nil {
		return fallbackLocalizer().Money(minorUnits, currencyCode)
	}
	s := l.num
	code := strings.ToUpper(strings.TrimSpace(currencyCode))
	scale, symbol := 2, code
	if symbol == "" || utf8.RuneCountInString(symbol) > 8 {
		symbol = "¤"
	}
	if unit, err := currency.ParseISO(code); err == nil {
		sc, _ := currency.Standard.Rounding(unit)
		scale = sc
		symbol = currencySymbol(l.locale.Tag, unit)
	}

	neg := minorUnits < 0
	abs := uint64(minorUnits)
	if neg {
		abs = -abs
	}
	pow := uint64(1)
	for range scale {
		pow *= 10
	}
	intDigits := strconv.FormatUint(abs/pow, 10)
	frac := ""
	if scale > 0 {
		frac = strconv.FormatUint(abs%pow, 10)
		frac = strings.Repeat("0", scale-len(frac)) + frac
	}
	num := s.format(false, intDigits, frac)

	var sb strings.Builder
	if neg {
		sb.WriteString(s.minus)
	}
	if s.currencyAfter {
		sb.WriteString(num)
		sb.WriteString("\u00a0")
		sb.WriteString(symbol)
		return sb.String()
	}
	if s.currencyLRM {
		sb.WriteString("\u200e")
	}
	sb.WriteString(symbol)
	// CLDR currencySpacing: a symbol ending in a letter ("TRY", "ریال")
	// gets a no-break space before the digits; "$", "€", "￥" do not.
	if last, _ := utf8.DecodeLastRuneInString(symbol); !unicode.IsSymbol(last) {
		sb.WriteString("\u00a0")
	}
	sb.WriteString(num)
	return sb.String()
}

var symbolCache sync.Map // "lang/ISO" → symbol

// currencySymbol returns CLDR's symbol of unit in lang (x/text/currency):
// "$" in en but "$US" in fr, "₺" in tr but "TRY" in en, "ریال" in fa.
func currencySymbol(lang string, unit currency.Unit) string {
	key := lang + "/" + unit.String()
	if v, ok := symbolCache.Load(key); ok {
		return v.(string)
	}
	sym := message.NewPrinter(language.Make(lang)).Sprint(currency.Symbol(unit))
	symbolCache.Store(key, sym)
	return sym
}
