package i18n

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

func localizers(t testing.TB) map[string]*Localizer {
	t.Helper()
	b, err := NewBundle("en")
	if err != nil {
		t.Fatal(err)
	}
	return b.localizers
}

func TestNumber(t *testing.T) {
	ls := localizers(t)
	tests := []struct {
		lang string
		v    any
		want string
	}{
		{"en", 1234567, "1,234,567"},
		{"en", -1234.5, "-1,234.5"},
		{"en", 0.1 + 0.2, "0.3"},
		{"en", 2.0004, "2"}, // three fraction digits at most
		{"en", -0.0001, "0"},
		{"en", uint64(math.MaxUint64), "18,446,744,073,709,551,615"},
		{"en", int64(math.MinInt64), "-9,223,372,036,854,775,808"},
		{"en", math.Inf(1), "∞"},
		{"en", "not a number", "not a number"},
		{"tr", 1234567.891, "1.234.567,891"},
		{"fr", 1234567.891, "1\u202f234\u202f567,891"},
		{"fr", 999, "999"},
		{"fi", -1234, "\u22121\u00a0234"},
		{"ja", 1234.5, "1,234.5"},
		{"fa", 1234567.891, "۱٬۲۳۴٬۵۶۷٫۸۹۱"},
		{"fa", -42, "\u200e\u2212۴۲"},
		{"fa", uint8(7), "۷"},
	}
	for _, tt := range tests {
		if got := ls[tt.lang].Number(tt.v); got != tt.want {
			t.Errorf("%s Number(%v) = %q, want %q", tt.lang, tt.v, got, tt.want)
		}
	}
}

// TestNumberMatchesCLDR checks the hand-kept symbol table against the CLDR
// data in x/text; French differs only by CLDR 34's switch of the grouping
// separator to U+202F.
func TestNumberMatchesCLDR(t *testing.T) {
	ls := localizers(t)
	values := []any{0, 7, -7, 999, 1000, -1000, 12345, 1234567, int64(9_007_199_254_740_993),
		0.5, -0.25, 3.14159, 1234.5, -98765.432, 1e9}
	for lang, l := range ls {
		p := message.NewPrinter(language.MustParse(lang))
		for _, v := range values {
			want := p.Sprint(number.Decimal(v))
			if lang == "fr" {
				want = strings.ReplaceAll(want, "\u00a0", "\u202f")
			}
			if got := l.Number(v); got != want {
				t.Errorf("%s Number(%v) = %q, x/text gives %q", lang, v, got, want)
			}
		}
	}
}

func TestMoney(t *testing.T) {
	ls := localizers(t)
	tests := []struct {
		lang  string
		minor int64
		cur   string
		want  string
	}{
		{"en", 123456, "USD", "$1,234.56"},
		{"en", 123456, "eur", "€1,234.56"},
		{"en", 1200, "JPY", "¥1,200"},
		{"en", 123456, "TRY", "TRY\u00a01,234.56"},
		{"en", -5, "USD", "-$0.05"},
		{"en", 1234, "KWD", "KWD\u00a01.234"}, // three minor digits
		{"en", 12345, "IRR", "IRR\u00a012,345"},
		{"en", 12345, "XYZ", "XYZ\u00a0123.45"}, // unknown: as given, 2 digits
		{"en", 12345, "", "¤123.45"},
		{"tr", 123456, "TRY", "₺1.234,56"},
		{"tr", 123456, "EUR", "€1.234,56"},
		{"fr", 123456, "EUR", "1\u202f234,56\u00a0€"},
		{"fr", -123456, "EUR", "-1\u202f234,56\u00a0€"},
		{"fr", 123456, "USD", "1\u202f234,56\u00a0$US"},
		{"fi", 123456, "EUR", "1\u00a0234,56\u00a0€"},
		{"fi", -100, "EUR", "\u22121,00\u00a0€"},
		{"ja", 1200, "JPY", "￥1,200"},
		{"ja", 123456, "USD", "$1,234.56"},
		{"fa", 12345, "IRR", "\u200eریال\u00a0۱۲٬۳۴۵"},
		{"fa", 123456, "USD", "\u200e$۱٬۲۳۴٫۵۶"},
		{"fa", -123456, "EUR", "\u200e\u2212\u200e€۱٬۲۳۴٫۵۶"},
		{"en", math.MinInt64, "USD", "-$92,233,720,368,547,758.08"},
		{"en", math.MaxInt64, "JPY", "¥9,223,372,036,854,775,807"},
	}
	for _, tt := range tests {
		if got := ls[tt.lang].Money(tt.minor, tt.cur); got != tt.want {
			t.Errorf("%s Money(%d, %q) = %q, want %q", tt.lang, tt.minor, tt.cur, got, tt.want)
		}
	}
}

// TestFormattingIsRTLSafe: Persian numbers use Extended Arabic-Indic digits
// and lead with a left-to-right mark whenever a sign or symbol must stay on
// the left of the digits inside right-to-left text.
func TestFormattingIsRTLSafe(t *testing.T) {
	fa := localizers(t)["fa"]
	for _, s := range []string{fa.Number(-1234.5), fa.Money(-500, "USD"), fa.Money(500, "IRR")} {
		if !strings.HasPrefix(s, "\u200e") {
			t.Errorf("%q does not start with LRM", s)
		}
		if strings.ContainsAny(s, "0123456789") {
			t.Errorf("%q has ASCII digits", s)
		}
	}
}

func BenchmarkMoney(b *testing.B) {
	l := localizers(b)["fr"]
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Money(123456, "EUR")
	}
}
