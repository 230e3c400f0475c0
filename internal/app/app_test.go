package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

const testPassword = "correct horse battery"

// testWriter sends log lines to the test's output, shown when it fails.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// testApp is Hearken on a fresh database behind a real HTTP server.
type testApp struct {
	*App
	srv        *httptest.Server
	adminEmail string
}

func newTestApp(t testing.TB, d *db.DB) *testApp { return newTestAppWith(t, d, nil) }

// newTestAppWith is newTestApp with settings changed by mod.
func newTestAppWith(t testing.TB, d *db.DB, mod func(*config.Config)) *testApp {
	t.Helper()
	cfg := config.Defaults()
	cfg.DB = d.Source
	if mod != nil {
		mod(&cfg)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := New(context.Background(), cfg, log, d)
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	ta := &testApp{App: a, srv: httptest.NewServer(h), adminEmail: "admin@example.org"}
	t.Cleanup(ta.srv.Close)
	ctx := auth.WithActor(context.Background(), auth.SystemActor("test"))
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: ta.adminEmail, Name: "Ada Admin", Role: auth.RoleAdmin, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return ta
}

func (ta *testApp) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (ta *testApp) token(t testing.TB, email string) string {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.SystemActor("test"))
	u, err := ta.Auth.GetUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := ta.Auth.CreateToken(ctx, u.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

type resp struct {
	status int
	body   string
	header http.Header
}

func do(t *testing.T, c *http.Client, method, u string, body io.Reader, hdr map[string]string) resp {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, string(b), res.Header}
}

// csrfFrom pulls the form token out of a page.
func csrfFrom(t *testing.T, page string) string {
	t.Helper()
	const marker = `name="csrf_token" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no csrf token in page:\n%.500s", page)
	}
	rest := page[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

func form(kv ...string) io.Reader {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return strings.NewReader(v.Encode())
}

var formHdr = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

func withHdr(extra ...string) map[string]string {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return h
}

func TestOperationsEndpoints(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		c := ta.client(t)
		if r := do(t, c, "GET", ta.srv.URL+"/healthz", nil, nil); r.status != 200 {
			t.Fatalf("healthz %d", r.status)
		}
		if r := do(t, c, "GET", ta.srv.URL+"/readyz", nil, nil); r.status != 200 || !strings.Contains(r.body, "ready") {
			t.Fatalf("readyz %d %s", r.status, r.body)
		}
		do(t, c, "GET", ta.srv.URL+"/signin", nil, nil)
		r := do(t, c, "GET", ta.srv.URL+"/metrics", nil, nil)
		for _, want := range []string{`hearken_http_request_duration_seconds_bucket{code="200",method="GET",route="GET /signin"`, "go_goroutines", "go_sql_open_connections"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestSignInFlow(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		c := ta.client(t)
		u := ta.srv.URL

		// Not signed in: pages redirect to sign-in, keeping where the user was going.
		r := do(t, c, "GET", u+"/admin/users", nil, nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/signin?next=%2Fadmin%2Fusers" {
			t.Fatalf("redirect: %d %s", r.status, r.header.Get("Location"))
		}

		// The sign-in page is in the browser's language; Persian is right-to-left.
		r = do(t, c, "GET", u+"/signin", nil, map[string]string{"Accept-Language": "fa-IR,fa;q=0.9"})
		if !strings.Contains(r.body, `<html lang="fa" dir="rtl">`) {
			t.Fatalf("persian page not rtl: %.300s", r.body)
		}
		r = do(t, c, "GET", u+"/signin", nil, map[string]string{"Accept-Language": "xx-unknown;q=1, ;;garbage"})
		if r.status != 200 || !strings.Contains(r.body, `<html lang="en" dir="ltr">`) {
			t.Fatalf("unknown locale: %d %.200s", r.status, r.body)
		}
		token := csrfFrom(t, r.body)

		// No CSRF token and no browser origin headers: refused, localized.
		r = do(t, c, "POST", u+"/signin", form("email", ta.adminEmail, "password", testPassword), withHdr("Accept-Language", "tr"))
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "süresi") {
			t.Fatalf("missing csrf: %d %.600s", r.status, r.body)
		}
		// A cross-site browser request is refused by its headers alone.
		r = do(t, c, "POST", u+"/signin", form("email", ta.adminEmail, "password", testPassword, "csrf_token", token), withHdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"))
		if r.status != http.StatusForbidden {
			t.Fatalf("cross-site: %d", r.status)
		}

		// Wrong password: 401 with the message in the user's language, same for an unknown user.
		for _, email := range []string{ta.adminEmail, "nobody@example.org"} {
			r = do(t, c, "POST", u+"/signin", form("email", email, "password", "wrong password!", "csrf_token", token), withHdr("Accept-Language", "fr"))
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `id="signin-error"`) || !strings.Contains(r.body, `lang="fr"`) {
				t.Fatalf("wrong password for %s: %d %.300s", email, r.status, r.body)
			}
		}

		// Right password: signed in, redirected to next; a new session token.
		before := sessionCookie(c, u)
		r = do(t, c, "POST", u+"/signin", form("email", ta.adminEmail, "password", testPassword, "csrf_token", token, "next", "/admin/users"), formHdr)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/users" {
			t.Fatalf("sign in: %d %s %.300s", r.status, r.header.Get("Location"), r.body)
		}
		if after := sessionCookie(c, u); after == "" || after == before {
			t.Fatal("session token not renewed on sign-in")
		}
		r = do(t, c, "GET", u+"/admin/users", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, "Ada Admin") {
			t.Fatalf("users page: %d", r.status)
		}

		// Create a user through the form; invalid input re-renders with field errors.
		token = csrfFrom(t, r.body)
		r = do(t, c, "POST", u+"/admin/users", form("csrf_token", token, "name", "", "email", "not-an-email", "password", "short", "role", "agent"), formHdr)
		if r.status != http.StatusUnprocessableEntity || strings.Count(r.body, `class="field-error"`) < 3 {
			t.Fatalf("invalid user: %d %.2000s", r.status, r.body)
		}
		r = do(t, c, "POST", u+"/admin/users", form("csrf_token", token, "name", "Şule Ağaoğlu", "email", "sule@example.org", "password", "a long enough secret", "role", "agent", "locale", "tr"), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("create user: %d %.1000s", r.status, r.body)
		}
		// The audit log shows who created whom.
		r = do(t, c, "GET", u+"/admin/audit", nil, nil)
		if !strings.Contains(r.body, "user.create") {
			t.Fatalf("audit log lacks user.create")
		}

		// An agent may not manage users.
		c2 := ta.client(t)
		p := do(t, c2, "GET", u+"/signin", nil, nil)
		do(t, c2, "POST", u+"/signin", form("email", "sule@example.org", "password", "a long enough secret", "csrf_token", csrfFrom(t, p.body)), formHdr)
		r = do(t, c2, "GET", u+"/admin/users", nil, nil)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, `lang="tr"`) {
			t.Fatalf("agent on users page: %d", r.status)
		}

		// Sign out ends the session.
		r = do(t, c, "GET", u+"/", nil, nil)
		do(t, c, "POST", u+"/signout", form("csrf_token", csrfFrom(t, r.body)), formHdr)
		if r = do(t, c, "GET", u+"/", nil, nil); r.status != http.StatusSeeOther {
			t.Fatalf("after sign out: %d", r.status)
		}

		// An unknown or expired session cookie is treated as signed out.
		c3 := ta.client(t)
		pu, _ := url.Parse(u)
		c3.Jar.SetCookies(pu, []*http.Cookie{{Name: "hearken_session", Value: "expired-or-forged"}})
		if r = do(t, c3, "GET", u+"/", nil, nil); r.status != http.StatusSeeOther {
			t.Fatalf("forged session: %d", r.status)
		}
	})
}

func sessionCookie(c *http.Client, u string) string {
	pu, _ := url.Parse(u)
	for _, ck := range c.Jar.Cookies(pu) {
		if ck.Name == "hearken_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSignInLockout(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		c := ta.client(t)
		token := csrfFrom(t, do(t, c, "GET", ta.srv.URL+"/signin", nil, nil).body)
		var last resp
		for range 6 {
			last = do(t, c, "POST", ta.srv.URL+"/signin", form("email", ta.adminEmail, "password", "not the password", "csrf_token", token), formHdr)
		}
		if last.status != http.StatusTooManyRequests && last.status != http.StatusUnauthorized {
			t.Fatalf("status %d", last.status)
		}
		// Locked: even the right password is refused for now.
		r := do(t, c, "POST", ta.srv.URL+"/signin", form("email", ta.adminEmail, "password", testPassword, "csrf_token", token), formHdr)
		if r.status == http.StatusSeeOther {
			t.Fatal("signed in while locked out")
		}
	})
}

func TestAPI(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		c := ta.client(t)
		u := ta.srv.URL + "/api/v1"
		tok := ta.token(t, ta.adminEmail)
		bearer := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}

		var e struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		decodeErr := func(r resp) {
			t.Helper()
			e.Error.Fields = nil
			if err := json.Unmarshal([]byte(r.body), &e); err != nil {
				t.Fatalf("error body not JSON: %v %s", err, r.body)
			}
		}

		r := do(t, c, "GET", u+"/me", nil, map[string]string{"Accept-Language": "ja"})
		decodeErr(r)
		if r.status != 401 || e.Error.Code != "unauthorized" || e.Error.Message == "" || !hasNonASCII(e.Error.Message) {
			t.Fatalf("no token: %d %s", r.status, r.body)
		}
		r = do(t, c, "GET", u+"/me", nil, map[string]string{"Authorization": "Bearer hk_wrong"})
		if decodeErr(r); r.status != 401 || e.Error.Code != "unauthorized" {
			t.Fatalf("wrong token: %d %s", r.status, r.body)
		}
		r = do(t, c, "GET", u+"/me", nil, bearer)
		if r.status != 200 || !strings.Contains(r.body, `"email":"admin@example.org"`) {
			t.Fatalf("me: %d %s", r.status, r.body)
		}

		r = do(t, c, "POST", u+"/users", strings.NewReader(`{"email": "x@`), bearer)
		if decodeErr(r); r.status != 400 || e.Error.Code != "malformed_json" {
			t.Fatalf("malformed json: %d %s", r.status, r.body)
		}
		r = do(t, c, "POST", u+"/users", strings.NewReader(`{"email":"bad","name":"","role":"wizard","password":"x"}`), bearer)
		if decodeErr(r); r.status != 422 || e.Error.Code != "validation_failed" || e.Error.Fields["email"] == "" || e.Error.Fields["role"] == "" {
			t.Fatalf("validation: %d %s", r.status, r.body)
		}
		r = do(t, c, "POST", u+"/users", strings.NewReader(`{"email":"mika@example.fi","name":"Mika Häkkinen","role":"viewer","locale":"fi","password":"long enough secret"}`), bearer)
		if r.status != 201 {
			t.Fatalf("create user: %d %s", r.status, r.body)
		}
		r = do(t, c, "POST", u+"/users", strings.NewReader(`{"email":"MIKA@example.fi","name":"Again","role":"viewer","password":"long enough secret"}`), bearer)
		if decodeErr(r); r.status != 409 || e.Error.Code != "conflict" {
			t.Fatalf("duplicate: %d %s", r.status, r.body)
		}

		// Cursor pagination walks every user exactly once.
		ctx := auth.WithActor(context.Background(), auth.SystemActor("test"))
		for i := range 5 {
			if _, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: "p" + string(rune('a'+i)) + "@example.org", Name: "Page", Role: auth.RoleViewer, Password: testPassword}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[float64]bool{}
		next := ""
		for pages := 0; ; pages++ {
			r = do(t, c, "GET", u+"/users?limit=2&cursor="+url.QueryEscape(next), nil, bearer)
			var page struct {
				Items []map[string]any `json:"items"`
				Next  string           `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(r.body), &page); err != nil || r.status != 200 {
				t.Fatalf("page: %d %s", r.status, r.body)
			}
			for _, it := range page.Items {
				id := it["id"].(float64)
				if seen[id] {
					t.Fatalf("user %v twice", id)
				}
				seen[id] = true
			}
			if next = page.Next; next == "" {
				break
			}
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != 7 {
			t.Fatalf("saw %d users, want 7", len(seen))
		}

		// Tokens: a token cannot mint another; one made by the user works until revoked.
		r = do(t, c, "POST", u+"/tokens", strings.NewReader(`{"name":"integration"}`), bearer)
		if decodeErr(r); r.status != 403 || e.Error.Code != "forbidden" {
			t.Fatalf("token minting token: %d %s", r.status, r.body)
		}
		var nt struct {
			ID    int64
			Token string
		}
		nt.Token = ta.token(t, ta.adminEmail)
		r = do(t, c, "GET", u+"/tokens", nil, bearer)
		var toks struct {
			Items []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.body), &toks); err != nil || len(toks.Items) != 2 {
			t.Fatalf("list tokens: %s", r.body)
		}
		for _, it := range toks.Items { // the newest token has the highest id
			nt.ID = max(nt.ID, it.ID)
		}
		if r = do(t, c, "GET", u+"/me", nil, map[string]string{"Authorization": "Bearer " + nt.Token}); r.status != 200 {
			t.Fatalf("new token: %d", r.status)
		}
		if r = do(t, c, "DELETE", u+"/tokens/"+itoa(nt.ID), nil, bearer); r.status != 204 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		if r = do(t, c, "GET", u+"/me", nil, map[string]string{"Authorization": "Bearer " + nt.Token}); r.status != 401 {
			t.Fatalf("revoked token still works: %d", r.status)
		}

		// The audit log has the API's writes.
		r = do(t, c, "GET", u+"/audit?limit=50", nil, bearer)
		if r.status != 200 || !strings.Contains(r.body, `"action":"user.create"`) || !strings.Contains(r.body, `"action":"token.revoke"`) {
			t.Fatalf("audit: %d %s", r.status, r.body)
		}
		// A viewer can't read it.
		vt := ta.token(t, "mika@example.fi")
		r = do(t, c, "GET", u+"/audit", nil, map[string]string{"Authorization": "Bearer " + vt})
		if decodeErr(r); r.status != 403 || e.Error.Code != "forbidden" || !hasNonASCII(e.Error.Message) {
			t.Fatalf("viewer audit: %d %s", r.status, r.body) // Finnish message: "Sinulla ei ole oikeutta…"
		}
		_ = bytes.MinRead
	})
}

func hasNonASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return true
		}
	}
	return false
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
