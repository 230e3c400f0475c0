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
	"github.com/hearken-org/hearken/internal/testutil/browser"
)

// TestBrowserSignIn signs in through a real headless Chromium in all six
// languages and checks the Persian pages are laid out right-to-left.
func TestBrowserSignIn(t *testing.T) {
	bctx := browser.New(t)
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	ctx := auth.WithActor(context.Background(), auth.SystemActor("test"))
	welcome := map[string]string{}
	for _, lang := range []string{"en", "tr", "fr", "fi", "ja", "fa"} {
		email := "staff-" + lang + "@example.org"
		if _, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: email, Name: "Staff " + strings.ToUpper(lang), Role: auth.RoleAgent, Locale: lang, Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		welcome[lang] = ta.Bundle.Localizer(lang).T("home.welcome", "Name", "Staff "+strings.ToUpper(lang))
	}

	for _, lang := range []string{"en", "tr", "fr", "fi", "ja", "fa"} {
		t.Run(lang, func(t *testing.T) {
			tctx, cancel := chromedp.NewContext(bctx) // a new tab, with the browser's shared cookie store
			defer cancel()
			tctx, cancelT := context.WithTimeout(tctx, 30*time.Second)
			defer cancelT()
			err := chromedp.Do(tctx,
				chromedp.Navigate(ta.srv.URL+"/signin"),
				chromedp.WaitVisible("#email"),
				chromedp.SendKeys("#email", "staff-"+lang+"@example.org"),
				chromedp.SendKeys("#password", testPassword),
				chromedp.Click("#signin-submit"),
				chromedp.WaitVisible(`.userbox a[href="/settings"]`),
			)
			if err != nil {
				t.Fatal(err)
			}
			h1, err := chromedp.Run(tctx, chromedp.Text("main h1"))
			if err != nil {
				t.Fatal(err)
			}
			if h1 != welcome[lang] {
				t.Fatalf("heading %q, want %q", h1, welcome[lang])
			}
			dir, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.documentElement.dir + "|" + document.documentElement.lang + "|" + getComputedStyle(document.querySelector("header.top")).direction`))
			if err != nil {
				t.Fatal(err)
			}
			// Nothing pushes the page sideways (an off-screen offset would, in RTL).
			overflow, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if err != nil || overflow {
				t.Fatalf("page wider than the window (%v)", err)
			}
			want := "ltr|" + lang + "|ltr"
			if lang == "fa" {
				want = "rtl|fa|rtl"
				// The brand sits at the right edge in a right-to-left page.
				pos, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelector(".brand").getBoundingClientRect(); return b.left > window.innerWidth / 2; })()`))
				if err != nil || !pos {
					t.Fatalf("brand not on the right in RTL (%v)", err)
				}
				browser.Screenshot(t, tctx, "home-fa-rtl")
			}
			if dir != want {
				t.Fatalf("direction %q, want %q", dir, want)
			}
			// Sign out again so the next language starts signed out.
			if err := chromedp.Do(tctx, chromedp.Click(`form[action="/signout"] button`), chromedp.WaitVisible("#email")); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := os.Stat(browser.ArtifactDir(t) + "/home-fa-rtl.png"); err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
}
