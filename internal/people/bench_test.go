package people_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
// HEARKEN_BENCH_PEOPLE profiles (default 20,000, small enough for CI), on
// SQLite and, when HEARKEN_TEST_POSTGRES_URL is set, PostgreSQL. It reports
// the 50th, 95th and 99th percentile latency of queries typed in the six
// languages, phone numbers and e-mail prefixes, and the number of live
// profiles searched.
//
// HEARKEN_BENCH_DB names an existing database instead (a SQLite file or a
// postgres:// URL filled by `hearken demo --size large`), so the
// million-person figure does not regenerate the population on every run; the
// sub-benchmark is then named after its engine.
func BenchmarkSearch(b *testing.B) {
	n := envInt("HEARKEN_BENCH_PEOPLE", 20000)
	ctx := sys()
	type target struct {
		dialect db.Dialect
		d       *db.DB // an existing database, or nil to generate one
	}
	var targets []target
	if existing := os.Getenv("HEARKEN_BENCH_DB"); existing != "" {
		d, err := db.Open(ctx, existing)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		targets = append(targets, target{d.Dialect, d})
	} else {
		for _, dialect := range dbtest.Backends() {
			targets = append(targets, target{dialect: dialect})
		}
	}
	for _, tg := range targets {
		b.Run(string(tg.dialect), func(b *testing.B) {
			d := tg.d
			if d == nil {
				d = dbtest.Open(b, tg.dialect, modules)
			}
			s := people.New(d, people.Config{DefaultRegion: "TR", SearchCandidates: envInt("HEARKEN_BENCH_CANDIDATES", 0)})
			if tg.d == nil {
				start := time.Now()
				if err := people.GenerateDemo(ctx, s, rand.New(rand.NewPCG(1, 1)), n, nil); err != nil {
					b.Fatal(err)
				}
				b.Logf("generated %d people in %v", n, time.Since(start).Round(time.Millisecond))
			}
			var live int
			if err := d.Reader.QueryRowContext(ctx, "SELECT count(*) FROM people WHERE erased_at IS NULL AND merged_into_id IS NULL").Scan(&live); err != nil {
				b.Fatal(err)
			}
			queries := []string{"yılmaz", "ayse", "Öztürk", "meh", "kaya 05", "lefevre", "hélène", "camille martin",
				"jääskeläinen", "aino", "virt", "山田", "花子", "田中 健", "مریم", "كريمي", "مهدیزاده", "0532", "+90 533",
				"۰۹۱۲", "07700 900", "info@", "taro.yamada", "vakfı", "fondation", "säätiö", "Winter appeal",
				"olivia smith", "zz", "o'brien"}
			var lat []time.Duration
			per := make([][]time.Duration, len(queries))
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				t0 := time.Now()
				if _, err := s.Search(ctx, queries[i%len(queries)], people.SearchFilter{}, "", 20); err != nil {
					b.Fatal(err)
				}
				el := time.Since(t0)
				lat = append(lat, el)
				per[i%len(queries)] = append(per[i%len(queries)], el)
				i++
			}
			cpu := cpuTime() - cpu0
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			pct := func(lat []time.Duration, p float64) float64 {
				slices.Sort(lat)
				return ms(lat[min(len(lat)-1, int(p*float64(len(lat))))])
			}
			// The slowest queries by median, to see what the tail is made of.
			type slow struct {
				q  string
				ms float64
			}
			var worst []slow
			for qi, l := range per {
				if len(l) > 0 {
					worst = append(worst, slow{queries[qi], pct(l, 0.5)})
				}
			}
			slices.SortFunc(worst, func(a, b slow) int { return cmp.Compare(b.ms, a.ms) })
			b.Logf("%d live people; slowest medians: %v", live, worst[:min(5, len(worst))])
			b.ReportMetric(pct(lat, 0.50), "p50-ms")
			b.ReportMetric(pct(lat, 0.95), "p95-ms")
			b.ReportMetric(pct(lat, 0.99), "p99-ms")
			b.ReportMetric(float64(live), "people")
			// This process's CPU time per query (SQLite runs in it): unlike the
			// latencies, it does not grow with the machine's load.
			if tg.dialect == db.SQLite {
				b.ReportMetric(ms(cpu)/float64(len(lat)), "cpu-ms/op")
			}
		})
	}
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
