package email

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, raw string) *Message {
	t.Helper()
	m, err := Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, m)
	return m
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		lim  Limits
		want error
	}{
		{"empty", "", Limits{}, ErrMalformed},
		{"whitespace", " \r\n\r\n", Limits{}, ErrMalformed},
		{"blank header", "\r\n\r\nbody", Limits{}, ErrMalformed},
		{"no header", "just some text\nand more\n", Limits{}, ErrMalformed},
		{"too large", "Subject: x\n\n" + strings.Repeat("a", 100), Limits{MaxBytes: 50}, ErrTooLarge},
		{"too many parts", "Content-Type: multipart/mixed; boundary=b\n\n" +
			strings.Repeat("--b\n\npart\n", 10) + "--b--\n", Limits{MaxParts: 5}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.raw), tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if m != nil {
				t.Error("message returned with error")
			}
		})
	}
}

func TestParseLimitsAtBoundary(t *testing.T) {
	raw := "Subject: x\n\nbody"
	if _, err := Parse(strings.NewReader(raw), Limits{MaxBytes: int64(len(raw))}); err != nil {
		t.Fatalf("message of exactly MaxBytes refused: %v", err)
	}
	raw = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n--b--\n"
	if _, err := Parse(strings.NewReader(raw), Limits{MaxParts: 3}); err != nil {
		t.Fatalf("3 entities with MaxParts 3 refused: %v", err)
	}
}

