package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestServeShutsDownGracefully starts the real server (HTTP and jobs), uses it,
// then cancels: Serve must return cleanly and promptly.
func TestServeShutsDownGracefully(t *testing.T) {
	d := dbtest.SQLite(t, Modules())
	cfg := config.Defaults()
	cfg.DB, cfg.Addr, cfg.ShutdownTimeout = d.Source, "127.0.0.1:0", 10*time.Second
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr string) { addrc <- addr }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Serve ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("shutdown did not finish")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}
