package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestResolveClientIP(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string // X-Forwarded-For lines, in order
		want    string
	}{
		{name: "no proxies configured", remote: "203.0.113.9:5000", xff: []string{"198.51.100.1"}, want: "203.0.113.9"},
		{name: "empty setting ignores the header from a local peer", remote: "127.0.0.1:5000", xff: []string{"198.51.100.1"}, want: "127.0.0.1"},
		{name: "untrusted peer: headers ignored", trusted: trusted, remote: "203.0.113.9:5000", xff: []string{"198.51.100.1"}, want: "203.0.113.9"},
		{name: "trusted peer, one hop", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "trusted peer, no header", trusted: trusted, remote: "127.0.0.1:5000", want: "127.0.0.1"},
		{name: "trusted peer, empty header", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{""}, want: "127.0.0.1"},
		{name: "multiple trusted hops", trusted: trusted, remote: "10.0.0.1:5000", xff: []string{"198.51.100.1, 10.0.0.3,10.0.0.2"}, want: "198.51.100.1"},
		{name: "spoofed left-most entry", trusted: trusted, remote: "10.0.0.1:5000", xff: []string{"1.1.1.1, 198.51.100.1, 10.0.0.2"}, want: "198.51.100.1"},
		{name: "spoofed trusted left-most entry", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"10.9.9.9, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "several header lines", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"1.1.1.1", "198.51.100.1, 10.0.0.2"}, want: "198.51.100.1"},
		{name: "several header lines, last all trusted", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"198.51.100.1", "10.0.0.2"}, want: "198.51.100.1"},
		{name: "every hop trusted: the left-most", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"10.0.0.7, 10.0.0.2"}, want: "10.0.0.7"},
		{name: "entry with port", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"198.51.100.1:4711"}, want: "198.51.100.1"},
		{name: "IPv6 peer and client", trusted: trusted, remote: "[fd00::1]:5000", xff: []string{"2001:db8::7"}, want: "2001:db8::7"},
		{name: "IPv6 client with port", trusted: trusted, remote: "[fd00::1]:5000", xff: []string{"[2001:db8::7]:4711, fd00::2"}, want: "2001:db8::7"},
		{name: "IPv6 untrusted peer", trusted: trusted, remote: "[2001:db8::1]:5000", xff: []string{"198.51.100.1"}, want: "2001:db8::1"},
		{name: "IPv4-mapped peer is trusted as IPv4", trusted: trusted, remote: "[::ffff:127.0.0.1]:5000", xff: []string{"::ffff:198.51.100.1"}, want: "198.51.100.1"},
		{name: "zone dropped", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"fe80::1%eth0"}, want: "fe80::1"},
		{name: "malformed right-most entry", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"198.51.100.1, not-an-ip"}, want: "127.0.0.1"},
		{name: "malformed entry behind a trusted hop", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"unknown, 10.0.0.2"}, want: "127.0.0.1"},
		{name: "malformed entry left of the client is never read", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"<script>, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "empty entry", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"198.51.100.1,,"}, want: "127.0.0.1"},
		{name: "out-of-range address", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"198.51.100.300"}, want: "127.0.0.1"},
		{name: "bracketed without port", trusted: trusted, remote: "127.0.0.1:5000", xff: []string{"[2001:db8::7]"}, want: "127.0.0.1"},
		{name: "peer without port", trusted: trusted, remote: "127.0.0.1", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "unparsable peer", trusted: trusted, remote: "@pipe", xff: []string{"198.51.100.1"}, want: "@pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.xff {
				h.Add("X-Forwarded-For", v)
			}
			if got := ResolveClientIP(tt.trusted, tt.remote, h); got != tt.want {
				t.Fatalf("ResolveClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestClientIP checks what handlers see: the resolved address behind a
// trusted proxy, the peer without the middleware or without trusted proxies.
func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		wrap    bool
		want    string
	}{
		{name: "no middleware", want: "10.0.0.1"},
		{name: "middleware, empty setting", wrap: true, want: "10.0.0.1"},
		{name: "middleware, trusted peer", trusted: trusted, wrap: true, want: "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) })
			if tt.wrap {
				h = TrustProxies(tt.trusted, h)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = "10.0.0.1:41000"
			req.Header.Set("X-Forwarded-For", "203.0.113.5, 198.51.100.1")
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
