package textsearch

import (
	"strings"
	"testing"
)

// A person row and a message body, mixed scripts as in real data.
var benchFields = []string{
	"Şükrü Öztürk", "sukru.ozturk@example.com.tr", "+90 (532) 123-45-67",
	"François Lefèvre a écrit : Bonjour, je voudrais renouveler mon adhésion. " +
		"山田太郎さんから連絡がありました。 می\u200cخواهم در جلسه شرکت کنم. " +
		"Jääskeläinen kertoi, että kokous on huomenna kello kymmenen.",
}

func BenchmarkIndexText(b *testing.B) {
	n := 0
	for _, f := range benchFields {
		n += len(f)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		IndexText(benchFields...)
	}
}

func BenchmarkParseQuery(b *testing.B) {
	queries := []string{"şükrü öz", "山田太郎", "می\u200cخواهم", "+90 532 123", "ali.veli@exa", strings.Repeat("word ", 20)}
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range queries {
			p := ParseQuery(q)
			_ = p.FTS5()
			_ = p.TSQuery()
		}
	}
}
