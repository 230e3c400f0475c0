package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/webhooks"
)

// hookReceiver is a real HTTP receiver that verifies every signature.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	got    []webhooks.Event
	bad    int
	srv    *httptest.Server
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := webhooks.Verify(h.secret, r.Header.Get(webhooks.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhooks.Event
		_ = json.Unmarshal(body, &ev)
		h.got = append(h.got, ev)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) wait(t *testing.T, typ string) webhooks.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, ev := range h.got {
			if ev.Type == typ {
				h.mu.Unlock()
				return ev
			}
		}
		h.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s event arrived (%d refused)", typ, h.bad)
	return webhooks.Event{}
}

// TestFollowupsAndWebhooks drives promises, escalations, topics,
// acknowledgement templates and webhooks through the real API (checked
// against the OpenAPI document) and the UI, with a real webhook receiver.
func TestFollowupsAndWebhooks(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		if err := ta.Jobs.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = ta.Jobs.Stop(ctx)
		})
		ctx := sysCtx()
		c := ta.client(t)
		api := ta.srv.URL + "/api/v1"
		bearer := map[string]string{"Authorization": "Bearer " + ta.token(t, ta.adminEmail), "Content-Type": "application/json"}

		// A webhook endpoint, created through the API.
		recv := newHookReceiver(t)
		r := do(t, c, "POST", api+"/webhooks", strings.NewReader(`{"name":"CRM","url":"`+recv.srv.URL+`/in","event_types":["conversation.created","message.received"],"active":true}`), bearer)
		if r.status != 201 {
			t.Fatalf("create webhook: %d %s", r.status, r.body)
		}
		var ep webhooks.Endpoint
		if err := json.Unmarshal([]byte(r.body), &ep); err != nil || !strings.HasPrefix(ep.Secret, "whsec_") {
			t.Fatalf("endpoint %s", r.body)
		}
		recv.mu.Lock()
		recv.secret = ep.Secret
		recv.mu.Unlock()

		if _, err := ta.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		ingest := func(from, subject, id string) int64 {
			raw := "From: " + from + "\r\nTo: help@example.org\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\n\r\nI have not received my tax receipt for last year's donation. Could you check?\r\n"
			res, err := ta.Inbox.Ingest(ctx, []byte(raw), inbox.Envelope{To: []string{"help@example.org"}})
			if err != nil {
				t.Fatal(err)
			}
			return res.ConversationID
		}
		convID := ingest("Aino <aino@example.fi>", "Receipt missing", "fu1@example.fi")
		other := ingest("Bea <bea@example.org>", "Where is my receipt?", "fu2@example.org")
		id := itoa(convID)

		created := recv.wait(t, inbox.ChangeConversationCreated)
		data, _ := created.Data.(map[string]any)
		conv, _ := data["conversation"].(map[string]any)
		if conv["reference"] == "" || conv["subject"] == nil {
			t.Fatalf("created event data %#v", created.Data)
		}
		received := recv.wait(t, inbox.ChangeMessageReceived)
		if msg, _ := received.Data.(map[string]any)["message"].(map[string]any); msg == nil || msg["direction"] != "in" {
			t.Fatalf("received event data %#v", received.Data)
		}

		due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		cases := []struct {
			method, path, body string
			status             int
		}{
			{"POST", "/conversations/" + id + "/promises", `{"text":"I'll confirm the receipt by Friday","due_at":"` + due + `"}`, 201},
			{"POST", "/conversations/" + id + "/promises", `{"text":"","due_at":"2001-01-01T00:00:00Z"}`, 422},
			{"GET", "/conversations/" + id + "/promises", "", 200},
			{"GET", "/promises?mine=1&due_within_hours=72", "", 200},
			{"POST", "/conversations/" + id + "/promises", `{"text":"Call back","due_at":"` + due + `"}`, 201},
			{"POST", "/conversations/" + id + "/promises/2/done", "", 200},
			{"POST", "/conversations/" + id + "/promises/2/done", "", 409},
			{"POST", "/conversations/" + id + "/promises/999/cancel", "", 404},
			{"POST", "/conversations/" + id + "/escalations", `{"reason":"Second complaint this month","severity":"critical"}`, 201},
			{"POST", "/conversations/" + id + "/escalations", `{"reason":"x","severity":"apocalyptic"}`, 422},
			{"GET", "/conversations/" + id + "/escalations", "", 200},
			{"POST", "/conversations/" + id + "/escalations/1/resolve", `{"resolution":"Director called them"}`, 200},
			{"POST", "/topics", `{"name":"Receipt missing"}`, 201},
			{"POST", "/topics", `{"name":"receipt MISSING"}`, 422},
			{"POST", "/topics", `{"name":"Wheelchair access"}`, 201},
			{"GET", "/topics", "", 200},
			{"PATCH", "/topics/2", `{"name":"Step-free access"}`, 200},
			{"PUT", "/conversations/" + itoa(other) + "/topics", `{"topic_ids":[1]}`, 200},
			{"PUT", "/conversations/" + id + "/topics", `{"topic_ids":[1,2]}`, 200},
			{"PUT", "/conversations/" + id + "/topics", `{"topic_ids":[999]}`, 422},
			{"GET", "/conversations/" + id + "/topics", "", 200},
			{"GET", "/topics/1/conversations?except=" + id, "", 200},
			{"DELETE", "/topics/2", "", 204},
			{"GET", "/ack-templates", "", 200},
			{"PUT", "/ack-templates/ja/email", `{"subject":"【受付】{{.Subject}}","body":"{{.GreetingName}}様\n{{.Reference}}"}`, 200},
			{"PUT", "/ack-templates/ja/web", `{"subject":"x","body":"{{.Nmae}}"}`, 422},
			{"POST", "/ack-templates/preview", `{"language":"fr","channel":"web","subject":"Bien reçu","body":"Bonjour {{.FirstName}}, merci ({{.Reference}})."}`, 200},
			{"DELETE", "/ack-templates/1", "", 204},
			{"GET", "/webhooks", "", 200},
			{"GET", "/webhooks/1", "", 200},
			{"PUT", "/webhooks/1", `{"name":"CRM bridge","url":"` + recv.srv.URL + `/in","event_types":["*"],"active":true}`, 200},
			{"POST", "/webhooks", `{"name":"","url":"gopher://x","event_types":["nope"],"active":true}`, 422},
			{"POST", "/webhooks/1/test", "", 202},
			{"GET", "/webhooks/1/deliveries?limit=10", "", 200},
			{"GET", "/webhooks/999/deliveries", "", 404},
		}
		v := openAPIValidator(t, ta)
		for _, tc := range cases {
			mk := func() *http.Request {
				req, _ := http.NewRequest(tc.method, api+tc.path, strings.NewReader(tc.body))
				if tc.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", bearer["Authorization"])
				return req
			}
			res, err := http.DefaultClient.Do(mk())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", tc.method, tc.path, res.StatusCode, tc.status, body)
			}
			res.Body = io.NopCloser(strings.NewReader(string(body)))
			req := mk()
			req.URL.Host, req.URL.Scheme = "", ""
			validate := v.ValidateHttpRequestResponse
			if tc.status == 422 { // some are wrong on purpose; check the answer only
				validate = v.ValidateHttpResponse
			}
			if ok, verrs := validate(req, res); !ok {
				for _, e := range verrs {
					t.Errorf("%s %s: %s: %s", tc.method, tc.path, e.Message, e.Reason)
				}
			}
		}
		recv.wait(t, webhooks.TestEvent)
		// Now subscribed to everything: assignment and status changes.
		if r := do(t, c, "POST", api+"/conversations/"+id+"/assign", strings.NewReader(`{"user_id":1}`), bearer); r.status != 200 {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		if r := do(t, c, "PUT", api+"/conversations/"+id+"/status", strings.NewReader(`{"status":"resolved"}`), bearer); r.status != 200 {
			t.Fatalf("status: %d %s", r.status, r.body)
		}
		assigned := recv.wait(t, inbox.ChangeConversationAssigned)
		if ch, _ := assigned.Data.(map[string]any)["changes"].(map[string]any); ch == nil || ch["to"] != float64(1) {
			t.Fatalf("assigned event %#v", assigned.Data)
		}
		status := recv.wait(t, inbox.ChangeConversationStatusChanged)
		if cv, _ := status.Data.(map[string]any)["conversation"].(map[string]any); cv == nil || cv["status"] != "resolved" {
			t.Fatalf("status event %#v", status.Data)
		}

		// The UI: topics with their counts in three languages, the banner,
		// the promise list, the templates page and the webhooks page.
		wc := ta.signIn(t, ta.adminEmail)
		for lang, want := range map[string]string{
			"en": "1 other person raised this topic in the last 30 days",
			"ja": "過去 30 日間にほかに 1 人がこのトピックを挙げています",
			"fa": "۱ نفر دیگر در ۳۰ روز گذشته این موضوع را مطرح کرده است",
		} {
			p := do(t, wc, "GET", ta.srv.URL+"/inbox/"+id, nil, map[string]string{"Accept-Language": lang})
			if p.status != 200 || !strings.Contains(p.body, want) || !strings.Contains(p.body, `href="/inbox/topic?id=1&amp;except=`+id+`"`) {
				t.Fatalf("%s conversation page: %d, want %q\n%.3000s", lang, p.status, want, p.body)
			}
		}
		p := do(t, wc, "GET", ta.srv.URL+"/inbox/topic?id=1&except="+id, nil, nil)
		if p.status != 200 || !strings.Contains(p.body, `href="/inbox/`+itoa(other)+`"`) || strings.Contains(p.body, `<bdi>HK-`+id+`</bdi>`) {
			t.Fatalf("topic page: %d %.2000s", p.status, p.body[strings.Index(p.body, "<main"):])
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/"+id, nil, nil)
		tok := csrfFrom(t, p.body)
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/"+id+"/escalations", form("reason", "Wants to speak to the director", "severity", "high", "csrf_token", tok), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("escalate: %d %.1000s", r.status, r.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/"+id+"/promises", form("text", "Send the duplicate receipt", "due", "2001-01-01T10:00", "csrf_token", tok), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose a due time in the future") {
			t.Fatalf("promise in the past: %d", r.status)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/"+id, nil, nil)
		if !strings.Contains(p.body, `class="escalation-banner severity-high"`) || !strings.Contains(p.body, "Wants to speak to the director") ||
			!strings.Contains(p.body, `name="promise_id"`) {
			t.Fatalf("conversation page after escalation:\n%.3000s", p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/promises", nil, nil)
		if p.status != 200 || !strings.Contains(p.body, "I&#39;ll confirm the receipt by Friday") {
			t.Fatalf("my promises: %d %.2000s", p.status, p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/ack-templates?lang=ja&channel=email", nil, map[string]string{"Accept-Language": "ja"})
		if p.status != 200 || !strings.Contains(p.body, "お問い合わせ") {
			t.Fatalf("ack templates page: %d %.2000s", p.status, p.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/ack-templates", form("lang", "ja", "channel", "email", "subject", "件名", "body", "{{.Nmae}}様",
			"action", "save", "csrf_token", csrfFrom(t, p.body)), map[string]string{"Content-Type": formHdr["Content-Type"], "Accept-Language": "ja"})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "不明な変数「Nmae」") {
			t.Fatalf("ack template error: %d %.2000s", r.status, r.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/ack-templates", form("lang", "fr", "channel", "web", "subject", "Bien reçu", "body", "Bonjour {{.FirstName}} !",
			"action", "preview", "csrf_token", csrfFrom(t, p.body)), formHdr)
		if r.status != 200 || !strings.Contains(r.body, `id="ack-preview"`) || !strings.Contains(r.body, "Bonjour Camille !") {
			t.Fatalf("ack template preview: %d %.2000s", r.status, r.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/admin/webhooks/1", nil, nil)
		if p.status != 200 || !strings.Contains(p.body, ep.Secret) || !strings.Contains(p.body, "webhook.test") {
			t.Fatalf("webhook page: %d %.2000s", p.status, p.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/admin/webhooks/1/test", form("csrf_token", csrfFrom(t, p.body)), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("send test: %d", r.status)
		}
	})
}

// openAPIValidator loads the served OpenAPI document.
func openAPIValidator(t *testing.T, ta *testApp) validator.Validator {
	t.Helper()
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
		t.Fatal(fmt.Sprint(errs))
	}
	return v
}
