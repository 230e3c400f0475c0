// Package webhooks sends events out to URLs an administrator registers:
// JSON POSTs signed with HMAC-SHA256 over a timestamp and the body, queued in
// the caller's transaction (so an event is never lost nor sent for a change
// that rolled back), retried with exponential backoff on the jobs queue, each
// delivery logged with its status code, duration, attempts and an excerpt of
// the answer. It knows nothing of the capabilities that publish: the inbox
// (and later giving or volunteers) call Publish with an event type and data.
//
// Wiring: migrate Module() after jobs; build with New before Jobs.Start;
// capabilities register their event types with RegisterEventTypes and call
// Publish inside their transactions.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/jobs"
)

//go:embed migrations queries
var files embed.FS

//go:embed locales/*.toml
var locales embed.FS

// Module is the webhooks schema (no dependency but the jobs tables).
func Module() db.Module { return db.Module{Name: "webhooks", FS: files, Dir: "migrations"} }

// Locales is the webhooks catalog (errors and the admin page).
func Locales() (fs.FS, string) { return locales, "locales" }

// AddCatalog registers the catalog with the application's bundle.
func AddCatalog(b *i18n.Bundle) error { return b.AddCatalog(locales, "locales") }

// TestEvent is the type of the event the "send test" action sends.
const TestEvent = "webhook.test"

// AllEvents subscribes an endpoint to every event type.
const AllEvents = "*"

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Config is what a Service needs besides the database.
type Config struct {
	// Jobs carries the deliveries. Required; New registers the worker.
	Jobs    *jobs.Jobs
	Auditor auth.Auditor
	Log     *slog.Logger
	// Now is the clock (signatures and the log). Defaults to db.Now.
	Now func() time.Time
	// Timeout bounds one attempt, connection to last byte (default 10 s).
	Timeout time.Duration
	// MaxAttempts is how often a delivery is tried before it is marked
	// failed (default 8: about 4 hours with the default backoff).
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (1-based); default
	// 30 s doubling, at most 2 h.
	Backoff func(attempt int) time.Duration
	// BlockPrivate refuses to connect to loopback, private, link-local and
	// unspecified addresses (checked on the resolved address at connect
	// time, so DNS rebinding cannot get around it). Off by default: Hearken
	// is self-hosted and receivers often live on the same network.
	BlockPrivate bool
}

// Service manages endpoints and delivers events.
type Service struct {
	db  *db.DB
	q   *db.Queries
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex
	events []string
}

var errMissingJobs = errors.New("webhooks: Config.Jobs is required")

// New returns the service and registers its worker on cfg.Jobs.
func New(d *db.DB, cfg Config) (*Service, error) {
	if cfg.Jobs == nil {
		return nil, errMissingJobs
	}
	if cfg.Now == nil {
		cfg.Now = db.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Auditor == nil {
		cfg.Auditor = auth.NewService(d)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	s := &Service{db: d, q: db.MustLoadQueries(d, files, "queries"), cfg: cfg, log: cfg.Log.With("component", "webhooks"),
		events: []string{TestEvent}}
	jobs.Register(cfg.Jobs, &deliverWorker{s: s, client: newClient(cfg)})
	return s, nil
}

// DefaultBackoff waits 30 s after the first failure, doubling up to 2 h.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 2*time.Hour; i++ {
		d *= 2
	}
	return min(d, 2*time.Hour)
}

// RegisterEventTypes adds the event types a capability publishes, for
// endpoints to subscribe to.
func (s *Service) RegisterEventTypes(types ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range types {
		if !slices.Contains(s.events, t) {
			s.events = append(s.events, t)
		}
	}
}

// EventTypes lists the registered event types.
func (s *Service) EventTypes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.events)
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Endpoint is a URL events are posted to.
type Endpoint struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Secret is the signing key, shown to administrators only.
	Secret     string    `json:"secret"`
	EventTypes []string  `json:"event_types"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Wants reports whether the endpoint subscribes to typ.
func (e *Endpoint) Wants(typ string) bool {
	return slices.Contains(e.EventTypes, AllEvents) || slices.Contains(e.EventTypes, typ)
}

// EndpointInput creates or changes an endpoint.
type EndpointInput struct {
	Name       string   `json:"name"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	Active     bool     `json:"active"`
}

