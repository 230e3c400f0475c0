package inbox

import (
	"context"
	"fmt"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/webhooks"
)

// BenchmarkIngestWebhooks is BenchmarkIngest/new_sender with the change
// hooks wired to webhooks as the app does: without any endpoint, and with
// one subscribed to everything (each message then queues two deliveries).
func BenchmarkIngestWebhooks(b *testing.B) {
	body := "Hello, I would like to know more about volunteering with you this summer. " +
		"I can help on weekends and I have a driving licence. Best wishes, and thank you for your work!"
	for _, endpoint := range []bool{false, true} {
		b.Run(fmt.Sprintf("endpoint=%v", endpoint), func(b *testing.B) {
			e := newEnv(b, dbtest.SQLite(b, append(append([]db.Module{}, modules...), webhooks.Module())))
			wh, err := webhooks.New(e.d, webhooks.Config{Jobs: e.jobs, Log: quiet})
			if err != nil {
				b.Fatal(err)
			}
			wh.RegisterEventTypes(ChangeTypes...)
			e.s.OnChangeIf(wh.Wants, func(ctx context.Context, ev ChangeEvent) error {
				_, err := wh.Publish(ctx, ev.Type, map[string]any{"conversation": ev.Conversation, "message": ev.Message})
				return err
			})
			if endpoint {
				if _, err := wh.CreateEndpoint(sys(), webhooks.EndpointInput{Name: "b", URL: "http://127.0.0.1:9/", EventTypes: []string{webhooks.AllEvents}, Active: true}); err != nil {
					b.Fatal(err)
				}
			}
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
	}
}
