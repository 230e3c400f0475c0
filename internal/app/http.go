package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/web"
)

const maxRequestBody = 64 << 20

// httpMetrics measures every request by route pattern (not raw path, so the
// label set stays small).
type httpMetrics struct {
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hearken_http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "code"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hearken_http_requests_in_flight", Help: "Requests being served."}),
	}
	reg.MustRegister(m.duration, m.inflight)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handler is the whole HTTP surface: operations endpoints, the API and the web
// shell, behind request IDs, logging, metrics, panic recovery and security headers.
func (a *App) handler(webSrv *web.Server, apiSrv *api.API) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{Registry: a.Metrics}))
	mux.Handle(api.Prefix+"/", apiSrv.Handler())
	mux.Handle("/", webSrv.Handler())
	m := newHTTPMetrics(a.Metrics)
	log := a.Log
	// Outermost, so the access log and every handler read the client's
	// address with web.ClientIP, and the request the mux marks with its
	// route is the one the metrics read.
	return web.TrustProxies(a.Cfg.TrustedProxyPrefixes(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ref := r.Header.Get("X-Request-Id")
		if ref == "" || len(ref) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			ref = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", ref)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: cid:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		m.inflight.Inc()
		defer func() {
			m.inflight.Dec()
			if p := recover(); p != nil {
				log.Error("panic", "panic", fmt.Sprint(p), "path", r.URL.Path, "ref", ref, "stack", string(debug.Stack()))
				if !sw.wrote {
					http.Error(sw, "internal error, reference "+ref, http.StatusInternalServerError)
				}
			}
			// The inner muxes match on copies of r; ask them which route it was.
			route := r.Pattern
			switch route {
			case api.Prefix + "/":
				route = apiSrv.Pattern(r)
			case "/":
				route = webSrv.Pattern(r)
			}
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			m.duration.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Observe(d.Seconds())
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			if r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
				log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration_ms", float64(d.Microseconds())/1000, "ref", ref, "ip", web.ClientIP(r))
			}
		}()
		// One ceiling for every body, before any handler or middleware parses a form:
		// the largest legitimate upload is a 50 MB import file.
		r.Body = http.MaxBytesReader(sw, r.Body, maxRequestBody)
		r = r.WithContext(web.WithRequestRef(r.Context(), ref))
		mux.ServeHTTP(sw, r)
	}))
}

// readyz answers 200 only when the database answers and every migration is
// applied, so a load balancer keeps traffic away from a half-upgraded instance.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "database unreachable: %v\n", err)
		return
	}
	pending, err := a.DB.Pending(ctx, a.Modules()...)
	if err != nil || len(pending) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "migrations pending: %v %v\n", pending, err)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
