package app

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/testutil/browser"
)

// TestBrowserPeople works the people pages in a real Chromium: a Japanese
// user creates a person with a Japanese name, finds them by typing two
// characters in the search box (htmx swaps the results), records consent and a
// note; then a Persian user's profile page is laid out right to left.
func TestBrowserPeople(t *testing.T) {
	bctx := browser.New(t)
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	ctx := sysCtx()
	for _, u := range []auth.NewUser{
		{Email: "tanaka@example.jp", Name: "田中 一郎", Role: auth.RoleAgent, Locale: "ja", Password: testPassword},
		{Email: "rezaei@example.ir", Name: "نگار رضایی", Role: auth.RoleManager, Locale: "fa", Password: testPassword},
	} {
		if _, err := ta.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// Someone else in the list, so the search has something to leave out.
	other, err := ta.People.CreatePerson(ctx, people.NewPerson{
		PersonInput: people.PersonInput{GivenName: "مریم", FamilyName: "احمدی", Language: "fa"},
		Contacts:    []people.ContactInput{{Kind: people.Email, Value: "maryam@example.ir"}, {Kind: people.Phone, Value: "۰۹۱۲ ۳۴۵ ۶۷۸۹", PhoneRegion: "IR"}},
		Roles:       []people.RoleInput{{Role: people.RoleVolunteer, Start: people.NewDate(2017, 3, 1)}, {Role: people.RoleDonor, Start: people.NewDate(2024, 9, 1)}},
		Tags:        []string{"نیکوکار"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.People.AddNote(ctx, other.ID, people.NoteInput{Body: "در جمع\u200cآوری کمک\u200cهای زمستانی یاری کرد."}); err != nil {
		t.Fatal(err)
	}
	if err := ta.People.SetConsent(ctx, other.ID, people.ConsentInput{Channel: people.ChannelEmail, Purpose: people.PurposeNewsletter, Status: people.OptIn, Source: "web_form"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.People.AddSpecialRequest(ctx, other.ID, "به اتاق مناسب ویلچر نیاز دارد."); err != nil {
		t.Fatal(err)
	}
	ja := ta.Bundle.Localizer("ja")

	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancelT := context.WithTimeout(tctx, 60*time.Second)
	defer cancelT()
	signIn := func(email string) {
		t.Helper()
		if err := chromedp.Do(tctx,
			chromedp.Navigate(ta.srv.URL+"/signin"),
			chromedp.WaitVisible("#email"),
			chromedp.SendKeys("#email", email),
			chromedp.SendKeys("#password", testPassword),
			chromedp.Click("#signin-submit"),
			chromedp.WaitVisible(`.userbox a[href="/settings"]`),
		); err != nil {
			t.Fatal(err)
		}
	}

	// A Japanese user creates a person with a Japanese name.
	signIn("tanaka@example.jp")
	err = chromedp.Do(tctx,
		chromedp.Navigate(ta.srv.URL+"/people/new"),
		chromedp.WaitVisible("#p-family"),
		chromedp.SendKeys("#p-family", "桜井"),
		chromedp.SendKeys("#p-given", "美咲"),
		chromedp.SendKeys("#p-language", "ja"),
		chromedp.SendKeys("#p-email", "misaki@example.jp"),
		chromedp.Click("#person-save"),
		chromedp.WaitVisible("#person-name"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h1, err := chromedp.Run(tctx, chromedp.Text("#person-name")); err != nil || h1 != "桜井 美咲" {
		t.Fatalf("profile heading %q (%v)", h1, err)
	}
	if g, _ := chromedp.Run(tctx, chromedp.Text("#greeting-name")); g != "桜井" {
		t.Fatalf("greeting name %q, want the family name", g)
	}

	// Search as you type: two characters, the results swap in without a reload.
	err = chromedp.Do(tctx,
		chromedp.Navigate(ta.srv.URL+"/people"),
		chromedp.WaitVisible("#people-q"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`window.__notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.SendKeys("#people-q", "桜井")); err != nil {
		t.Fatal(err)
	}
	found, err := chromedp.Run(tctx, chromedp.Poll[bool](`(() => {
		const links = [...document.querySelectorAll("#people-results a.person-link")].map(a => a.textContent.trim());
		return links.length === 1 && links[0] === "桜井 美咲";
	})()`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !found {
		list, _ := chromedp.Run(tctx, chromedp.Text("#people-results"))
		t.Fatalf("search as you type: %v; results: %s", err, list)
	}
	browser.Screenshot(t, tctx, "people-list-ja")
	state, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(window.__notReloaded === true) + "|" + decodeURIComponent(location.search)`))
	if err != nil || state != "true|?q=桜井" {
		t.Fatalf("page reloaded or URL not pushed: %q (%v)", state, err)
	}

	// Open the profile from the results with the keyboard, record consent and a note.
	err = chromedp.Do(tctx,
		chromedp.Focus("#people-results a.person-link"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible("#consent-edit"),
		chromedp.Click("#consent-edit summary"),
		chromedp.WaitVisible("#cs-channel"),
		chromedp.SetValue("#cs-channel", "email"),
		chromedp.SetValue("#cs-purpose", "newsletter"),
		chromedp.Click("#cs-status-opt_in"),
		chromedp.Click("#consent-save"),
		chromedp.WaitVisible("#consent-table"),
	)
	if err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(tctx, chromedp.Text("#consent-table tbody tr"))
	if err != nil || !strings.Contains(row, ja.T("people.purpose.newsletter")) || !strings.Contains(row, ja.T("people.consent.opt_in")) {
		t.Fatalf("consent row %q (%v)", row, err)
	}
	note := "来週の火曜日に電話で確認する。"
	err = chromedp.Do(tctx,
		chromedp.SendKeys("#note-body", note),
		chromedp.Click("#note-save"),
		chromedp.WaitVisible("#timeline-list .event-note"),
	)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := chromedp.Run(tctx, chromedp.Text("#timeline-list"))
	if err != nil || !strings.Contains(tl, note) || !strings.Contains(tl, "田中 一郎") {
		t.Fatalf("timeline %q (%v)", tl, err)
	}
	if err := chromedp.Do(tctx, chromedp.Click(`form[action="/signout"] button`), chromedp.WaitVisible("#email")); err != nil {
		t.Fatal(err)
	}

	// A Persian user's profile page is right to left, side column on the right.
	signIn("rezaei@example.ir")
	if err := chromedp.Do(tctx, chromedp.Navigate(ta.srv.URL+personURLFor(other.ID)), chromedp.WaitVisible("#timeline-list")); err != nil {
		t.Fatal(err)
	}
	layout, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(() => {
		const side = document.querySelector(".profile-side").getBoundingClientRect();
		const main = document.querySelector(".profile-main").getBoundingClientRect();
		return [document.documentElement.dir, getComputedStyle(document.querySelector(".profile-side")).direction,
			side.left > main.left, document.documentElement.scrollWidth <= window.innerWidth,
			document.querySelector("#person-name").textContent.trim()].join("|");
	})()`))
	if err != nil || layout != "rtl|rtl|true|true|مریم احمدی" {
		t.Fatalf("persian profile layout %q (%v)", layout, err)
	}
	// "Supporter since" in the Solar Hijri calendar (March 2017 is Esfand 1395)
	// and Persian digits; a year is not grouped like a number.
	if sup, _ := chromedp.Run(tctx, chromedp.Text("#supporter-since")); !strings.Contains(sup, "اسفند ۱۳۹۵") {
		t.Fatalf("supporter since %q", sup)
	}
	// Latin e-mail addresses keep their own direction inside the RTL page.
	if dir, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector('#contacts a[href^="mailto:"]').getAttribute("dir")`)); dir != "ltr" {
		t.Fatalf("e-mail direction %q", dir)
	}
	browser.Screenshot(t, tctx, "people-profile-fa-rtl")
	if _, err := os.Stat(browser.ArtifactDir(t) + "/people-profile-fa-rtl.png"); err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
}

func personURLFor(id int64) string { return "/people/" + itoa(id) }
