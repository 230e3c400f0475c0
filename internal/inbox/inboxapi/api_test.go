package inboxapi

import (
	"mime"
	"testing"
)

func TestDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"report.pdf", "report.pdf"},
		{"hakemus ä.txt", "hakemus ä.txt"},
		{"گزارش.pdf", "گزارش.pdf"},
		{"", "attachment"},
		{`a"b;c.txt`, `a"b;c.txt`},
	} {
		got := disposition(tc.name)
		typ, params, err := mime.ParseMediaType(got)
		if err != nil || typ != "attachment" {
			t.Errorf("%q: %q (%v)", tc.name, got, err)
			continue
		}
		if params["filename"] != tc.want {
			t.Errorf("%q: filename %q in %q", tc.name, params["filename"], got)
		}
	}
}
