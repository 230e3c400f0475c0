// Package web is Hearken's server-rendered UI shell: layout, sign-in, sessions,
// CSRF, locale choice, admin pages, and the mounting point for each capability's
// pages.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
)

// Deps is what the shell needs from the application.
type Deps struct {
	Log      *slog.Logger
	Bundle   *i18n.Bundle
	Auth     *auth.Service
	Sessions scs.Store
	// OrgLocale and OrgTZ return the organization's default language and time
	// zone (read per request so a settings change shows at once).
	OrgLocale func(ctx context.Context) string
	OrgTZ     func(ctx context.Context) *time.Location
	// SecureCookies sets the Secure flag (HTTPS deployments).
	SecureCookies bool
	// Version tags static asset URLs so browsers refetch after an upgrade.
	Version string
}

// Module is a capability's UI: it adds routes and navigation to the shell.
type Module interface {
	MountWeb(s *Server) error
}

// Server is the web shell.
type Server struct {
	deps     Deps
	mux      *http.ServeMux
	sm       *scs.SessionManager
	r        *renderer
	nav      []NavItem
	cop      *http.CrossOriginProtection
	homeCard []HomeCard
	header   []headerItem
}

// HomeCard is a number on the home page, contributed by a capability.
type HomeCard struct {
	Key   string
	Href  string
	Perm  auth.Permission
	Value func(ctx context.Context) (int64, error)
}

const (
	sessUser  = "uid"
	sessCSRF  = "csrf"
	sessFlash = "flash"
	sessLang  = "lang"
)

// New builds the shell and its own routes.
func New(d Deps) (*Server, error) {
	r, err := newRenderer()
	if err != nil {
		return nil, err
	}
	sm := scs.New()
	sm.Store = d.Sessions
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 2 * time.Hour
	sm.Cookie.Name = "hearken_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = d.SecureCookies
	sm.Cookie.Path = "/"
	s := &Server{deps: d, mux: http.NewServeMux(), sm: sm, r: r, cop: http.NewCrossOriginProtection()}
	sm.ErrorFunc = func(w http.ResponseWriter, req *http.Request, err error) {
		if errors.Is(err, context.Canceled) { // the client went away
			return
		}
		d.Log.Error("session store", "err", err)
		s.Error(w, req, err)
	}
	s.cop.SetDenyHandler(http.HandlerFunc(s.csrfFailed))
	s.routes()
	return s, nil
}

// AddTemplates registers a capability's page templates (every *.html in dir).
func (s *Server) AddTemplates(fsys fs.FS, dir string) error { return s.r.add(fsys, dir) }

// AddNav adds a navigation entry shown to users holding perm; order sorts entries.
func (s *Server) AddNav(key, href string, perm auth.Permission, order int) {
	s.nav = append(s.nav, NavItem{Key: key, Href: href, Perm: perm, order: order})
	sort.SliceStable(s.nav, func(i, j int) bool { return s.nav[i].order < s.nav[j].order })
}

// AddHomeCard adds a number to the home page.
func (s *Server) AddHomeCard(c HomeCard) { s.homeCard = append(s.homeCard, c) }

// Handle registers a page handler that needs a signed-in user holding perm (or
// any signed-in user when perm is empty).
func (s *Server) Handle(pattern string, perm auth.Permission, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.requireUser(perm, h))
}

// HandlePublic registers a handler reachable without signing in (public forms).
func (s *Server) HandlePublic(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Pattern is the route pattern r would match, for metrics labels.
func (s *Server) Pattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}

// Handler is the shell with its middleware: sessions, locale, user, CSRF.
func (s *Server) Handler() http.Handler {
	return s.sm.LoadAndSave(s.withLocale(s.csrf(s.mux)))
}

