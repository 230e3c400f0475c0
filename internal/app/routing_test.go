package app

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/org"
)

// TestRoutingAndNotificationsAPI drives routing, queues, availability and
// notifications through the API, checking every answer against the OpenAPI
// document, and then the same features through the web pages.
func TestRoutingAndNotificationsAPI(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		ctx := auth.WithActor(context.Background(), auth.SystemActor("test"))
		admin, err := ta.Auth.GetUserByEmail(ctx, ta.adminEmail)
		if err != nil {
			t.Fatal(err)
		}
		team, err := ta.Org.CreateTeam(ctx, org.NewTeam{Name: "Donor care"})
		if err != nil {
			t.Fatal(err)
		}
		if err := ta.Org.AddMember(ctx, team.ID, admin.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: "help@example.org", TeamID: team.ID}); err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(ta.srv.URL + "/api/v1/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := io.ReadAll(res.Body)
		res.Body.Close()
		doc, err := libopenapi.NewDocument(spec)
		if err != nil {
			t.Fatal(err)
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			t.Fatalf("validator: %v", errs)
		}
		tok := ta.token(t, ta.adminEmail)
		tid := itoa(team.ID)
		call := func(method, path, body string, status int) string {
			t.Helper()
			mk := func() *http.Request {
				req, _ := http.NewRequest(method, ta.srv.URL+path, strings.NewReader(body))
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", "Bearer "+tok)
				return req
			}
			res, err := http.DefaultClient.Do(mk())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != status {
				t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, status, b)
			}
			res.Body = io.NopCloser(strings.NewReader(string(b)))
			req := mk()
			req.URL.Host, req.URL.Scheme = "", ""
			validate := v.ValidateHttpRequestResponse
			if status == http.StatusUnprocessableEntity { // the request is wrong on purpose
				validate = v.ValidateHttpResponse
			}
			if ok, verrs := validate(req, res); !ok {
				for _, e := range verrs {
					t.Errorf("%s %s: %s: %s", method, path, e.Message, e.Reason)
				}
			}
			return string(b)
		}
		call("PUT", "/api/v1/agents/me/availability", `{"availability":"online"}`, 200)
		if b := call("GET", "/api/v1/agents/me/availability", "", 200); !strings.Contains(b, `"effective":"online"`) {
			t.Fatalf("availability %s", b)
		}
		call("PUT", "/api/v1/agents/me/availability", `{"availability":"asleep"}`, 422)
		call("PUT", "/api/v1/teams/"+tid+"/inbox-settings", `{"mode":"round_robin","default_capacity":5,"silence_limit_minutes":60,"max_unassigned":3,"max_wait_minutes":30,"alert_cooldown_minutes":15}`, 200)
		call("PUT", "/api/v1/teams/999/inbox-settings", `{"mode":"manual","default_capacity":0,"silence_limit_minutes":0,"max_unassigned":0,"max_wait_minutes":0,"alert_cooldown_minutes":0}`, 404)
		if b := call("GET", "/api/v1/teams/"+tid+"/inbox-settings", "", 200); !strings.Contains(b, `"mode":"round_robin"`) || !strings.Contains(b, `"silence_limit_minutes":60`) {
			t.Fatalf("settings %s", b)
		}
		call("POST", "/api/v1/routing-rules", `{"name":"Japanese","position":1,"enabled":true,"conditions":{"languages":["ja"]},"actions":{"team_id":`+tid+`,"priority":"high","tags":["日本"]}}`, 201)
		call("POST", "/api/v1/routing-rules", `{"name":"Japanese","position":2,"enabled":true,"conditions":{},"actions":{"team_id":999}}`, 422)
		call("PUT", "/api/v1/routing-rules/1", `{"name":"日本語","position":1,"enabled":true,"conditions":{"languages":["ja"],"channels":["email"]},"actions":{"team_id":`+tid+`}}`, 200)
		if b := call("GET", "/api/v1/routing-rules", "", 200); !strings.Contains(b, `"name":"日本語"`) {
			t.Fatalf("rules %s", b)
		}
		call("PUT", "/api/v1/agents/"+itoa(admin.ID)+"/capacity", `{"capacity":2}`, 200)
		call("GET", "/api/v1/policies/999/escalation", "", 404)

		// A conversation for the team goes to the only agent online (round-robin),
		// who gets an in-app notification.
		raw := "From: Ken Sato <ken@example.jp>\r\nTo: help@example.org\r\nSubject: Question\r\nMessage-ID: <rt-1@example.jp>\r\n\r\nHello, a question about my donation receipt please.\r\n"
		r1, err := ta.Inbox.Ingest(ctx, []byte(raw), inbox.Envelope{To: []string{"help@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		if b := call("GET", "/api/v1/queues", "", 200); !strings.Contains(b, `"team_name":"Donor care"`) || !strings.Contains(b, `"open":1`) ||
			!strings.Contains(b, `"agents_online":1`) {
			t.Fatalf("queues %s", b)
		}
		b := call("GET", "/api/v1/notifications?unread=true", "", 200)
		if !strings.Contains(b, `"kind":"inbox.assigned"`) || !strings.Contains(b, `"unread":1`) || !strings.Contains(b, `"link":"/inbox/`+itoa(r1.ConversationID)+`"`) ||
			!strings.Contains(b, "was assigned to you") {
			t.Fatalf("notifications %s", b)
		}
		nid := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(b)[1]
		call("PUT", "/api/v1/notifications/preferences", `{"email":false}`, 200)
		if b := call("GET", "/api/v1/notifications/preferences", "", 200); !strings.Contains(b, `"email":false`) {
			t.Fatalf("prefs %s", b)
		}
		call("POST", "/api/v1/notifications/999/read", "", 404)

		// The web: the header shows the unread badge and the availability
		// picker; the notification opens its conversation and is read.
		wc := ta.signIn(t, ta.adminEmail)
		p := do(t, wc, "GET", ta.srv.URL+"/notifications", nil, nil)
		if p.status != 200 || !strings.Contains(p.body, `id="notify-badge"`) || !strings.Contains(p.body, `<span class="count">1</span>`) ||
			!strings.Contains(p.body, `href="/notifications/`+nid+`/open"`) || !strings.Contains(p.body, `name="availability"`) {
			t.Fatalf("notifications page: %d %.3000s", p.status, p.body)
		}
		r := do(t, wc, "GET", ta.srv.URL+"/notifications/"+nid+"/open", nil, nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/inbox/"+itoa(r1.ConversationID) {
			t.Fatalf("open: %d %s", r.status, r.header.Get("Location"))
		}
		if b := call("GET", "/api/v1/notifications", "", 200); !strings.Contains(b, `"unread":0`) || !strings.Contains(b, `"read":true`) {
			t.Fatalf("after open %s", b)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/notifications/badge", nil, nil)
		if p.status != 200 || strings.Contains(p.body, "<html") || strings.Contains(p.body, `class="count"`) {
			t.Fatalf("badge fragment: %d %s", p.status, p.body)
		}
		csrf := csrfFrom(t, do(t, wc, "GET", ta.srv.URL+"/inbox/queues", nil, nil).body)
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/availability", form("availability", "away", "next", "/inbox/queues", "csrf_token", csrf), formHdr)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/inbox/queues" {
			t.Fatalf("set availability: %d", r.status)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/queues", nil, map[string]string{"Accept-Language": "fa"})
		if p.status != 200 || !strings.Contains(p.body, `dir="rtl"`) || !strings.Contains(p.body, "Donor care") ||
			!strings.Contains(p.body, `hx-get="/inbox/queues/live"`) || !strings.Contains(p.body, `<option value="away" selected>`) {
			t.Fatalf("queue page: %d %.3000s", p.status, p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/queues/live", nil, nil)
		if p.status != 200 || strings.Contains(p.body, "<html") || !strings.Contains(p.body, `data-col="unassigned"`) {
			t.Fatalf("queue fragment: %d %.1000s", p.status, p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/routing", nil, nil)
		if p.status != 200 || !strings.Contains(p.body, "日本語") || !strings.Contains(p.body, `action="/inbox/routing/teams/`+tid+`"`) {
			t.Fatalf("routing page: %d %.2000s", p.status, p.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/routing/rules", form("name", "", "csrf_token", csrf), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="rule-name-err"`) {
			t.Fatalf("bad rule form: %d %.500s", r.status, r.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/routing/rules", form("name", "Urgent tags", "tags", "urgent", "priority", "urgent", "csrf_token", csrf), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("rule form: %d %.500s", r.status, r.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/routing/teams/"+tid, form("mode", "least_load", "default_capacity", "-1", "csrf_token", csrf), formHdr)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad team form: %d", r.status)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/routing/teams/"+tid, form("mode", "least_load", "default_capacity", "4", "max_unassigned", "5", "csrf_token", csrf), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("team form: %d %.500s", r.status, r.body)
		}
		if st, _ := ta.Inbox.TeamSettings(ctx, team.ID); st.Mode != inbox.AssignLeastLoad || st.DefaultCapacity != 4 || st.MaxUnassigned != 5 {
			t.Fatalf("team settings after form %+v", st)
		}
		call("DELETE", "/api/v1/routing-rules/1", "", 204)
		call("POST", "/api/v1/notifications/read-all", "", 204)

		// A mention in a note on a person's profile notifies the colleague,
		// linking to the profile.
		kim, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: "kim.lee@example.org", Name: "Kim Lee", Role: auth.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		call("POST", "/api/v1/people/1/notes", `{"body":"Please call her back, @kim.lee."}`, 201)
		kctx := auth.WithActor(context.Background(), auth.ActorFor(kim, nil))
		page, err := ta.Notify.List(kctx, 0, 10, true)
		if err != nil || len(page.Items) != 1 || page.Items[0].Kind != "people.mention" || page.Items[0].Link != "/people/1" ||
			!strings.Contains(page.Items[0].Body, "call her back") {
			t.Fatalf("kim's notifications %+v %v", page.Items, err)
		}
	})
}
