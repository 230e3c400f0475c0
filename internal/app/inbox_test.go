package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
)

// TestInboxScenario: an e-mail arrives, the API finds it by search, shows its
// message, takes a reply, and the web page shows the conversation.
func TestInboxScenario(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		ctx := sysCtx()
		c := ta.client(t)
		u := ta.srv.URL + "/api/v1"
		bearer := map[string]string{"Authorization": "Bearer " + ta.token(t, ta.adminEmail), "Content-Type": "application/json"}

		if r := do(t, c, "GET", u+"/conversations", nil, bearer); r.status == http.StatusNotFound {
			t.Skip("the inbox API is not mounted in the app yet")
		}

		if _, err := ta.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
			t.Fatal(err)
		}
		raw := "From: Aino Virtanen <aino@example.fi>\r\nTo: help@example.org\r\nSubject: Vapaaehtoistyö kesällä\r\n" +
			"Message-ID: <inbox-scenario-1@example.fi>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0200\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\nHei! Haluaisin tulla vapaaehtoiseksi kesäleirille. Kiitos!\r\n"
		res, err := ta.Inbox.Ingest(ctx, []byte(raw), inbox.Envelope{From: "aino@example.fi", To: []string{"help@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		if !res.New || res.ConversationID == 0 {
			t.Fatalf("ingest: %+v", res)
		}
		id := itoa(res.ConversationID)

		// Search finds it; another word does not.
		type listJSON struct {
			Items []struct {
				ID       int64  `json:"id"`
				Subject  string `json:"subject"`
				Status   string `json:"status"`
				Channel  string `json:"channel"`
				PersonID int64  `json:"person_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		r := do(t, c, "GET", u+"/conversations?view=all&q="+url.QueryEscape("kesäleirille"), nil, bearer)
		if r.status != 200 {
			t.Fatalf("search: %d %s", r.status, r.body)
		}
		var list listJSON
		if err := json.Unmarshal([]byte(r.body), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].ID != res.ConversationID || list.Items[0].Subject != "Vapaaehtoistyö kesällä" ||
			list.Items[0].Channel != "email" || list.Items[0].PersonID == 0 {
			t.Fatalf("search result: %s", r.body)
		}
		personID := list.Items[0].PersonID
		r = do(t, c, "GET", u+"/conversations?q=zebrafish", nil, bearer)
		if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != 200 || len(list.Items) != 0 {
			t.Fatalf("search for nothing: %d %s", r.status, r.body)
		}
		if r = do(t, c, "GET", u+"/conversations?view=nope", nil, bearer); r.status != 422 {
			t.Fatalf("bad view: %d %s", r.status, r.body)
		}

		type detailJSON struct {
			ID       int64  `json:"id"`
			Status   string `json:"status"`
			Messages []struct {
				ID          int64           `json:"id"`
				Direction   string          `json:"direction"`
				From        string          `json:"from"`
				Author      string          `json:"author"`
				Text        string          `json:"text"`
				Attachments json.RawMessage `json:"attachments"`
			} `json:"messages"`
		}
		get := func() detailJSON {
			t.Helper()
			r := do(t, c, "GET", u+"/conversations/"+id, nil, bearer)
			if r.status != 200 {
				t.Fatalf("get: %d %s", r.status, r.body)
			}
			var dj detailJSON
			if err := json.Unmarshal([]byte(r.body), &dj); err != nil {
				t.Fatal(err)
			}
			return dj
		}
		dj := get()
		if len(dj.Messages) != 1 || dj.Messages[0].Direction != "in" || dj.Messages[0].From != "aino@example.fi" ||
			!strings.Contains(dj.Messages[0].Text, "vapaaehtoiseksi") || string(dj.Messages[0].Attachments) != "[]" {
			t.Fatalf("detail: %+v", dj)
		}
		if r = do(t, c, "GET", u+"/conversations/999999", nil, bearer); r.status != 404 {
			t.Fatalf("missing conversation: %d", r.status)
		}

		// A reply is 201 with the message; the conversation now has it, going out.
		r = do(t, c, "POST", u+"/conversations/"+id+"/replies", strings.NewReader(`{"text":"Hei Aino, kiitos viestistäsi!"}`), bearer)
		if r.status != http.StatusCreated || !strings.Contains(r.body, `"direction":"out"`) || !strings.Contains(r.body, `"author":"`) {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		if r = do(t, c, "POST", u+"/conversations/"+id+"/replies", strings.NewReader(`{"text":"   "}`), bearer); r.status != 422 {
			t.Fatalf("empty reply: %d %s", r.status, r.body)
		}
		dj = get()
		if len(dj.Messages) != 2 || dj.Messages[1].Direction != "out" || !strings.Contains(dj.Messages[1].Text, "kiitos viestistäsi") || dj.Status != "waiting" {
			t.Fatalf("after reply: %+v", dj)
		}

		// Assigned to the admin, it is in their "mine" view; an unknown user is refused.
		admin, err := ta.Auth.GetUserByEmail(ctx, ta.adminEmail)
		if err != nil {
			t.Fatal(err)
		}
		if dj.Messages[0].Author != "" || dj.Messages[1].Author != admin.Name {
			t.Errorf("authors %q, %q: want none for the person's message, %q for the reply", dj.Messages[0].Author, dj.Messages[1].Author, admin.Name)
		}
		if r = do(t, c, "POST", u+"/conversations/"+id+"/assign", strings.NewReader(`{"user_id":`+itoa(admin.ID)+`}`), bearer); r.status != 200 ||
			!strings.Contains(r.body, `"assignee_user_id":`+itoa(admin.ID)) {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		if r = do(t, c, "POST", u+"/conversations/"+id+"/assign", strings.NewReader(`{"user_id":999999}`), bearer); r.status != 422 {
			t.Fatalf("assign to nobody: %d %s", r.status, r.body)
		}
		r = do(t, c, "GET", u+"/conversations?view=mine", nil, bearer)
		if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Items) != 1 || list.Items[0].ID != res.ConversationID {
			t.Fatalf("mine: %d %s", r.status, r.body)
		}

		// A note, a status and tags.
		if r = do(t, c, "POST", u+"/conversations/"+id+"/notes", strings.NewReader(`{"text":"Soita huomenna."}`), bearer); r.status != http.StatusCreated || !strings.Contains(r.body, `"direction":"note"`) {
			t.Fatalf("note: %d %s", r.status, r.body)
		}
		if r = do(t, c, "PUT", u+"/conversations/"+id+"/status", strings.NewReader(`{"status":"open"}`), bearer); r.status != 200 || !strings.Contains(r.body, `"status":"open"`) {
			t.Fatalf("status: %d %s", r.status, r.body)
		}
		if r = do(t, c, "PUT", u+"/conversations/"+id+"/tags", strings.NewReader(`{"tags":["leiri"]}`), bearer); r.status != 200 || !strings.Contains(r.body, `"leiri"`) {
			t.Fatalf("tags: %d %s", r.status, r.body)
		}

		// The web: the list and the conversation render for an admin, in
		// Persian right-to-left too, with the message text escaped as text.
		wc := ta.signIn(t, ta.adminEmail)
		p := do(t, wc, "GET", ta.srv.URL+"/inbox?view=all", nil, nil)
		if p.status != 200 || !strings.Contains(p.body, `href="/inbox/`+id+`"`) {
			t.Fatalf("inbox list: %d %.500s", p.status, p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/"+id, nil, nil)
		if p.status != 200 || !strings.Contains(p.body, `<div class="inbox-message-text" dir="ltr">Hei! Haluaisin`) ||
			!strings.Contains(p.body, "kiitos viestistäsi") || !strings.Contains(p.body, `action="/inbox/`+id+`/reply"`) ||
			!strings.Contains(p.body, `href="/people/`+itoa(personID)+`"`) || !strings.Contains(p.body, `action="/inbox/`+id+`/note"`) {
			t.Fatalf("conversation page: %d %.2000s", p.status, p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/"+id, nil, map[string]string{"Accept-Language": "fa"})
		if p.status != 200 || !strings.Contains(p.body, `<html lang="fa" dir="rtl">`) || !strings.Contains(p.body, "ارسال پاسخ") {
			t.Fatalf("persian page: %d %.500s", p.status, p.body)
		}

		// A note through the form.
		tok := csrfFrom(t, p.body)
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/"+id+"/note", form("text", "Muistiinpano lomakkeelta", "csrf_token", tok), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("note form: %d %.500s", r.status, r.body)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/"+id+"/reply", form("text", "", "csrf_token", tok), formHdr)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty reply form: %d", r.status)
		}
		// An HTML message: text by default; the sanitized HTML only on request,
		// never a script.
		html := "From: Chloé Martin <chloe@example.fr>\r\nTo: help@example.org\r\nSubject: Bonjour\r\n" +
			"Message-ID: <inbox-scenario-2@example.fr>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<p>Salut <b>monde</b><script>alert(1)</script><img src=x onerror=alert(2)></p>\r\n"
		res2, err := ta.Inbox.Ingest(ctx, []byte(html), inbox.Envelope{To: []string{"help@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/"+itoa(res2.ConversationID), nil, nil)
		if p.status != 200 || !strings.Contains(p.body, "Salut monde") || strings.Contains(p.body, "<b>monde</b>") {
			t.Fatalf("html message as text: %d %.3000s", p.status, p.body)
		}
		p = do(t, wc, "GET", ta.srv.URL+"/inbox/"+itoa(res2.ConversationID)+"?format=html", nil, nil)
		if p.status != 200 || !strings.Contains(p.body, "<b>monde</b>") || strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "onerror") {
			t.Fatalf("html message formatted: %d %.3000s", p.status, p.body)
		}

		// An attachment downloads with its type and file name.
		att := "From: Aino Virtanen <aino@example.fi>\r\nTo: help@example.org\r\nSubject: Liite\r\n" +
			"Message-ID: <inbox-scenario-3@example.fi>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
			"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLiitteenä hakemus.\r\n" +
			"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"hakemus.txt\"\r\n\r\nNimi: Aino\r\n--b1--\r\n"
		res3, err := ta.Inbox.Ingest(ctx, []byte(att), inbox.Envelope{To: []string{"help@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		r = do(t, c, "GET", u+"/conversations/"+itoa(res3.ConversationID), nil, bearer)
		var withAtt struct {
			Messages []struct {
				Attachments []struct {
					ID          int64  `json:"id"`
					Filename    string `json:"filename"`
					ContentType string `json:"content_type"`
					Size        int64  `json:"size"`
				} `json:"attachments"`
			} `json:"messages"`
		}
		if err := json.Unmarshal([]byte(r.body), &withAtt); err != nil || len(withAtt.Messages) == 0 || len(withAtt.Messages[0].Attachments) != 1 ||
			withAtt.Messages[0].Attachments[0].Filename != "hakemus.txt" {
			t.Fatalf("attachment metadata: %d %s", r.status, r.body)
		}
		aid := itoa(withAtt.Messages[0].Attachments[0].ID)
		r = do(t, c, "GET", u+"/attachments/"+aid, nil, bearer)
		if r.status != 200 || !strings.Contains(r.body, "Nimi: Aino") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") ||
			!strings.Contains(r.header.Get("Content-Disposition"), `attachment; filename=hakemus.txt`) {
			t.Fatalf("attachment: %d %v %q", r.status, r.header, r.body)
		}
		if r = do(t, c, "GET", u+"/attachments/999999", nil, bearer); r.status != 404 {
			t.Fatalf("missing attachment: %d %s", r.status, r.body)
		}
		if r = do(t, wc, "GET", ta.srv.URL+"/inbox/attachments/"+aid, nil, nil); r.status != 200 || !strings.Contains(r.body, "Nimi: Aino") {
			t.Fatalf("attachment from the web: %d %.300s", r.status, r.body)
		}

		dj = get()
		if n := len(dj.Messages); n != 4 || dj.Messages[3].Direction != "note" {
			t.Fatalf("after note form: %+v", dj)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/"+id+"/status", form("status", "resolved", "csrf_token", tok), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("status form: %d %.500s", r.status, r.body)
		}
		if dj = get(); dj.Status != "resolved" {
			t.Fatalf("after status form: %s", dj.Status)
		}
		r = do(t, wc, "POST", ta.srv.URL+"/inbox/"+id+"/status", form("status", "new", "csrf_token", tok), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `role="alert"`) {
			t.Fatalf("status form, new: %d %.500s", r.status, r.body)
		}
	})
}
