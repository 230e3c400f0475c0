package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// startJobs runs the app's job workers (queued imports) until the test ends.
func startJobs(t *testing.T, ta *testApp) {
	t.Helper()
	if err := ta.Jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = ta.Jobs.Stop(ctx)
	})
}

// waitImportAPI follows an import's Location (in Finnish) until it ends.
func waitImportAPI(t *testing.T, ac apiClient, location string) resp {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := do(t, ac.c, "GET", ac.base+location[len("/api/v1"):], nil, map[string]string{"Authorization": "Bearer " + ac.tok, "Accept-Language": "fi"})
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", location, r.status, r.body)
		}
		var st struct {
			Status string `json:"status"`
		}
		if err := decodeInto(r.body, &st); err != nil {
			t.Fatal(err)
		}
		if st.Status == "completed" || st.Status == "failed" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still %s: %s", st.Status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func decodeInto(body string, v any) error { return json.Unmarshal([]byte(body), v) }
