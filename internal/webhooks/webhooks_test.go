package webhooks

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/i18n/i18ntest"
	"github.com/hearken-org/hearken/internal/jobs"
)

var modules = []db.Module{auth.Module, jobs.Module(), Module()}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor("test")) }

// receiver is a real HTTP server that checks every signature and answers
// each event type with the next status of codes[type] (then 200).
type receiver struct {
	mu     sync.Mutex
	secret string
	codes  map[string][]int
	got    []received
	srv    *httptest.Server
}

type received struct {
	event    Event
	header   http.Header
	verified error
}

func newReceiver(t *testing.T, codes map[string][]int) *receiver {
	r := &receiver{codes: codes}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		var ev Event
		_ = json.Unmarshal(body, &ev)
		r.got = append(r.got, received{event: ev, header: req.Header.Clone(),
			verified: Verify(r.secret, req.Header.Get(SignatureHeader), body, time.Now(), 5*time.Minute)})
		code := 200
		if cs := r.codes[ev.Type]; len(cs) > 0 {
			code, r.codes[ev.Type] = cs[0], cs[1:]
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"ok":` + map[bool]string{true: "true", false: "false"}[code < 300] + `}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func newService(t *testing.T, d *db.DB) (*Service, *jobs.Jobs) {
	t.Helper()
	j, err := jobs.New(d, quiet, jobs.Options{FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(d, Config{Jobs: j, Log: quiet, MaxAttempts: 3, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	s.RegisterEventTypes("conversation.created", "message.received")
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = j.Stop(ctx)
	})
	return s, j
}

// waitStatus polls a delivery until it reaches a final status.
func waitStatus(t *testing.T, s *Service, id int64) Delivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		d, err := s.Delivery(sys(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != StatusPending || time.Now().After(deadline) {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeliveries(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := sys()

		ok := newReceiver(t, nil)
		flaky := newReceiver(t, map[string][]int{"conversation.created": {500, 503}})
		dead := newReceiver(t, map[string][]int{"conversation.created": {500, 500, 500, 500}})
		mk := func(name, url string, types ...string) Endpoint {
			e, err := s.CreateEndpoint(ctx, EndpointInput{Name: name, URL: url, EventTypes: types, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		eOK := mk("CRM bridge", ok.srv.URL+"/hook", "conversation.created")
		eFlaky := mk("Flaky", flaky.srv.URL, AllEvents)
		eDead := mk("Dead", dead.srv.URL, "conversation.created")
		ok.secret, flaky.secret, dead.secret = eOK.Secret, eFlaky.Secret, eDead.Secret
		paused := mk("Paused", ok.srv.URL+"/paused", AllEvents)
		if _, err := s.UpdateEndpoint(ctx, paused.ID, EndpointInput{Name: "Paused", URL: paused.URL, EventTypes: []string{AllEvents}}); err != nil {
			t.Fatal(err)
		}

		// Published inside a transaction that rolls back: nothing is sent.
		boom := apperr.Conflict("x")
		if err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := s.Publish(ctx, "conversation.created", map[string]any{"id": 1}); err != nil {
				return err
			}
			return boom
		}); err != boom {
			t.Fatalf("rollback: %v", err)
		}
		evID, err := s.Publish(ctx, "conversation.created", map[string]any{"id": 42, "subject": "Kuitti puuttuu"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, "message.received", map[string]any{"id": 7}); err != nil {
			t.Fatal(err)
		}

		logOf := func(e Endpoint) []Delivery {
			t.Helper()
			ds, err := s.Deliveries(ctx, e.ID, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			return ds
		}
		for _, c := range []struct {
			ep       Endpoint
			n        int
			status   string
			attempts int
			code     int
		}{
			{eOK, 1, StatusSucceeded, 1, 200},
			{eFlaky, 2, StatusSucceeded, 3, 200}, // 500, 503, then 200 for the first event
			{eDead, 1, StatusFailed, 3, 500},     // MaxAttempts 3
			{paused, 0, "", 0, 0},
		} {
			ds := logOf(c.ep)
			if len(ds) != c.n {
				t.Fatalf("%s: %d deliveries, want %d", c.ep.Name, len(ds), c.n)
			}
			if c.n == 0 {
				continue
			}
			last := ds[len(ds)-1] // the oldest: conversation.created
			got := waitStatus(t, s, last.ID)
			if got.Status != c.status || got.Attempts != c.attempts || got.ResponseStatus != c.code || got.EventID != evID {
				t.Errorf("%s: %+v", c.ep.Name, got)
			}
			if c.status == StatusSucceeded && (got.DeliveredAt == nil || !strings.Contains(got.ResponseExcerpt, `"ok":true`)) {
				t.Errorf("%s: log %+v", c.ep.Name, got)
			}
			if c.status == StatusFailed && got.LastError != "HTTP 500" {
				t.Errorf("%s: last error %q", c.ep.Name, got.LastError)
			}
		}
		waitStatus(t, s, logOf(eFlaky)[0].ID)

		reqs := ok.requests()
		if len(reqs) != 1 {
			t.Fatalf("ok receiver got %d requests", len(reqs))
		}
		r := reqs[0]
		if r.verified != nil || r.event.ID != evID || r.event.Type != "conversation.created" ||
			r.header.Get("Hearken-Event") != "conversation.created" || r.header.Get("Hearken-Event-Id") != evID {
			t.Errorf("received %+v (verify: %v)", r, r.verified)
		}
		if data, _ := r.event.Data.(map[string]any); data["subject"] != "Kuitti puuttuu" {
			t.Errorf("data %#v", r.event.Data)
		}
		for _, r := range flaky.requests() {
			if r.verified != nil {
				t.Errorf("flaky: signature %v", r.verified)
			}
		}
		if n := len(flaky.requests()); n != 4 { // 3 attempts of one event, 1 of the other
			t.Errorf("flaky receiver got %d requests, want 4", n)
		}

		// The test button reaches even a paused endpoint.
		td, err := s.SendTest(ctx, paused.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := waitStatus(t, s, td.ID); got.Status != StatusSucceeded || got.EventType != TestEvent {
			t.Errorf("test delivery %+v", got)
		}
	})
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1"}`)
	h := Sign("whsec_x", now, body)
	for _, c := range []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
		ok                   bool
	}{
		{"good", "whsec_x", h, body, now.Add(time.Minute), true},
		{"wrong secret", "whsec_y", h, body, now, false},
		{"changed body", "whsec_x", h, []byte(`{"id":"evt_2"}`), now, false},
		{"stale", "whsec_x", h, body, now.Add(10 * time.Minute), false},
		{"garbage", "whsec_x", "t=abc,v1=zz", body, now, false},
		{"empty", "whsec_x", "", body, now, false},
	} {
		err := Verify(c.secret, c.header, c.body, c.at, 5*time.Minute)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestEndpointValidation(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		for _, c := range []struct {
			in     EndpointInput
			fields []string
		}{
			{EndpointInput{Name: "", URL: "ftp://example.org", EventTypes: []string{"nope"}}, []string{"name", "url", "event_types"}},
			{EndpointInput{Name: "x", URL: "https://user:pw@example.org/h", EventTypes: []string{AllEvents}}, []string{"url"}},
			{EndpointInput{Name: "x", URL: "https://example.org/h"}, []string{"event_types"}},
			{EndpointInput{Name: "x", URL: "/relative", EventTypes: []string{AllEvents}}, []string{"url"}},
		} {
			_, err := s.CreateEndpoint(sys(), c.in)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid {
				t.Fatalf("%+v: %v", c.in, err)
			}
			for _, f := range c.fields {
				if _, ok := e.Fields[f]; !ok {
					t.Errorf("%+v: no error on %s (%v)", c.in, f, e.Fields)
				}
			}
		}
		// Agents may not manage webhooks.
		u, err := auth.NewService(d).CreateUser(sys(), auth.NewUser{Email: "a@example.org", Name: "A", Role: auth.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Endpoints(auth.WithActor(context.Background(), auth.ActorFor(u, nil)))
		if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeForbidden {
			t.Errorf("agent: %v", err)
		}
	})
}

func TestBlockPrivate(t *testing.T) {
	r := newReceiver(t, nil)
	c := newClient(Config{Timeout: 2 * time.Second, BlockPrivate: true})
	_, _, err := post(context.Background(), c, r.srv.URL, "s", Delivery{Payload: "{}"}, time.Now())
	if err == nil || !strings.Contains(err.Error(), errPrivate.Error()) {
		t.Fatalf("loopback with BlockPrivate: %v", err)
	}
	c = newClient(Config{Timeout: 2 * time.Second})
	if code, _, err := post(context.Background(), c, r.srv.URL, "s", Delivery{Payload: "{}"}, time.Now()); err != nil || code != 200 {
		t.Fatalf("loopback allowed: %d %v", code, err)
	}
}

func TestCatalog(t *testing.T) { i18ntest.CheckCatalog(t, locales, "locales") }