func (s *Server) routes() {
	static, _ := fs.Sub(assets, "static")
	fileServer := http.FileServerFS(static)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(fileServer)))
	s.mux.HandleFunc("GET /signin", s.signinPage)
	s.mux.HandleFunc("POST /signin", s.signin)
	s.mux.HandleFunc("POST /signout", s.signout)
	s.mux.HandleFunc("POST /language", s.setLanguage)
	s.Handle("GET /{$}", "", s.home)
	s.Handle("GET /settings", "", s.settingsPage)
	s.Handle("POST /settings", "", s.saveSettings)
	s.Handle("POST /settings/password", "", s.changePassword)
	s.Handle("GET /admin/users", auth.PermUsersManage, s.usersPage)
	s.Handle("POST /admin/users", auth.PermUsersManage, s.createUser)
	s.Handle("GET /admin/users/{id}", auth.PermUsersManage, s.userPage)
	s.Handle("POST /admin/users/{id}", auth.PermUsersManage, s.updateUser)
	s.Handle("POST /admin/users/{id}/password", auth.PermUsersManage, s.setUserPassword)
	s.Handle("GET /tokens", auth.PermTokensManageOwn, s.tokensPage)
	s.Handle("POST /tokens", auth.PermTokensManageOwn, s.createToken)
	s.Handle("POST /tokens/{id}/revoke", auth.PermTokensManageOwn, s.revokeToken)
	s.Handle("GET /admin/audit", auth.PermAuditView, s.auditPage)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
	})
	s.AddNav("nav.home", "/", "", 0)
	s.AddNav("nav.users", "/admin/users", auth.PermUsersManage, 900)
	s.AddNav("nav.api_tokens", "/tokens", auth.PermTokensManageOwn, 910)
	s.AddNav("nav.audit_log", "/admin/audit", auth.PermAuditView, 920)
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Asset URLs carry the version, so a long cache is safe.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		h.ServeHTTP(w, r)
	})
}

type userKey struct{}

// withLocale loads the signed-in user (if any) and picks the page language: the
// user's setting, then the language picker, then Accept-Language, then the
// organization's default.
func (s *Server) withLocale(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var userLocale string
		if id := s.sm.GetInt64(ctx, sessUser); id != 0 {
			u, err := s.deps.Auth.GetUser(ctx, id)
			switch {
			case err == nil && u.Active:
				ctx = context.WithValue(ctx, userKey{}, &u)
				ctx = auth.WithActor(ctx, auth.Actor{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Locale: u.Locale, IP: ClientIP(r), Label: u.Name})
				userLocale = u.Locale
			case err == nil || apperr.Is(err, apperr.CodeNotFound):
				// Disabled or deleted since signing in: end the session.
				_ = s.sm.Destroy(ctx)
			default:
				s.deps.Log.Error("load user", "err", err)
			}
		}
		if userLocale == "" {
			userLocale = s.sm.GetString(ctx, sessLang)
		}
		lang := s.deps.Bundle.Match(userLocale, r.Header.Get("Accept-Language"), s.orgLocale(ctx))
		ctx = i18n.WithLocalizer(ctx, s.deps.Bundle.Localizer(lang))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) orgLocale(ctx context.Context) string {
	if s.deps.OrgLocale == nil {
		return "en"
	}
	return s.deps.OrgLocale(ctx)
}

func (s *Server) orgTZ(ctx context.Context) *time.Location {
	if s.deps.OrgTZ == nil {
		return time.UTC
	}
	return s.deps.OrgTZ(ctx)
}

// TZ is the organization's time zone, the one pages show times in (for
// reading times typed into forms).
func (s *Server) TZ(ctx context.Context) *time.Location { return s.orgTZ(ctx) }

// CurrentUser is the signed-in user, or nil.
func CurrentUser(ctx context.Context) *auth.User {
	u, _ := ctx.Value(userKey{}).(*auth.User)
	return u
}

