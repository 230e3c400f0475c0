package app

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// apiClient calls the API with a token and decodes JSON answers.
type apiClient struct {
	t    *testing.T
	c    *http.Client
	base string
	tok  string
	lang string
}

func (ac apiClient) call(method, path string, body any, out any) resp {
	ac.t.Helper()
	var rd *bytes.Reader
	hdr := map[string]string{"Authorization": "Bearer " + ac.tok}
	if ac.lang != "" {
		hdr["Accept-Language"] = ac.lang
	}
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
		hdr["Content-Type"] = "application/json"
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
		hdr["Content-Type"] = "application/json"
	}
	r := do(ac.t, ac.c, method, ac.base+path, rd, hdr)
	if p, ok := out.(*pageJSON); ok {
		*p = pageJSON{}
	}
	if out != nil && r.status < 300 && r.body != "" {
		if err := json.Unmarshal([]byte(r.body), out); err != nil {
			ac.t.Fatalf("%s %s: %v: %s", method, path, err, r.body)
		}
	}
	return r
}

type personJSON struct {
	ID             int64  `json:"id"`
	Kind           string `json:"kind"`
	DisplayName    string `json:"display_name"`
	GreetingName   string `json:"greeting_name"`
	Language       string `json:"language"`
	RedirectedFrom int64  `json:"redirected_from"`
	Contacts       []struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"contacts"`
	Tenure struct {
		Facts []struct {
			Role   string `json:"role"`
			Phrase string `json:"phrase"`
		} `json:"facts"`
	} `json:"tenure"`
	Consents []struct {
		Channel, Purpose, Status string
	} `json:"consents"`
}

type pageJSON struct {
	Items []personJSON `json:"items"`
	Next  string       `json:"next_cursor"`
}

type errJSON struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r.body)
	}
	return v
}

func names(p pageJSON) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.DisplayName)
	}
	return out
}

// TestPeopleAPI is the people API's contract, on both backends: profiles in
// three scripts, search, validation, timeline, roles, consent, segments,
// merge, import with bad rows, export and erasure.
func TestPeopleAPI(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		ac := apiClient{t: t, c: ta.client(t), base: ta.srv.URL + "/api/v1", tok: ta.token(t, ta.adminEmail)}

		// Create people in Japanese, Persian and Turkish.
		var ja, fa, tr, org personJSON
		r := ac.call("POST", "/people", `{"kind":"individual","display_name":"山田 花子","given_name":"花子","family_name":"山田","language":"ja",
			"emails":[{"address":"hanako@example.jp"}],"phones":[{"number":"+81 90-1234-5678"}]}`, &ja)
		if r.status != http.StatusCreated || ja.ID == 0 || ja.DisplayName != "山田 花子" || ja.GreetingName != "山田" || len(ja.Contacts) != 2 {
			t.Fatalf("create ja: %d %s", r.status, r.body)
		}
		r = ac.call("POST", "/people", map[string]any{"given_name": "علی", "family_name": "کریمی", "language": "fa",
			"phones": []map[string]string{{"number": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "region": "IR"}}}, &fa)
		if r.status != http.StatusCreated || fa.DisplayName != "علی کریمی" || fa.Language != "fa" {
			t.Fatalf("create fa: %d %s", r.status, r.body)
		}
		r = ac.call("POST", "/people", map[string]any{"given_name": "Şükrü", "family_name": "Öztürk", "language": "tr",
			"emails": []map[string]string{{"address": "sukru@example.com.tr"}}, "phones": []map[string]string{{"number": "0532 123 45 67", "region": "TR"}},
			"roles": []map[string]string{{"role": "volunteer", "start": "2019-03-01"}}, "tags": []string{"Gönüllü"}}, &tr)
		if r.status != http.StatusCreated || tr.DisplayName != "Şükrü Öztürk" {
			t.Fatalf("create tr: %d %s", r.status, r.body)
		}
		if len(tr.Tenure.Facts) != 1 || tr.Tenure.Facts[0].Phrase == "" || strings.HasPrefix(tr.Tenure.Facts[0].Phrase, "people.") {
			t.Fatalf("tenure phrase: %s", r.body)
		}
		r = ac.call("POST", "/people", `{"kind":"organization","display_name":"Kızılay Derneği","language":"tr"}`, &org)
		if r.status != http.StatusCreated || org.Kind != "organization" {
			t.Fatalf("create org: %d %s", r.status, r.body)
		}

		// Search: two Japanese characters, phone numbers written otherwise and
		// in Persian digits, best match first.
		search := func(q string, want string) {
			t.Helper()
			var p pageJSON
			if r := ac.call("GET", "/people?q="+url.QueryEscape(q), nil, &p); r.status != 200 {
				t.Fatalf("search %q: %d %s", q, r.status, r.body)
			}
			if want == "" {
				if len(p.Items) != 0 {
					t.Fatalf("search %q found %v", q, names(p))
				}
				return
			}
			if len(p.Items) == 0 || p.Items[0].DisplayName != want {
				t.Fatalf("search %q = %v, want %s first", q, names(p), want)
			}
		}
		search("山田", "山田 花子")
		search("花子", "山田 花子")
		search("+90 532 123 4567", "Şükrü Öztürk")
		search("05321234567", "Şükrü Öztürk")
		search("۰۹۱۲۳۴۵۶۷۸۹", "علی کریمی")
		search("09123456789", "علی کریمی")
		search("sukru", "Şükrü Öztürk")
		search("كريمي", "علی کریمی") // Arabic kaf and yeh
		var page pageJSON
		ac.call("GET", "/people?kind=organization", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != org.ID {
			t.Fatalf("kind filter: %v", names(page))
		}
		ac.call("GET", "/people?language=ja", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != ja.ID {
			t.Fatalf("language filter: %v", names(page))
		}
		ac.call("GET", "/people?role=volunteer", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != tr.ID {
			t.Fatalf("role filter: %v", names(page))
		}
		// Pagination walks every profile once.
		seen := map[int64]bool{}
		for next, n := "", 0; ; n++ {
			page = pageJSON{}
			ac.call("GET", "/people?limit=1&cursor="+url.QueryEscape(next), nil, &page)
			for _, it := range page.Items {
				if seen[it.ID] {
					t.Fatalf("%d twice", it.ID)
				}
				seen[it.ID] = true
			}
			if next = page.Next; next == "" || n > 10 {
				break
			}
		}
		if len(seen) != 4 {
			t.Fatalf("paged through %d people", len(seen))
		}

		// Validation errors come per field, in the caller's language.
		fr := ac
		fr.lang = "fr"
		r = fr.call("POST", "/people", `{"kind":"individual","emails":[{"address":"pas-une-adresse"}],"phones":[{"number":"12"}]}`, nil)
		e := decode[errJSON](t, r)
		frL := ta.Bundle.Localizer("fr")
		if r.status != http.StatusUnprocessableEntity || e.Error.Code != "validation_failed" ||
			e.Error.Fields["display_name"] != frL.T("people.error.name_required") ||
			e.Error.Fields["emails.0.address"] != frL.T("people.error.email", "Value", "pas-une-adresse") || e.Error.Fields["phones.0.number"] == "" {
			t.Fatalf("validation: %d %s", r.status, r.body)
		}
		if strings.Contains(e.Error.Fields["display_name"], "people.error") || e.Error.Fields["display_name"] == ta.Bundle.Localizer("en").T("people.error.name_required") {
			t.Fatalf("not localized: %s", r.body)
		}
		r = fr.call("POST", "/people", `{"kind":"robot","display_name":"X"}`, nil)
		if e = decode[errJSON](t, r); r.status != http.StatusUnprocessableEntity || e.Error.Fields["kind"] == "" {
			t.Fatalf("bad kind: %d %s", r.status, r.body)
		}
		r = ac.call("GET", "/people/999999", nil, nil)
		if e = decode[errJSON](t, r); r.status != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Fatalf("404: %d %s", r.status, r.body)
		}
		r = ac.call("PATCH", "/people/999999", `{"pronouns":"she"}`, nil)
		if r.status != http.StatusNotFound {
			t.Fatalf("patch 404: %d %s", r.status, r.body)
		}

		// PATCH changes only what it names.
		var patched personJSON
		r = ac.call("PATCH", "/people/"+itoa(ja.ID), `{"greeting_name":"花子さん"}`, &patched)
		if r.status != 200 || patched.GreetingName != "花子さん" || patched.DisplayName != "山田 花子" || len(patched.Contacts) != 2 {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}

		// Notes, timeline, roles, consent.
		r = ac.call("POST", "/people/"+itoa(ja.ID)+"/notes", `{"body":"電話で話しました。来週また連絡します。"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("note: %d %s", r.status, r.body)
		}
		r = ac.call("GET", "/people/"+itoa(ja.ID)+"/timeline", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, "電話で話しました") || !strings.Contains(r.body, `"kind":"note"`) {
			t.Fatalf("timeline: %d %s", r.status, r.body)
		}
		search("来週", "山田 花子") // notes are searchable
		r = ac.call("POST", "/people/"+itoa(ja.ID)+"/roles", `{"role":"donor","start":"2021-06-01"}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("role: %d %s", r.status, r.body)
		}
		r = ac.call("POST", "/people/"+itoa(ja.ID)+"/roles", `{"role":"donor","start":"2021-06-01","end":"2020-01-01"}`, nil)
		if e = decode[errJSON](t, r); r.status != 422 || e.Error.Fields["end"] == "" {
			t.Fatalf("role end before start: %d %s", r.status, r.body)
		}
		var prefs struct {
			Consents []struct{ Channel, Purpose, Status string } `json:"consents"`
			History  []map[string]any                            `json:"history"`
		}
		r = ac.call("PUT", "/people/"+itoa(ja.ID)+"/consent", `{"channel":"email","purpose":"newsletter","status":"opt_in","source":"web_form"}`, &prefs)
		if r.status != 200 || len(prefs.Consents) != 1 || prefs.Consents[0].Status != "opt_in" || len(prefs.History) != 1 {
			t.Fatalf("consent: %d %s", r.status, r.body)
		}
		r = ac.call("GET", "/people/"+itoa(ja.ID)+"/may-contact?channel=email&purpose=newsletter", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, `"allowed":true`) {
			t.Fatalf("may contact: %d %s", r.status, r.body)
		}
		r = ac.call("POST", "/people/"+itoa(tr.ID)+"/relationships", map[string]any{"other_id": org.ID, "type": "employee"}, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("relationship: %d %s", r.status, r.body)
		}

		// Segments with live counts and members.
		var seg struct {
			ID    int64 `json:"id"`
			Count int   `json:"count"`
		}
		r = ac.call("POST", "/segments", `{"name":"日本語話者","filter":{"languages":["ja"]}}`, &seg)
		if r.status != http.StatusCreated || seg.Count != 1 {
			t.Fatalf("segment: %d %s", r.status, r.body)
		}
		ac.call("GET", "/segments/"+itoa(seg.ID)+"/members", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != ja.ID {
			t.Fatalf("members: %v", names(page))
		}
		r = ac.call("POST", "/segments", `{"name":"","filter":{"languages":["!!"]}}`, nil)
		if r.status != 422 {
			t.Fatalf("bad segment: %d %s", r.status, r.body)
		}

		// Merge a duplicate: same e-mail address.
		var dup personJSON
		r = ac.call("POST", "/people", `{"given_name":"Sukru","family_name":"Ozturk","emails":[{"address":"SUKRU@example.com.tr"}]}`, &dup)
		if r.status != http.StatusCreated {
			t.Fatalf("dup: %d %s", r.status, r.body)
		}
		r = ac.call("GET", "/people/"+itoa(tr.ID)+"/duplicates", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, `"person_id":`+itoa(dup.ID)) {
			t.Fatalf("duplicates: %d %s", r.status, r.body)
		}
		var merged personJSON
		r = ac.call("POST", "/people/"+itoa(tr.ID)+"/merge", map[string]any{"merge_id": dup.ID}, &merged)
		if r.status != 200 || merged.ID != tr.ID {
			t.Fatalf("merge: %d %s", r.status, r.body)
		}
		var tomb personJSON
		if r = ac.call("GET", "/people/"+itoa(dup.ID), nil, &tomb); r.status != 200 || tomb.ID != tr.ID || tomb.RedirectedFrom != dup.ID {
			t.Fatalf("merged profile: %d %s", r.status, r.body)
		}
		ac.call("GET", "/people?q=ozturk", nil, &page)
		if len(page.Items) != 1 {
			t.Fatalf("after merge: %v", names(page))
		}
		r = ac.call("POST", "/people/"+itoa(tr.ID)+"/merge", map[string]any{"merge_id": tr.ID}, nil)
		if r.status != 422 {
			t.Fatalf("merge self: %d %s", r.status, r.body)
		}

		// Import with bad rows: a dry run lists each with its reason, a run
		// skips them and imports the rest.
		csv := "first name,last name,email,phone,birth date\n" +
			"Aino,Virtanen,aino@example.fi,+358 40 123 4567,1980-05-17\n" +
			"Eero,Mäkinen,not-an-email,,\n" +
			",,nobody@example.fi,,\n" +
			"Päivi,Laine,paivi@example.fi,,2023-02-30\n"
		raw := func(path string) resp {
			return do(t, ac.c, "POST", ac.base+path+"?phone_region=FI", strings.NewReader(csv),
				map[string]string{"Authorization": "Bearer " + ac.tok, "Content-Type": "text/csv", "Accept-Language": "fi"})
		}
		r = raw("/imports/dry-run")
		var rep struct {
			Valid       int `json:"valid"`
			WouldCreate int `json:"would_create"`
			Errors      []struct {
				Row     int    `json:"row"`
				Key     string `json:"key"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if r.status != 200 || json.Unmarshal([]byte(r.body), &rep) != nil || rep.Valid != 1 || rep.WouldCreate != 1 || len(rep.Errors) != 3 {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		for i, want := range []int{2, 3, 4} {
			if rep.Errors[i].Row != want || rep.Errors[i].Message == "" || rep.Errors[i].Message == rep.Errors[i].Key {
				t.Fatalf("dry run error %d: %+v", i, rep.Errors[i])
			}
		}
		if ac.call("GET", "/people?q=aino", nil, &page); len(page.Items) != 0 {
			t.Fatal("the dry run wrote")
		}
		// The import is queued and run by a job: 202 with where to follow it.
		startJobs(t, ta)
		r = raw("/imports")
		var imp struct {
			ID      int64  `json:"id"`
			Status  string `json:"status"`
			Total   int    `json:"total"`
			Created int    `json:"created"`
			Failed  int    `json:"failed"`
			Errors  []map[string]any
		}
		if r.status != http.StatusAccepted || json.Unmarshal([]byte(r.body), &imp) != nil || imp.Total != 4 ||
			r.header.Get("Location") != "/api/v1/imports/"+itoa(imp.ID) {
			t.Fatalf("import: %d %v %s", r.status, r.header, r.body)
		}
		r = waitImportAPI(t, ac, r.header.Get("Location"))
		if !strings.Contains(r.body, `"status":"completed"`) || !strings.Contains(r.body, `"created":1`) || !strings.Contains(r.body, `"processed":4`) ||
			strings.Count(r.body, `"row":`) != 3 || !strings.Contains(r.body, "sähköpostiosoite") {
			t.Fatalf("import progress: %d %s", r.status, r.body)
		}
		search("aino virtanen", "Aino Virtanen")
		// The same as a multipart upload with the options as form fields.
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		_ = mw.WriteField("on_duplicate", "update")
		fw, _ := mw.CreateFormFile("file", "更新.csv")
		_, _ = fw.Write([]byte("name,email\nVirtanen Aino,aino@example.fi\nTaro Yamada,taro@example.jp\n"))
		mw.Close()
		r = do(t, ac.c, "POST", ac.base+"/imports", &mp, map[string]string{"Authorization": "Bearer " + ac.tok, "Content-Type": mw.FormDataContentType()})
		if r.status != http.StatusAccepted || !strings.Contains(r.body, `"file_name":"更新.csv"`) {
			t.Fatalf("multipart import: %d %s", r.status, r.body)
		}
		r = waitImportAPI(t, ac, r.header.Get("Location"))
		if !strings.Contains(r.body, `"updated":1`) || !strings.Contains(r.body, `"created":1`) || !strings.Contains(r.body, `"file_name":"更新.csv"`) {
			t.Fatalf("multipart import: %d %s", r.status, r.body)
		}
		r = do(t, ac.c, "POST", ac.base+"/imports", strings.NewReader("\x00\x01\x02binary"), map[string]string{"Authorization": "Bearer " + ac.tok, "Content-Type": "text/csv"})
		if r.status != 422 {
			t.Fatalf("binary import: %d %s", r.status, r.body)
		}

		// CSV export of a segment, and a person's data export.
		r = do(t, ac.c, "GET", ac.base+"/people/export.csv?segment_id="+itoa(seg.ID), nil, map[string]string{"Authorization": "Bearer " + ac.tok})
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") || !strings.Contains(r.body, "display_name") ||
			!strings.Contains(r.body, "山田 花子") || strings.Contains(r.body, "Öztürk") {
			t.Fatalf("export csv: %d %s", r.status, r.body)
		}
		r = do(t, ac.c, "GET", ac.base+"/people/export.csv?columns=nope", nil, map[string]string{"Authorization": "Bearer " + ac.tok})
		if r.status != 422 || !strings.Contains(r.body, "validation_failed") {
			t.Fatalf("export bad column: %d %s", r.status, r.body)
		}
		r = ac.call("GET", "/people/"+itoa(ja.ID)+"/export", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, "電話で話しました") || !strings.Contains(r.body, `"consent_history"`) {
			t.Fatalf("data export: %d %s", r.status, r.body)
		}

		// Least privilege: a viewer reads but does not write, export or erase.
		ctx := sysCtx()
		if _, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: "viewer@example.org", Name: "Vera Viewer", Role: auth.RoleViewer, Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		viewer := ac
		viewer.tok = ta.token(t, "viewer@example.org")
		if r = viewer.call("GET", "/people/"+itoa(ja.ID), nil, nil); r.status != 200 {
			t.Fatalf("viewer read: %d", r.status)
		}
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/people", `{"display_name":"X"}`},
			{"DELETE", "/people/" + itoa(ja.ID), ""},
			{"GET", "/people/" + itoa(ja.ID) + "/export", ""},
			{"GET", "/people/export.csv", ""},
		} {
			var b any
			if c.body != "" {
				b = c.body
			}
			if r = viewer.call(c.method, c.path, b, nil); r.status != http.StatusForbidden {
				t.Fatalf("viewer %s %s: %d %s", c.method, c.path, r.status, r.body)
			}
		}

		// Erasure: gone from reads and search.
		if r = ac.call("DELETE", "/people/"+itoa(fa.ID), nil, nil); r.status != http.StatusNoContent {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		if r = ac.call("GET", "/people/"+itoa(fa.ID), nil, nil); r.status != http.StatusNotFound {
			t.Fatalf("erased read: %d %s", r.status, r.body)
		}
		search("کریمی", "")
		search("۰۹۱۲۳۴۵۶۷۸۹", "")
		if r = ac.call("DELETE", "/people/"+itoa(fa.ID), nil, nil); r.status != http.StatusNotFound {
			t.Fatalf("erase twice: %d %s", r.status, r.body)
		}
	})
}

