package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
		check   func(*testing.T, Config)
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.BaseURL != "http://127.0.0.1:8080" || c.SecureCookies() {
				t.Fatalf("base url %q", c.BaseURL)
			}
		}},
		{name: "wildcard addr", mod: func(c *Config) { c.Addr = "0.0.0.0:9000" }, check: func(t *testing.T, c Config) {
			if c.BaseURL != "http://127.0.0.1:9000" {
				t.Fatal(c.BaseURL)
			}
		}},
		{name: "https base", mod: func(c *Config) { c.BaseURL = "https://care.example.org/" }, check: func(t *testing.T, c Config) {
			if !c.SecureCookies() || c.BaseURL != "https://care.example.org" {
				t.Fatal(c.BaseURL)
			}
		}},
		{name: "bad addr", mod: func(c *Config) { c.Addr = "8080" }, wantErr: "--addr"},
		{name: "bad level", mod: func(c *Config) { c.LogLevel = "loud" }, wantErr: "--log-level"},
		{name: "bad format", mod: func(c *Config) { c.LogFormat = "xml" }, wantErr: "--log-format"},
		{name: "bad relay", mod: func(c *Config) { c.SMTPRelay = "http://x" }, wantErr: "--smtp-relay"},
		{name: "empty db", mod: func(c *Config) { c.DB = "" }, wantErr: "--db"},
		{name: "no trusted proxies", check: func(t *testing.T, c Config) {
			if p := c.TrustedProxyPrefixes(); len(p) != 0 {
				t.Fatal(p)
			}
		}},
		{name: "trusted proxies", mod: func(c *Config) {
			c.TrustedProxies = []string{"127.0.0.1", " 10.0.0.0/8", "10.1.2.3/16", "::1", "fd00::/8", "::ffff:192.0.2.0/120", ""}
		}, check: func(t *testing.T, c Config) {
			got := fmt.Sprint(c.TrustedProxyPrefixes())
			if want := "[127.0.0.1/32 10.0.0.0/8 10.1.0.0/16 ::1/128 fd00::/8 192.0.2.0/24]"; got != want {
				t.Fatalf("prefixes %s, want %s", got, want)
			}
		}},
		{name: "bad trusted proxy", mod: func(c *Config) { c.TrustedProxies = []string{"10.0.0.1", "10.0.0.300"} }, wantErr: `--trusted-proxies "10.0.0.300"`},
		{name: "bad trusted proxy CIDR", mod: func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/33"} }, wantErr: `--trusted-proxies "10.0.0.0/33"`},
		{name: "trusted proxy host name", mod: func(c *Config) { c.TrustedProxies = []string{"proxy.internal"} }, wantErr: `--trusted-proxies "proxy.internal"`},
		{name: "trusted proxy with zone", mod: func(c *Config) { c.TrustedProxies = []string{"fe80::1%eth0"} }, wantErr: `--trusted-proxies "fe80::1%eth0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			if tt.mod != nil {
				tt.mod(&c)
			}
			err := c.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