func (s *Server) requireUser(perm auth.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := CurrentUser(r.Context())
		if u == nil {
			if r.Header.Get("HX-Request") != "" {
				w.Header().Set("HX-Redirect", "/signin")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next := r.URL.RequestURI()
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		if perm != "" && !auth.Can(u.Role, perm) {
			s.ErrorStatus(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		h(w, r)
	})
}

// csrf rejects cross-origin state-changing requests by their browser headers
// (Sec-Fetch-Site/Origin) and, for requests that carry neither, demands the
// session's token in the form or the X-CSRF-Token header.
func (s *Server) csrf(next http.Handler) http.Handler {
	checked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
				want := s.sm.GetString(r.Context(), sessCSRF)
				got := r.Header.Get("X-CSRF-Token")
				if got == "" {
					got = r.PostFormValue("csrf_token")
				}
				if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
					s.csrfFailed(w, r)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
	return s.cop.Handler(checked)
}

func (s *Server) csrfFailed(w http.ResponseWriter, r *http.Request) {
	s.ErrorStatus(w, r, http.StatusForbidden, "error.csrf")
}

// csrfToken returns the session's CSRF token, creating it on first use.
func (s *Server) csrfToken(ctx context.Context) string {
	t := s.sm.GetString(ctx, sessCSRF)
	if t == "" {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		t = base64.RawURLEncoding.EncodeToString(b)
		s.sm.Put(ctx, sessCSRF, t)
	}
	return t
}

// NewPage fills the shell's part of a page.
func (s *Server) NewPage(r *http.Request, titleKey string, data any) *Page {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	p := &Page{
		L: l, User: CurrentUser(ctx), CSRF: s.csrfToken(ctx), Path: r.URL.RequestURI(),
		Locales: s.deps.Bundle.Supported(), TZ: s.orgTZ(ctx), AssetVersion: s.deps.Version, Data: data,
	}
	if titleKey != "" {
		p.Title = l.T(titleKey)
	}
	if f, ok := s.sm.Pop(ctx, sessFlash).(string); ok && f != "" {
		kind, text, _ := strings.Cut(f, "|")
		p.Flash = &Flash{Kind: kind, Text: text}
	}
	if p.User != nil {
		for _, n := range s.nav {
			if n.Perm == "" || auth.Can(p.User.Role, n.Perm) {
				n.Current = n.Href == r.URL.Path || (n.Href != "/" && strings.HasPrefix(r.URL.Path, n.Href))
				p.Nav = append(p.Nav, n)
			}
		}
		s.headerItems(r, p)
	}
	return p
}

// Render writes a page; a template failure becomes the error page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	if err := s.r.render(w, status, name, p); err != nil {
		s.Error(w, r, err)
	}
}

// SetFlash shows a message on the next page the user sees.
func (s *Server) SetFlash(ctx context.Context, kind, text string) {
	s.sm.Put(ctx, sessFlash, kind+"|"+text)
}

// Error maps an error to a status and a localized page: typed domain errors get
// their own status, anything else is logged and shown as a 500 with a reference.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := apperr.As(err); ok {
		s.ErrorStatus(w, r, e.Code.HTTPStatus(), e.Key, e.Args...)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	ref := requestRef(r)
	s.deps.Log.Error("request failed", "err", err, "path", r.URL.Path, "ref", ref)
	s.ErrorStatus(w, r, http.StatusInternalServerError, "error.server", "Ref", ref)
}

// ErrorStatus shows the error page with a message key.
func (s *Server) ErrorStatus(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	l := i18n.FromContext(r.Context())
	msg := l.T(key, args...)
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg))
		return
	}
	p := s.NewPage(r, "", struct{ Message string }{msg})
	p.Title = l.T("error.title")
	if err := s.r.render(w, status, "error", p); err != nil {
		s.deps.Log.Error("render error page", "err", err)
		http.Error(w, msg, status)
	}
}

// FieldErrors localizes a validation error's fields for a form.
func FieldErrors(l *i18n.Localizer, err error) (map[string]string, bool) {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeInvalid {
		return nil, false
	}
	out := map[string]string{}
	for f, fe := range e.Fields {
		out[f] = l.T(fe.Key, fe.Args...)
	}
	return out, true
}

type refKey struct{}

// requestRef is the request's ID, shown on error pages so staff can quote it.
func requestRef(r *http.Request) string {
	if v, ok := r.Context().Value(refKey{}).(string); ok {
		return v
	}
	return r.Header.Get("X-Request-Id")
}

// WithRequestRef stores the request ID for error pages.
func WithRequestRef(ctx context.Context, ref string) context.Context {
	return context.WithValue(ctx, refKey{}, ref)
}
