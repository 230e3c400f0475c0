package app

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

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
	for _, op := range []string{"getMe", "listUsers", "createUser", "updateUser", "listTokens", "createToken", "revokeToken", "listAudit",
		"listPeople", "createPerson", "getPerson", "updatePerson", "erasePerson", "getTimeline", "addNote", "addPersonRole",
		"listPersonRoles", "endPersonRole", "addRelationship", "listRelationships", "getConsent", "setConsent", "mayContact",
		"listTags", "tagPerson", "listSegments", "createSegment", "listSegmentMembers", "listDuplicates", "mergePerson",
		"importPeople", "dryRunImport", "previewImport", "getImport", "exportPeopleCSV", "exportPersonData"} {
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
		// People.
		{"POST", "/api/v1/people", `{"kind":"individual","display_name":"佐藤 健","language":"ja","emails":[{"address":"ken@example.jp"}],"phones":[{"number":"+81 90 1111 2222"}],"roles":[{"role":"volunteer","start":"2019-04-01"}],"tags":["ボランティア"]}`, tok, 201},
		{"POST", "/api/v1/people", `{"display_name":"Ken Sato","emails":[{"address":"KEN@example.jp"}]}`, tok, 201},
		{"POST", "/api/v1/people", `{"given_name":"Zeynep","family_name":"Kaya","language":"tr","birth_date":"1990-02-03"}`, tok, 201},
		{"POST", "/api/v1/people", `{"kind":"individual","emails":[{"address":"nope"}]}`, tok, 422},
		{"GET", "/api/v1/people?q=%E4%BD%90%E8%97%A4", "", tok, 200},
		{"GET", "/api/v1/people?language=ja&limit=5", "", tok, 200},
		{"GET", "/api/v1/people/1", "", tok, 200},
		{"GET", "/api/v1/people/999999", "", tok, 404},
		{"PATCH", "/api/v1/people/1", `{"pronouns":"he","birth_date":"1985-07-07"}`, tok, 200},
		{"POST", "/api/v1/people/1/notes", `{"body":"初回の面談。"}`, tok, 201},
		{"GET", "/api/v1/people/1/timeline?limit=10", "", tok, 200},
		{"POST", "/api/v1/people/1/roles", `{"role":"donor","start":"2022-01-01"}`, tok, 201},
		{"GET", "/api/v1/people/1/roles", "", tok, 200},
		{"POST", "/api/v1/people/1/roles/1/end", `{"end":"2024-12-31"}`, tok, 200},
		{"PUT", "/api/v1/people/1/consent", `{"channel":"email","purpose":"newsletter","status":"opt_in"}`, tok, 200},
		{"GET", "/api/v1/people/1/consent", "", tok, 200},
		{"GET", "/api/v1/people/1/may-contact?channel=email&purpose=newsletter", "", tok, 200},
		{"POST", "/api/v1/people/1/relationships", `{"other_id":3,"type":"sibling"}`, tok, 201},
		{"GET", "/api/v1/people/1/relationships", "", tok, 200},
		{"GET", "/api/v1/tags", "", tok, 200},
		{"POST", "/api/v1/people/1/tags", `{"name":"Gala 2026"}`, tok, 200},
		{"POST", "/api/v1/segments", `{"name":"日本語","filter":{"languages":["ja"],"roles":[{"role":"volunteer","status":"any"}]}}`, tok, 201},
		{"GET", "/api/v1/segments", "", tok, 200},
		{"GET", "/api/v1/segments/1/members", "", tok, 200},
		{"GET", "/api/v1/people/1/duplicates", "", tok, 200},
		{"POST", "/api/v1/people/1/merge", `{"merge_id":2}`, tok, 200},
		{"POST", "/api/v1/imports/dry-run", "name,email\nAyşe Yılmaz,ayse@example.com\nBad,not-an-email\n", tok, 200},
		{"POST", "/api/v1/imports", "name,email\nAyşe Yılmaz,ayse@example.com\nBad,not-an-email\n", tok, 202},
		{"GET", "/api/v1/imports/1", "", tok, 200},
		{"GET", "/api/v1/people/export.csv?segment_id=1", "", tok, 200},
		{"GET", "/api/v1/people/1/export", "", tok, 200},
		{"DELETE", "/api/v1/people/3", "", tok, 204},
		{"GET", "/api/v1/people/3", "", tok, 404},
		// Channels: phone calls and social channels.
		{"POST", "/api/v1/calls", `{"direction":"out","duration_secs":300,"number":"+358 40 1234567","notes":"Called about the gala.","subject":"Gala"}`, tok, 201},
		{"POST", "/api/v1/calls", `{"outcome":"answered","notes":"Nobody to call"}`, tok, 422},
		{"POST", "/api/v1/conversations/1/calls", `{"direction":"in","outcome":"voicemail","notes":"Please call back"}`, tok, 201},
		{"POST", "/api/v1/channels/social", `{"name":"Instagram","platform":"instagram","outbound_url":"https://bridge.example.org/out"}`, tok, 201},
		{"POST", "/api/v1/channels/social", `{"name":"","platform":"instagram","outbound_url":"ftp://x"}`, tok, 422},
		{"GET", "/api/v1/channels/social", "", tok, 200},
		{"PUT", "/api/v1/channels/social/1", `{"name":"Instagram DMs","platform":"instagram"}`, tok, 200},
		{"POST", "/api/v1/channels/social/1/secret", "", tok, 200},
		{"POST", "/api/v1/channels/social/1/messages", `{"id":"1","author":{"handle":"x"},"text":"hi"}`, "", 401},
		{"DELETE", "/api/v1/channels/social/1", "", tok, 204},
		// Agent workspace: canned responses, signatures, presence, snooze, priority, bulk, split, merge, forward.
		{"GET", "/api/v1/conversations/counts", "", tok, 200},
		{"GET", "/api/v1/conversations?view=breaching&sort=newest&priority=high&channel=phone&tag=x&assignee_id=1", "", tok, 200},
		{"GET", "/api/v1/conversations?sort=newest&cursor=garbage", "", tok, 422},
		{"POST", "/api/v1/canned-responses", `{"title":"Thanks","shortcut":"thanks","variants":[{"language":"fa","body":"سپاس، {{first_name}}"},{"language":"en","body":"Thank you, {{first_name}}"}]}`, tok, 201},
		{"POST", "/api/v1/canned-responses", `{"title":"","variants":[{"language":"en","body":"{{password}}"}]}`, tok, 422},
		{"GET", "/api/v1/canned-responses?q=than", "", tok, 200},
		{"GET", "/api/v1/canned-responses/1", "", tok, 200},
		{"PUT", "/api/v1/canned-responses/1", `{"title":"Thanks!","personal":true,"variants":[{"language":"en","title":"Thanks","body":"Thanks, {{greeting_name}}. {{tenure}}"}]}`, tok, 200},
		{"GET", "/api/v1/conversations/1/canned-responses/1", "", tok, 200},
		{"GET", "/api/v1/canned-responses/999", "", tok, 404},
		{"PUT", "/api/v1/signatures/me", `{"signatures":[{"language":"","body":"Ada, {{org_name}}"},{"language":"fi","body":"Ada"}]}`, tok, 200},
		{"GET", "/api/v1/signatures/me", "", tok, 200},
		{"PUT", "/api/v1/signatures/teams/999", `{"signatures":[{"language":"","body":"Team"}]}`, tok, 422},
		{"POST", "/api/v1/conversations/1/presence", `{"typing":true}`, tok, 200},
		{"POST", "/api/v1/conversations/999/presence", `{}`, tok, 404},
		{"PUT", "/api/v1/conversations/1/priority", `{"priority":"high"}`, tok, 200},
		{"POST", "/api/v1/conversations/1/snooze", `{"until":"` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`, tok, 200},
		{"POST", "/api/v1/conversations/1/snooze", `{"until":"2001-01-01T00:00:00Z"}`, tok, 422},
		{"DELETE", "/api/v1/conversations/1/snooze", "", tok, 200},
		{"POST", "/api/v1/conversations/bulk", `{"ids":[1,999],"action":"status","status":"open"}`, tok, 200},
		{"POST", "/api/v1/conversations/bulk", `{"ids":[1],"action":"tag","tag":" "}`, tok, 422},
		{"POST", "/api/v1/conversations/1/split", `{"message_id":2}`, tok, 201},
		{"POST", "/api/v1/conversations/1/merge", `{"conversation_id":2}`, tok, 200},
		{"POST", "/api/v1/conversations/1/merge", `{"conversation_id":1}`, tok, 422},
		{"POST", "/api/v1/conversations/1/messages/1/forward", `{"to":"not an address"}`, tok, 422},
		{"DELETE", "/api/v1/canned-responses/1", "", tok, 204},
	}
	// Bodies that are not JSON.
	contentType := map[string]string{"/api/v1/imports": "text/csv", "/api/v1/imports/dry-run": "text/csv"}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			mk := func() *http.Request {
				req, _ := http.NewRequest(c.method, ta.srv.URL+c.path, strings.NewReader(c.body))
				if c.body != "" {
					ct := contentType[c.path]
					if ct == "" {
						ct = "application/json"
					}
					req.Header.Set("Content-Type", ct)
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
