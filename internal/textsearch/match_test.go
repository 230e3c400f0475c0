package textsearch

import (
	"slices"
	"strings"
	"testing"
)

// corpus is indexed in every engine: each document is IndexText of its
// fields. Pairs of documents differ only by accents, so that ranking is
// about accents and not document length. Filler documents keep rare terms
// rare, as they are in a real table (bm25 ignores terms in half the rows).
var corpus = map[int64][]string{
	1:  {"Şükrü Öztürk", "sukru.ozturk@example.com.tr", "+90 (532) 123-45-67"},
	2:  {"Sukru Ozturk", "s.ozturk@example.net", "+90 (533) 765-43-21"},
	3:  {"İlkay Işık"},
	4:  {"Ilkay Isik"},
	5:  {"François Lefèvre", "francois@exemple.fr"},
	6:  {"Francois Lefevre", "francois@exemple.com"},
	7:  {"Hélène Dubois"},
	8:  {"Helene Durand"},
	9:  {"Jääskeläinen Matti"},
	10: {"Jaaskelainen Maija"},
	11: {"Äijälä Aino"},
	12: {"山田 太郎"},
	13: {"山田花子"},
	14: {"やまだ たろう"},
	15: {"ｶﾀｶﾅ ﾃｽﾄ"},
	16: {"محمد رضایی"},
	17: {"علي محمدی"},
	18: {"علی کریمی"},
	19: {"می\u200cخواهم بیایم"},
	20: {"میخواهم بروم"},
	21: {"زهرا احمدی", "۰۹۱۲۳۴۵۶۷۸۹"},
	22: {"Çiçek Yılmaz"},
	23: {"Cicek Yilmaz"},
	24: {"İstanbul'da toplantı"},
	25: {"ISTANBUL ofisi"},
	26: {"Patrick O'Brien", "patrick.obrien@example.org"},
	27: {"Lisa Straße"},
	28: {"Lisa Strasse"},
	// Filler.
	40: {"Meeting notes about the budget"},
	41: {"Call back next week about the donation"},
	42: {"Rendez-vous à la mairie demain"},
	43: {"Kokous huomenna kello kymmenen"},
	44: {"会議の議事録を送ります"},
	45: {"جلسه فردا ساعت ده"},
	46: {"Toplantı yarın saat onda"},
	47: {"Newsletter subscription renewed"},
	48: {"Volunteer shift on Saturday"},
	49: {"ボランティアの予定"},
	50: {"Annual report draft"},
}

