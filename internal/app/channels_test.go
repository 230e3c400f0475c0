package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/channel/webform"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/people"
)

// TestContactForm posts the public contact form over real HTTP: the happy
// path queues the acknowledgement, and every kind of bad or abusive
// submission is refused with its own status and localized message.
func TestContactForm(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		if _, err := ta.Inbox.CreateMailbox(sysCtx(), inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		c := ta.client(t)
		page := do(t, c, "GET", ta.srv.URL+"/contact?lang=fa", nil, nil)
		if page.status != 200 || !strings.Contains(page.body, `dir="rtl"`) || !strings.Contains(page.body, `name="`+webform.Honeypot+`"`) {
			t.Fatalf("contact page: %d %.300s", page.status, page.body)
		}
		if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("contact page CSP %q", csp)
		}
		embed := do(t, c, "GET", ta.srv.URL+"/contact/embed?lang=ja", nil, map[string]string{"Accept-Language": "fr"})
		if csp := embed.header.Get("Content-Security-Policy"); embed.status != 200 || !strings.Contains(csp, "frame-ancestors *") ||
			embed.header.Get("X-Frame-Options") != "" || !strings.Contains(embed.body, `lang="ja"`) {
			t.Fatalf("embed: %d CSP %q XFO %q", embed.status, csp, embed.header.Get("X-Frame-Options"))
		}
		csrf := csrfFrom(t, page.body)
		pageToken := tokenFrom(t, page.body)
		key, err := ta.Inbox.FormKey(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// A token from a page served a while ago, as a person would have.
		aged := func(ago time.Duration) string { return webform.Tokens{Key: key}.Issue(time.Now().Add(-ago)) }
		post := func(path string, fields url.Values, hdr ...string) resp {
			t.Helper()
			fields.Set("csrf_token", csrf)
			return do(t, c, "POST", ta.srv.URL+path, strings.NewReader(fields.Encode()), withHdr(hdr...))
		}
		good := func(token string) url.Values {
			return url.Values{"token": {token}, "lang": {"fa"}, "name": {"سارا احمدی"}, "email": {"sara@example.ir"},
				"phone": {"+98 912 345 6789"}, "subject": {"رسید کمک مالی"}, "message": {"سلام، رسید کمک مالی ماه گذشته را دریافت نکرده\u200cام."}}
		}

		// A cross-site post is refused before anything else.
		if r := post("/contact", good(aged(time.Minute)), "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
			t.Fatalf("cross-site: %d", r.status)
		}
		// Honeypot: thanked, nothing stored.
		hp := good(aged(time.Minute))
		hp.Set(webform.Honeypot, "http://spam.example")
		if r := post("/contact", hp); r.status != 200 || strings.Contains(r.body, "HK-") {
			t.Fatalf("honeypot: %d", r.status)
		}
		// Oversize: refused before reading further.
		big := good(aged(time.Minute))
		big.Set("message", strings.Repeat("x", 70<<10))
		if r := post("/contact", big); r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversize: %d", r.status)
		}
		for _, tc := range []struct {
			name   string
			fields url.Values
			status int
			want   string
		}{
			{"ok", good(aged(time.Minute)), http.StatusSeeOther, ""},
			{"too fast", good(pageToken), http.StatusBadRequest, "خیلی سریع"},
			{"expired", good(aged(3 * time.Hour)), http.StatusBadRequest, "مدت زیادی باز"},
			{"invalid email", func() url.Values { v := good(aged(time.Minute)); v.Set("email", "sara@"); return v }(), http.StatusUnprocessableEntity, "name@example.org"},
			{"invalid UTF-8", func() url.Values { v := good(aged(time.Minute)); v.Set("name", "bad\xff\xfe"); return v }(), http.StatusUnprocessableEntity, "خوانده نمی\u200cشوند"},
			// The sixth counted request from the address within the window.
			{"rate limited", good(aged(time.Minute)), http.StatusTooManyRequests, "چند دقیقهٔ دیگر"},
		} {
			r := post("/contact", tc.fields)
			if r.status != tc.status || !strings.Contains(r.body, tc.want) {
				t.Fatalf("%s: %d, want %d with %q:\n%.400s", tc.name, r.status, tc.status, tc.want, r.body)
			}
			if tc.name != "ok" {
				continue
			}
			loc := r.header.Get("Location")
			thanks := do(t, c, "GET", ta.srv.URL+loc, nil, nil)
			if !strings.HasPrefix(loc, "/contact/thanks?") || !strings.Contains(thanks.body, "HK-1") || !strings.Contains(thanks.body, `dir="rtl"`) {
				t.Fatalf("thanks %s: %.300s", loc, thanks.body)
			}
		}
		var n int
		if err := d.Writer.QueryRow(d.Rebind("SELECT count(*) FROM inbox_conversations WHERE channel = 'web'")).Scan(&n); err != nil || n != 1 {
			t.Fatalf("web conversations = %d, %v", n, err)
		}
		if err := d.Writer.QueryRow(d.Rebind("SELECT count(*) FROM river_job WHERE kind = 'inbox.ack'")).Scan(&n); err != nil || n != 1 {
			t.Fatalf("acknowledgements queued = %d, %v", n, err)
		}
		det, err := ta.Inbox.GetConversation(sysCtx(), 1)
		if err != nil || det.Language != "fa" || det.Messages[0].From.Email != "sara@example.ir" {
			t.Fatalf("conversation = %+v, %v", det.Conversation, err)
		}
	})
}

