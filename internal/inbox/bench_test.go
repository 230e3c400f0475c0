package inbox

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// BenchmarkIngest measures end-to-end ingestion on SQLite (parse, dedupe,
// thread, match or create the person, conversation, message, blobs, search
// index, timeline, deadline and acknowledgement jobs, one transaction each)
// against a bare insert of the raw bytes in a transaction of its own, the
// least any durable mail store does.
func BenchmarkIngest(b *testing.B) {
	body := "Hello, I would like to know more about volunteering with you this summer. " +
		"I can help on weekends and I have a driving licence. Best wishes, and thank you for your work!"
	b.Run("new_sender", func(b *testing.B) {
		e := newEnv(b, dbtest.SQLite(b, modules))
		raws := make([][]byte, b.N)
		for i := range raws {
			raws[i] = []byte(msg{From: fmt.Sprintf("Person %d <p%d@example.net>", i, i), Subject: "Volunteering",
				ID: fmt.Sprintf("n%d@example.net", i), Body: body}.String())
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := e.s.Ingest(context.Background(), raws[i], Envelope{To: []string{"help@example.org"}}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	// Several SMTP sessions delivering at once, as on a busy day: SQLite's
	// single writer commits them in groups.
	b.Run("new_sender_parallel", func(b *testing.B) {
		e := newEnv(b, dbtest.SQLite(b, modules))
		var seq atomic.Int64
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := seq.Add(1)
				raw := []byte(msg{From: fmt.Sprintf("Person %d <p%d@example.net>", i, i), Subject: "Volunteering",
					ID: fmt.Sprintf("n%d@example.net", i), Body: body}.String())
				if _, err := e.s.Ingest(context.Background(), raw, Envelope{To: []string{"help@example.org"}}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("reply_in_thread", func(b *testing.B) {
		e := newEnv(b, dbtest.SQLite(b, modules))
		first := e.ingest(msg{From: "Ann <ann@example.net>", Subject: "Volunteering", ID: "root@example.net", Body: body}.String())
		_ = first
		raws := make([][]byte, b.N)
		for i := range raws {
			raws[i] = []byte(msg{From: "ann@example.net", Subject: "Re: Volunteering", ID: fmt.Sprintf("r%d@example.net", i),
				InReplyTo: "root@example.net", Body: body}.String())
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := e.s.Ingest(context.Background(), raws[i], Envelope{To: []string{"help@example.org"}}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("bare_insert", func(b *testing.B) {
		d := dbtest.SQLite(b, modules)
		raws := make([][]byte, b.N)
		for i := range raws {
			raws[i] = []byte(msg{From: fmt.Sprintf("p%d@example.net", i), Subject: "Volunteering", ID: fmt.Sprintf("n%d@example.net", i), Body: body}.String())
		}
		q := d.Rebind("INSERT INTO inbox_blobs (blob_key, size, data, created_at) VALUES ($1, $2, $3, $4)")
		b.ResetTimer()
		for i := range b.N {
			err := d.InTx(context.Background(), func(ctx context.Context) error {
				_, err := db.TxFrom(ctx).ExecContext(ctx, q, BlobKey(raws[i]), len(raws[i]), raws[i], db.Now())
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