// Delivery is one event sent (or being sent) to one endpoint: the log row.
type Delivery struct {
	ID              int64      `json:"id"`
	EndpointID      int64      `json:"endpoint_id"`
	EventID         string     `json:"event_id"`
	EventType       string     `json:"event_type"`
	Payload         string     `json:"payload"`
	Status          string     `json:"status"`
	Attempts        int        `json:"attempts"`
	ResponseStatus  int        `json:"response_status,omitempty"`
	DurationMS      int64      `json:"duration_ms"`
	ResponseExcerpt string     `json:"response_excerpt,omitempty"`
	LastError       string     `json:"last_error,omitempty"`
	NextAttemptAt   *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt     *time.Time `json:"delivered_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

type scanner = db.Scanner

func scanEndpoint(r scanner) (Endpoint, error) {
	var (
		e     Endpoint
		types []byte
	)
	err := r.Scan(&e.ID, &e.Name, &e.URL, &e.Secret, &types, &e.Active, &e.CreatedAt, &e.UpdatedAt)
	e.EventTypes = []string{}
	_ = json.Unmarshal(types, &e.EventTypes)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

func scanDelivery(r scanner) (Delivery, error) {
	var (
		d               Delivery
		next, delivered sql.NullTime
	)
	err := r.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Payload, &d.Status, &d.Attempts, &d.ResponseStatus,
		&d.DurationMS, &d.ResponseExcerpt, &d.LastError, &next, &delivered, &d.CreatedAt, &d.UpdatedAt)
	if next.Valid {
		t := next.Time.UTC()
		d.NextAttemptAt = &t
	}
	if delivered.Valid {
		t := delivered.Time.UTC()
		d.DeliveredAt = &t
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, err
}

// Endpoints lists every endpoint (org.manage).
func (s *Service) Endpoints(ctx context.Context) ([]Endpoint, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return nil, err
	}
	return s.endpoints(ctx, "ListEndpoints")
}

func (s *Service) endpoints(ctx context.Context, name string) ([]Endpoint, error) {
	return db.QueryAll(ctx, s.q, scanEndpoint, name)
}

// Endpoint reads one endpoint (org.manage).
func (s *Service) Endpoint(ctx context.Context, id int64) (Endpoint, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Endpoint{}, err
	}
	return s.endpoint(ctx, id)
}

func (s *Service) endpoint(ctx context.Context, id int64) (Endpoint, error) {
	e, err := scanEndpoint(s.q.QueryRow(ctx, "GetEndpoint", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.NotFound("webhooks.error.not_found")
	}
	return e, err
}

// validate cleans in and returns field errors.
func (s *Service) validate(in *EndpointInput) error {
	in.Name = strings.TrimSpace(in.Name)
	in.URL = strings.TrimSpace(in.URL)
	v := apperr.Invalid()
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 200 {
		v.Field("name", "webhooks.error.name")
	}
	if err := checkURL(in.URL); err != nil {
		v.Field("url", "webhooks.error.url")
	}
	known := s.EventTypes()
	clean := []string{}
	for _, t := range in.EventTypes {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(clean, t) {
			continue
		}
		if t != AllEvents && !slices.Contains(known, t) {
			v.Field("event_types", "webhooks.error.event_type", "Type", t)
			continue
		}
		clean = append(clean, t)
	}
	if len(clean) == 0 {
		v.Field("event_types", "webhooks.error.no_events")
	}
	slices.Sort(clean)
	in.EventTypes = clean
	return v.OrNil()
}

// checkURL accepts absolute http and https URLs with a host and without
// user information (a secret in a URL ends up in logs).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return errors.New("invalid URL")
	}
	return nil
}

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + hex.EncodeToString(b)
}

// CreateEndpoint registers an endpoint with a new random secret.
func (s *Service) CreateEndpoint(ctx context.Context, in EndpointInput) (Endpoint, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Endpoint{}, err
	}
	if err := s.validate(&in); err != nil {
		return Endpoint{}, err
	}
	var out Endpoint
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertEndpoint", in.Name, in.URL, newSecret(), mustJSON(in.EventTypes), in.Active, s.now()).Scan(&id); err != nil {
			return fmt.Errorf("insert webhook endpoint: %w", err)
		}
		var err error
		if out, err = s.endpoint(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "webhooks.create", "webhook_endpoint", id, map[string]any{"name": in.Name, "url": in.URL,
			"event_types": in.EventTypes, "active": in.Active})
	})
	return out, err
}

// UpdateEndpoint changes an endpoint's name, URL, events and state.
func (s *Service) UpdateEndpoint(ctx context.Context, id int64, in EndpointInput) (Endpoint, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Endpoint{}, err
	}
	if err := s.validate(&in); err != nil {
		return Endpoint{}, err
	}
	var out Endpoint
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.endpoint(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateEndpoint", id, in.Name, in.URL, mustJSON(in.EventTypes), in.Active, s.now()); err != nil {
			return err
		}
		if out, err = s.endpoint(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "webhooks.update", "webhook_endpoint", id, map[string]any{
			"from": map[string]any{"name": before.Name, "url": before.URL, "event_types": before.EventTypes, "active": before.Active},
			"to":   map[string]any{"name": in.Name, "url": in.URL, "event_types": in.EventTypes, "active": in.Active}})
	})
	return out, err
}

// RotateSecret gives an endpoint a new secret; deliveries already queued are
// signed with the new one when they are tried.
func (s *Service) RotateSecret(ctx context.Context, id int64) (Endpoint, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Endpoint{}, err
	}
	var out Endpoint
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.endpoint(ctx, id); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "SetEndpointSecret", id, newSecret(), s.now()); err != nil {
			return err
		}
		var err error
		if out, err = s.endpoint(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "webhooks.rotate_secret", "webhook_endpoint", id, nil)
	})
	return out, err
}

// DeleteEndpoint removes an endpoint and its delivery log.
func (s *Service) DeleteEndpoint(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		e, err := s.endpoint(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteEndpoint", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "webhooks.delete", "webhook_endpoint", id, map[string]any{"name": e.Name, "url": e.URL})
	})
}

// Deliveries lists an endpoint's delivery log, newest first, before the
// delivery id before (0: from the newest).
func (s *Service) Deliveries(ctx context.Context, endpointID, before int64, limit int) ([]Delivery, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return nil, err
	}
	if _, err := s.endpoint(ctx, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return db.QueryAll(ctx, s.q, scanDelivery, "EndpointDeliveries", endpointID, before, limit)
}

// Delivery reads one delivery (org.manage).
func (s *Service) Delivery(ctx context.Context, id int64) (Delivery, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Delivery{}, err
	}
	return s.delivery(ctx, id)
}

func (s *Service) delivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(s.q.QueryRow(ctx, "GetDelivery", id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.NotFound("webhooks.error.delivery_not_found")
	}
	return d, err
}

// Event is the JSON body every delivery posts.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

func newEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// Wants reports whether an active endpoint subscribes to typ, so that a
// publisher can skip building an event nobody receives. It reads the
// database (in the caller's transaction), so an endpoint added on another
// instance counts at once.
func (s *Service) Wants(ctx context.Context, typ string) (bool, error) {
	eps, err := s.endpoints(ctx, "ActiveEndpoints")
	if err != nil {
		return false, err
	}
	for _, e := range eps {
		if e.Wants(typ) {
			return true, nil
		}
	}
	return false, nil
}

// Publish queues an event of type typ for every active endpoint that wants
// it, inside the caller's transaction (or one of its own). It returns the
// event's id.
func (s *Service) Publish(ctx context.Context, typ string, data any) (string, error) {
	ev := Event{ID: newEventID(), Type: typ, CreatedAt: s.now(), Data: data}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		eps, err := s.endpoints(ctx, "ActiveEndpoints")
		if err != nil {
			return err
		}
		for _, e := range eps {
			if !e.Wants(typ) {
				continue
			}
			if _, err := s.queue(ctx, e.ID, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return ev.ID, err
}

// queue writes one delivery row and its job; 0 when the event was queued
// for the endpoint before.
func (s *Service) queue(ctx context.Context, endpointID int64, ev Event) (int64, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("webhook payload: %w", err)
	}
	var id int64
	err = s.q.QueryRowW(ctx, "InsertDelivery", endpointID, ev.ID, ev.Type, string(payload), s.now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("queue webhook delivery: %w", err)
	}
	if _, err := s.cfg.Jobs.Enqueue(ctx, deliverArgs{DeliveryID: id}, &riverInsertOpts{MaxAttempts: s.cfg.MaxAttempts}); err != nil {
		return 0, err
	}
	return id, nil
}

// SendTest queues a test event to one endpoint, active or not, and returns
// its delivery.
func (s *Service) SendTest(ctx context.Context, endpointID int64) (Delivery, error) {
	if err := auth.Require(ctx, auth.PermOrgManage); err != nil {
		return Delivery{}, err
	}
	var out Delivery
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		e, err := s.endpoint(ctx, endpointID)
		if err != nil {
			return err
		}
		ev := Event{ID: newEventID(), Type: TestEvent, CreatedAt: s.now(),
			Data: map[string]any{"endpoint_id": e.ID, "message": "This is a test event from Hearken."}}
		id, err := s.queue(ctx, e.ID, ev)
		if err != nil {
			return err
		}
		if out, err = s.delivery(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "webhooks.test", "webhook_endpoint", e.ID, map[string]any{"delivery_id": id})
	})
	return out, err
}

// SignatureHeader is the header carrying "t=<unix seconds>,v1=<hex>".
const SignatureHeader = "Hearken-Signature"

// Sign returns the signature header value for body sent at t with secret:
// v1 is hex(HMAC-SHA256(secret, "<t>.<body>")).
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// ErrSignature is Verify's answer to a missing, malformed, wrong or stale
// signature.
var ErrSignature = errors.New("webhooks: invalid signature")

// Verify checks a signature header against body the way a receiver should:
// the MAC in constant time, and the timestamp within tolerance of now (which
// defeats replays of an old delivery).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignature
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrSignature
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
