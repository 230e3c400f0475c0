package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Client addresses behind reverse proxies.
//
// r.RemoteAddr is the TCP peer: behind a reverse proxy, the proxy, for every
// client. When the peer is a trusted proxy (--trusted-proxies), the client is
// read from X-Forwarded-For, walked from the right: each trusted hop wrote the
// entry to its left, so the first untrusted address is the one the outermost
// trusted proxy saw. Entries further left came from the client and are never
// believed. The RFC 7239 Forwarded header is not read: a proxy that writes one
// of the two headers passes the other through as the client sent it, so
// believing both would let any client choose its address.

type clientIPKey struct{}

// TrustProxies resolves each request's client address once (ResolveClientIP)
// and keeps it in the request context, where ClientIP reads it. With no trusted
// proxies it returns next unchanged: the client is the peer.
func TrustProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := ResolveClientIP(trusted, r.RemoteAddr, r.Header)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip)))
	})
}

// ClientIP is the address, without port, of the client that sent r: the one
// TrustProxies resolved, else the peer. Rate limits, sign-in throttling and the
// audit log all use it.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return peerHost(r.RemoteAddr)
}

// ResolveClientIP is the client address of a request from remoteAddr (host:port)
// carrying header h. Unless the peer is in trusted, it is the peer and the
// headers are ignored. Otherwise X-Forwarded-For is walked from the right,
// skipping trusted addresses, and the first untrusted one is the client; when
// every entry is trusted, the left-most is. A malformed entry met on the way
// (or no header at all) means the hops cannot be told apart: the client is the
// peer.
func ResolveClientIP(trusted []netip.Prefix, remoteAddr string, h http.Header) string {
	peer := peerHost(remoteAddr)
	addr, ok := parseHop(peer)
	if !ok || !isTrusted(trusted, addr) {
		return peer
	}
	lines := h.Values("X-Forwarded-For")
	client := ""
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			j := strings.LastIndexByte(rest, ',')
			hop, ok := parseHop(rest[j+1:])
			if !ok {
				return peer
			}
			client = hop.String()
			if !isTrusted(trusted, hop) {
				return client
			}
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
	}
	if client == "" {
		return peer
	}
	return client
}

// peerHost is a host:port address without its port (as given if it has none).
func peerHost(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// parseHop reads one address as proxies write them: 192.0.2.1, 2001:db8::1,
// and (some cloud balancers) with a port, 192.0.2.1:4711 or [2001:db8::1]:4711.
// IPv4-mapped IPv6 addresses become IPv4; zones are dropped.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
