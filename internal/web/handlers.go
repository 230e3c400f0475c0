package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
)

type signinData struct {
	Email, Next, Error string
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if CurrentUser(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "signin", s.NewPage(r, "signin.title", signinData{Next: safeNext(r.URL.Query().Get("next"))}))
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	u, err := s.deps.Auth.Authenticate(ctx, email, r.PostFormValue("password"), ClientIP(r))
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			s.Error(w, r, err)
			return
		}
		l := i18n.FromContext(ctx)
		s.Render(w, r, e.Code.HTTPStatus(), "signin", s.NewPage(r, "signin.title", signinData{Email: email, Next: next, Error: l.T(e.Key, e.Args...)}))
		return
	}
	// A new session token on sign-in prevents session fixation.
	if err := s.sm.RenewToken(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	s.sm.Put(ctx, sessUser, u.ID)
	s.sm.Remove(ctx, sessCSRF)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := s.sm.GetString(ctx, sessLang)
	if err := s.sm.Destroy(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	if lang != "" {
		s.sm.Put(ctx, sessLang, lang)
	}
	s.SetFlash(ctx, "ok", i18n.FromContext(ctx).T("signin.signed_out"))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// setLanguage is the language picker: it remembers the choice in the session and,
// for a signed-in user, in their settings.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := r.PostFormValue("lang")
	if !s.supported(lang) {
		s.ErrorStatus(w, r, http.StatusUnprocessableEntity, "validation.one_of")
		return
	}
	s.sm.Put(ctx, sessLang, lang)
	if u := CurrentUser(ctx); u != nil {
		if _, err := s.deps.Auth.UpdateUser(ctx, u.ID, auth.UserPatch{Locale: &lang}); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

type homeCardView struct {
	Key   string
	Href  string
	Value int64
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := CurrentUser(r.Context())
	var cards []homeCardView
	for _, c := range s.homeCard {
		if c.Perm != "" && !auth.Can(u.Role, c.Perm) {
			continue
		}
		v, err := c.Value(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		cards = append(cards, homeCardView{Key: c.Key, Href: c.Href, Value: v})
	}
	s.Render(w, r, http.StatusOK, "home", s.NewPage(r, "nav.home", struct{ Cards []homeCardView }{cards}))
}

type settingsData struct {
	Locale string
	Errors map[string]string
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	u := CurrentUser(r.Context())
	s.Render(w, r, http.StatusOK, "settings", s.NewPage(r, "nav.settings", settingsData{Locale: u.Locale}))
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := CurrentUser(ctx)
	locale := r.PostFormValue("locale")
	if _, err := s.deps.Auth.UpdateUser(ctx, u.ID, auth.UserPatch{Locale: &locale}); err != nil {
		s.formError(w, r, err, "settings", "nav.settings", settingsData{Locale: locale})
		return
	}
	if locale != "" {
		s.sm.Put(ctx, sessLang, locale)
	}
	lang := s.deps.Bundle.Match(locale, r.Header.Get("Accept-Language"), s.orgLocale(ctx))
	s.SetFlash(ctx, "ok", s.deps.Bundle.Localizer(lang).T("users.saved"))
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := CurrentUser(ctx)
	l := i18n.FromContext(ctx)
	if _, err := s.deps.Auth.Authenticate(ctx, u.Email, r.PostFormValue("current"), ClientIP(r)); err != nil {
		if _, ok := apperr.As(err); !ok {
			s.Error(w, r, err)
			return
		}
		s.Render(w, r, http.StatusUnprocessableEntity, "settings", s.NewPage(r, "nav.settings",
			settingsData{Locale: u.Locale, Errors: map[string]string{"current": l.T("settings.wrong_password")}}))
		return
	}
	if err := s.deps.Auth.SetPassword(ctx, u.ID, r.PostFormValue("password")); err != nil {
		s.formError(w, r, err, "settings", "nav.settings", settingsData{Locale: u.Locale})
		return
	}
	s.SetFlash(ctx, "ok", l.T("users.saved"))
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

// formError re-renders a form with localized field errors (422), or shows the
// error page for anything that is not a validation error.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, page, title string, data any) {
	fields, ok := FieldErrors(i18n.FromContext(r.Context()), err)
	if !ok {
		s.Error(w, r, err)
		return
	}
	switch d := data.(type) {
	case settingsData:
		d.Errors = fields
		data = d
	case usersData:
		d.Errors = fields
		data = d
	case tokensData:
		d.Errors = fields
		data = d
	}
	s.Render(w, r, http.StatusUnprocessableEntity, page, s.NewPage(r, title, data))
}

type usersData struct {
	Users  []auth.User
	Next   string
	Roles  []auth.Role
	Form   map[string]any
	Errors map[string]string
	Edit   *auth.User
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, usersData{Form: map[string]any{"role": string(auth.RoleAgent)}})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	page, err := s.deps.Auth.ListUsers(r.Context(), r.URL.Query().Get("cursor"), 50)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Users, d.Next, d.Roles = page.Items, page.Next, auth.Roles()
	s.Render(w, r, status, "admin_users", s.NewPage(r, "nav.users", d))
}

func userForm(r *http.Request) map[string]any {
	return map[string]any{
		"name": r.PostFormValue("name"), "email": r.PostFormValue("email"),
		"role": r.PostFormValue("role"), "locale": r.PostFormValue("locale"),
		"active": r.PostFormValue("active") == "1",
	}
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form := userForm(r)
	_, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Role: auth.Role(r.PostFormValue("role")), Locale: r.PostFormValue("locale"), Password: r.PostFormValue("password"),
	})
	if err != nil {
		fields, ok := FieldErrors(i18n.FromContext(ctx), err)
		if !ok {
			if e, isApp := apperr.As(err); isApp && e.Code == apperr.CodeConflict {
				fields = map[string]string{"email": i18n.FromContext(ctx).T(e.Key, e.Args...)}
			} else {
				s.Error(w, r, err)
				return
			}
		}
		s.renderUsers(w, r, http.StatusUnprocessableEntity, usersData{Form: form, Errors: fields})
		return
	}
	s.SetFlash(ctx, "ok", i18n.FromContext(ctx).T("users.saved"))
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	u, err := s.deps.Auth.GetUser(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "admin_user", s.NewPage(r, "nav.users", usersData{
		Edit: &u, Roles: auth.Roles(),
		Form: map[string]any{"name": u.Name, "role": string(u.Role), "locale": u.Locale, "active": u.Active},
	}))
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	name, role, locale := r.PostFormValue("name"), auth.Role(r.PostFormValue("role")), r.PostFormValue("locale")
	active := r.PostFormValue("active") == "1"
	u, err := s.deps.Auth.UpdateUser(ctx, id, auth.UserPatch{Name: &name, Role: &role, Locale: &locale, Active: &active})
	if err != nil {
		if fields, ok := FieldErrors(i18n.FromContext(ctx), err); ok {
			cur, gerr := s.deps.Auth.GetUser(ctx, id)
			if gerr != nil {
				s.Error(w, r, gerr)
				return
			}
			s.Render(w, r, http.StatusUnprocessableEntity, "admin_user", s.NewPage(r, "nav.users",
				usersData{Edit: &cur, Roles: auth.Roles(), Form: userForm(r), Errors: fields}))
			return
		}
		s.Error(w, r, err)
		return
	}
	s.SetFlash(ctx, "ok", i18n.FromContext(ctx).T("users.saved"))
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

func (s *Server) setUserPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := s.deps.Auth.SetPassword(ctx, id, r.PostFormValue("password")); err != nil {
		fields, isInvalid := FieldErrors(i18n.FromContext(ctx), err)
		if !isInvalid {
			s.Error(w, r, err)
			return
		}
		u, gerr := s.deps.Auth.GetUser(ctx, id)
		if gerr != nil {
			s.Error(w, r, gerr)
			return
		}
		s.Render(w, r, http.StatusUnprocessableEntity, "admin_user", s.NewPage(r, "nav.users", usersData{
			Edit: &u, Roles: auth.Roles(), Errors: map[string]string{"newpassword": fields["password"]},
			Form: map[string]any{"name": u.Name, "role": string(u.Role), "locale": u.Locale, "active": u.Active},
		}))
		return
	}
	s.SetFlash(ctx, "ok", i18n.FromContext(ctx).T("users.saved"))
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

type tokensData struct {
	Tokens []auth.Token
	All    bool
	Owners map[int64]string
	Plain  string
	Errors map[string]string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, tokensData{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, d tokensData) {
	ctx := r.Context()
	u := CurrentUser(ctx)
	owner := u.ID
	if auth.Can(u.Role, auth.PermTokensManageAll) {
		owner, d.All = 0, true
	}
	toks, err := s.deps.Auth.ListTokens(ctx, owner)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Tokens = toks
	if d.All {
		d.Owners = map[int64]string{}
		for _, t := range toks {
			if _, ok := d.Owners[t.UserID]; !ok {
				if ou, err := s.deps.Auth.GetUser(ctx, t.UserID); err == nil {
					d.Owners[t.UserID] = ou.Name
				}
			}
		}
	}
	s.Render(w, r, status, "tokens", s.NewPage(r, "nav.api_tokens", d))
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := CurrentUser(ctx)
	plain, _, err := s.deps.Auth.CreateToken(ctx, u.ID, r.PostFormValue("name"), nil)
	if err != nil {
		fields, ok := FieldErrors(i18n.FromContext(ctx), err)
		if !ok {
			s.Error(w, r, err)
			return
		}
		s.renderTokens(w, r, http.StatusUnprocessableEntity, tokensData{Errors: fields})
		return
	}
	// The token is shown once, on this response only; it is never stored in plain.
	w.Header().Set("Cache-Control", "no-store")
	s.renderTokens(w, r, http.StatusCreated, tokensData{Plain: plain})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := s.deps.Auth.RevokeToken(ctx, id); err != nil {
		s.Error(w, r, err)
		return
	}
	s.SetFlash(ctx, "ok", i18n.FromContext(ctx).T("users.saved"))
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}

type auditData struct {
	Entries []auth.AuditEntry
	Next    string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	f := auth.AuditFilter{Before: r.URL.Query().Get("cursor"), Limit: 100, EntityType: r.URL.Query().Get("entity")}
	page, err := s.deps.Auth.ListAudit(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "audit", s.NewPage(r, "nav.audit_log", auditData{Entries: page.Items, Next: page.Next}))
}

func (s *Server) supported(lang string) bool { return auth.ValidLocale(lang) }