// TestContactFormBehindProxy serves through a trusted reverse proxy (the test
// client's 127.0.0.1): the contact form's rate limit counts each client by its
// X-Forwarded-For address, not the proxy's, and a client cannot leave its count
// by writing a left-most entry of its own. A sign-in through the proxy is
// audited with the client's address.
func TestContactFormBehindProxy(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestAppWith(t, d, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1", "::1"} })
		if _, err := ta.Inbox.CreateMailbox(sysCtx(), inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		c := ta.client(t)
		page := do(t, c, "GET", ta.srv.URL+"/contact?lang=en", nil, nil)
		csrf := csrfFrom(t, page.body)
		key, err := ta.Inbox.FormKey(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		post := func(xff string) resp {
			t.Helper()
			fields := url.Values{"token": {webform.Tokens{Key: key}.Issue(time.Now().Add(-time.Minute))}, "lang": {"en"}, "csrf_token": {csrf},
				"name": {"Sam Okafor"}, "email": {"sam@example.org"}, "subject": {"Volunteering"}, "message": {"Is there a shift on Saturday?"}}
			return do(t, c, "POST", ta.srv.URL+"/contact", strings.NewReader(fields.Encode()), withHdr("X-Forwarded-For", xff))
		}
		for _, tc := range []struct {
			name   string
			xff    string
			status int
		}{
			{"client A 1", "198.51.100.7", http.StatusSeeOther},
			{"client A 2", "198.51.100.7", http.StatusSeeOther},
			{"client A 3", "198.51.100.7", http.StatusSeeOther},
			{"client A 4", "198.51.100.7", http.StatusSeeOther},
			{"client A 5", "198.51.100.7", http.StatusSeeOther},
			{"client A limited", "198.51.100.7", http.StatusTooManyRequests},
			// Client A writes its own X-Forwarded-For; the proxy appends A's address.
			{"client A spoofing", "203.0.113.99, 198.51.100.7", http.StatusTooManyRequests},
			// Client B, behind the same proxy, has its own count.
			{"client B", "198.51.100.8", http.StatusSeeOther},
			{"client B via two proxies", "198.51.100.8, 127.0.0.1", http.StatusSeeOther},
		} {
			if r := post(tc.xff); r.status != tc.status {
				t.Fatalf("%s: %d, want %d:\n%.400s", tc.name, r.status, tc.status, r.body)
			}
		}

		p := do(t, c, "GET", ta.srv.URL+"/signin", nil, nil)
		r := do(t, c, "POST", ta.srv.URL+"/signin", form("email", ta.adminEmail, "password", testPassword, "csrf_token", csrfFrom(t, p.body)),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "2001:db8::5"})
		if r.status != http.StatusSeeOther {
			t.Fatalf("sign in: %d", r.status)
		}
		var ip string
		if err := d.Writer.QueryRow(d.Rebind("SELECT ip FROM audit_log WHERE action = 'user.sign_in' ORDER BY id DESC LIMIT 1")).Scan(&ip); err != nil || ip != "2001:db8::5" {
			t.Fatalf("sign-in audited from %q, %v", ip, err)
		}
		// Behind the proxies too, the metrics name each request's route.
		if m := do(t, c, "GET", ta.srv.URL+"/metrics", nil, nil); !strings.Contains(m.body, `route="POST /contact"`) {
			t.Errorf("metrics lack the contact form's route:\n%.2000s", m.body)
		}
	})
}

