// Package app wires Hearken together explicitly: configuration in, services,
// HTTP surface and background work out. It holds no globals.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/channel/email"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/demo"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/inbox/inboxapi"
	"github.com/hearken-org/hearken/internal/inbox/inboxui"
	"github.com/hearken-org/hearken/internal/jobs"
	"github.com/hearken-org/hearken/internal/notify"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/org/orgui"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/people/peopleapi"
	"github.com/hearken-org/hearken/internal/people/peopleui"
	"github.com/hearken-org/hearken/internal/web"
	"github.com/hearken-org/hearken/internal/webhooks"
)

// Version is set at build time (-ldflags "-X …app.Version=…").
var Version = "dev"

// App is one running Hearken instance.
type App struct {
	Cfg     config.Config
	Log     *slog.Logger
	DB      *db.DB
	Metrics *prometheus.Registry
	Bundle  *i18n.Bundle
	Auth    *auth.Service
	Org     *org.Service
	Jobs    *jobs.Jobs
	Inbox   *inbox.Service
	People  *people.Service
	// Sessions is the web sessions' store (server-side, in the database).
	Sessions *auth.SessionStore
	// Notify tells staff about mentions, deadlines and queues (notify.go).
	Notify *notify.Service
	// Webhooks sends events out (webhooks.go).
	Webhooks *webhooks.Service

	webModules []web.Module
	apiModules []api.Module
	orgCache   orgCache
}

// orgCache keeps the organization's settings for a few seconds: every request
// needs its language and time zone, and a change shows within the TTL on every
// instance.
type orgCache struct {
	mu  sync.Mutex
	at  time.Time
	val org.Settings
}

const orgCacheTTL = 5 * time.Second

func (a *App) orgSettings(ctx context.Context) (org.Settings, error) {
	a.orgCache.mu.Lock()
	defer a.orgCache.mu.Unlock()
	if time.Since(a.orgCache.at) < orgCacheTTL {
		return a.orgCache.val, nil
	}
	s, err := a.Org.Get(ctx)
	if err != nil {
		return s, err
	}
	a.orgCache.val, a.orgCache.at = s, time.Now()
	return s, nil
}

// Modules lists every capability's schema, in migration order.
func (a *App) Modules() []db.Module { return Modules() }

// Modules lists every capability's schema, in migration order.
func Modules() []db.Module {
	return []db.Module{auth.Module, org.Module, notify.Module(), jobs.Module(), people.Module(), inbox.Module(), webhooks.Module(), demo.Module()}
}

// Open opens the database, applies migrations and builds the services. It does
// not start serving.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a, err := New(ctx, cfg, log, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// New builds Hearken on an open database, applying pending migrations. The
// caller keeps ownership of d until Close.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, d *db.DB) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: d, Metrics: prometheus.NewRegistry()}
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Metrics.MustRegister(collectors.NewDBStatsCollector(d.Writer, "writer"))
	if d.Reader != d.Writer {
		a.Metrics.MustRegister(collectors.NewDBStatsCollector(d.Reader, "reader"))
	}
	if err := d.Migrate(ctx, log, a.Modules()...); err != nil {
		return nil, err
	}
	var err error
	if a.Bundle, err = i18n.NewBundle("en"); err != nil {
		return nil, err
	}
	a.Auth = auth.NewService(d)
	a.Sessions = auth.NewSessionStore(d)
	a.Org = org.NewService(d, a.Auth)
	a.Jobs, err = jobs.New(d, log, jobs.Options{Queues: map[string]int{"default": cfg.Workers}, Registry: a.Metrics})
	if err != nil {
		return nil, err
	}
	a.registerMaintenance()
	if err := a.buildCapabilities(); err != nil {
		return nil, err
	}
	return a, nil
}

