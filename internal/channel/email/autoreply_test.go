package email

import (
	"strings"
	"testing"
)

func TestClassifyAuto(t *testing.T) {
	tests := []struct {
		name    string
		headers string // extra header lines
		body    string // body including Content-Type when needed
		want    AutoKind
		reason  string
	}{
		{"person", "", "", AutoNone, ""},
		{"auto-submitted no", "Auto-Submitted: no\n", "", AutoNone, ""},
		{"auto-replied", "Auto-Submitted: auto-replied\n", "", AutoReply, "Auto-Submitted: auto-replied"},
		{"auto-replied with params", "Auto-Submitted: Auto-Replied; owner-email=\"jo@x.org\"\n", "", AutoReply, "Auto-Submitted: auto-replied"},
		{"auto-generated", "Auto-Submitted: auto-generated\n", "", AutoReply, "Auto-Submitted: auto-generated"},
		{"auto-notified", "Auto-Submitted: auto-notified (comment)\n", "", AutoReply, "Auto-Submitted: auto-notified"},
		{"x-autoreply", "X-Autoreply: yes\n", "", AutoReply, "X-Autoreply"},
		{"x-autorespond", "X-Autorespond: Vacation\n", "", AutoReply, "X-Autorespond"},
		{"x-autoreply no", "X-Autoreply: no\n", "", AutoNone, ""},
		{"precedence auto_reply", "Precedence: auto_reply\n", "", AutoReply, "Precedence: auto_reply"},
		{"x-auto-response-suppress all", "X-Auto-Response-Suppress: All\n", "", AutoReply, "X-Auto-Response-Suppress: All"},
		{"x-auto-response-suppress oof", "X-Auto-Response-Suppress: DR, OOF, AutoReply\n", "", AutoReply, "X-Auto-Response-Suppress: DR, OOF, AutoReply"},
		{"x-auto-response-suppress receipts only", "X-Auto-Response-Suppress: DR, RN, NRN\n", "", AutoNone, ""},
		{"precedence bulk", "Precedence: bulk\n", "", AutoBulk, "Precedence: bulk"},
		{"precedence junk", "Precedence: JUNK\n", "", AutoBulk, "Precedence: junk"},
		{"precedence list", "Precedence: list\n", "", AutoBulk, "Precedence: list"},
		{"list-id", "List-Id: <news.example.org>\n", "", AutoBulk, "List-Id"},
		{"list-unsubscribe", "List-Unsubscribe: <https://example.org/u>\n", "", AutoBulk, "List-Unsubscribe"},
		{"out-of-office through a list", "Auto-Submitted: auto-replied\nList-Id: <x>\n", "", AutoReply, "Auto-Submitted: auto-replied"},
		{"auto-generated newsletter", "Auto-Submitted: auto-generated\nList-Unsubscribe: <mailto:u@x>\n", "", AutoBulk, "List-Unsubscribe"},
		{"null return path", "Return-Path: <>\n", "", AutoReply, "null Return-Path"},
		{"null return path spaced", "Return-Path: < >\n", "", AutoReply, "null Return-Path"},
		{"normal return path", "Return-Path: <jo@example.org>\n", "", AutoNone, ""},
		{"mailer-daemon sender", "From: MAILER-DAEMON@mx.example.org\n", "", AutoBounce, "sender mailer-daemon"},
		{"postmaster sender", "From: Postmaster <postmaster@example.org>\n", "", AutoBounce, "sender postmaster"},
		{"bare mailer-daemon", "From: Mail Delivery Subsystem <MAILER-DAEMON>\n", "", AutoBounce, "sender mailer-daemon"},
		{"x-failed-recipients", "X-Failed-Recipients: gone@example.net\n", "", AutoBounce, "X-Failed-Recipients"},
		{
			"dsn", "Return-Path: <>\n",
			"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n\nfailed\n--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b.org\nAction: failed\nStatus: 5.0.0\n--r--\n",
			AutoBounce, "multipart/report; report-type=delivery-status",
		},
		{
			"delivery-status part without report type", "",
			"Content-Type: multipart/mixed; boundary=r\n\n--r\n\nfailed\n--r--\n",
			AutoNone, "",
		},
		{
			"read receipt", "",
			"Content-Type: multipart/report; report-type=disposition-notification; boundary=r\n\n--r\n\nread\n--r--\n",
			AutoReply, "read receipt (disposition-notification)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.headers
			if !strings.Contains(raw, "From:") {
				raw += "From: Jo <jo@example.org>\n"
			}
			raw += "Subject: test\n"
			if tt.body == "" {
				raw += "\nhello\n"
			} else {
				raw += tt.body
			}
			m := mustParse(t, raw)
			if m.Auto != tt.want || m.AutoReason != tt.reason {
				t.Errorf("got %v %q, want %v %q", m.Auto, m.AutoReason, tt.want, tt.reason)
			}
		})
	}
}

func TestClassifyAutoBareMessage(t *testing.T) {
	if k, _ := ClassifyAuto(&Message{}); k != AutoNone {
		t.Errorf("empty message: %v", k)
	}
	for k, s := range map[AutoKind]string{AutoNone: "none", AutoReply: "auto-reply", AutoBounce: "bounce", AutoBulk: "bulk", 9: "unknown"} {
		if k.String() != s {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
}

func TestParseDeliveryStatus(t *testing.T) {
	ds := parseDeliveryStatus([]byte("Reporting-MTA: dns; mx.example.org\r\n\r\n" +
		"Final-Recipient: rfc822; A@Example.NET\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 no such\r\n user\r\n\r\n" +
		"Original-Recipient: rfc822; b@example.net\r\nAction: Delayed\r\nStatus: 4.4.1 (timeout)\r\n\r\n\r\n" +
		"X-Junk: no recipient here\r\n"))
	if ds.ReportingMTA != "mx.example.org" || len(ds.Recipients) != 2 {
		t.Fatalf("%+v", ds)
	}
	want := []DSNRecipient{
		{Email: "A@example.net", Action: "failed", Status: "5.1.1", Diagnostic: "550 no such user"},
		{Email: "b@example.net", Action: "delayed", Status: "4.4.1"},
	}
	for i, r := range ds.Recipients {
		if r != want[i] {
			t.Errorf("recipient %d = %+v, want %+v", i, r, want[i])
		}
	}
	// Garbage never loops or panics.
	for _, in := range []string{"", "\n\n\n", "no colon line\n\nagain", "Final-Recipient: x\n"} {
		parseDeliveryStatus([]byte(in))
	}
}