// tokenFrom pulls the timing token out of the contact page.
func tokenFrom(t *testing.T, page string) string {
	t.Helper()
	const marker = `name="token" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no token in page")
	}
	rest := page[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestChannelsWeb walks the staff pages: a call logged from the "new call"
// page (from a profile) and into the conversation, and a social channel
// created on the channels page, whose secret is shown once.
func TestChannelsWeb(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		c := ta.signIn(t, ta.adminEmail)
		p, err := ta.People.CreatePerson(sysCtx(), people.NewPerson{PersonInput: people.PersonInput{Kind: people.Individual, DisplayName: "Leila Karimi"},
			Contacts: []people.ContactInput{{Kind: people.Phone, Value: "+358 40 765 4321", Primary: true}}})
		if err != nil {
			t.Fatal(err)
		}
		page := do(t, c, "GET", ta.srv.URL+"/inbox/calls/new?person="+itoa(p.ID), nil, nil)
		if page.status != 200 || !strings.Contains(page.body, "Leila Karimi") || !strings.Contains(page.body, `358407654321"`) ||
			!strings.Contains(page.body, `value="out" checked`) || !strings.Contains(page.body, "autofocus") {
			i := strings.Index(page.body, "<main")
			t.Fatalf("new call page: %d\n%s", page.status, page.body[max(i, 0):])
		}
		csrf := csrfFrom(t, page.body)
		bad := do(t, c, "POST", ta.srv.URL+"/inbox/calls", form("csrf_token", csrf, "person_id", itoa(p.ID), "direction", "out", "duration", "abc"), formHdr)
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "m:ss") {
			t.Fatalf("bad duration: %d", bad.status)
		}
		r := do(t, c, "POST", ta.srv.URL+"/inbox/calls", form("csrf_token", csrf, "person_id", itoa(p.ID), "direction", "out",
			"number", "+358407654321", "outcome", "answered", "duration", "4:30", "subject", "Volunteer shifts", "notes", "Agreed on two Saturday shifts."), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("start call: %d %.300s", r.status, r.body)
		}
		conv := do(t, c, "GET", ta.srv.URL+r.header.Get("Location"), nil, nil)
		if !strings.Contains(conv.body, "Agreed on two Saturday shifts.") || !strings.Contains(conv.body, "4:30") {
			t.Fatalf("conversation page: %.800s", conv.body)
		}
		r = do(t, c, "POST", ta.srv.URL+r.header.Get("Location")+"/call", form("csrf_token", csrf, "direction", "in", "outcome", "voicemail", "notes", "Called back, left a message."), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("log call: %d %.300s", r.status, r.body)
		}
		det, err := ta.Inbox.GetConversation(sysCtx(), 1)
		if err != nil || det.Channel != inbox.ChannelPhone || det.PersonID != p.ID || len(det.Messages) != 2 || det.FirstRespondedAt == nil {
			t.Fatalf("conversation = %+v, %v", det, err)
		}

		ch := do(t, c, "GET", ta.srv.URL+"/inbox/channels", nil, nil)
		if ch.status != 200 || !strings.Contains(ch.body, "/contact/embed") {
			t.Fatalf("channels page: %d", ch.status)
		}
		r = do(t, c, "POST", ta.srv.URL+"/inbox/channels/social", form("csrf_token", csrf, "name", "Mastodon", "platform", "mastodon", "outbound_url", "https://bridge.example.org/hook"), formHdr)
		if r.status != http.StatusCreated || !strings.Contains(r.body, "hks_") {
			t.Fatalf("create social channel: %d", r.status)
		}
		if again := do(t, c, "GET", ta.srv.URL+"/inbox/channels", nil, nil); strings.Contains(again.body, "hks_") {
			t.Fatal("secret shown twice")
		}
		r = do(t, c, "POST", ta.srv.URL+"/inbox/channels/social", form("csrf_token", csrf, "name", "", "platform", "mastodon", "outbound_url", "ftp://x"), formHdr)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid social channel: %d", r.status)
		}
	})
}

