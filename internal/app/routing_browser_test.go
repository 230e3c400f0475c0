package app

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/notify"
	"github.com/hearken-org/hearken/internal/testutil/browser"
)

// TestBrowserAvailabilityAndBadge: in a real Chromium, an agent sees the
// unread badge in the header, sets their availability with the header's
// picker (submitted by app.js, no inline script), and the Persian queue page
// is laid out right-to-left without overflowing.
func TestBrowserAvailabilityAndBadge(t *testing.T) {
	bctx := browser.New(t)
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	ctx := auth.WithActor(context.Background(), auth.SystemActor("test"))
	u, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: "agent-fa@example.org", Name: "نگار", Role: auth.RoleAgent, Locale: "fa", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Notify.Send(ctx, []int64{u.ID}, notify.Message{Kind: "inbox.assigned", TitleKey: "notify.title.assigned",
		Args: map[string]any{"Reference": "HK-1", "Subject": "سلام"}, Link: "/inbox/1"}); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancelT := context.WithTimeout(tctx, 30*time.Second)
	defer cancelT()
	err = chromedp.Do(tctx,
		chromedp.Navigate(ta.srv.URL+"/signin"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "agent-fa@example.org"),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Click("#signin-submit"),
		chromedp.WaitVisible(`#notify-badge .count`),
		chromedp.Navigate(ta.srv.URL+"/inbox/queues"),
		chromedp.WaitVisible(`#availability-select`),
		chromedp.SetValue(`#availability-select`, "online"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// chromedp fires the change event, which submits the form (app.js).
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := ta.Inbox.AgentStatusOf(auth.WithActor(context.Background(), auth.ActorFor(u, nil)), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Availability == "online" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("availability still %s", st.Availability)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := chromedp.Do(tctx, chromedp.WaitVisible(`#queues`)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.documentElement.dir + "|" + document.querySelector("#notify-badge .count").textContent + "|" + (document.documentElement.scrollWidth > window.innerWidth)`))
	if err != nil {
		t.Fatal(err)
	}
	if got != "rtl|۱|false" {
		t.Fatalf("page state %q, want rtl, a Persian 1 on the badge, no overflow", got)
	}
	browser.Screenshot(t, tctx, "queues-fa-rtl")
}
