package inboxui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/app"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/org"
)

const password = "correct horse battery"

// web is Hearken behind a test HTTP server, with the staff a test signs in as.
type web struct {
	*app.App
	url string
}

func newWeb(t *testing.T, d *db.DB) *web {
	t.Helper()
	cfg := config.Defaults()
	cfg.DB = d.Source
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &web{App: a, url: srv.URL}
}

func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor("test")) }

// user creates a staff member and returns them with a context acting as them.
func (w *web) user(t *testing.T, email, name string, role auth.Role, locale string) (auth.User, context.Context) {
	t.Helper()
	u, err := w.Auth.CreateUser(sys(), auth.NewUser{Email: email, Name: name, Role: role, Locale: locale, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return u, auth.WithActor(context.Background(), auth.ActorFor(u, nil))
}

// signIn returns a client signed in to the web UI as email.
func (w *web) signIn(t *testing.T, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := get(t, c, w.url+"/signin", nil)
	const marker = `name="csrf_token" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no csrf token on the sign-in page: %.500s", page)
	}
	tok := page[i+len(marker):]
	tok = tok[:strings.IndexByte(tok, '"')]
	res, err := c.PostForm(w.url+"/signin", url.Values{"email": {email}, "password": {password}, "csrf_token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, res.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string, hdr map[string]string) string {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
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
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d: %.1500s", u, res.StatusCode, b)
	}
	return string(b)
}

func (w *web) ingest(t *testing.T, from, subject, id, body string) int64 {
	t.Helper()
	raw := "From: " + from + "\r\nTo: help@example.org\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
	res, err := w.Inbox.Ingest(sys(), []byte(raw), inbox.Envelope{To: []string{"help@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.ConversationID
}

// activityCard is the activity card of a conversation page.
func activityCard(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<details class="card inbox-activity" id="activity">`)
	if i < 0 {
		t.Fatalf("no activity card: %.3000s", page)
	}
	j := strings.Index(page[i:], "</details>")
	return page[i : i+j]
}

// TestConversationActivity snoozes, assigns and merges a conversation, then
// reads its activity card in English and in Persian: who did what, newest
// first, with names in <bdi>, the merged conversation linked and the snooze
// time in the organization's zone.
func TestConversationActivity(t *testing.T) {
	dbtest.Run(t, app.Modules(), func(t *testing.T, d *db.DB) {
		w := newWeb(t, d)
		tz := "Europe/Helsinki"
		if _, err := w.Org.Update(sys(), org.SettingsPatch{TimeZone: &tz}); err != nil {
			t.Fatal(err)
		}
		hel, _ := time.LoadLocation(tz)
		if _, err := w.Inbox.CreateMailbox(sys(), inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		_, mgrCtx := w.user(t, "mika@example.org", "Mika Manager", auth.RoleManager, "en")
		ana, _ := w.user(t, "ana@example.org", "Ana Agent", auth.RoleAgent, "fa")
		a := w.ingest(t, "Aino Virtanen <aino@example.fi>", "Receipt", "act-a@example.fi", "Hello, I need a receipt for my donation last month.")
		b := w.ingest(t, "Aino Virtanen <aino@example.fi>", "Receipt again", "act-b@example.fi", "Same question: the receipt is missing.")

		if _, err := w.Inbox.Assign(mgrCtx, a, ana.ID); err != nil {
			t.Fatal(err)
		}
		team, err := w.Org.CreateTeam(sys(), org.NewTeam{Name: "Donor relations"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Inbox.SetTeam(mgrCtx, a, team.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Inbox.Merge(mgrCtx, a, b); err != nil {
			t.Fatal(err)
		}
		until := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
		if _, err := w.Inbox.Snooze(mgrCtx, a, until); err != nil {
			t.Fatal(err)
		}
		ref, refB := strconv.FormatInt(a, 10), strconv.FormatInt(b, 10)

		en := activityCard(t, get(t, w.signIn(t, "mika@example.org"), w.url+"/inbox/"+ref, nil))
		snoozed := "Snoozed until " + w.Bundle.Localizer("en").DateTime(until, hel)
		merged := `<a href="/inbox/` + refB + `"><bdi>HK-` + refB + `</bdi></a> merged into this conversation`
		assigned := "Assigned to <bdi>Ana Agent</bdi>"
		opened := "Opened by e-mail to <bdi>help@example.org</bdi>"
		for _, want := range []string{"<summary>Activity</summary>", snoozed, merged, assigned, opened,
			"Moved to team <bdi>Donor relations</bdi>",
			`<strong class="activity-actor"><bdi>Mika Manager</bdi></strong>`, `<strong class="activity-actor"><bdi>Hearken</bdi></strong>`} {
			if !strings.Contains(en, want) {
				t.Errorf("English activity lacks %q:\n%s", want, en)
			}
		}
		// Newest first: the snooze, the merge, the assignment, the opening.
		if i, j, k, l := strings.Index(en, snoozed), strings.Index(en, merged), strings.Index(en, assigned), strings.Index(en, opened); !(i < j && j < k && k < l) {
			t.Errorf("activity out of order (%d %d %d %d):\n%s", i, j, k, l, en)
		}

		fa := activityCard(t, get(t, w.signIn(t, "ana@example.org"), w.url+"/inbox/"+ref, nil))
		for _, want := range []string{"<summary>رویدادها</summary>", "به <bdi>Ana Agent</bdi> واگذار شد",
			"تا " + w.Bundle.Localizer("fa").DateTime(until, hel) + " به تعویق افتاد",
			`<a href="/inbox/` + refB + `"><bdi>HK-` + refB + "</bdi></a> در این گفت\u200cوگو ادغام شد"} {
			if !strings.Contains(fa, want) {
				t.Errorf("Persian activity lacks %q:\n%s", want, fa)
			}
		}

		// The merged conversation says where it went.
		src := activityCard(t, get(t, w.signIn(t, "mika@example.org"), w.url+"/inbox/"+refB, nil))
		if want := `Merged into <a href="/inbox/` + ref + `"><bdi>HK-` + ref + `</bdi></a>`; !strings.Contains(src, want) {
			t.Errorf("merged conversation's activity lacks %q:\n%s", want, src)
		}
	})
}

// TestCannedPickerTitlePerLanguage checks that the canned-response picker
// names a response by its variant's title in the language the reply would
// be filled in (Japanese for a Japanese conversation), and by its own title
// where that language has no variant title.
func TestCannedPickerTitlePerLanguage(t *testing.T) {
	dbtest.Run(t, app.Modules(), func(t *testing.T, d *db.DB) {
		w := newWeb(t, d)
		if _, err := w.Inbox.CreateMailbox(sys(), inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		_, mgrCtx := w.user(t, "mika@example.org", "Mika Manager", auth.RoleManager, "en")
		cr, err := w.Inbox.SaveCanned(mgrCtx, 0, inbox.CannedInput{Title: "Receipt on its way", Shortcut: "receipt", Variants: []inbox.CannedVariant{
			{Language: "en", Body: "Dear {{greeting_name}}, your receipt is on its way."},
			{Language: "ja", Title: "領収書の送付", Body: "{{greeting_name}}様、領収書をお送りしました。"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ja := w.ingest(t, "佐藤 美咲 <misaki@example.jp>", "領収書について", "pick-ja@example.jp",
			"こんにちは。先月の寄付の領収書がまだ届いていません。お手数ですが、もう一度送っていただけますか。よろしくお願いいたします。")
		en := w.ingest(t, "Alice Smith <alice@example.net>", "Receipt", "pick-en@example.net",
			"Hello, I have not received the receipt for my donation last month. Could you send it again, please?")
		c := w.signIn(t, "mika@example.org")
		hx := map[string]string{"HX-Request": "true"}
		item := `data-canned-id="` + strconv.FormatInt(cr.ID, 10) + `"><bdi>`

		for _, tc := range []struct {
			name     string
			conv     int64
			title    string
			notTitle string
		}{
			{"japanese", ja, "領収書の送付", "Receipt on its way"},
			{"english", en, "Receipt on its way", "領収書の送付"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := strconv.FormatInt(tc.conv, 10)
				pick := get(t, c, w.url+"/inbox/"+id+"/canned/search?q=", hx)
				if !strings.Contains(pick, item+tc.title+"</bdi>") || strings.Contains(pick, tc.notTitle) {
					t.Fatalf("picker for conversation %s: want title %q, not %q:\n%s", id, tc.title, tc.notTitle, pick)
				}
				// The search matches the response's own title or shortcut.
				if pick := get(t, c, w.url+"/inbox/"+id+"/canned/search?q=receipt", hx); !strings.Contains(pick, item+tc.title+"</bdi>") {
					t.Fatalf("search for conversation %s lacks %q:\n%s", id, tc.title, pick)
				}
				// The reply form's list on the conversation page is the same.
				page := get(t, c, w.url+"/inbox/"+id, nil)
				if !strings.Contains(page, item+tc.title+"</bdi>") {
					t.Fatalf("conversation page %s lacks the title %q in the picker", id, tc.title)
				}
			})
		}
		// The title matches the text the response is filled with.
		rc, err := w.Inbox.RenderCanned(mgrCtx, cr.ID, ja)
		if err != nil || rc.Language != "ja" || rc.Title != "領収書の送付" {
			t.Fatalf("RenderCanned for the Japanese conversation: %+v %v", rc, err)
		}
	})
}
