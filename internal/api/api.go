// Package api is Hearken's JSON API at /api/v1: bearer-token authentication, one
// error shape everywhere, cursor pagination and an OpenAPI 3.1 document generated
// from the handlers (huma).
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/web"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Deps is what the API needs from the application.
type Deps struct {
	Log       *slog.Logger
	Bundle    *i18n.Bundle
	Auth      *auth.Service
	OrgLocale func(ctx context.Context) string
	Version   string
}

// Module is a capability's API: it registers operations on the API.
type Module interface {
	MountAPI(a *API)
}

// API is the huma API plus Hearken's conventions.
type API struct {
	huma.API
	deps Deps
	mux  *http.ServeMux
}

// ErrorBody is the one error shape: {"error":{"code","message","fields"}}.
type ErrorBody struct {
	Err ErrorDetail `json:"error"`
	// status is not serialised; huma reads it through GetStatus.
	status int
}

// ErrorDetail describes what went wrong, localized for the caller.
type ErrorDetail struct {
	Code    string            `json:"code" doc:"Stable machine-readable code, e.g. validation_failed, not_found, unauthorized."`
	Message string            `json:"message" doc:"Human-readable message in the caller's language."`
	Fields  map[string]string `json:"fields,omitempty" doc:"Per-field messages for validation errors."`
}

func (e *ErrorBody) Error() string  { return e.Err.Code + ": " + e.Err.Message }
func (e *ErrorBody) GetStatus() int { return e.status }

var installErrors sync.Once

// New builds the API and its foundation operations.
func New(d Deps) *API {
	cfg := huma.DefaultConfig("Hearken API", d.Version)
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = "" // the default docs page loads scripts from a CDN
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in bodies: clients want plain objects
	cfg.Info.Description = "Hearken's JSON API. Authenticate with `Authorization: Bearer <token>` (create a token under API tokens, or `hearken token create`). Errors always have the shape {\"error\":{\"code\",\"message\",\"fields\"}}. Lists are paginated with `cursor` and `limit`, answering `{\"items\":[…],\"next_cursor\":\"…\"}`."
	cfg.Servers = []*huma.Server{{URL: Prefix}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	mux := http.NewServeMux()
	a := &API{deps: d, mux: mux}
	installErrors.Do(func() {
		// huma builds every error through this hook; it is process-wide, so the
		// localizer comes from the request context rather than from this API value.
		huma.NewErrorWithContext = newError
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return newError(nil, status, msg, errs...)
		}
	})
	a.API = humago.NewWithPrefix(mux, Prefix, cfg)
	a.API.UseMiddleware(a.authenticate)
	a.mountFoundation()
	return a
}

// Handler serves the API (mount it at Prefix).
func (a *API) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		a.mux.ServeHTTP(w, r)
	})
}

// Pattern is the route pattern r would match, for metrics labels.
func (a *API) Pattern(r *http.Request) string {
	_, p := a.mux.Handler(r)
	return p
}

// public marks operations that need no token.
var public = map[string]bool{"/openapi.json": true, "/openapi.yaml": true, "/openapi-3.0.json": true, "/openapi-3.0.yaml": true}

// authenticate checks the bearer token, puts the actor and the caller's
// localizer in the context.
func (a *API) authenticate(ctx huma.Context, next func(huma.Context)) {
	r, _ := humago.Unwrap(ctx)
	base := r.Context()
	lang := a.deps.Bundle.Match("", ctx.Header("Accept-Language"), a.orgLocale(base))
	base = i18n.WithLocalizer(base, a.deps.Bundle.Localizer(lang))
	op := ctx.Operation()
	if op != nil && len(op.Security) == 0 && op.Security != nil || public[strings.TrimPrefix(r.URL.Path, Prefix)] {
		next(huma.WithContext(ctx, base))
		return
	}
	token, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
	if !ok || token == "" {
		a.writeErr(ctx, base, apperr.New(apperr.CodeUnauthorized, "error.unauthorized"))
		return
	}
	u, tok, err := a.deps.Auth.VerifyToken(base, strings.TrimSpace(token))
	if err != nil {
		if _, isApp := apperr.As(err); !isApp {
			a.deps.Log.Error("verify token", "err", err)
		}
		a.writeErr(ctx, base, apperr.New(apperr.CodeUnauthorized, "error.unauthorized"))
		return
	}
	if u.Locale != "" {
		base = i18n.WithLocalizer(base, a.deps.Bundle.Localizer(a.deps.Bundle.Match(u.Locale, "", a.orgLocale(base))))
	}
	base = auth.WithActor(base, auth.Actor{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Locale: u.Locale, TokenID: tok.ID, IP: web.ClientIP(r), Label: u.Name + " (API)"})
	next(huma.WithContext(ctx, base))
}