func sysCtx() context.Context { return auth.WithActor(context.Background(), auth.SystemActor("test")) }

// signIn returns a client signed in to the web UI as email.
func (ta *testApp) signIn(t *testing.T, email string) *http.Client {
	t.Helper()
	c := ta.client(t)
	p := do(t, c, "GET", ta.srv.URL+"/signin", nil, nil)
	r := do(t, c, "POST", ta.srv.URL+"/signin", form("email", email, "password", testPassword, "csrf_token", csrfFrom(t, p.body)), formHdr)
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, r.status)
	}
	return c
}

// multipartForm builds a multipart body with fields and one file.
func multipartForm(fields map[string]string, fileField, fileName, content string) (*bytes.Buffer, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := mw.CreateFormFile(fileField, fileName)
		_, _ = fw.Write([]byte(content))
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// TestPeopleWeb drives the people pages over HTTP on both backends: the
// create form's localized validation, search as you type, the profile's
// consent and note forms, import with a dry run, CSV export, segments and
// erasure.
func TestPeopleWeb(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		if _, err := ta.Auth.CreateUser(sysCtx(), auth.NewUser{Email: "mudur@example.org", Name: "Elif Müdür", Role: auth.RoleManager, Locale: "tr", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		c := ta.signIn(t, "mudur@example.org")
		u := ta.srv.URL
		tr := ta.Bundle.Localizer("tr")

		r := do(t, c, "GET", u+"/people", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, `hx-trigger="input changed delay:200ms`) || !strings.Contains(r.body, `action="/people"`) ||
			!strings.Contains(r.body, `href="/people" aria-current="page"`) {
			t.Fatalf("list: %d %.3000s", r.status, r.body)
		}
		home := do(t, c, "GET", u+"/", nil, nil)
		if !strings.Contains(home.body, `href="/people"`) {
			t.Fatal("no people card or navigation on the home page")
		}

		// The create form: field errors in the user's language, tied to their fields.
		r = do(t, c, "GET", u+"/people/new", nil, nil)
		token := csrfFrom(t, r.body)
		r = do(t, c, "POST", u+"/people", form("csrf_token", token, "kind", "individual", "email", "yanlış", "birth_date", "2999-01-01"), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `aria-describedby="p-display-hint p-display-err"`) ||
			!strings.Contains(r.body, tr.T("people.error.name_required")) || !strings.Contains(r.body, `id="p-email-err"`) ||
			!strings.Contains(r.body, `id="p-birth-err"`) || !strings.Contains(r.body, `aria-invalid="true"`) || !strings.Contains(r.body, `value="yanlış"`) {
			t.Fatalf("invalid person: %d %.6000s", r.status, r.body)
		}
		r = do(t, c, "POST", u+"/people", form("csrf_token", token, "kind", "individual", "given_name", "花子", "family_name", "山田", "language", "ja",
			"email", "hanako@example.jp", "phone", "090-1234-5678", "phone_region", "JP", "role", "volunteer", "role_start", "2018-04-01", "tags", "ボランティア, Gala"), formHdr)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/people/") {
			t.Fatalf("create: %d %.3000s", r.status, r.body)
		}
		profileURL := u + r.header.Get("Location")
		id := strings.TrimPrefix(r.header.Get("Location"), "/people/")

		// Search as you type: the htmx request gets the results table only.
		r = do(t, c, "GET", u+"/people?q="+url.QueryEscape("山田"), nil, map[string]string{"HX-Request": "true", "HX-Target": "people-results"})
		if r.status != 200 || strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="people-results"`) || !strings.Contains(r.body, "<bdi>山田 花子</bdi>") {
			t.Fatalf("search fragment: %d %.2000s", r.status, r.body)
		}
		r = do(t, c, "GET", u+"/people?q="+url.QueryEscape("090 1234 5678"), nil, nil)
		if !strings.Contains(r.body, "<html") || !strings.Contains(r.body, "<bdi>山田 花子</bdi>") {
			t.Fatalf("search page: %.2000s", r.body)
		}
		r = do(t, c, "GET", u+"/people?lang=fa", nil, nil)
		if strings.Contains(r.body, "山田 花子") {
			t.Fatal("language filter")
		}
		r = do(t, c, "GET", u+"/people?q=x&lang=!!&cursor=garbage", nil, nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/people?q=x" {
			t.Fatalf("bad filters: %d %s", r.status, r.header.Get("Location"))
		}

		// The profile: summary, tenure in Turkish, consent and note forms.
		r = do(t, c, "GET", profileURL, nil, nil)
		if r.status != 200 || !strings.Contains(r.body, `<bdi id="greeting-name">山田</bdi>`) || !strings.Contains(r.body, `id="consent-form"`) ||
			!strings.Contains(r.body, "mailto:hanako@example.jp") || !strings.Contains(r.body, `id="tenure"`) || !strings.Contains(r.body, "ボランティア") {
			t.Fatalf("profile: %d %.5000s", r.status, r.body)
		}
		token = csrfFrom(t, r.body)
		r = do(t, c, "POST", profileURL+"/consent", form("csrf_token", token, "channel", "email", "purpose", "newsletter", "status", "maybe"), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tr.T("people.error.consent_status")) || !strings.Contains(r.body, `id="cs-status-err"`) {
			t.Fatalf("bad consent: %d %.3000s", r.status, r.body)
		}
		r = do(t, c, "POST", profileURL+"/consent", form("csrf_token", token, "channel", "email", "purpose", "newsletter", "status", "opt_in"), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("consent: %d %.3000s", r.status, r.body)
		}
		r = do(t, c, "POST", profileURL+"/notes", form("csrf_token", token, "body", ""), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="note-body-err"`) {
			t.Fatalf("empty note: %d", r.status)
		}
		r = do(t, c, "POST", profileURL+"/notes", form("csrf_token", token, "body", "Telefonda konuştuk; gizli değil.", "confidential", "1"), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("note: %d %.2000s", r.status, r.body)
		}
		r = do(t, c, "POST", profileURL+"/roles", form("csrf_token", token, "role", "donor", "start", "2020-13-45"), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="r-start-err"`) {
			t.Fatalf("bad role date: %d", r.status)
		}
		r = do(t, c, "GET", profileURL, nil, nil)
		if !strings.Contains(r.body, "Telefonda konuştuk") || !strings.Contains(r.body, `class="consent-opt_in"`) || !strings.Contains(r.body, "confidential") {
			t.Fatalf("profile after forms: %.6000s", r.body)
		}

		// Edit keeps what the form does not show.
		r = do(t, c, "GET", profileURL+"/edit", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, `value="花子"`) {
			t.Fatalf("edit form: %d", r.status)
		}
		r = do(t, c, "POST", profileURL, form("csrf_token", token, "kind", "individual", "given_name", "花子", "family_name", "山田", "language", "ja", "pronouns", "she"), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("edit: %d %.2000s", r.status, r.body)
		}

		// Import: a dry run lists each bad row with its reason; the run
		// (with the stashed file) queues a job that imports the rest, and the
		// status page shows the progress.
		startJobs(t, ta)
		csv := "ad,soyad,e-posta\nAyşe,Yılmaz,ayse@example.com\nMehmet,Kaya,geçersiz\n,,kimse@example.com\n"
		mb, ct := multipartForm(map[string]string{"csrf_token": token, "action": "dryrun", "on_duplicate": "update"}, "file", "kisiler.csv", csv)
		r = do(t, c, "POST", u+"/people/import", mb, map[string]string{"Content-Type": ct})
		if r.status != 200 || !strings.Contains(r.body, `id="import-errors"`) || strings.Count(r.body, "<tr><td>") != 2 ||
			!strings.Contains(r.body, tr.T("people.import.invalid_email", "Value", "geçersiz")) {
			t.Fatalf("dry run: %d %.6000s", r.status, r.body)
		}
		const marker = `name="token" value="`
		i := strings.Index(r.body, marker)
		if i < 0 {
			t.Fatal("no stashed file token")
		}
		stashed := r.body[i+len(marker):]
		stashed = stashed[:strings.IndexByte(stashed, '"')]
		mb, ct = multipartForm(map[string]string{"csrf_token": token, "action": "run", "token": stashed, "on_duplicate": "update"}, "", "", "")
		r = do(t, c, "POST", u+"/people/import", mb, map[string]string{"Content-Type": ct})
		if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "/status") {
			t.Fatalf("run import: %d %.3000s", r.status, r.body)
		}
		// The rows are imported in the background; the status page shows the result
		// once the last batch commits.
		statusURL := u + r.header.Get("Location")
		for range 100 {
			if r = do(t, c, "GET", statusURL, nil, nil); strings.Contains(r.body, tr.T("peopleui.import.created", "Count", 1)) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if r.status != 200 || !strings.Contains(r.body, tr.T("peopleui.import.created", "Count", 1)) || !strings.Contains(r.body, tr.T("peopleui.import.bad_rows", "Count", 2)) {
			t.Fatalf("import status: %d %.4000s", r.status, r.body)
		}
		mb, ct = multipartForm(map[string]string{"csrf_token": token, "action": "preview"}, "", "", "")
		if r = do(t, c, "POST", u+"/people/import", mb, map[string]string{"Content-Type": ct}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("import without a file: %d", r.status)
		}

		// Segments and export.
		r = do(t, c, "POST", u+"/people/segments", form("csrf_token", token, "name", "Japonca konuşanlar", "lang", "ja"), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("save segment: %d %.2000s", r.status, r.body)
		}
		segURL := r.header.Get("Location")
		r = do(t, c, "GET", u+segURL, nil, nil)
		if !strings.Contains(r.body, "Japonca konuşanlar") || !strings.Contains(r.body, `<span class="count"`) || !strings.Contains(r.body, "山田 花子") || strings.Contains(r.body, "Ayşe Yılmaz") {
			t.Fatalf("segment list: %.4000s", r.body)
		}
		r = do(t, c, "GET", u+"/people/export.csv?"+strings.TrimPrefix(segURL, "/people?"), nil, nil)
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(r.body, "\uFEFFid,") ||
			!strings.Contains(r.body, "山田 花子") || strings.Contains(r.body, "Ayşe") {
			t.Fatalf("export: %d %.2000s", r.status, r.body)
		}
		r = do(t, c, "GET", profileURL+"/export.json", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, "Telefonda konuştuk") {
			t.Fatalf("data export: %d", r.status)
		}

		// An agent edits but has no import, export, merge or erase.
		if _, err := ta.Auth.CreateUser(sysCtx(), auth.NewUser{Email: "temsilci@example.org", Name: "Can Temsilci", Role: auth.RoleAgent, Locale: "tr", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		ca := ta.signIn(t, "temsilci@example.org")
		r = do(t, ca, "GET", profileURL, nil, nil)
		if r.status != 200 || strings.Contains(r.body, "/erase") || strings.Contains(r.body, "export.json") || strings.Contains(r.body, "Telefonda konuştuk") {
			t.Fatalf("agent profile: %d (confidential note or privacy actions shown)", r.status)
		}
		for _, p := range []string{"/people/import", "/people/export.csv", "/people/" + id + "/erase", "/people/duplicates"} {
			if r = do(t, ca, "GET", u+p, nil, nil); r.status != http.StatusForbidden {
				t.Fatalf("agent %s: %d", p, r.status)
			}
		}

		// Erasure needs the confirmation.
		r = do(t, c, "GET", profileURL+"/erase", nil, nil)
		if r.status != 200 || !strings.Contains(r.body, `id="erase-confirm"`) {
			t.Fatalf("erase page: %d", r.status)
		}
		r = do(t, c, "POST", profileURL+"/erase", form("csrf_token", token), formHdr)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="erase-err"`) {
			t.Fatalf("erase without confirm: %d", r.status)
		}
		r = do(t, c, "POST", profileURL+"/erase", form("csrf_token", token, "confirm", "1"), formHdr)
		if r.status != http.StatusSeeOther {
			t.Fatalf("erase: %d %.2000s", r.status, r.body)
		}
		if r = do(t, c, "GET", profileURL, nil, nil); r.status != http.StatusNotFound || !strings.Contains(r.body, tr.T("people.error.not_found")) {
			t.Fatalf("erased profile: %d", r.status)
		}
	})
}
