package textsearch

import (
	"slices"
	"testing"
	"unicode"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, norm, fold string
	}{
		// Turkish: dotted and dotless i meet in both cases.
		{"Şükrü Öztürk", "şükrü öztürk", "sukru ozturk"},
		{"İlkay Işık", "ilkay işik", "ilkay isik"},
		{"İSTANBUL", "istanbul", "istanbul"},
		{"Istanbul", "istanbul", "istanbul"},
		{"ıstanbul", "istanbul", "istanbul"},
		{"i\u0307stanbul", "istanbul", "istanbul"}, // İ lower-cased by a non-Turkish ToLower
		{"I\u0307STANBUL", "istanbul", "istanbul"}, // decomposed İ
		{"ÇAĞRI", "çağri", "cagri"},
		// French.
		{"François Lefèvre", "françois lefèvre", "francois lefevre"},
		{"Hélène", "hélène", "helene"},
		{"He\u0301le\u0300ne", "hélène", "helene"}, // decomposed accents
		{"ŒUVRE", "œuvre", "oeuvre"},
		{"ﬁancée", "fiancée", "fiancee"}, // ligature
		// Finnish.
		{"Jääskeläinen", "jääskeläinen", "jaaskelainen"},
		{"Äijälä", "äijälä", "aijala"},
		{"Åland", "åland", "aland"},
		{"Jää\u00ADskeläinen", "jääskeläinen", "jaaskelainen"}, // soft hyphen
		// Other Latin.
		{"Straße", "straße", "strasse"},
		{"Łódź", "łódź", "lodz"},
		{"ＡＢＣ１２３", "abc123", "abc123"}, // full width
		// Non-Latin letters keep their marks: Cyrillic й, Greek (final sigma is case).
		{"Йошкар-Ола", "йошкар-ола", "йошкар-ола"},
		{"ΟΔΟΣ οδος", "οδοσ οδοσ", "οδοσ οδοσ"},
		// Japanese: NFKC folds half-width kana, and dakuten are never stripped.
		{"山田 太郎", "山田 太郎", "山田 太郎"},
		{"山田\u3000太郎", "山田 太郎", "山田 太郎"}, // ideographic space
		{"やまだ", "やまだ", "やまだ"},
		{"ｶﾀｶﾅ", "カタカナ", "カタカナ"},
		{"ﾊﾟｰﾃｨｰ", "パーティー", "パーティー"},
		{"ｶﾞｷﾞ", "ガギ", "ガギ"},
		{"か\u3099", "が", "が"},
		{"が", "が", "が"},
		{"ＡＢＣがぎ", "abcがぎ", "abcがぎ"},
		// Persian and Arabic.
		{"محمد رضایی", "محمد رضایی", "محمد رضایی"},
		{"علي", "علی", "علی"},
		{"مصطفى", "مصطفی", "مصطفی"},
		{"كريم", "کریم", "کریم"},
		{"فاطمة", "فاطمه", "فاطمه"},
		{"أحمد إيران آرش", "احمد ایران ارش", "احمد ایران ارش"},
		{"مُحَمَّد", "محمد", "محمد"},            // harakat
		{"محـــمد", "محمد", "محمد"},             // tatweel
		{"ﻣﺤﻤﺪ", "محمد", "محمد"},                // presentation forms
		{"می\u200cخواهم", "میخواهم", "میخواهم"}, // ZWNJ
		{"\u200fعلی\u200f", "علی", "علی"},       // RLM
		// Digits of every script.
		{"۰۹۱۲۳۴۵۶۷۸۹", "09123456789", "09123456789"},
		{"٠١٢٣٤٥٦٧٨٩", "0123456789", "0123456789"},
		{"१२३ ๑๒๓", "123 123", "123 123"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.norm {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.norm)
		}
		if got := Fold(tt.in); got != tt.fold {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.fold)
		}
		if got := Normalize(tt.norm); got != tt.norm {
			t.Errorf("Normalize not idempotent on %q: %q", tt.norm, got)
		}
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+90 (532) 123-45-67", "905321234567"},
		{"۰۹۱۲ ۳۴۵ ۶۷۸۹", "09123456789"},
		{"٠٥٣٢", "0532"},
		{"０９０-１２３４", "0901234"},
		{"tel: 06 12 34 56 78", "0612345678"},
		{"abc", ""},
	}
	for _, tt := range tests {
		if got := Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// digitValue relies on every range of unicode.Nd being whole 0-9 sets.
func TestDigitValueTable(t *testing.T) {
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d is not whole 0-9 sets", lo, hi, stride)
		}
		for r := lo; r <= hi; r++ {
			if d := digitValue(rune(r)); d != int(r-lo)%10 {
				t.Errorf("digitValue(%U) = %d", r, d)
			}
		}
	}
	for _, rg := range unicode.Nd.R16 {
		check(uint32(rg.Lo), uint32(rg.Hi), uint32(rg.Stride))
	}
	for _, rg := range unicode.Nd.R32 {
		check(rg.Lo, rg.Hi, rg.Stride)
	}
	for _, r := range []rune{'a', '٪', '²', '①', 'Ⅻ', -1} {
		if d := digitValue(r); d != -1 {
			t.Errorf("digitValue(%U) = %d, want -1", r, d)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Şükrü Öztürk", []string{"sukru", "şükrü", "ozturk", "öztürk"}},
		{"İlkay Işık", []string{"ilkay", "isik", "işik"}},
		{"François Lefèvre", []string{"francois", "françois", "lefevre", "lefèvre"}},
		{"Hélène", []string{"helene", "hélène"}},
		{"Jääskeläinen", []string{"jaaskelainen", "jääskeläinen"}},
		{"Äijälä", []string{"aijala", "äijälä"}},
		{"Straße œuvre", []string{"strasse", "straße", "oeuvre", "œuvre"}},
		// CJK: bigrams, the single character of a one-character run, and a
		// bigram across a space so "山田太郎" finds "山田 太郎".
		{"山田 太郎", []string{"山田", "田太", "太郎"}},
		{"山田太郎", []string{"山田", "田太", "太郎"}},
		{"山 田", []string{"山", "山田", "田"}},
		{"山田、太郎", []string{"山田", "太郎"}}, // punctuation: no bridge
		{"やまだ", []string{"やま", "まだ"}},
		{"ｶﾀｶﾅ", []string{"カタ", "タカ", "カナ"}},
		{"パーティー", []string{"パー", "ーテ", "ティ", "ィー"}},
		{"が", []string{"が"}},
		{"東京abc 2020年", []string{"東京", "abc", "2020", "年"}},
		// Persian.
		{"محمد رضایی", []string{"محمد", "رضایی"}},
		{"علي/علی", []string{"علی", "علی"}},
		{"میخواهم", []string{"میخواهم"}},
		{"می\u200cخواهم", []string{"میخواهم", "می", "خواهم"}},
		{"۰۹۱۲۳۴۵۶۷۸۹", []string{"09123456789"}},
		// Apostrophes join like ZWNJ.
		{"O'Brien", []string{"obrien", "o", "brien"}},
		{"l’église", []string{"leglise", "léglise", "l", "eglise", "église"}},
		{"İstanbul'da", []string{"istanbulda", "istanbul", "da"}},
		// Phones: the groups, then all digits glued.
		{"+90 (532) 123-45-67", []string{"90", "532", "123", "45", "67", "905321234567"}},
		{"06 12 34 56 78", []string{"06", "12", "34", "56", "78", "0612345678"}},
		{"call 532 123", []string{"call", "532", "123"}}, // too few digits to be a phone
		// E-mail: the pieces, then the whole address glued.
		{"Ali.Veli@Example.com.tr", []string{"ali", "veli", "example", "com", "tr", "aliveliexamplecomtr"}},
		{"<çağrı@örnek.com>", []string{"cagri", "çağri", "ornek", "örnek", "com", "cagriornekcom", "çağriörnekcom"}},
		// PostgreSQL reads 1e5x as the number 1e5 then x: split the same way.
		{"1e5x a1e5x", []string{"1e5", "x", "a1e5x"}},
		// Marks left after NFKC are dropped without splitting; punctuation splits.
		{"n\u0308a", []string{"na"}},
		{"a_b-c.d", []string{"a", "b", "c", "d"}},
		{`"AND" NEAR(x*) -y:z`, []string{"and", "near", "x", "y", "z"}},
		{"", nil},
		{" ,.!? ", nil},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokensClip(t *testing.T) {
	long := ""
	for range 100 {
		long += "é"
	}
	got := Tokens(long)
	if len(got) != 2 || len([]rune(got[0])) != maxTokenRunes || len([]rune(got[1])) != maxTokenRunes {
		t.Fatalf("Tokens(100×é) = %q, want two tokens of %d runes", got, maxTokenRunes)
	}
	if !ParseQuery(long+" ").matches(got) || !ParseQuery(long).matches(got) {
		t.Error("a clipped token does not meet its query")
	}
}

func TestIndexText(t *testing.T) {
	if got, want := IndexText("Şükrü Öztürk", "", "sukru@example.com", "+90 532 123 45 67"),
		"sukru şükrü ozturk öztürk sukru example com sukruexamplecom 90 532 123 45 67 905321234567"; got != want {
		t.Errorf("IndexText = %q, want %q", got, want)
	}
	if got := IndexText(); got != "" {
		t.Errorf("IndexText() = %q", got)
	}
	// Bigrams never bridge two fields.
	if got, want := IndexText("山田", "太郎"), "山田 太郎"; got != want {
		t.Errorf("IndexText = %q, want %q", got, want)
	}
	huge := make([]byte, 0, 3*MaxIndexBytes)
	for len(huge) < 3*MaxIndexBytes {
		huge = append(huge, "Çiçek ve ağaç "...)
	}
	got := IndexText(string(huge), "tail")
	if len(got) > MaxIndexBytes || len(got) < MaxIndexBytes-16 {
		t.Errorf("len(IndexText(huge)) = %d, want just under %d", len(got), MaxIndexBytes)
	}
	if got[len(got)-1] == ' ' || got[0] == ' ' {
		t.Error("IndexText(huge) has a dangling space")
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in, fts5, tsquery string
	}{
		{"çiçek", `("cicek"* OR "çiçek"*)`, `('cicek':* | 'çiçek':*)`},
		{"cicek ", `"cicek"`, `'cicek'`}, // a trailing space ends the word: no prefix
		{"ÇİÇEK Yılmaz", `("cicek" OR "çiçek") AND "yilmaz"*`, `('cicek' | 'çiçek') & 'yilmaz':*`},
		{"ışık", `("isik"* OR "işik"*)`, `('isik':* | 'işik':*)`},
		{"山田太郎", `("山田" AND "田太" AND "太郎")`, `('山田' & '田太' & '太郎')`},
		{"山田 太郎", `"山田" AND "太郎"`, `'山田' & '太郎'`},
		{"山", `"山"*`, `'山':*`},
		{"ｶﾀｶﾅ", `("カタ" AND "タカ" AND "カナ")`, `('カタ' & 'タカ' & 'カナ')`},
		{"علي", `"علی"*`, `'علی':*`},
		{"می\u200cخواهم", `("میخواهم"* OR ("می" AND "خواهم"*))`, `('میخواهم':* | ('می' & 'خواهم':*))`},
		{"O'Brien", `("obrien"* OR ("o" AND "brien"*))`, `('obrien':* | ('o' & 'brien':*))`},
		{"۰۹۱۲", `"0912"*`, `'0912':*`},
		{"+90 532 123 45 67", `("905321234567"* OR ("90" AND "532" AND "123" AND "45" AND "67"*))`,
			`('905321234567':* | ('90' & '532' & '123' & '45' & '67':*))`},
		{"ali.veli@exa", `"aliveliexa"*`, `'aliveliexa':*`},
		{"Ali.Veli@Example.com.tr ", `"aliveliexamplecomtr"`, `'aliveliexamplecomtr'`},
		{"1e5x", `("1e5" AND "x"*)`, `('1e5' & 'x':*)`},
		{"ali ali", `"ali" AND "ali"*`, `'ali' & 'ali':*`},
		{"ali, ali,", `"ali"`, `'ali'`},
		// Nothing the user types is syntax.
		{`"`, ``, ``},
		{`*`, ``, ``},
		{`AND`, `"and"*`, `'and':*`},
		{`a OR b`, `"a" AND "or" AND "b"*`, `'a' & 'or' & 'b':*`},
		{`NEAR(a b, 2)`, `"near" AND "a" AND "b" AND "2"`, `'near' & 'a' & 'b' & '2'`},
		{`-ali`, `"ali"*`, `'ali':*`},
		{`name:ali`, `"name" AND "ali"*`, `'name' & 'ali':*`},
		{`ali:*`, `"ali"`, `'ali'`},
		{`'); DROP TABLE people; --`, `"drop" AND "table" AND "people"`, `'drop' & 'table' & 'people'`},
		{`a & !b | c <-> d`, `"a" AND "b" AND "c" AND "d"*`, `'a' & 'b' & 'c' & 'd':*`},
		{`\`, ``, ``},
		{`   `, ``, ``},
	}
	for _, tt := range tests {
		q := ParseQuery(tt.in)
		if got := q.FTS5(); got != tt.fts5 {
			t.Errorf("ParseQuery(%q).FTS5() = %s, want %s", tt.in, got, tt.fts5)
		}
		if got := q.TSQuery(); got != tt.tsquery {
			t.Errorf("ParseQuery(%q).TSQuery() = %s, want %s", tt.in, got, tt.tsquery)
		}
		if q.Empty() != (tt.fts5 == "") {
			t.Errorf("ParseQuery(%q).Empty() = %v", tt.in, q.Empty())
		}
	}
}

func TestParseQueryLimits(t *testing.T) {
	var long []byte
	for range 100 {
		long = append(long, "word "...)
	}
	if n := len(ParseQuery(string(long) + "tail").terms); n != 2 {
		t.Errorf("repeated words: %d terms, want 2 (dedup)", n)
	}
	long = long[:0]
	for i := range 100 {
		long = append(long, byte('a'+i%26), byte('a'+i/26), ' ')
	}
	if n := len(ParseQuery(string(long)).terms); n != maxQueryTerms {
		t.Errorf("%d terms, want %d", n, maxQueryTerms)
	}
	cjk := ""
	for range 100 {
		cjk += "漢字"
	}
	if q := ParseQuery(cjk); len(q.terms[0][0]) != maxBigrams {
		t.Errorf("%d bigrams, want %d", len(q.terms[0][0]), maxBigrams)
	}
	// Cut at maxQueryBytes on a rune boundary.
	q := ParseQuery(string(make([]byte, maxQueryBytes-1)) + "çiçek")
	if q.FTS5() != "" {
		t.Errorf("cut query = %s, want empty", q.FTS5())
	}
}