// TestSocialBridge: a bridge posts a signed direct message over HTTP, an
// agent replies through the API, and the River job delivers the reply to
// the bridge's outbound webhook, signed; the message then shows it sent.
func TestSocialBridge(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		startJobs(t, ta)
		got := make(chan inbox.SocialReply, 4)
		var secret string
		bridge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			// Verify as a bridge would: recompute the HMAC over t.body.
			ts, sig := "", ""
			for _, part := range strings.Split(r.Header.Get(inbox.SignatureHeader), ",") {
				k, v, _ := strings.Cut(part, "=")
				if k == "t" {
					ts = v
				} else if k == "v1" {
					sig = v
				}
			}
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(ts + "."))
			mac.Write(body)
			if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig)) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			var rep inbox.SocialReply
			_ = json.Unmarshal(body, &rep)
			got <- rep
		}))
		defer bridge.Close()
		ac := apiClient{t: t, c: http.DefaultClient, base: ta.srv.URL + "/api/v1", tok: ta.token(t, ta.adminEmail)}
		var created struct {
			ID          int64  `json:"id"`
			Secret      string `json:"secret"`
			WebhookPath string `json:"webhook_path"`
		}
		if r := ac.call("POST", "/channels/social", map[string]any{"name": "Bluesky", "platform": "bluesky", "outbound_url": bridge.URL}, &created); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		secret = created.Secret
		body := []byte(`{"id":"at://did:plc:abc/app.bsky.feed.post/1","author":{"handle":"kaito.bsky.social","name":"海斗"},"text":"寄付の領収書はいつ届きますか？","kind":"message"}`)
		post := func(sig string) resp {
			return do(t, http.DefaultClient, "POST", ta.srv.URL+"/api/v1"+created.WebhookPath, bytes.NewReader(body),
				map[string]string{"Content-Type": "application/json", inbox.SignatureHeader: sig})
		}
		sig := inbox.Sign([]byte(secret), time.Now(), body)
		r := post(sig)
		var rec struct {
			ConversationID int64 `json:"conversation_id"`
			New            bool  `json:"new"`
		}
		if r.status != 200 || json.Unmarshal([]byte(r.body), &rec) != nil || !rec.New {
			t.Fatalf("webhook: %d %s", r.status, r.body)
		}
		if r := post(sig); r.status != http.StatusConflict {
			t.Fatalf("replay: %d %s", r.status, r.body)
		}
		if r := post("t=1,v1=00"); r.status != http.StatusUnauthorized {
			t.Fatalf("stale: %d %s", r.status, r.body)
		}
		var msg struct {
			ID int64 `json:"id"`
		}
		if r := ac.call("POST", "/conversations/"+itoa(rec.ConversationID)+"/replies", map[string]any{"text": "来週お送りします。"}, &msg); r.status != 201 {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		select {
		case rep := <-got:
			if rep.To != "kaito.bsky.social" || rep.Text != "来週お送りします。" || rep.InReplyTo != "at://did:plc:abc/app.bsky.feed.post/1" {
				t.Fatalf("bridge got %+v", rep)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the bridge got no reply")
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var det struct {
				Messages []struct {
					ID       int64  `json:"id"`
					Delivery string `json:"delivery"`
					Channel  string `json:"channel"`
				} `json:"messages"`
			}
			ac.call("GET", "/conversations/"+itoa(rec.ConversationID), nil, &det)
			if n := len(det.Messages); n == 2 && det.Messages[1].Delivery == "sent" && det.Messages[1].Channel == "social" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("delivery state: %+v", det.Messages)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
