package people_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkSearch measures search latency on a generated population of
// HEARKEN_BENCH_PEOPLE profiles (default 20,000, small enough for CI; the
// 1,000,000 figure is measured with HEARKEN_BENCH_PEOPLE=1000000), on SQLite
// and, when HEARKEN_TEST_POSTGRES_URL is set, PostgreSQL. It reports the
// 50th, 95th and 99th percentile latency of queries typed in the six
// languages, phone numbers and e-mail prefixes.
//
// HEARKEN_BENCH_DB names an existing database instead (a SQLite file or a
// postgres:// URL filled by `hearken demo --size large`), so the million-person
// figure does not regenerate the population on every run.
func BenchmarkSearch(b *testing.B) {
	n := envInt("HEARKEN_BENCH_PEOPLE", 20000)
	backends := dbtest.Backends()
	existing := os.Getenv("HEARKEN_BENCH_DB")
	if existing != "" {
		backends = []db.Dialect{"existing"}
	}
	for _, dialect := range backends {
		b.Run(string(dialect), func(b *testing.B) {
			var d *db.DB
			ctx := sys()
			if existing != "" {
				var err error
				if d, err = db.Open(ctx, existing); err != nil {
					b.Fatal(err)
				}
				defer d.Close()
			} else {
				d = dbtest.Open(b, dialect, modules)
			}
			s := people.New(d, people.Config{DefaultRegion: "TR"})
			if existing == "" {
				start := time.Now()
				if err := people.GenerateDemo(ctx, s, rand.New(rand.NewPCG(1, 1)), n, nil); err != nil {
					b.Fatal(err)
				}
				b.Logf("generated %d people in %v", n, time.Since(start).Round(time.Millisecond))
			}
			queries := []string{"yılmaz", "ayse", "Öztürk", "meh", "kaya 05", "lefevre", "hélène", "camille martin",
				"jääskeläinen", "aino", "virt", "山田", "花子", "田中 健", "مریم", "كريمي", "مهدیزاده", "0532", "+90 533",
				"۰۹۱۲", "07700 900", "info@", "taro.yamada", "vakfı", "fondation", "säätiö", "Winter appeal",
				"olivia smith", "zz", "o'brien"}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if _, err := s.Search(ctx, queries[i%len(queries)], people.SearchFilter{}, "", 20); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(n), "people")
		})
	}
}

// importFile builds a CSV of n rows in the six languages.
func importFile(n int) string {
	r := rand.New(rand.NewPCG(3, 3))
	given := []string{"Ayşe", "Mehmet", "Camille", "Hélène", "Aino", "Päivi", "太郎", "花子", "مریم", "علی", "Olivia", "Jack"}
	family := []string{"Yılmaz", "Öztürk", "Lefèvre", "Martin", "Virtanen", "Jääskeläinen", "山田", "佐藤", "کریمی", "احمدی", "Smith", "O'Brien"}
	var b strings.Builder
	b.WriteString("id,first name,last name,email,phone,city,postcode,country,tags,roles,role_start\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,%s,%s,user%d@example.org,+90 53%d %07d,İstanbul,34%03d,TR,Gala;Newsletter,donor,2020-01-%02d\n",
			i, given[r.IntN(len(given))], family[r.IntN(len(family))], i, r.IntN(6), i, r.IntN(1000), 1+r.IntN(28))
	}
	return b.String()
}

// BenchmarkImport measures CSV import throughput on SQLite in rows per minute
// (target: at least 100,000) for HEARKEN_BENCH_IMPORT_ROWS rows (default
// 20,000) into an empty database.
func BenchmarkImport(b *testing.B) {
	n := envInt("HEARKEN_BENCH_IMPORT_ROWS", 20000)
	file := importFile(n)
	var total time.Duration
	runs := 0
	for b.Loop() {
		b.StopTimer()
		d := dbtest.SQLite(b, modules)
		s := people.New(d, people.Config{DefaultRegion: "TR"})
		b.StartTimer()
		t0 := time.Now()
		imp, err := s.RunImport(sys(), strings.NewReader(file), people.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		runs++
		if imp.Created != n {
			b.Fatalf("created %d of %d (%d failed: %v)", imp.Created, n, imp.Failed, imp.Errors[:min(3, len(imp.Errors))])
		}
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*runs)/total.Minutes(), "rows/min")
}

var _ = db.SQLite
