package app

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/testutil/browser"
)

// browserSignIn signs a tab in.
func browserSignIn(t *testing.T, tctx context.Context, base, email string) {
	t.Helper()
	if err := chromedp.Do(tctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", email),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Click("#signin-submit"),
		chromedp.WaitVisible(`.userbox a[href="/settings"]`),
	); err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
}

func pollTrue(t *testing.T, tctx context.Context, what, expr string) {
	t.Helper()
	ok, err := chromedp.Run(tctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil || !ok {
		body, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText.slice(0, 1500) : ""`))
		t.Fatalf("%s: %v\npage: %s", what, err, body)
	}
}

// TestBrowserInboxPersianCanned: a Persian-speaking agent answers a Persian
// conversation with a canned response, picked by its shortcut; the reply is
// filled in Persian with the person's name and tenure, right to left, and
// the sent answer shows right to left too.
func TestBrowserInboxPersianCanned(t *testing.T) {
	bctx := browser.New(t)
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	ctx := sysCtx()
	if _, err := ta.Auth.CreateUser(ctx, auth.NewUser{Email: "leila@example.ir", Name: "لیلا محمدی", Role: auth.RoleAgent, Locale: "fa", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.People.CreatePerson(ctx, people.NewPerson{
		PersonInput: people.PersonInput{GivenName: "مریم", FamilyName: "احمدی", Language: "fa"},
		Contacts:    []people.ContactInput{{Kind: people.Email, Value: "maryam@example.ir"}},
		Roles:       []people.RoleInput{{Role: people.RoleDonor, Start: people.NewDate(2017, 3, 1)}},
	}); err != nil {
		t.Fatal(err)
	}
	raw := "From: =?UTF-8?B?2YXYsduM2YUg2KfYrdmF2K/bjA==?= <maryam@example.ir>\r\nTo: help@example.org\r\n" +
		"Subject: =?UTF-8?B?2LHYs9uM2K8g2qnZhdqpINmF2KfZhNuM?=\r\nMessage-ID: <fa-canned-1@example.ir>\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0330\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\nسلام، رسید کمک مالی ماه گذشته به دستم نرسید. لطفاً دوباره بفرستید. سپاس\r\n"
	res, err := ta.Inbox.Ingest(ctx, []byte(raw), inbox.Envelope{From: "maryam@example.ir", To: []string{"help@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Inbox.SaveCanned(ctx, 0, inbox.CannedInput{Title: "Receipt resent", Shortcut: "receipt", Variants: []inbox.CannedVariant{
		{Language: "en", Body: "Dear {{greeting_name}}, we have sent your receipt again ({{reference}}). {{tenure}}."},
		{Language: "fa", Title: "ارسال دوبارهٔ رسید", Body: "{{greeting_name}} عزیز، رسید شما دوباره فرستاده شد ({{reference}}). {{tenure}}؛ از همراهی شما سپاسگزاریم."},
	}}); err != nil {
		t.Fatal(err)
	}
	// Another canned response, which the search must leave out.
	if _, err := ta.Inbox.SaveCanned(ctx, 0, inbox.CannedInput{Title: "Volunteering", Shortcut: "volunteer",
		Variants: []inbox.CannedVariant{{Language: "en", Body: "Thank you for offering your time."}}}); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(res.ConversationID, 10)
	ref := "HK-" + id

	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancelT := context.WithTimeout(tctx, 90*time.Second)
	defer cancelT()
	browserSignIn(t, tctx, ta.srv.URL, "leila@example.ir")
	// Keyboard: j selects the first row of the list, o opens it; ? shows the
	// help, Escape hides it, r goes to the reply box.
	if err := chromedp.Do(tctx,
		chromedp.Navigate(ta.srv.URL+"/inbox?view=all"),
		chromedp.WaitVisible("tr.inbox-row"),
		chromedp.KeyEvent("j"),
	); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, tctx, "j selects a row", `document.querySelectorAll("tr.inbox-row.kbd-current").length === 1`)
	if err := chromedp.Do(tctx, chromedp.KeyEvent("o"), chromedp.WaitVisible("#canned-q"), chromedp.KeyEvent("?")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, tctx, "? shows the help", `!document.querySelector("#kbd-help").hidden`)
	if err := chromedp.Do(tctx, chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent("r")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, tctx, "r goes to the reply", `document.querySelector("#kbd-help").hidden && document.activeElement.id === "reply-text" && location.pathname === "/inbox/`+id+`"`)
	if err := chromedp.Do(tctx, chromedp.SendKeys("#canned-q", "/receipt")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, tctx, "search narrows the canned responses", `document.querySelectorAll("#canned-results a.canned-pick").length === 1 &&
		document.querySelector("#canned-results a.canned-pick").textContent.includes("/receipt") &&
		document.querySelector("#canned-results a.canned-pick")["htmx-internal-data"] !== undefined`)
	// htmx has bound the link (above), so the click swaps the reply box in
	// place: the page is not reloaded (window.__stay survives).
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`window.__stay = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.Click("#canned-results a.canned-pick"), chromedp.WaitVisible("#reply-text")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, tctx, "the reply box is filled in place", `window.__stay === true && document.querySelector("#reply-text").value.includes("مریم عزیز")`)
	got, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(() => {
		const r = document.querySelector("#reply-text");
		const m = document.querySelector("#m`+strconv.FormatInt(res.MessageID, 10)+` .inbox-message-text");
		return [r.getAttribute("dir"), getComputedStyle(r).direction, r.getAttribute("lang"),
			m.getAttribute("dir"), getComputedStyle(m).direction, document.documentElement.dir, r.value].join("|");
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(got, "|", 7)
	if len(parts) != 7 || parts[0] != "rtl" || parts[1] != "rtl" || parts[2] != "fa" || parts[3] != "rtl" || parts[4] != "rtl" || parts[5] != "rtl" {
		t.Fatalf("directions (reply dir, computed, lang, message dir, computed, page): %q", got)
	}
	text := parts[6]
	for _, want := range []string{"مریم عزیز", "حامی از اسفند ۱۳۹۵", ref, "سپاسگزاریم"} {
		if !strings.Contains(text, want) {
			t.Errorf("filled reply %q lacks %q", text, want)
		}
	}
	browser.Screenshot(t, tctx, "inbox-canned-reply-fa")

	// Send it: the answer appears in the thread, right to left.
	if err := chromedp.Do(tctx, chromedp.Click("#reply-send"), chromedp.WaitVisible("li.direction-out .inbox-message-text")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, tctx, "the reply is in the thread", `(() => {
		const m = document.querySelector("li.direction-out .inbox-message-text");
		return !!m && m.textContent.includes("مریم عزیز") && m.getAttribute("dir") === "rtl" && getComputedStyle(m).direction === "rtl";
	})()`)
	browser.Screenshot(t, tctx, "inbox-canned-sent-fa")
	d, err := ta.Inbox.GetConversation(ctx, res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Messages[len(d.Messages)-1]
	if last.Direction != inbox.DirectionOut || !strings.Contains(last.Text, "حامی از اسفند ۱۳۹۵") || last.Language != "fa" {
		t.Fatalf("stored reply %s %q %q", last.Direction, last.Language, last.Text)
	}
}

// TestBrowserInboxCollision: two agents open the same conversation in two
// browser contexts; each sees the other viewing, one sees the other typing,
// and a reply sent after the other's is held back with a warning showing
// the new message until confirmed.
func TestBrowserInboxCollision(t *testing.T) {
	bctx := browser.New(t)
	ta := newTestApp(t, dbtest.SQLite(t, Modules()))
	ctx := sysCtx()
	for _, u := range []auth.NewUser{
		{Email: "anna@example.org", Name: "Anna Korhonen", Role: auth.RoleAgent, Locale: "en", Password: testPassword},
		{Email: "bruno@example.org", Name: "Bruno Costa", Role: auth.RoleAgent, Locale: "en", Password: testPassword},
	} {
		if _, err := ta.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ta.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
		t.Fatal(err)
	}
	raw := "From: Sam Lee <sam@example.com>\r\nTo: help@example.org\r\nSubject: Gala tickets\r\nMessage-ID: <collision-1@example.com>\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCan I still buy two tickets for the gala?\r\n"
	res, err := ta.Inbox.Ingest(ctx, []byte(raw), inbox.Envelope{From: "sam@example.com", To: []string{"help@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	url := ta.srv.URL + "/inbox/" + strconv.FormatInt(res.ConversationID, 10)
	en := ta.Bundle.Localizer("en")

	tab := func() context.Context {
		c, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext()) // its own cookies: another agent
		t.Cleanup(cancel)
		c, cancelT := context.WithTimeout(c, 90*time.Second)
		t.Cleanup(cancelT)
		return c
	}
	a, b := tab(), tab()
	browserSignIn(t, a, ta.srv.URL, "anna@example.org")
	browserSignIn(t, b, ta.srv.URL, "bruno@example.org")
	for _, c := range []context.Context{a, b} {
		if err := chromedp.Do(c, chromedp.Navigate(url), chromedp.WaitVisible("#reply-text")); err != nil {
			t.Fatal(err)
		}
	}
	pollTrue(t, a, "Anna sees Bruno viewing", `document.querySelector("#presence").textContent.includes(`+jsString(en.T("inboxui.presence.viewing", "Names", "Bruno Costa"))+`)`)
	pollTrue(t, b, "Bruno sees Anna viewing", `document.querySelector("#presence").textContent.includes(`+jsString(en.T("inboxui.presence.viewing", "Names", "Anna Korhonen"))+`)`)

	// Both write; Anna sees that Bruno is typing.
	if err := chromedp.Do(b, chromedp.SendKeys("#reply-text", "Yes, two tickets are reserved for you.")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(a, chromedp.SendKeys("#reply-text", "I will check and get back to you.")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, a, "Anna sees Bruno typing", `document.querySelector("#presence").textContent.includes(`+jsString(en.T("inboxui.presence.typing", "Names", "Bruno Costa"))+`)`)
	browser.Screenshot(t, a, "inbox-collision-typing")

	// Bruno sends first; Anna's reply is held back with Bruno's answer shown.
	if err := chromedp.Do(b, chromedp.Click("#reply-send"), chromedp.WaitVisible("li.direction-out .inbox-message-text")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, b, "Bruno's reply is in the thread", `[...document.querySelectorAll("li.direction-out .inbox-message-text")].some(m => m.textContent.includes("two tickets are reserved"))`)
	if err := chromedp.Do(a, chromedp.Click("#reply-send"), chromedp.WaitVisible("#collision-warning")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, a, "Anna gets the collision warning, naming Bruno", `(() => {
		const w = document.querySelector("#collision-warning");
		return !!w && w.textContent.includes("two tickets are reserved") && w.textContent.includes("Bruno Costa") &&
			document.querySelector("#reply-text").value.includes("I will check") &&
			document.querySelector("#reply-send").textContent.trim() === `+jsString(en.T("inboxui.collision.send_anyway"))+`;
	})()`)
	browser.Screenshot(t, a, "inbox-collision-warning")
	d, err := ta.Inbox.GetConversation(ctx, res.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Messages); n != 2 {
		t.Fatalf("%d messages after the held-back reply, want 2", n)
	}
	// Anna confirms: her reply goes out too.
	if err := chromedp.Do(a, chromedp.Click("#reply-send"), chromedp.WaitNotPresent("#collision-warning")); err != nil {
		t.Fatal(err)
	}
	pollTrue(t, a, "Anna's reply is sent", `[...document.querySelectorAll("li.direction-out .inbox-message-text")].some(m => m.textContent.includes("I will check"))`)
	if d, err = ta.Inbox.GetConversation(ctx, res.ConversationID); err != nil || len(d.Messages) != 3 {
		t.Fatalf("%d messages, want 3 (%v)", len(d.Messages), err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return strconv.Quote(s)
}
