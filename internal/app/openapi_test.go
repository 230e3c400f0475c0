package app

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestOpenAPI validates the served OpenAPI 3.1 document with a real validator,
// then checks real requests and responses of every kind against it.
func TestOpenAPI(t *testing.T) {
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	res, err := http.Get(ta.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(spec), `"openapi":"3.1.0"`) {
		t.Fatalf("openapi.json: %d %.200s", res.StatusCode, spec)
	}
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("document: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	for _, op := range []string{"getMe", "listUsers", "createUser", "updateUser", "listTokens", "createToken", "revokeToken", "listAudit"} {
		if !strings.Contains(string(spec), `"operationId":"`+op+`"`) {
			t.Errorf("operation %s missing from the document", op)
		}
	}

	tok := ta.token(t, ta.adminEmail)
	cases := []struct {
		method, path, body, token string
		status                    int
	}{
		{"GET", "/api/v1/me", "", tok, 200},
		{"GET", "/api/v1/me", "", "", 401},
		{"GET", "/api/v1/users?limit=10", "", tok, 200},
		{"POST", "/api/v1/users", `{"email":"new@example.org","name":"Nur Yılmaz","role":"agent","password":"a long password"}`, tok, 201},
		{"POST", "/api/v1/users", `{"email":"x","name":"","role":"nope","password":"1"}`, tok, 422},
		{"PATCH", "/api/v1/users/1", `{"name":"Ada Lovelace"}`, tok, 200},
		{"GET", "/api/v1/users/999999", "", tok, 404},
		{"GET", "/api/v1/tokens", "", tok, 200},
		// A token cannot mint tokens, so a leaked one cannot outlive its revocation.
		{"POST", "/api/v1/tokens", `{"name":"ci"}`, tok, 403},
		{"GET", "/api/v1/audit?limit=5", "", tok, 200},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			mk := func() *http.Request {
				req, _ := http.NewRequest(c.method, ta.srv.URL+c.path, strings.NewReader(c.body))
				if c.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				return req
			}
			res, err := http.DefaultClient.Do(mk())
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
			}
			res.Body = io.NopCloser(strings.NewReader(string(body)))
			req := mk()
			req.URL.Host, req.URL.Scheme = "", ""
			validate := v.ValidateHttpRequestResponse
			if c.token == "" { // the request is wrong on purpose; check the answer only
				validate = v.ValidateHttpResponse
			}
			if ok, verrs := validate(req, res); !ok {
				for _, e := range verrs {
					t.Errorf("%s: %s", e.Message, e.Reason)
				}
				t.Logf("body: %s", body)
			}
		})
	}
}
