// Package config holds Hearken's runtime settings. Every setting has a flag and a
// HEARKEN_* environment variable (declared in cmd/hearken); this package only
// defines, defaults and checks them.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is everything `hearken serve` needs.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL.
	DB string
	// Addr is the HTTP listen address.
	Addr string
	// BaseURL is the public URL staff and the public reach Hearken at; links in
	// email and the Secure flag on cookies derive from it.
	BaseURL string
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string
	LogFormat string
	// SMTPAddr, if set, starts the inbound SMTP listener there.
	SMTPAddr string
	// SMTPRelay is where outbound mail goes (smtp:// or smtps:// URL).
	SMTPRelay string
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration
	// Workers is the number of concurrent background jobs on this instance.
	Workers int
	// TrustedProxies are the reverse proxies (addresses or CIDRs) whose
	// X-Forwarded-For header is believed; empty trusts nobody.
	TrustedProxies []string
}

// Defaults returns the settings used when nothing is given.
func Defaults() Config {
	return Config{
		DB:              "./hearken.db",
		Addr:            "127.0.0.1:8080",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 20 * time.Second,
		Workers:         4,
	}
}

// Validate checks the settings and fills derived ones (BaseURL from Addr).
func (c *Config) Validate() error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("--db is empty: give a SQLite file path or a postgres:// URL"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr))
	}
	if c.BaseURL == "" {
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--base-url %q: want an absolute http(s) URL", c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("--smtp-addr %q: want host:port, e.g. 127.0.0.1:2525", c.SMTPAddr))
		}
	}
	if c.SMTPRelay != "" {
		if u, err := url.Parse(c.SMTPRelay); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--smtp-relay %q: want smtp://host:port or smtps://user:pass@host:port", c.SMTPRelay))
		}
	}
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if c.Workers < 1 {
		c.Workers = 1
	}
	return errors.Join(errs...)
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// TrustedProxyPrefixes is TrustedProxies parsed (after Validate has checked it).
func (c *Config) TrustedProxyPrefixes() []netip.Prefix {
	p, _ := parseTrustedProxies(c.TrustedProxies)
	return p
}

// parseTrustedProxies reads addresses (10.0.0.1, ::1) and CIDRs (10.0.0.0/8,
// fd00::/8). Blank entries are skipped; every bad entry is named in the error.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, e := range list {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(e, "/") {
			p, err = netip.ParsePrefix(e)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(e); err == nil {
				if a.Zone() != "" {
					err = errors.New("zone")
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies %q: want an IP address or CIDR, e.g. 10.0.0.1, 10.0.0.0/8 or fd00::/8", e))
			continue
		}
		// Clients are matched as IPv4 when they are IPv4-mapped IPv6.
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Logger builds the process logger from the settings.
func (c *Config) Logger() *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