func (a *API) orgLocale(ctx context.Context) string {
	if a.deps.OrgLocale == nil {
		return "en"
	}
	return a.deps.OrgLocale(ctx)
}

func (a *API) writeErr(ctx huma.Context, base context.Context, err error) {
	se := toStatusError(base, err)
	_ = huma.WriteErr(a.API, huma.WithContext(ctx, base), se.GetStatus(), se.Err.Message, se)
}

// Fail converts any error from a domain service into the API error shape; bare
// errors become a 500 with no internals exposed.
func (a *API) Fail(ctx context.Context, err error) error {
	if _, ok := apperr.As(err); !ok && !errors.Is(err, context.Canceled) {
		a.deps.Log.Error("api request failed", "err", err)
	}
	return toStatusError(ctx, err)
}

func toStatusError(ctx context.Context, err error) *ErrorBody {
	l := i18n.FromContext(ctx)
	e, ok := apperr.As(err)
	if !ok {
		return &ErrorBody{status: http.StatusInternalServerError, Err: ErrorDetail{Code: "internal", Message: l.T("error.server", "Ref", "")}}
	}
	body := &ErrorBody{status: e.Code.HTTPStatus(), Err: ErrorDetail{Code: string(e.Code), Message: l.T(e.Key, e.Args...)}}
	if len(e.Fields) > 0 {
		body.Err.Fields = map[string]string{}
		for f, fe := range e.Fields {
			body.Err.Fields[f] = l.T(fe.Key, fe.Args...)
		}
	}
	return body
}

// newError is huma's error hook: request-decoding and validation failures get the
// same shape and language as domain errors.
func newError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	ctx := context.Background()
	if hctx != nil {
		ctx = hctx.Context()
	}
	for _, err := range errs {
		if body, ok := err.(*ErrorBody); ok {
			return body
		}
	}
	l := i18n.FromContext(ctx)
	code, key := "internal", "error.server"
	switch {
	case status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "json"):
		code, key = "malformed_json", "error.malformed_json"
	case status == http.StatusBadRequest:
		code, key = string(apperr.CodeBadRequest), "error.invalid_request"
	case status == http.StatusUnprocessableEntity:
		code, key = string(apperr.CodeInvalid), "error.validation_failed"
	case status == http.StatusNotFound:
		code, key = string(apperr.CodeNotFound), "error.not_found"
	case status == http.StatusUnauthorized:
		code, key = string(apperr.CodeUnauthorized), "error.unauthorized"
	case status == http.StatusForbidden:
		code, key = string(apperr.CodeForbidden), "error.forbidden"
	case status == http.StatusRequestEntityTooLarge:
		code, key = string(apperr.CodeTooLarge), "error.too_large"
	case status == http.StatusTooManyRequests:
		code, key = string(apperr.CodeRateLimited), "error.rate_limited"
	case status == http.StatusMethodNotAllowed, status == http.StatusNotAcceptable, status == http.StatusUnsupportedMediaType:
		code, key = "bad_request", "error.invalid_request"
	}
	body := &ErrorBody{status: status, Err: ErrorDetail{Code: code, Message: l.T(key, "Ref", "")}}
	for _, err := range errs {
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			if body.Err.Fields == nil {
				body.Err.Fields = map[string]string{}
			}
			field := strings.TrimPrefix(strings.TrimPrefix(d.Location, "body."), "body")
			if field == "" {
				field = "body"
			}
			if strings.Contains(strings.ToLower(d.Message), "json") || strings.Contains(d.Message, "unexpected") {
				body.Err.Code, body.Err.Message = "malformed_json", l.T("error.malformed_json")
				body.status = http.StatusBadRequest
			}
			body.Err.Fields[field] = l.T("validation.invalid_value", "Detail", d.Message)
		}
	}
	return body
}

// Page is the list envelope every list operation answers.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// ListParams are the pagination query parameters.
type ListParams struct {
	Cursor string `query:"cursor" doc:"Opaque cursor from a previous page's next_cursor."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page."`
}

// Require checks the caller holds perm.
func (a *API) Require(ctx context.Context, perm auth.Permission) error {
	if err := auth.Require(ctx, perm); err != nil {
		return a.Fail(ctx, err)
	}
	return nil
}