// buildCapabilities constructs each capability's service, UI and API. A new
// capability adds its lines here and its schema to Modules.
func (a *App) buildCapabilities() error {
	// People is built first; its hooks reach the inbox through a.Inbox, set below,
	// so a merge or erasure also moves or removes the person's conversations.
	a.People = people.New(a.DB, people.Config{Auditor: a.Auth, Jobs: a.Jobs, Region: a.phoneRegion, Hooks: people.Hooks{
		OnMerge: func(ctx context.Context, keepID, mergeID int64) error {
			return a.Inbox.MovePerson(ctx, keepID, mergeID)
		},
		OnErase: func(ctx context.Context, id int64) error { return a.Inbox.ErasePerson(ctx, id) },

		// Mentions in people's notes notify staff (notify.go).
		ResolveMention: a.resolveMention,
		OnEvent:        a.personEvent,
	}})
	for _, c := range []fs.FS{people.Locales, peopleui.Locales} {
		if err := a.Bundle.AddCatalog(c, "locales"); err != nil {
			return err
		}
	}
	a.webModules = append(a.webModules, peopleui.New(a.People, a.Auth))
	if err := a.Bundle.AddCatalog(orgui.Locales, "locales"); err != nil {
		return err
	}
	a.webModules = append(a.webModules, orgui.New(a.Org, a.forgetOrgSettings))
	a.apiModules = append(a.apiModules, peopleapi.New(a.People))

	if err := a.buildNotify(); err != nil {
		return err
	}
	icfg := inbox.Config{People: a.People, Jobs: a.Jobs, Org: a.Org, OrgSettings: a.orgSettings, Auditor: a.Auth, Log: a.Log}
	icfg.Notifier = inbox.StaffNotifier{N: a.Notify}
	if a.Cfg.SMTPRelay != "" {
		sender, err := email.NewSender(a.Cfg.SMTPRelay, email.WithSenderLogger(a.Log))
		if err != nil {
			return fmt.Errorf("--smtp-relay: %w", err)
		}
		icfg.Sender = sender // only when configured: a nil *Sender in the interface is not nil
	}
	var err error
	if a.Inbox, err = inbox.New(a.DB, icfg); err != nil {
		return err
	}
	if err := inbox.AddCatalog(a.Bundle); err != nil {
		return err
	}
	if err := a.Bundle.AddCatalog(inboxui.Locales, "locales"); err != nil {
		return err
	}
	a.webModules = append(a.webModules, inboxui.New(a.Inbox, a.People))
	a.apiModules = append(a.apiModules, inboxapi.New(a.Inbox))
	a.mountRouting()
	if err := a.buildWebhooks(); err != nil {
		return err
	}
	return nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

func (a *App) orgLocale(ctx context.Context) string {
	o, err := a.orgSettings(ctx)
	if err != nil || o.DefaultLocale == "" {
		return "en"
	}
	return o.DefaultLocale
}

func (a *App) orgTZ(ctx context.Context) *time.Location {
	o, err := a.orgSettings(ctx)
	if err != nil {
		return time.UTC
	}
	return o.Location()
}

// Handler builds the HTTP surface.
func (a *App) Handler() (http.Handler, error) {
	webSrv, err := web.New(web.Deps{
		Log: a.Log, Bundle: a.Bundle, Auth: a.Auth, Sessions: a.Sessions,
		OrgLocale: a.orgLocale, OrgTZ: a.orgTZ, SecureCookies: a.Cfg.SecureCookies(), Version: Version,
	})
	if err != nil {
		return nil, err
	}
	apiSrv := api.New(api.Deps{Log: a.Log, Bundle: a.Bundle, Auth: a.Auth, OrgLocale: a.orgLocale, Version: Version})
	for _, m := range a.webModules {
		if err := m.MountWeb(webSrv); err != nil {
			return nil, err
		}
	}
	for _, m := range a.apiModules {
		m.MountAPI(apiSrv)
	}
	return a.handler(webSrv, apiSrv), nil
}

// Serve runs HTTP and background jobs until ctx is cancelled, then shuts down
// gracefully: in-flight requests and jobs finish within ShutdownTimeout.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	h, err := a.Handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another Hearken running? choose another --addr)", a.Cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if err := a.Jobs.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start jobs: %w", err)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var smtp *email.Listener
	if a.Cfg.SMTPAddr != "" {
		smtp = email.NewListener(email.ListenerConfig{Addr: a.Cfg.SMTPAddr, Domain: hostOf(a.Cfg.BaseURL)}, a.Inbox, a.Log)
		sln, err := net.Listen("tcp", a.Cfg.SMTPAddr)
		if err != nil {
			srv.Close()
			_ = a.Jobs.Stop(context.Background())
			return fmt.Errorf("SMTP listen on %s: %w", a.Cfg.SMTPAddr, err)
		}
		go func() { errc <- smtp.Serve(sln) }()
		a.Log.Info("SMTP listener", "addr", sln.Addr().String())
	}
	stopPollers, err := a.startPollers(ctx)
	if err != nil {
		srv.Close()
		_ = a.Jobs.Stop(context.Background())
		return err
	}
	defer stopPollers()
	a.Log.Info("serving", "addr", ln.Addr().String(), "url", a.Cfg.BaseURL, "db", a.DB.Source)
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var httpErr, jobErr, smtpErr error
	wg.Add(2)
	go func() { defer wg.Done(); httpErr = srv.Shutdown(sctx) }()
	if smtp != nil {
		wg.Add(1)
		go func() { defer wg.Done(); smtpErr = smtp.Shutdown(sctx) }()
	}
	go func() { defer wg.Done(); jobErr = a.Jobs.Stop(sctx) }()
	wg.Wait()
	return errors.Join(httpErr, jobErr, smtpErr)
}

// hostOf is the host name of a URL, for the SMTP greeting.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}
