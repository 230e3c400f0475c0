package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
)

// TestInboxWorkspaceWeb drives the workspace pages over HTTP on both
// backends: canned responses (CRUD, search, fill), signatures, presence,
// priority, snooze, list filters and counts, bulk actions with per-row
// results, forward, merge, split and the reply collision check.
func TestInboxWorkspaceWeb(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		ctx := sysCtx()
		if _, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: "mgr@example.org", Name: "Mika Manager", Role: auth.RoleManager, Locale: "en", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		ingest := func(from, subject, id, body string) inbox.Result {
			raw := "From: " + from + "\r\nTo: help@example.org\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n" +
				"Date: Mon, 23 Nov 2026 10:00:00 +0200\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
			res, err := ta.Inbox.Ingest(ctx, []byte(raw), inbox.Envelope{To: []string{"help@example.org"}})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		a := ingest("Aino Virtanen <aino@example.fi>", "Kuitti", "ws-a@example.fi", "Hei, tarvitsen kuitin lahjoituksesta.")
		b := ingest("Aino Virtanen <aino@example.fi>", "Kuitti uudelleen", "ws-b@example.fi", "Sama asia: kuitti puuttuu.")
		ida, idb := itoa(a.ConversationID), itoa(b.ConversationID)
		c := ta.signIn(t, "mgr@example.org")
		u := ta.srv.URL
		en := ta.Bundle.Localizer("en")
		page := do(t, c, "GET", u+"/inbox/"+ida, nil, nil)
		tok := csrfFrom(t, page.body)
		post := func(path string, v url.Values) resp {
			t.Helper()
			v.Set("csrf_token", tok)
			return do(t, c, "POST", u+path, strings.NewReader(v.Encode()), formHdr)
		}
		expect := func(what string, r resp, status int, contains ...string) {
			t.Helper()
			if r.status != status {
				t.Fatalf("%s: status %d, want %d: %.1500s", what, r.status, status, r.body)
			}
			for _, s := range contains {
				if !strings.Contains(r.body, s) {
					t.Fatalf("%s: page lacks %q: %.3000s", what, s, r.body)
				}
			}
		}

		// Canned responses: create (with a validation error first), list, fill.
		expect("canned list", do(t, c, "GET", u+"/canned-responses", nil, nil), 200, `id="canned-new"`)
		expect("canned form", do(t, c, "GET", u+"/canned-responses/new", nil, nil), 200, `name="body_fa"`, `dir="rtl"`)
		r := post("/canned-responses", url.Values{"title": {"Kuitti"}, "body_en": {"Hi {{oops}}"}})
		expect("bad variable", r, http.StatusUnprocessableEntity, en.T("inbox.error.variable", "Name", "oops"))
		r = post("/canned-responses", url.Values{"title": {"Receipt"}, "shortcut": {"kuitti"},
			"body_en": {"Dear {{greeting_name}}, your receipt is on its way ({{reference}})."},
			"body_fi": {"Hei {{greeting_name}}, kuitti on matkalla ({{reference}})."}})
		expect("create canned", r, http.StatusSeeOther)
		canned := r.header.Get("Location")
		expect("edit canned", do(t, c, "GET", u+canned, nil, nil), 200, `value="Receipt"`, "kuitti on matkalla")
		cid := strings.TrimPrefix(canned, "/canned-responses/")
		hx := map[string]string{"HX-Request": "true"}
		expect("canned search", do(t, c, "GET", u+"/inbox/"+ida+"/canned/search?q=kuit", nil, hx), 200, `hx-get="/inbox/`+ida+`/canned/`+cid+`"`)
		expect("canned fill", do(t, c, "GET", u+"/inbox/"+ida+"/canned/"+cid+"?text=Moi", nil, hx), 200,
			`<textarea id="reply-text"`, `dir="ltr" lang="fi"`, "Moi\n\nHei Aino Virtanen, kuitti on matkalla (HK-"+ida+").")
		expect("canned without htmx", do(t, c, "GET", u+"/inbox/"+ida+"?canned="+cid, nil, nil), 200, "Hei Aino Virtanen, kuitti on matkalla")

		// Signatures.
		expect("signatures", do(t, c, "GET", u+"/signatures", nil, nil), 200, `name="body_ja"`)
		expect("save signature", post("/signatures", url.Values{"body_": {"Mika / Help"}}), http.StatusSeeOther)
		expect("bad signature", post("/signatures", url.Values{"body_fi": {"{{nope}}"}}), http.StatusUnprocessableEntity)

		// Presence, priority, snooze.
		expect("presence", post("/inbox/"+ida+"/presence", url.Values{"typing": {"1"}}), 200)
		expect("priority", post("/inbox/"+ida+"/priority", url.Values{"priority": {"urgent"}}), http.StatusSeeOther)
		expect("snooze", post("/inbox/"+ida+"/snooze", url.Values{"preset": {"tomorrow"}}), http.StatusSeeOther)
		expect("snoozed view", do(t, c, "GET", u+"/inbox?view=snoozed", nil, nil), 200, `href="/inbox/`+ida+`"`)
		if r = do(t, c, "GET", u+"/inbox?view=all", nil, nil); strings.Contains(r.body, `href="/inbox/`+ida+`"`) {
			t.Fatal("a snoozed conversation is in the all view")
		}
		expect("snoozed page", do(t, c, "GET", u+"/inbox/"+ida, nil, nil), 200, `id="snoozed-note"`)
		expect("snooze in the past", post("/inbox/"+ida+"/snooze", url.Values{"until": {"2001-01-01T10:00"}}), http.StatusUnprocessableEntity,
			`id="ws-error"`, en.T("inbox.error.snooze_until"))
		expect("wake", post("/inbox/"+ida+"/snooze", url.Values{"wake": {"1"}}), http.StatusSeeOther)

		// Filters, order and counts.
		r = do(t, c, "GET", u+"/inbox?view=all&priority=urgent&sort=newest", nil, nil)
		expect("filtered list", r, 200, `href="/inbox/`+ida+`"`, `class="view-count"`, `<option value="newest" selected>`)
		if strings.Contains(r.body, `href="/inbox/`+idb+`"`) {
			t.Fatal("the priority filter let a normal conversation through")
		}
		expect("breaching view", do(t, c, "GET", u+"/inbox?view=breaching", nil, nil), 200)

		// Bulk: two changed, an unknown one reported.
		r = post("/inbox/bulk", url.Values{"id": {ida, idb, "999999"}, "action": {"status:open"}, "return": {"/inbox?view=all"}})
		expect("bulk", r, 200, `id="bulk-summary"`, en.T("inboxui.bulk.summary", "OK", "2", "Total", "3"), `class="bulk-failed"`,
			en.T("inbox.error.conversation_not_found"))
		expect("bulk without action", post("/inbox/bulk", url.Values{"id": {ida}}), http.StatusUnprocessableEntity)

		// Forward.
		expect("forward to nobody", post("/inbox/"+ida+"/forward", url.Values{"message_id": {itoa(a.MessageID)}, "to": {"nobody"}}),
			http.StatusUnprocessableEntity, en.T("inbox.error.forward_to"))
		expect("forward", post("/inbox/"+ida+"/forward", url.Values{"message_id": {itoa(a.MessageID)}, "to": {"finance@example.net"}, "text": {"FYI"}}), http.StatusSeeOther)

		// Reply collision: a reply written before another one went out is held back.
		seen := itoa(a.MessageID)
		dt, _ := ta.Inbox.GetConversation(ctx, a.ConversationID)
		for _, m := range dt.Messages {
			seen = itoa(m.ID)
		}
		if _, err := ta.Inbox.Reply(ctx, a.ConversationID, "Kuitti lähetetty.", ""); err != nil {
			t.Fatal(err)
		}
		r = post("/inbox/"+ida+"/reply", url.Values{"text": {"Lähetän kuitin."}, "status": {"waiting"}, "last_message_id": {seen}})
		expect("collision", r, http.StatusConflict, `id="collision-warning"`, "Kuitti lähetetty.", `name="confirm" value="1"`, "Lähetän kuitin.")
		expect("send anyway", post("/inbox/"+ida+"/reply", url.Values{"text": {"Lähetän kuitin."}, "status": {"waiting"},
			"last_message_id": {seen}, "confirm": {"1"}}), http.StatusSeeOther)
		dt, _ = ta.Inbox.GetConversation(ctx, a.ConversationID)
		last := dt.Messages[len(dt.Messages)-1]
		if !strings.HasSuffix(last.Text, "\n\n-- \nMika / Help") {
			t.Fatalf("reply without the signature: %q", last.Text)
		}

		// Merge b into a, then split b's message off again.
		r = post("/inbox/"+idb+"/merge", url.Values{"into": {"HK-" + ida}})
		expect("merge", r, http.StatusSeeOther)
		if r.header.Get("Location") != "/inbox/"+ida {
			t.Fatalf("merge went to %s", r.header.Get("Location"))
		}
		expect("merged page", do(t, c, "GET", u+"/inbox/"+idb, nil, nil), 200, `id="merged-note"`, `href="/inbox/`+ida+`"`)
		expect("merge again", post("/inbox/"+idb+"/merge", url.Values{"into": {ida}}), http.StatusUnprocessableEntity, `id="ws-error"`)
		r = post("/inbox/"+ida+"/split", url.Values{"message_id": {itoa(b.MessageID)}})
		expect("split", r, http.StatusSeeOther)
		expect("split page", do(t, c, "GET", u+r.header.Get("Location"), nil, nil), 200, "Sama asia: kuitti puuttuu.")

		// Delete the canned response.
		expect("delete canned", post(canned+"/delete", url.Values{}), http.StatusSeeOther)
		expect("deleted", do(t, c, "GET", u+canned, nil, nil), http.StatusNotFound)
	})
}
