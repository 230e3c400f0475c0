package app

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// TestPeopleSearchLanguage: the language filter combines with the search
// text in the API (ranked, best match first) and in the list page, on both
// backends; a tag that is not a language is a field error.
func TestPeopleSearchLanguage(t *testing.T) {
	dbtest.Run(t, Modules(), func(t *testing.T, d *db.DB) {
		ta := newTestApp(t, d)
		ac := apiClient{t: t, c: ta.client(t), base: ta.srv.URL + "/api/v1", tok: ta.token(t, ta.adminEmail)}
		for _, p := range []map[string]any{
			{"given_name": "مریم", "family_name": "کریمی", "language": "fa"},
			{"given_name": "Maryam", "family_name": "Karimi", "language": "fa-IR"},
			{"given_name": "Maryam", "family_name": "Karimova", "language": "tr"},
			{"given_name": "Mary", "family_name": "Smith", "language": "en"},
		} {
			if r := ac.call("POST", "/people", p, nil); r.status != http.StatusCreated {
				t.Fatalf("create %v: %d %s", p, r.status, r.body)
			}
		}
		var page pageJSON
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"q=karim&language=fa", []string{"Maryam Karimi"}},
			{"q=karim", []string{"Maryam Karimi", "Maryam Karimova"}},
			{"q=" + url.QueryEscape("کریمی") + "&language=fa", []string{"مریم کریمی"}},
			{"q=mar&language=fa-IR", []string{"Maryam Karimi"}},
			{"q=mar&language=en", []string{"Mary Smith"}},
			{"q=mar&language=ja", nil},
			{"language=fa", []string{"Maryam Karimi", "مریم کریمی"}},
		} {
			if r := ac.call("GET", "/people?"+c.query, nil, &page); r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", c.query, r.status, r.body)
			}
			got, want := names(page), c.want
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s = %q, want %q", c.query, got, want)
			}
		}
		r := ac.call("GET", "/people?q=mar&language="+url.QueryEscape("not a tag"), nil, nil)
		if e := decode[errJSON](t, r); r.status != http.StatusUnprocessableEntity || e.Error.Fields["language"] == "" {
			t.Fatalf("bad language: %d %s", r.status, r.body)
		}

		// The list page: search text and the language select together.
		c := ta.signIn(t, ta.adminEmail)
		r = do(t, c, "GET", ta.srv.URL+"/people?q=maryam&lang=tr", nil, map[string]string{"HX-Request": "true", "HX-Target": "people-results"})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Maryam Karimova") || strings.Contains(r.body, "Maryam Karimi<") {
			t.Fatalf("list q+lang: %d %.3000s", r.status, r.body)
		}
		if push := r.header.Get("HX-Push-Url"); push != "/people?lang=tr&q=maryam" {
			t.Errorf("pushed %q", push)
		}
	})
}