// golden lists what a query must find on every engine. first, when set, must
// rank strictly above every other hit: the exact accented spelling.
var golden = []struct {
	q     string
	want  []int64
	first int64
}{
	// Turkish.
	{q: "şükrü", want: []int64{1, 2}, first: 1},
	{q: "sukru", want: []int64{1, 2}},
	{q: "ŞÜKRÜ ÖZTÜRK", want: []int64{1, 2}, first: 1},
	{q: "öztü", want: []int64{1, 2}, first: 1},
	{q: "İlkay", want: []int64{3, 4}},
	{q: "ılkay", want: []int64{3, 4}},
	{q: "ILKAY", want: []int64{3, 4}},
	{q: "ışık", want: []int64{3, 4}, first: 3},
	{q: "IŞIK", want: []int64{3, 4}, first: 3},
	{q: "isik", want: []int64{3, 4}},
	{q: "istanbul", want: []int64{24, 25}},
	{q: "İSTANBUL", want: []int64{24, 25}},
	{q: "Istanbul", want: []int64{24, 25}},
	{q: "ıstanbul", want: []int64{24, 25}},
	{q: "çiçek", want: []int64{22, 23}, first: 22},
	{q: "cicek", want: []int64{22, 23}},
	{q: "ÇİÇEK YILMAZ", want: []int64{22, 23}, first: 22},
	{q: "çiç", want: []int64{22, 23}, first: 22},
	{q: "toplanti ", want: []int64{24, 46}},
	// French.
	{q: "françois", want: []int64{5, 6}, first: 5},
	{q: "francois", want: []int64{5, 6}},
	{q: "lefèvre", want: []int64{5, 6}, first: 5},
	{q: "hélène", want: []int64{7, 8}, first: 7},
	{q: "HELENE", want: []int64{7, 8}},
	{q: "hél", want: []int64{7, 8}, first: 7},
	{q: "o'brien", want: []int64{26}},
	{q: "obrien", want: []int64{26}},
	{q: "brien", want: []int64{26}},
	// Finnish.
	{q: "Jääskeläinen", want: []int64{9, 10}, first: 9},
	{q: "jaaskel", want: []int64{9, 10}},
	{q: "äijälä", want: []int64{11}},
	{q: "aijala", want: []int64{11}},
	// Latin beyond the six languages.
	{q: "straße", want: []int64{27, 28}, first: 27},
	{q: "strasse", want: []int64{27, 28}},
	// Japanese.
	{q: "山田", want: []int64{12, 13}},
	{q: "山田太郎", want: []int64{12}},
	{q: "山田 太郎", want: []int64{12}},
	{q: "山田　太郎", want: []int64{12}},
	{q: "太郎", want: []int64{12}},
	{q: "山", want: []int64{12, 13}},
	{q: "田", want: []int64{12, 13}},
	{q: "花子", want: []int64{13}},
	{q: "やまだ", want: []int64{14}},
	{q: "やま", want: []int64{14}},
	{q: "カタカナ", want: []int64{15}},
	{q: "ｶﾀｶﾅ", want: []int64{15}},
	{q: "ﾃｽﾄ", want: []int64{15}},
	{q: "議事録", want: []int64{44}},
	{q: "ボランティア", want: []int64{49}},
	{q: "ヤマダ", want: nil}, // kana are not folded into each other
	// Persian.
	{q: "محمد رضایی", want: []int64{16}},
	{q: "محمد", want: []int64{16, 17}}, // prefix: محمدی
	{q: "محمد ", want: []int64{16}},
	{q: "علي", want: []int64{17, 18}},
	{q: "علی", want: []int64{17, 18}},
	{q: "علي محمدی", want: []int64{17}},
	{q: "كريمي", want: []int64{18}},
	{q: "میخواهم", want: []int64{19, 20}},
	{q: "می\u200cخواهم", want: []int64{19, 20}},
	{q: "خواهم", want: []int64{19}},
	{q: "۰۹۱۲", want: []int64{21}},
	{q: "٠٩١٢٣٤٥", want: []int64{21}},
	{q: "09123456789", want: []int64{21}},
	// Phones and e-mail.
	{q: "905321234567", want: []int64{1}},
	{q: "+90 532 123 45 67", want: []int64{1}},
	{q: "+90 (532) 123-4", want: []int64{1}},
	{q: "532 123", want: []int64{1}},
	{q: "sukru.ozturk@example.com.tr", want: []int64{1}},
	{q: "SUKRU.OZTURK@exa", want: []int64{1}},
	{q: "example.com", want: []int64{1}},
	{q: "exemple", want: []int64{5, 6}},
	{q: "patrick.obrien@", want: []int64{26}},
	// User input is never syntax.
	{q: `"yılmaz"`, want: []int64{22, 23}},
	{q: `yılmaz*`, want: []int64{22, 23}},
	{q: `-yılmaz`, want: []int64{22, 23}},
	{q: `çiçek AND yılmaz`, want: nil},
	{q: `çiçek OR ali`, want: nil},
	{q: `NEAR(çiçek yılmaz)`, want: nil},
	{q: `yilmaz:cicek`, want: []int64{22, 23}},
	{q: `çiçek & !yılmaz`, want: []int64{22, 23}, first: 22},
	{q: `'çiçek' | x`, want: nil},
	{q: `(çiçek`, want: []int64{22, 23}, first: 22},
	{q: `ali:*`, want: nil},
	{q: `the`, want: []int64{40, 41}},
	{q: `*`, want: nil},
}

// matches is the reference semantics the engines must reproduce.
func (q Query) matches(tokens []string) bool {
	if q.Empty() {
		return false
	}
	for _, t := range q.terms {
		if !slices.ContainsFunc(t, func(a alt) bool {
			for _, tk := range a {
				if !slices.ContainsFunc(tokens, func(s string) bool {
					return s == tk.text || tk.prefix && strings.HasPrefix(s, tk.text)
				}) {
					return false
				}
			}
			return true
		}) {
			return false
		}
	}
	return true
}

func TestGoldenReference(t *testing.T) {
	for _, g := range golden {
		q := ParseQuery(g.q)
		var got []int64
		for id, fields := range corpus {
			if q.matches(strings.Fields(IndexText(fields...))) {
				got = append(got, id)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, g.want) {
			t.Errorf("%q (%s): found %v, want %v", g.q, q.FTS5(), got, g.want)
		}
	}
}

// Every field finds its own document.
func TestSelfMatch(t *testing.T) {
	for id, fields := range corpus {
		tokens := strings.Fields(IndexText(fields...))
		for _, f := range fields {
			if q := ParseQuery(f); !q.matches(tokens) {
				t.Errorf("doc %d: %q (%s) does not find its own document %q", id, f, q.FTS5(), tokens)
			}
		}
	}
}
