package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestDefaultPhoneRegion: an admin sets the organization's default phone
// region on the settings page (validated, in their language); from then on
// numbers written without a country code are read in that region by the API,
// forms and imports, and found by search as typed.
func TestDefaultPhoneRegion(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		if _, err := ta.Auth.CreateUser(sysCtx(), auth.NewUser{Email: "agent@example.org", Name: "Aino Agent", Role: auth.RoleAgent, Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		ac := apiClient{t: t, c: ta.client(t), base: ta.srv.URL + "/api/v1", tok: ta.token(t, ta.adminEmail)}

		// Without a region a national number is refused.
		r := ac.call("POST", "/people", `{"display_name":"Ayşe Kaya","phones":[{"number":"0532 111 22 33"}]}`, nil)
		if r.status != 422 {
			t.Fatalf("national number without a region: %d %s", r.status, r.body)
		}

		c := ta.signIn(t, ta.adminEmail)
		u := ta.srv.URL + "/admin/organization"
		r = do(t, c, "GET", u, nil, map[string]string{"Accept-Language": "fr"})
		if r.status != 200 || !strings.Contains(r.body, `name="phone_region"`) || !strings.Contains(r.body, `href="/admin/organization"`) {
			t.Fatalf("settings page: %d %.3000s", r.status, r.body)
		}
		token := csrfFrom(t, r.body)
		post := func(region string) resp {
			v := url.Values{"csrf_token": {token}, "name": {"Dayanışma Derneği"}, "default_locale": {"en"}, "time_zone": {"Europe/Istanbul"},
				"currency": {"TRY"}, "reply_to_domain": {""}, "phone_region": {region}}
			return do(t, c, "POST", u, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		}
		r = post("XX")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, ta.Bundle.Localizer("en").T("validation.phone_region")) {
			t.Fatalf("bad region: %d %.3000s", r.status, r.body)
		}
		if st, _ := ta.Org.Get(sysCtx()); st.PhoneRegion != "" || st.Name == "Dayanışma Derneği" {
			t.Fatal("a refused form was saved")
		}
		r = post("TR")
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.3000s", r.status, r.body)
		}
		r = do(t, c, "GET", u, nil, nil)
		if !strings.Contains(r.body, `<option value="TR" selected>`) || !strings.Contains(r.body, "0501 234 56 78") {
			t.Fatalf("saved page: %.4000s", r.body)
		}

		// The API reads national numbers in the region at once.
		var p personJSON
		r = ac.call("POST", "/people", `{"display_name":"Ayşe Kaya","phones":[{"number":"0532 111 22 33"}]}`, &p)
		if r.status != http.StatusCreated || !strings.Contains(r.body, `"+905321112233"`) {
			t.Fatalf("national number with region TR: %d %s", r.status, r.body)
		}
		// An explicit region still wins.
		r = ac.call("POST", "/people", `{"display_name":"Aino Virtanen","phones":[{"number":"040 123 4567","region":"FI"}]}`, nil)
		if r.status != http.StatusCreated || !strings.Contains(r.body, `"+358401234567"`) {
			t.Fatalf("explicit region: %d %s", r.status, r.body)
		}
		// Search finds the number however it is typed.
		for _, q := range []string{"0532 111 22 33", "+90 532 111 2233", "۰۵۳۲۱۱۱۲۲۳۳"} {
			var page pageJSON
			ac.call("GET", "/people?q="+url.QueryEscape(q), nil, &page)
			if len(page.Items) != 1 || page.Items[0].ID != p.ID {
				t.Errorf("search %q: %v", q, names(page))
			}
		}
		// A dry run of an import reads them the same way.
		r = do(t, ac.c, "POST", ac.base+"/imports/dry-run", strings.NewReader("name,phone\nMehmet Demir,0533 222 33 44\n"),
			map[string]string{"Authorization": "Bearer " + ac.tok, "Content-Type": "text/csv"})
		if r.status != 200 || !strings.Contains(r.body, `"valid":1`) {
			t.Fatalf("import dry run: %d %s", r.status, r.body)
		}
		// The web form preselects the region.
		r = do(t, c, "GET", ta.srv.URL+"/people/new", nil, nil)
		if !strings.Contains(r.body, `<option value="TR" selected>`) {
			t.Fatalf("person form: %.4000s", r.body)
		}

		// Only admins reach the page.
		agent := ta.signIn(t, "agent@example.org")
		if r = do(t, agent, "GET", u, nil, nil); r.status != http.StatusForbidden {
			t.Fatalf("agent: %d", r.status)
		}
	})
}
