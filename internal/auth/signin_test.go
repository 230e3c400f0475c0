package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

func TestAuthenticate(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, c := newService(d)
		ctx := context.Background()
		u := mustCreate(t, s, auth.NewUser{Email: "Ayşe@Örnek.org", Name: "Ayşe", Role: auth.RoleAgent, Password: "doğru parola 1"})
		off := mustCreate(t, s, auth.NewUser{Email: "off@example.org", Name: "Off", Role: auth.RoleAgent, Password: "doğru parola 1"})
		if _, err := s.UpdateUser(system(), off.ID, auth.UserPatch{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, email, password string
			key                   string
		}{
			{"success", "Ayşe@Örnek.org", "doğru parola 1", ""},
			{"email in other case", "AYŞE@ÖRNEK.ORG", "doğru parola 1", ""},
			{"password NFKC-equivalent", "ayşe@örnek.org", "doğru parola １", ""},
			{"wrong password", "ayşe@örnek.org", "yanlış parola", "signin.failed"},
			{"unknown email", "nobody@örnek.org", "doğru parola 1", "signin.failed"},
			{"malformed email", "nobody", "doğru parola 1", "signin.failed"},
			{"invalid UTF-8 password", "ayşe@örnek.org", "doğru\xff", "signin.failed"},
			{"inactive, right password", "off@example.org", "doğru parola 1", "signin.inactive"},
			{"inactive, wrong password", "off@example.org", "yanlış parola", "signin.failed"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Authenticate(ctx, tt.email, tt.password, "192.0.2.1")
				if tt.key == "" {
					if err != nil || got.ID != u.ID || got.LastSignInAt == nil || !got.LastSignInAt.Equal(c.Now()) {
						t.Fatalf("Authenticate = %+v, %v", got, err)
					}
					return
				}
				wantErr(t, err, apperr.CodeUnauthorized, tt.key)
			})
		}
		// Successes reset the count; the two failures since the last success remain.
		got, _ := s.GetUser(ctx, u.ID)
		if got.FailedAttempts != 2 || got.LastSignInAt == nil {
			t.Fatalf("after tests: %+v", got)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'user.sign_in' AND actor_user_id = $1 AND ip = '192.0.2.1'", u.ID); n != 3 {
			t.Fatalf("sign-in audit entries = %d", n)
		}
		if n := count(t, d, "SELECT count(*) FROM signin_failures WHERE ip = '192.0.2.1'"); n != 5 {
			t.Fatalf("recorded failures = %d, want 5", n)
		}
	})
}

func TestLockout(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, c := newService(d)
		ctx := context.Background()
		u := mustCreate(t, s, auth.NewUser{Email: "lock@example.org", Name: "L", Role: auth.RoleViewer, Password: "right password"})
		for i := 1; i < auth.MaxFailedAttempts; i++ {
			_, err := s.Authenticate(ctx, "lock@example.org", "wrong password", "")
			wantErr(t, err, apperr.CodeUnauthorized, "signin.failed")
			c.Advance(time.Second)
		}
		// The fifth consecutive failure locks the account and says so.
		_, err := s.Authenticate(ctx, "lock@example.org", "wrong password", "")
		e := wantErr(t, err, apperr.CodeUnauthorized, "signin.locked")
		if argOf(e, "Minutes") != 15 {
			t.Fatalf("args %v", e.Args)
		}
		got, _ := s.GetUser(ctx, u.ID)
		if !got.Locked(c.Now()) || got.FailedAttempts != 0 {
			t.Fatalf("after lock: %+v", got)
		}
		// While locked, even the right password is refused; minutes round up.
		c.Advance(10*time.Minute + 30*time.Second)
		_, err = s.Authenticate(ctx, "LOCK@example.org", "right password", "")
		if e := wantErr(t, err, apperr.CodeUnauthorized, "signin.locked"); argOf(e, "Minutes") != 5 {
			t.Fatalf("args %v", e.Args)
		}
		c.Advance(4*time.Minute + 29*time.Second)
		_, err = s.Authenticate(ctx, "lock@example.org", "right password", "")
		if e := wantErr(t, err, apperr.CodeUnauthorized, "signin.locked"); argOf(e, "Minutes") != 1 {
			t.Fatalf("args %v", e.Args)
		}
		// After 15 minutes it expires.
		c.Advance(time.Second)
		if _, err := s.Authenticate(ctx, "lock@example.org", "right password", ""); err != nil {
			t.Fatalf("after lockout: %v", err)
		}
		got, _ = s.GetUser(ctx, u.ID)
		if got.LockedUntil != nil || got.FailedAttempts != 0 {
			t.Fatalf("after success: %+v", got)
		}
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'user.lock' AND entity_id = $1", u.ID); n != 1 {
			t.Fatalf("lock audit entries = %d", n)
		}

		// An admin's password reset lifts a lock at once.
		for range auth.MaxFailedAttempts {
			_, _ = s.Authenticate(ctx, "lock@example.org", "wrong password", "")
		}
		if _, err := s.Authenticate(ctx, "lock@example.org", "right password", ""); !apperr.Is(err, apperr.CodeUnauthorized) {
			t.Fatalf("not locked again: %v", err)
		}
		if err := s.SetPassword(system(), u.ID, "a new password"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "lock@example.org", "a new password", ""); err != nil {
			t.Fatalf("after reset: %v", err)
		}
	})
}

