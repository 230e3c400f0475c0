package email

import (
	"bytes"
	"strings"
	"testing"
)

// typicalMessage builds a ~20 KB reply as a mail client sends it: a
// multipart/mixed with a plain/HTML alternative (quoted-printable, quoted
// history) and a small base64 PDF.
func typicalMessage() []byte {
	para := "Bonjour, merci pour votre réponse rapide. Je confirme ma participation à l’atelier de samedi et je viendrai avec deux amis. Pourriez-vous m’indiquer l’adresse exacte et s’il faut apporter quelque chose ?\n"
	var text, html strings.Builder
	for i := range 12 {
		if i >= 6 {
			text.WriteString("> ")
		}
		text.WriteString(para)
		html.WriteString("<p style=\"margin:0\">" + strings.TrimSpace(para) + "</p>\n")
	}
	pdf := bytes.Repeat([]byte("%PDF-1.4 sample content stream 0123456789\n"), 170)
	return []byte(strings.ReplaceAll(`From: =?utf-8?q?C=C3=A9line_Moreau?= <celine.moreau@exemple.fr>
To: Hearken Aide <help+c4242.abcdefgh@example.org>
Subject: Re: [HK-4242] =?utf-8?q?Atelier_b=C3=A9n=C3=A9volat?=
Date: Wed, 18 Sep 2024 10:00:00 +0200
Message-ID: <bench-1@exemple.fr>
In-Reply-To: <conv-4242.1@example.org>
References: <conv-4242.0@example.org> <conv-4242.1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

`+qpBody([]byte(text.String()))+`
--alt
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

`+qpBody([]byte("<html><body>"+html.String()+"<blockquote>"+html.String()+"</blockquote></body></html>"))+`
--alt--

--mixed
Content-Type: application/pdf; name="programme.pdf"
Content-Disposition: attachment; filename="programme.pdf"
Content-Transfer-Encoding: base64

`+b64Body(pdf)+`--mixed--
`, "\n", "\r\n"))
}

func BenchmarkParse(b *testing.B) {
	msg := typicalMessage()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(bytes.NewReader(msg), DefaultLimits)
		if err != nil || len(m.Attachments) != 1 || m.Text == "" {
			b.Fatalf("bad parse: %v", err)
		}
	}
}

func BenchmarkSanitizeHTML(b *testing.B) {
	m, err := Parse(bytes.NewReader(typicalMessage()), DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(m.HTML)))
	b.ReportAllocs()
	for b.Loop() {
		SanitizeHTML(m.HTML, false)
	}
}

func TestTypicalMessageSize(t *testing.T) {
	n := len(typicalMessage())
	if n < 18<<10 || n > 24<<10 {
		t.Errorf("benchmark message is %d bytes, want about 20 KB", n)
	}
	m := mustParse(t, string(typicalMessage()))
	if !strings.Contains(m.Text, "> Bonjour, merci") || m.Attachments[0].Filename != "programme.pdf" {
		t.Errorf("unexpected parse: %q", m.Text[:80])
	}
}
