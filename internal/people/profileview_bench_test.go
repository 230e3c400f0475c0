package people_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
)

// BenchmarkProfileView measures reading a full profile (and auditing the
// view) on each backend, idle and while another writer keeps the database
// busy with short transactions (an import's batches, a mail ingest). It
// reports p50/p95 latency of Profile (a read transaction, then the audit
// write) and of the former way (everything in one write transaction).
func BenchmarkProfileView(b *testing.B) {
	for _, dialect := range dbtest.Backends() {
		for _, busy := range []bool{false, true} {
			name := string(dialect) + "/idle"
			if busy {
				name = string(dialect) + "/busy_writer"
			}
			b.Run(name, func(b *testing.B) {
				d := dbtest.Open(b, dialect, modules)
				s := people.New(d, people.Config{DefaultRegion: "TR"})
				ctx := sys()
				p, err := s.CreatePerson(ctx, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Aino", FamilyName: "Virtanen"},
					Contacts: []people.ContactInput{email("aino@example.fi"), phone("+358 40 123 4567")},
					Roles:    []people.RoleInput{{Role: "donor", Start: date(2017, 3, 5)}, {Role: "volunteer", Start: date(2020, 1, 1)}},
					Tags:     []string{"Gala 2024"}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.AddSpecialRequest(ctx, p.ID, "Prefers calls after 6 pm"); err != nil {
					b.Fatal(err)
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				if busy {
					filler, err := s.CreatePerson(ctx, people.NewPerson{PersonInput: people.PersonInput{DisplayName: "Filler"}})
					if err != nil {
						b.Fatal(err)
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							default:
							}
							// A write transaction that holds the writer for 2 ms.
							_ = d.InTx(ctx, func(ctx context.Context) error {
								if _, err := s.UpdatePerson(ctx, filler.ID, people.PersonInput{DisplayName: fmt.Sprint("Filler ", i)}); err != nil {
									return err
								}
								time.Sleep(2 * time.Millisecond)
								return nil
							})
						}
					}()
				}
				// Both ways in the same run, alternating, so the machine's load
				// weighs on both alike: "read_tx" is Profile, "write_tx" the
				// former way (reads and audit in one write transaction).
				var latRead, latWrite []time.Duration
				i := 0
				b.ResetTimer()
				for b.Loop() {
					start := time.Now()
					var err error
					if i%2 == 0 {
						_, err = s.Profile(ctx, p.ID)
						latRead = append(latRead, time.Since(start))
					} else {
						_, err = people.ProfileInWriteTx(s, ctx, p.ID)
						latWrite = append(latWrite, time.Since(start))
					}
					if err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.StopTimer()
				close(stop)
				wg.Wait()
				reportPercentiles(b, "read_tx", latRead)
				reportPercentiles(b, "write_tx", latWrite)
			})
		}
	}
}

func reportPercentiles(b *testing.B, name string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), name+"-p50-ms")
	b.ReportMetric(at(0.95), name+"-p95-ms")
}

// BenchmarkProfileViewWriterWait measures what profile views cost the other
// writers: four staff keep opening profiles while one writer commits small
// transactions; it reports the writer's p50/p95 commit latency with views
// as Profile does them (read_tx) and the former way (write_tx).
func BenchmarkProfileViewWriterWait(b *testing.B) {
	for _, dialect := range dbtest.Backends() {
		for _, mode := range []string{"read_tx", "write_tx"} {
			b.Run(string(dialect)+"/"+mode, func(b *testing.B) {
				d := dbtest.Open(b, dialect, modules)
				s := people.New(d, people.Config{DefaultRegion: "TR"})
				ctx := sys()
				p, err := s.CreatePerson(ctx, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Aino", FamilyName: "Virtanen"},
					Contacts: []people.ContactInput{email("aino@example.fi"), phone("+358 40 123 4567")},
					Roles:    []people.RoleInput{{Role: "donor", Start: date(2017, 3, 5)}}, Tags: []string{"Gala 2024"}})
				if err != nil {
					b.Fatal(err)
				}
				view := s.Profile
				if mode == "write_tx" {
					view = func(ctx context.Context, id int64) (*people.Profile, error) {
						return people.ProfileInWriteTx(s, ctx, id)
					}
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							select {
							case <-stop:
								return
							default:
							}
							if _, err := view(ctx, p.ID); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				lat := make([]time.Duration, 0, b.N)
				i := 0
				b.ResetTimer()
				for b.Loop() {
					start := time.Now()
					if _, err := s.UpdatePerson(ctx, p.ID, people.PersonInput{GivenName: "Aino", FamilyName: fmt.Sprint("Virtanen ", i)}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					i++
				}
				b.StopTimer()
				close(stop)
				wg.Wait()
				reportPercentiles(b, "writer", lat)
			})
		}
	}
}