func TestIPRateLimit(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, c := newService(d)
		ctx := context.Background()
		mustCreate(t, s, auth.NewUser{Email: "victim@example.org", Name: "V", Role: auth.RoleViewer, Password: "right password"})
		const attacker, office = "198.51.100.7", "2001:db8::1"
		// Rotating addresses inside one IPv6 /64 does not escape the limit.
		for i := range auth.MaxIPFailures {
			_, _ = s.Authenticate(ctx, "nobody@example.org", "password123", fmt.Sprintf("[2001:db8:0:9::%x]:443", i+1))
		}
		if _, err := s.Authenticate(ctx, "victim@example.org", "right password", "2001:db8:0:9::ffff"); !apperr.Is(err, apperr.CodeRateLimited) {
			t.Fatalf("IPv6 /64 rotation: %v", err)
		}
		c.Advance(auth.IPFailureWindow)
		// Spread over many emails so no account locks: the IP limit is what stops it.
		for i := range auth.MaxIPFailures {
			_, err := s.Authenticate(ctx, fmt.Sprintf("guess%d@example.org", i), "password123", attacker)
			wantErr(t, err, apperr.CodeUnauthorized, "signin.failed")
			c.Advance(20 * time.Second)
		}
		_, err := s.Authenticate(ctx, "victim@example.org", "right password", attacker)
		e := wantErr(t, err, apperr.CodeRateLimited, "signin.rate_limited")
		if argOf(e, "Minutes") != 10 {
			t.Fatalf("args %v", e.Args)
		}
		// Refusals are not recorded, and other clients are unaffected.
		if n := count(t, d, "SELECT count(*) FROM signin_failures WHERE ip = $1", attacker); n != auth.MaxIPFailures {
			t.Fatalf("failures recorded = %d", n)
		}
		if _, err := s.Authenticate(ctx, "victim@example.org", "right password", office); err != nil {
			t.Fatalf("other IP: %v", err)
		}
		// The window slides: once the oldest failure is older than ten minutes,
		// one more attempt is allowed.
		c.Advance(auth.IPFailureWindow - time.Duration(auth.MaxIPFailures-1)*20*time.Second)
		if _, err := s.Authenticate(ctx, "victim@example.org", "right password", attacker); err != nil {
			t.Fatalf("after window: %v", err)
		}
		// Another instance (a second service on the same database) sees the same counts.
		s2, _ := newService(d)
		s2.Now = c.Now
		for range 2 {
			_, _ = s.Authenticate(ctx, "guess@example.org", "password123", attacker)
		}
		if _, err := s2.Authenticate(ctx, "victim@example.org", "right password", attacker); !apperr.Is(err, apperr.CodeRateLimited) {
			t.Fatalf("second instance: %v", err)
		}
		c.Advance(25 * time.Hour)
		if n, err := s.PruneSigninFailures(ctx); err != nil || n != 2*auth.MaxIPFailures+2 {
			t.Fatalf("pruned %d, %v", n, err)
		}
	})
}

func TestRehashOnSignIn(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		ctx := context.Background()
		u := mustCreate(t, s, auth.NewUser{Email: "r@example.org", Name: "R", Role: auth.RoleViewer, Password: "right password"})
		old := auth.PasswordHashOf(u)
		s.Password.Memory = 2048
		if _, err := s.Authenticate(ctx, "r@example.org", "wrong password", ""); err == nil {
			t.Fatal("wrong password accepted")
		}
		got, _ := s.GetUser(ctx, u.ID)
		if auth.PasswordHashOf(got) != old {
			t.Fatal("rehashed on a failed sign-in")
		}
		if _, err := s.Authenticate(ctx, "r@example.org", "right password", ""); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetUser(ctx, u.ID)
		if h := auth.PasswordHashOf(got); h == old || !strings.HasPrefix(h, "$argon2id$v=19$m=2048,t=1,p=1$") {
			t.Fatalf("not rehashed: %s", h)
		}
		if _, err := s.Authenticate(ctx, "r@example.org", "right password", ""); err != nil {
			t.Fatalf("after rehash: %v", err)
		}
	})
}

// TestUnknownEmailCostsAHash checks the no-enumeration rule: an unknown email
// takes about as long as a wrong password, because both run argon2.
func TestUnknownEmailCostsAHash(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	d := dbtest.SQLite(t, modules)
	s, _ := newService(d)
	s.Password = auth.PasswordParams{Memory: 32 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}
	ctx := context.Background()
	mustCreate(t, s, auth.NewUser{Email: "known@example.org", Name: "K", Role: auth.RoleViewer, Password: "right password"})
	_, _ = s.Authenticate(ctx, "warm@example.org", "x", "") // builds the dummy hash
	// Best of five each, taken in turn, so a burst of load elsewhere on the
	// machine (tests of other packages run at the same time) slows both.
	timeIt := func(email string) time.Duration {
		start := time.Now()
		_, _ = s.Authenticate(ctx, email, "wrong password", "")
		return time.Since(start)
	}
	known, unknown := time.Hour, time.Hour
	for range 5 {
		known = min(known, timeIt("known@example.org"))
		unknown = min(unknown, timeIt("unknown@example.org"))
	}
	if unknown < known/2 {
		t.Fatalf("unknown email %v, known %v: the missing hash is visible", unknown, known)
	}
}
