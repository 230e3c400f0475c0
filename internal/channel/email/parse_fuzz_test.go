package email

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// fuzzLimits keep each fuzz input's memory small and bounded.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxAttachmentBytes: 256 << 10, MaxParts: 200}

func addCorpusSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no corpus: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParse(f *testing.F) {
	addCorpusSeeds(f)
	for _, s := range []string{
		"",
		"Subject: x\n\n",
		"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\n",
		"Content-Type: multipart/alternative; boundary=a\n\n--a\n--a\n--a--",
		"Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: x\n\n",
		"Subject: =?utf-8?B?=?= =?=?=\n\n",
		"Content-Type: text/html\n\n<blockquote><ol><li><pre><a href=x>",
		"From: <<@>>, (((, \"\\\n\n",
		"Content-Disposition: attachment; filename*0*=x''%; filename*63=a\nContent-Type: a/b\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzer does not report hangs; a watchdog turns one into a
		// crash, which it records with its input.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("Parse hung on %d-byte input %.200q", len(data), data))
			}
		}()
		m, err := Parse(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		checkInvariants(t, m)
		if len(m.Attachments) > fuzzLimits.MaxParts {
			t.Fatalf("%d attachments beyond MaxParts", len(m.Attachments))
		}
		for _, a := range m.Attachments {
			if int64(len(a.Data)) > fuzzLimits.MaxAttachmentBytes {
				t.Fatalf("attachment of %d bytes kept", len(a.Data))
			}
		}
		_ = SanitizeHTML(m.HTML, false)
		_ = ThreadKeys(m)
		_ = NormalizeSubject(m.Subject)
		_, _ = FindRef(m.Subject)
		_, _ = ParseReplyAddress(m.From.Email, []byte("k"))
	})
}

// FuzzSanitizeHTML checks the safety properties of the output, not just the
// absence of panics.
func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{
		`<p onclick=x>hi</p>`,
		`<img src="https://t/x.gif"><img src=cid:a@b>`,
		`<a href="javascript:alert(1)">x</a><a href=https://x.org>y</a>`,
		`<svg><script>alert(1)</script></svg>`,
		`<style>@import url(http://x)</style><p style="background:url(http://x)">`,
		`<img src="data:image/png;base64,iVBORw0KGgo=">`,
		`<<img src=https://x/>>`,
		`<html dir=rtl><body><table background=http://x>`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, remote bool) {
		out := SanitizeHTML(in, remote)
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "form", "input", "button", "svg", "math", "meta", "link", "base", "frame", "frameset", "textarea", "select", "video", "audio", "source":
				t.Fatalf("forbidden element <%s> in %q", tok.Data, out)
			}
			for _, a := range tok.Attr {
				k := strings.ToLower(a.Key)
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(k, "on") || k == "srcset" || k == "background" || k == "class" || k == "id" {
					t.Fatalf("forbidden attribute %s in %q", k, out)
				}
				if k == "style" && (strings.Contains(v, "url") || strings.Contains(v, "expression") || strings.Contains(v, "position")) {
					t.Fatalf("unsafe style %q", a.Val)
				}
				if (k == "href" || k == "src") && !(strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "https:") ||
					strings.HasPrefix(v, "mailto:") || strings.HasPrefix(v, "tel:") || strings.HasPrefix(v, "cid:") || strings.HasPrefix(v, "data:image/")) {
					t.Fatalf("unsafe URL %s=%q", k, a.Val)
				}
				if k == "src" && !remote && isRemoteURL(v) {
					t.Fatalf("remote image not blocked: %q", out)
				}
			}
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a<br>b</p>", "<blockquote><ul><li>x<li>y</ul></blockquote>", "<pre>a\n\nb</pre>", "<div hidden><p>x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_ = HTMLToText(in)
	})
}

func FuzzThreading(f *testing.F) {
	for _, s := range []string{"Re: [HK-1] x", "YNT: İLT: x", "Ｒｅ：x", "[[[[", "help+c1.abcdefgh@example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeSubject(s)
		if NormalizeSubject(n) != n && !strings.Contains(n, "[") {
			t.Fatalf("NormalizeSubject not idempotent: %q → %q → %q", s, n, NormalizeSubject(n))
		}
		if id, ok := FindRef(s); ok && id <= 0 {
			t.Fatalf("FindRef(%q) = %d", s, id)
		}
		if id, ok := ParseReplyAddress(s, []byte("k")); ok {
			if ReplyAddress("x@y.org", id, []byte("k")) == "" {
				t.Fatal("unreachable")
			}
		}
	})
}

// TestParseAdversarialTiming feeds inputs built to trigger quadratic paths
// (huge headers, many tiny parts, deep HTML, long encoded-word runs) and
// requires them to finish quickly: the parser must stay linear.
func TestParseAdversarialTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	var parts strings.Builder
	parts.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
	for range 400 {
		parts.WriteString("--b\n\nx\n")
	}
	inputs := map[string]string{
		"many header fields": strings.Repeat("X-A: b\n", 200000) + "\nbody",
		"long folded header": "Subject: " + strings.Repeat("=?utf-8?q?a?=\n ", 200000) + "\n\nbody",
		"deep html":          "Content-Type: text/html\n\n" + strings.Repeat("<blockquote><div>", 200000) + "x",
		"many end tags":      "Content-Type: text/html\n\n" + strings.Repeat("<div>", 500) + strings.Repeat("</span>", 500000),
		"many parts":         parts.String(),
		"delimiter-like lines": "Content-Type: multipart/mixed; boundary=bbbbbbbbbb\n\n--bbbbbbbbbb\n\n" +
			strings.Repeat("--bbbbbbbbbbX\n", 300000) + "--bbbbbbbbbb--\n",
		"many references": "References: " + strings.Repeat("<a@b> ", 400000) + "\n\nx",
		"many addresses":  "To: " + strings.Repeat("a@b.c, ", 400000) + "\n\nx",
		"long base64":     "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n" + strings.Repeat("QUJD\n", 1000000),
		"long qp":         "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n" + strings.Repeat("=C3=A9=\n", 500000),
		"format flowed":   "Content-Type: text/plain; format=flowed\n\n" + strings.Repeat("> a \n", 500000),
	}
	for name, in := range inputs {
		start := time.Now()
		m, err := Parse(strings.NewReader(in), Limits{MaxParts: 1000})
		d := time.Since(start)
		if err != nil && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v", name, err)
		}
		if d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		if m != nil && len(m.Attachments) > 1000 {
			t.Errorf("%s: %d attachments", name, len(m.Attachments))
		}
		t.Logf("%s (%d KiB): %v", name, len(in)>>10, d.Round(time.Millisecond))
	}
}
