package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var bin string

// TestMain builds the real binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hearken-bin-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "hearken")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "HEARKEN_LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestCLI(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "h.db")
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "version", args: []string{"version"}, want: []string{"hearken "}},
		{name: "help", args: []string{"--help"}, want: []string{"serve", "demo", "migrate", "user", "token"}},
		{name: "unknown flag", args: []string{"serve", "--nope"}, wantCode: 80, want: []string{"unknown flag --nope"}},
		{name: "migrate", args: []string{"migrate", "--db", dbPath}},
		{name: "user add", stdin: "a long enough password\n", args: []string{"user", "add", "--db", dbPath, "--email", "Leila@Example.org", "--name", "لیلا کریمی", "--role", "admin", "--locale", "fa"}, want: []string{"Added user 1"}},
		{name: "user add duplicate", stdin: "a long enough password\n", args: []string{"user", "add", "--db", dbPath, "--email", "leila@example.org", "--name", "x", "--role", "admin"}, wantCode: 1, want: []string{"already exists"}},
		{name: "user add short password", stdin: "short\n", args: []string{"user", "add", "--db", dbPath, "--email", "b@example.org", "--name", "B", "--role", "agent"}, wantCode: 1, want: []string{"password: Use at least 10 characters"}},
		{name: "user add bad role", stdin: "a long enough password\n", args: []string{"user", "add", "--db", dbPath, "--email", "c@example.org", "--name", "C", "--role", "wizard"}, wantCode: 1, want: []string{"role:"}},
		{name: "user add no password", stdin: "", args: []string{"user", "add", "--db", dbPath, "--email", "d@example.org", "--name", "D", "--role", "agent"}, wantCode: 1, want: []string{"no password on stdin"}},
		{name: "passwd", stdin: "another long password\n", args: []string{"user", "passwd", "--db", dbPath, "--email", "leila@example.org"}, want: []string{"Password changed."}},
		{name: "passwd unknown", stdin: "another long password\n", args: []string{"user", "passwd", "--db", dbPath, "--email", "nobody@example.org"}, wantCode: 1},
		{name: "token", args: []string{"token", "create", "--db", dbPath, "--email", "leila@example.org", "--name", "ci"}, want: []string{"hk_", "will not be shown again"}},
		{name: "mailbox add", args: []string{"mailbox", "add", "--db", dbPath, "--address", "help@example.org", "--name", "Help desk"}, want: []string{"accepts mail for help@example.org"}},
		{name: "mailbox add bad address", args: []string{"mailbox", "add", "--db", dbPath, "--address", "not an address"}, wantCode: 1},
		{name: "mailbox add unknown team", args: []string{"mailbox", "add", "--db", dbPath, "--address", "x@example.org", "--team", "nope"}, wantCode: 1, want: []string{"no team"}},
		{name: "missing folder", args: []string{"migrate", "--db", "/nonexistent/dir/h.db"}, wantCode: 1, want: []string{"folder /nonexistent/dir does not exist"}},
		{name: "postgres unreachable", args: []string{"migrate", "--db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, wantCode: 1, want: []string{"unreachable"}},
		{name: "bad addr", args: []string{"serve", "--db", dbPath, "--addr", "8080"}, wantCode: 1, want: []string{"--addr"}},
		{name: "bad trusted proxy", args: []string{"serve", "--db", dbPath, "--trusted-proxies", "10.0.0.0/8,proxy.internal"}, wantCode: 1, want: []string{`--trusted-proxies "proxy.internal"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := run(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestTrustedProxiesEnv: HEARKEN_TRUSTED_PROXIES is a comma-separated list,
// each entry checked on its own.
func TestTrustedProxiesEnv(t *testing.T) {
	t.Setenv("HEARKEN_TRUSTED_PROXIES", "172.16.0.0/12, 192.0.2.300")
	out, code := run(t, "", "serve", "--db", filepath.Join(t.TempDir(), "h.db"))
	if code != 1 || !strings.Contains(out, `--trusted-proxies "192.0.2.300"`) || strings.Contains(out, "172.16") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestDemoResumes runs the demo generator twice on one file: the second run
// finds every step done and does nothing twice.
func TestDemoResumes(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	for i := range 2 {
		out, code := run(t, "", "demo", "--db", dbPath, "--load-only")
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i, code, out)
		}
		if !strings.Contains(out, "staff") || !strings.Contains(out, "100%") {
			t.Fatalf("run %d: no progress bar:\n%s", i, out)
		}
	}
}
