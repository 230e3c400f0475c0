package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/testutil/browser"
)

// TestBrowserContactForm fills the Persian contact form in a real
// Chromium (right-to-left, honeypot invisible, the timing token honoured),
// then the embeddable form inside an iframe of another site.
func TestBrowserContactForm(t *testing.T) {
	bctx := browser.New(t)
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	if _, err := ta.Inbox.CreateMailbox(sysCtx(), inbox.MailboxInput{Address: "help@example.org"}); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancelT := context.WithTimeout(tctx, 45*time.Second)
	defer cancelT()
	if err := chromedp.Do(tctx, chromedp.Navigate(ta.srv.URL+"/contact?lang=fa"), chromedp.WaitVisible("#cf-name")); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.documentElement.dir + "|" + getComputedStyle(document.querySelector("form.contact-form")).direction + "|" + (document.querySelector("#cf-hp").offsetParent === null)`))
	if err != nil || state != "rtl|rtl|true" {
		t.Fatalf("page state %q (%v)", state, err)
	}
	browser.Screenshot(t, tctx, "contact-fa-rtl")
	time.Sleep(3 * time.Second) // a person takes a moment; the token refuses less
	err = chromedp.Do(tctx,
		chromedp.SendKeys("#cf-name", "مریم رضایی"),
		chromedp.SendKeys("#cf-email", "maryam@example.ir"),
		chromedp.SendKeys("#cf-message", "سلام، می\u200cخواهم داوطلب شوم."),
		chromedp.Click(`form.contact-form button[type="submit"]`),
		chromedp.WaitVisible(`section[role="status"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	thanks, err := chromedp.Run(tctx, chromedp.Text("main"))
	if err != nil || !strings.Contains(thanks, "HK-1") {
		t.Fatalf("thanks page %q (%v)", thanks, err)
	}

	// Another site embeds the form; it loads in the frame and submits there.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>Harbor Light</title><iframe id="f" src="%s/contact/embed?lang=ja" width="600" height="900"></iframe>`, ta.srv.URL)
	}))
	defer site.Close()
	if err := chromedp.Do(tctx, chromedp.Navigate(site.URL)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.WaitVisible("iframe#f")); err != nil {
		t.Fatal(err)
	}
	frames, err := chromedp.Run(tctx, chromedp.Nodes("iframe#f"))
	if err != nil || len(frames) != 1 {
		t.Fatalf("iframe: %v", err)
	}
	in := chromedp.FromNode(frames[0])
	time.Sleep(3 * time.Second)
	err = chromedp.Do(tctx,
		chromedp.WaitVisible("#cf-name", in), // framing allowed: the form renders
		chromedp.SendKeys("#cf-name", "森 健二", in),
		chromedp.SendKeys("#cf-email", "kenji@example.jp", in),
		chromedp.SendKeys("#cf-message", "寄付について質問があります。", in),
		chromedp.Click(`form.contact-form button[type="submit"]`, in),
	)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, err := ta.Inbox.ListConversations(sysCtx(), inbox.Filter{View: "all"}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the embedded form's message never arrived (%d conversations)", len(page.Items))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