func TestParseOmitsLargeAttachment(t *testing.T) {
	raw := "Subject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nsee attached\n--b\n" +
		"Content-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n" +
		b64Body(bytes.Repeat([]byte{7}, 3000)) + "--b--\n"
	m, err := Parse(strings.NewReader(raw), Limits{MaxAttachmentBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Attachments[0]
	if !a.Omitted || a.Data != nil || a.Size != 3000 || a.Filename != "big.bin" {
		t.Errorf("attachment = %+v", a)
	}
	if m.Text != "see attached" || len(m.Warnings) != 1 {
		t.Errorf("Text %q, warnings %q", m.Text, m.Warnings)
	}
}

func TestParseDeepNesting(t *testing.T) {
	// A multipart bomb: 5000 nested levels must neither overflow the stack
	// nor be refused; the deep end is skipped with a warning.
	var b strings.Builder
	b.WriteString("Subject: deep\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("\ninnermost\n")
	m, err := Parse(strings.NewReader(b.String()), Limits{MaxParts: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, "deeper") }) {
		t.Errorf("warnings = %q", m.Warnings)
	}
	// Nested message/rfc822 too.
	b.Reset()
	for i := 0; i < 100; i++ {
		b.WriteString("Subject: level\nContent-Type: message/rfc822\n\n")
	}
	b.WriteString("Subject: bottom\n\nbottom text\n")
	if _, err := Parse(strings.NewReader(b.String()), Limits{}); err != nil {
		t.Fatal(err)
	}
}

func TestParseStructures(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		text  string
		html  string
		atts  []string
		check func(t *testing.T, m *Message)
	}{
		{
			name: "alternative takes the last plain and html",
			raw: "Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\nplain\n" +
				"--a\nContent-Type: text/enriched\n\n<bold>rich</bold>\n" +
				"--a\nContent-Type: text/html\n\n<p>html</p>\n--a--\n",
			text: "plain", html: "<p>html</p>",
		},
		{
			name: "alternative with calendar invitation",
			raw: "Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\nYou are invited\n" +
				"--a\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n--a--\n",
			text: "You are invited", atts: []string{"attachment-1.ics"},
		},
		{
			name: "html only becomes text",
			raw:  "Content-Type: text/html; charset=utf-8\n\n<p>Hello <b>there</b></p><p>second</p>",
			text: "Hello there\n\nsecond", html: "<p>Hello <b>there</b></p><p>second</p>",
		},
		{
			name: "empty plain alternative falls back to html",
			raw: "Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\n \n" +
				"--a\nContent-Type: text/html\n\n<div>from html</div>\n--a--\n",
			text: "from html", html: "<div>from html</div>",
		},
		{
			name: "mixed keeps text parts in order around an inline image",
			raw: "Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nbefore\n" +
				"--m\nContent-Type: image/gif\nContent-Disposition: inline; filename=a.gif\nContent-Transfer-Encoding: base64\n\nR0lGODlh\n" +
				"--m\nContent-Type: text/plain\n\nafter\n--m--\n",
			text: "before\n\nafter", atts: []string{"a.gif"},
			check: func(t *testing.T, m *Message) {
				if !m.Attachments[0].Inline || string(m.Attachments[0].Data) != "GIF89a" {
					t.Errorf("%+v", m.Attachments[0])
				}
			},
		},
		{
			name: "text part with a filename is an attachment",
			raw: "Content-Type: multipart/mixed; boundary=m\n\n--m\n\nbody\n" +
				"--m\nContent-Type: text/plain; charset=iso-8859-1; name=\"notes.txt\"\n\ncaf\xe9\n--m--\n",
			text: "body", atts: []string{"notes.txt"},
			check: func(t *testing.T, m *Message) {
				if string(m.Attachments[0].Data) != "caf\xe9" {
					t.Errorf("text attachment must keep its bytes, got %q", m.Attachments[0].Data)
				}
			},
		},
		{
			name: "related start parameter picks the root",
			raw: "Content-Type: multipart/related; boundary=r; start=\"<root@x>\"\n\n" +
				"--r\nContent-Type: image/png\nContent-ID: <img@x>\n\nPNG\n" +
				"--r\nContent-Type: text/html\nContent-ID: <root@x>\n\n<img src=\"cid:img@x\">hi\n--r--\n",
			html: "<img src=\"cid:img@x\">hi", text: "hi", atts: []string{"attachment-1.png"},
			check: func(t *testing.T, m *Message) {
				if !m.Attachments[0].Inline || m.Attachments[0].ContentID != "img@x" {
					t.Errorf("%+v", m.Attachments[0])
				}
			},
		},
		{
			name: "base64 encoded forwarded message",
			raw: "Content-Type: multipart/mixed; boundary=m\n\n--m\n\nsee below\n--m\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" +
				b64Body([]byte("From: a@example.org\nSubject: inner\n\ninner text\n")) + "--m--\n",
			text: "see below\n\n---------- Forwarded message ----------\nFrom: a@example.org\nSubject: inner\n\ninner text",
		},
		{
			name: "digest parts default to message/rfc822",
			raw: "Content-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: x@example.org\nSubject: one\n\nfirst\n" +
				"--d\n\nFrom: y@example.org\nSubject: two\n\nsecond\n--d--\n",
			check: func(t *testing.T, m *Message) {
				if len(m.Forwarded) != 2 || m.Forwarded[1].Subject != "two" || !strings.Contains(m.Text, "second") {
					t.Errorf("Forwarded %d, Text %q", len(m.Forwarded), m.Text)
				}
			},
		},
		{
			name: "multipart without boundary parameter",
			raw:  "Content-Type: multipart/mixed\n\n--lost\nContent-Type: text/plain\n\nrecovered\n--lost--\n",
			text: "recovered",
		},
		{
			name: "multipart without any delimiter keeps the body as text",
			raw:  "Content-Type: multipart/mixed; boundary=nope\n\nplain body after all\n",
			text: "plain body after all",
		},
		{
			name: "boundary that prefixes another boundary",
			raw: "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=b-2\n\n" +
				"--b-2\nContent-Type: text/plain\n\ninner\n--b-2--\n--b--\n",
			text: "inner",
		},
		{
			name: "missing blank line between part header and body",
			raw:  "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nbody starts here\n--b--\n",
			text: "body starts here",
		},
		{
			name: "quoted-printable transfer encoding on multipart is ignored",
			raw:  "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: quoted-printable\n\n--b\n\nx=3Dy\n--b--\n",
			text: "x=3Dy",
		},
		{
			name: "unknown transfer encoding passes through",
			raw:  "Content-Type: text/plain\nContent-Transfer-Encoding: x-rot13\n\nraw text",
			text: "raw text",
		},
		{
			name: "uuencoded part",
			raw:  "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a.txt\n%:&5L;&\\`\n`\nend\n",
			text: "hello",
		},
		{
			name: "NUL and controls are removed from text",
			raw:  "Subject: a\x00b\n\nx\x00y\x01z\tw",
			text: "xyz\tw",
			check: func(t *testing.T, m *Message) {
				if m.Subject != "a b" {
					t.Errorf("Subject = %q", m.Subject)
				}
			},
		},
		{
			name: "BOM selects UTF-8",
			raw:  "Content-Type: text/plain; charset=iso-8859-1\n\n\xEF\xBB\xBFcaf\xC3\xA9",
			text: "café",
		},
		{
			name: "html meta charset when MIME has none",
			raw:  "Content-Type: text/html\n\n<meta charset=\"koi8-r\"><p>\xf0\xd2\xc9\xd7\xc5\xd4</p>",
			text: "Привет", html: "<meta charset=\"koi8-r\"><p>Привет</p>",
		},
		{
			name: "mbox From line and missing Content-Type",
			raw:  "From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: mbox\n\nbody",
			text: "body",
			check: func(t *testing.T, m *Message) {
				if m.Subject != "mbox" {
					t.Errorf("Subject = %q", m.Subject)
				}
			},
		},
		{
			name: "leading blank lines before the header",
			raw:  "\r\n\r\nSubject: late\r\n\r\nbody",
			text: "body",
		},
		{
			name: "inline documents are attachments, not inline images",
			raw: "Content-Type: multipart/mixed; boundary=m\n\n--m\n\nsee pdf\n" +
				"--m\nContent-Type: application/pdf\nContent-Disposition: inline; filename=doc.pdf\n\n%PDF\n--m--\n",
			text: "see pdf", atts: []string{"doc.pdf"},
			check: func(t *testing.T, m *Message) {
				if m.Attachments[0].Inline {
					t.Error("inline PDF marked Inline")
				}
			},
		},
		{
			name: "S/MIME signature dropped, encrypted part kept",
			raw: "Content-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\n\n--s\n\nsigned text\n" +
				"--s\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n--s--\n",
			text: "signed text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			if tt.text != "" && m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if m.HTML != tt.html {
				t.Errorf("HTML = %q, want %q", m.HTML, tt.html)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Filename)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.atts) {
				t.Errorf("attachments = %q, want %q", names, tt.atts)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestEncodedWords(t *testing.T) {
	hd := &headerDecoder{fallback: "windows-1252"}
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?utf-8?q?caf=C3=A9?=", "café"},
		{"=?UTF-8?B?Y2Fmw6k=?=", "café"},
		{"=?utf-8?b?Y2Fmw6k?=", "café"}, // lowercase b, no padding
		{"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
		{"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
		{"x =?utf-8?q?a?= y", "x a y"},
		{"=?utf-8?q?a_b?=", "a b"},
		{"=?iso-8859-1?q?caf=E9?= =?utf-8?q?_cr=C3=A8me?=", "café crème"},
		// a UTF-8 character split over two words
		{"=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "€"},
		{"=?utf-8*fr?q?caf=C3=A9?=", "café"}, // RFC 2231 language
		{"=?unknown-x?q?caf=E9?=", "café"},
		{"=?utf-8?x?bad?=", "=?utf-8?x?bad?="},
		{"=?utf-8?q?unterminated", "=?utf-8?q?unterminated"},
		{"a =? b", "a =? b"},
		{"=?utf-8?B?SGVs bG8=?=", "Hello"}, // folded inside the word
		{"raw caf\xe9", "raw café"},
		{"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "テスト"},
	}
	for _, tt := range tests {
		if got := hd.words(tt.in); got != tt.want {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in     string
		value  string
		params map[string]string
	}{
		{`text/plain; charset="UTF-8"; format=flowed`, "text/plain", map[string]string{"charset": "UTF-8", "format": "flowed"}},
		{`Attachment; FileName="a \"b\".pdf"`, "attachment", map[string]string{"filename": `a "b".pdf`}},
		{`attachment; filename=my file.pdf`, "attachment", map[string]string{"filename": "my file.pdf"}},
		{`attachment; filename="unterminated.pdf`, "attachment", map[string]string{"filename": "unterminated.pdf"}},
		{`attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf`, "attachment", map[string]string{"filename": "€ rates.pdf"}},
		{`attachment; filename*=iso-8859-1'fr'caf%E9.txt`, "attachment", map[string]string{"filename": "café.txt"}},
		{`attachment; filename*0*=UTF-8''a%C3; filename*1*=%A9b; filename*2=".txt"`, "attachment", map[string]string{"filename": "aéb.txt"}},
		{`attachment; filename*1="second"; filename*0="first-"`, "attachment", map[string]string{"filename": "first-second"}},
		{`attachment; filename="plain.txt"; filename*=UTF-8''better.txt`, "attachment", map[string]string{"filename": "better.txt"}},
		{`attachment;; junk; =x; filename=a.txt;`, "attachment", map[string]string{"filename": "a.txt"}},
		{`inline`, "inline", nil},
	}
	for _, tt := range tests {
		v, p := parseParams(tt.in)
		if v != tt.value || fmt.Sprint(p) != fmt.Sprint(tt.params) {
			t.Errorf("parseParams(%q) = %q %v, want %q %v", tt.in, v, p, tt.value, tt.params)
		}
	}
}

func TestParseContentType(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "text/plain"},
		{"TEXT/HTML; charset=utf-8", "text/html"},
		{"text", "text/plain"},
		{"garbage", "application/octet-stream"},
		{"text/plain charset=utf-8", "text/plain"},
		{`"image/png"`, "image/png"},
	}
	for _, tt := range tests {
		if got, _ := parseContentType(tt.in, false); got != tt.want {
			t.Errorf("parseContentType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, _ := parseContentType("", true); got != "message/rfc822" {
		t.Errorf("digest default = %q", got)
	}
	if _, p := parseContentType("text/plain charset=koi8-r", false); p["charset"] != "koi8-r" {
		t.Errorf("charset after missing semicolon = %q", p["charset"])
	}
}

func TestParseAddressList(t *testing.T) {
	hd := &headerDecoder{fallback: "windows-1252"}
	tests := []struct {
		in   string
		want string
	}{
		{"a@Example.ORG", "[{ a@example.org}]"},
		{"Jo Doe <Jo@Example.org>", "[{Jo Doe Jo@example.org}]"},
		{`"Doe, Jo" <jo@x.org>, b@y.org`, "[{Doe, Jo jo@x.org} { b@y.org}]"},
		{"John Q. Public <jqp@x.org>", "[{John Q. Public jqp@x.org}]"},
		{"jo@x.org (Jo Doe)", "[{Jo Doe jo@x.org}]"},
		{"'Jo Doe' <jo@x.org>", "[{Jo Doe jo@x.org}]"},
		{`"jo@x.org" <jo@x.org>`, "[{ jo@x.org}]"},
		{"=?utf-8?q?J=C3=B6?= <jo@x.org>", "[{Jö jo@x.org}]"},
		{`"=?utf-8?q?J=C3=B6?=" <jo@x.org>`, "[{Jö jo@x.org}]"},
		{"Team: a@x.org, b@x.org;, c@x.org", "[{ a@x.org} { b@x.org} { c@x.org}]"},
		{"undisclosed-recipients:;", "[]"},
		{"<@relay.org:jo@x.org>", "[{ jo@x.org}]"},
		{"Broken <jo@x.org", "[{Broken jo@x.org}]"},
		{"mailto:jo@x.org", "[{ jo@x.org}]"},
		{"not an address, , ,", "[]"},
		{"MAILER-DAEMON", "[]"},
		{"caf\xe9 <c@x.org>", "[{café c@x.org}]"},
	}
	for _, tt := range tests {
		var parts []string
		for _, a := range parseAddressList(hd, tt.in) {
			parts = append(parts, "{"+a.Name+" "+a.Email+"}")
		}
		got := "[" + strings.Join(parts, " ") + "]"
		if got != tt.want {
			t.Errorf("parseAddressList(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2024, 9, 2, 7, 12, 40, 0, time.UTC)
	for _, in := range []string{
		"Mon, 2 Sep 2024 09:12:40 +0200",
		"Mon, 02 Sep 2024 09:12:40 +0200 (CEST)",
		"2 Sep 2024 09:12:40 +0200",
		"Monday, 2 Sep 2024 09:12:40 +0200",
		"Mon,  2 Sep 2024   09:12:40   +0200",
		"Mon, 2 Sep 2024 09:12:40 GMT+0200",
		"Mon, 2 Sep 2024 09:12:40 GMT+02:00",
		"Mon, 2 Sep 24 09:12:40 +0200",
		"Mon, 2 September 2024 09:12:40 +0200",
		"2024-09-02T09:12:40+02:00",
		"2024-09-02 09:12:40 +0200",
		"Mon, 2 Sep 2024 09.12.40 +0200",
		"Mon Sep  2 07:12:40 2024",
	} {
		got, ok := parseDate(in)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseDate(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "yesterday", "Mon, 2 Sep 1850 09:12:40 +0200", "32 Foo 2024"} {
		if got, ok := parseDate(in); ok || !got.IsZero() {
			t.Errorf("parseDate(%q) = %v %v, want failure", in, got, ok)
		}
	}
}

func TestMsgIDList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@x> <b@x>", []string{"a@x", "b@x"}},
		{"<a@x>\r\n\t<b@x> <a@x>", []string{"a@x", "b@x"}},
		{"<a@x> (Message from Jo of Mon)", []string{"a@x"}},
		{"a@x b@x", []string{"a@x", "b@x"}},
		{"<a b@x>", []string{"ab@x"}},
		{"<>", nil},
		{"no ids here", nil},
	}
	for _, tt := range tests {
		if got := msgIDList(tt.in); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("msgIDList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var many []string
	for i := range 300 {
		many = append(many, fmt.Sprintf("<id%d@x>", i))
	}
	got := msgIDList(strings.Join(many, " "))
	if len(got) != maxMsgIDs || got[0] != "id0@x" || got[len(got)-1] != "id299@x" {
		t.Errorf("long References: %d ids, first %q last %q", len(got), got[0], got[len(got)-1])
	}
	if firstMsgID("bare-id") != "bare-id" || firstMsgID("  ") != "" {
		t.Error("firstMsgID fallback")
	}
}

func TestDecodeQP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"caf=C3=A9", "café"},
		{"caf=c3=a9", "café"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft= \nbreak", "softbreak"},
		{"trailing   \r\nspace", "trailing\r\nspace"},
		{"a=ZZb", "a=ZZb"},
		{"end=", "end"},
		{"1+1=2", "1+1=2"},
	}
	for _, tt := range tests {
		if got := string(decodeQP([]byte(tt.in))); got != tt.want {
			t.Errorf("decodeQP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeBase64Lenient(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aGVsbG8=", "hello"},
		{"aGVs\r\n bG8=", "hello"},
		{"aGVsbG8", "hello"},
		{"aGVs!!bG8=", "hello"},
		{"aGk=aGk=", "hihi"}, // concatenated padded chunks
		{"aGVsbG8_", "hello?"},
		{"", ""},
		{"a", ""},
	}
	for _, tt := range tests {
		got := string(decodeBase64Lenient([]byte(tt.in)))
		if tt.in == "aGVsbG8_" {
			if !strings.HasPrefix(got, "hello") {
				t.Errorf("decodeBase64Lenient(%q) = %q", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("decodeBase64Lenient(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeCharset(t *testing.T) {
	tests := []struct {
		label string
		in    string
		want  string
		known bool
	}{
		{"utf-8", "café", "café", true},
		{"UTF8", "café", "café", true},
		{"utf-8", "caf\xe9", "café", true},                       // Latin-1 in a UTF-8 label
		{"utf-8", "caf\xc3\xa9 \xff", "café \uFFFD", true},       // mostly UTF-8: repair
		{"iso-8859-1", "caf\xc3\xa9", "café", true},              // mislabelled UTF-8
		{"iso-8859-1", "caf\xe9 \x93q\x94", "café “q”", true},    // Windows-1252 superset
		{"us-ascii", "caf\xe9", "café", true},                    // 8-bit in "ASCII"
		{"iso-8859-9", "\xfe\xfd\xf0", "şığ", true},              // Turkish
		{"windows-1254", "\xdd", "İ", true},                      //
		{"iso-8859-15", "\xa4", "€", true},                       //
		{"cp1256", "\x81", "پ", true},                            // alias
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", true},   //
		{"x-sjis", "\x83\x65\x83\x58\x83\x67", "テスト", true},      //
		{"ks_c_5601-1987", "\xc7\xd1", "한", true},                // Outlook's Korean label
		{"gb2312", "\xc4\xe3\xba\xc3", "你好", true},               //
		{"x-unknown", "caf\xe9", "café", false},                  // fallback
		{"x-unknown", "café", "café", false},                     //
		{`"utf-8"`, "é", "é", true},                              // quoted label
		{"iso-2022-kr", "\x1b$)C\x0e\x47\x51\x0f", "", true},     // no Replacement encoding
		{"", "\x00ok", "\x00ok", true},                           // NUL kept here, removed later
		{"euc-jp", "\xa5\xc6\xa5\xb9\xa5\xc8", "テスト", true},      //
		{"utf-16", "\xfe\xff\x00h\x00i", "hi", true},             //
		{"iso-2022-jp-2", "\x1b$B%F%9%H\x1b(B", "テスト", true},     //
		{"windows-1252", "\x80", "€", true},                      //
		{"latin1", "\xe9", "é", true},                            //
		{"iso8859-15", "\xa4", "€", true},                        //
		{"ISO_8859-9", "\xfd", "ı", true},                        //
		{"win-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет", true}, //
	}
	for _, tt := range tests {
		got, known := decodeCharset(tt.label, []byte(tt.in))
		if tt.label == "iso-2022-kr" {
			if strings.Contains(got, "\uFFFD\uFFFD") || got == "\uFFFD" {
				t.Errorf("iso-2022-kr decoded to replacement: %q", got)
			}
			continue
		}
		if got != tt.want || known != tt.known {
			t.Errorf("decodeCharset(%q, %q) = %q %v, want %q %v", tt.label, tt.in, got, known, tt.want, tt.known)
		}
	}
}

func TestSplitMultipart(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		parts      []string
		terminated bool
	}{
		{"crlf", "pre\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue", []string{"\r\none", "\r\ntwo"}, true},
		{"lf", "--b\n\none\n--b--\n", []string{"\none"}, true},
		{"trailing space", "--b  \n\none\n--b-- \n", []string{"\none"}, true},
		{"unterminated", "--b\n\none\n--b\n\ntwo\n", []string{"\none", "\ntwo\n"}, false},
		{"not at line start", "--b\n\nx--b\n--b--", []string{"\nx--b"}, true},
		{"longer boundary", "--b\n\n--bb\n--b--", []string{"\n--bb"}, true},
		{"empty part", "--b\n--b--", []string{""}, true},
		{"no delimiter", "nothing here", nil, false},
	}
	for _, tt := range tests {
		parts, term := splitMultipart([]byte(tt.body), "b", 100)
		var got []string
		for _, p := range parts {
			got = append(got, string(p))
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.parts) || term != tt.terminated {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, got, term, tt.parts, tt.terminated)
		}
	}
}

func TestSplitHeader(t *testing.T) {
	h, body := splitHeader([]byte("Subject: a\r\n b\r\nX-Key : v\r\nbad line\r\nmore"))
	if h.get("subject") != "a b" || h.get("X-Key") != "v" || string(body) != "bad line\r\nmore" {
		t.Errorf("got %+v body %q", h, body)
	}
	h, body = splitHeader([]byte("\r\nbody only"))
	if len(h) != 0 || string(body) != "body only" {
		t.Errorf("got %+v body %q", h, body)
	}
	h, body = splitHeader([]byte("A: 1\nA: 2"))
	if fmt.Sprint(h.values("a")) != "[1 2]" || body != nil {
		t.Errorf("got %+v body %q", h, body)
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>a</p><p>b</p>", "a\n\nb"},
		{"a<br>b<br><br><br><br>c", "a\nb\n\nc"},
		{"<div>a</div><div>b</div>", "a\nb"},
		{"  lots   of\n\n  space  ", "lots of space"},
		{"<ul><li>one<li>two</ul><ol><li>x</li><li>y</li></ol>", "- one\n- two\n\n1. x\n2. y"},
		{"<ul><li>a<ul><li>b</li></ul></li></ul>", "- a\n  - b"},
		{"<blockquote>q1<blockquote>q2</blockquote></blockquote>after", "> q1\n>\n> > q2\n\nafter"},
		{"<p>see <a href=\"https://x.org/a\">this</a></p>", "see this (https://x.org/a)"},
		{"<a href=\"https://x.org/\">https://x.org</a>", "https://x.org"},
		{"<a href=\"mailto:jo@x.org\">Jo</a>", "Jo (jo@x.org)"},
		{"<a href=\"javascript:alert(1)\">js</a>", "js"},
		{"<script>var x = '<p>';</script><style>p{}</style>text", "text"},
		{"<head><title>T</title></head><body>body</body>", "body"},
		{"<head><meta charset=utf-8><div>implied body</div>", "implied body"},
		{"<div style=\"display: none\">hidden</div>shown", "shown"},
		{"<p hidden>hidden</p>shown", "shown"},
		{"<pre>  keep\n    this</pre>", "  keep\n    this"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"x&nbsp;&amp;&lt;y&gt;&#8364;", "x &<y>€"},
		{"<img src=x alt=\"Logo\">text", "Logo text"},
		{"a<hr>b", "a\n----\nb"},
		{"</p>stray", "stray"},
		{"\u200bpre\u034fheader", "preheader"},
		{"<p>unclosed<p>next", "unclosed\n\nnext"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
		}
	}
	// Pathological nesting stays linear and does not lose the text.
	deep := strings.Repeat("<div>", 100000) + "deep" + strings.Repeat("</span>", 100000)
	if got := HTMLToText(deep); got != "deep" {
		t.Errorf("deep nesting: %q", got)
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		in    string
		delsp bool
		want  string
	}{
		{"a \nb\n", false, "a b\n\n"},
		{"a \nb", true, "ab\n"},
		{"> q1 \n> q2\nplain\n", false, "> q1 q2\nplain\n\n"},
		{">> deep \n>> more\n", false, "> > deep more\n\n"},
		{" >stuffed\n", false, ">stuffed\n\n"},
		{"-- \nsig\n", false, "-- \nsig\n\n"},
		{"q \n> quote\n", false, "q \n> quote\n\n"},
		{">\n", false, ">\n\n"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delsp); got != tt.want {
			t.Errorf("unflow(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("ééé", 3); got != "é…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("abc", 3); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
}

func TestFromWithoutAddress(t *testing.T) {
	m := mustParse(t, "From: MAILER-DAEMON\nSubject: failure\n\nx")
	if m.From.Name != "MAILER-DAEMON" || m.From.Email != "" || m.Auto != AutoBounce {
		t.Errorf("From %+v, Auto %v", m.From, m.Auto)
	}
}

func TestCleanFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{`C:\Users\jo\report.pdf`, "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"..", ""},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"a\x00b\nc.txt", "a b c.txt"},
		{strings.Repeat("é", 150) + ".pdf", strings.Repeat("é", 98) + ".pdf"},
	}
	for _, tt := range tests {
		if got := cleanFilename(tt.in); got != tt.want {
			t.Errorf("cleanFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
