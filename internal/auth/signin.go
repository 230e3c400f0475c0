package auth

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
)

func errSigninFailed() error {
	return apperr.New(apperr.CodeUnauthorized, "signin.failed")
}

func errLocked(until, now time.Time) error {
	// Round up: "try again in 0 minutes" would be wrong for the last 59 seconds.
	minutes := int((until.Sub(now) + time.Minute - 1) / time.Minute)
	return apperr.New(apperr.CodeUnauthorized, "signin.locked", "Minutes", max(1, minutes))
}

// Authenticate checks an email and password from a client at ip (an address, with
// or without port; "" when there is no network client, e.g. the CLI: then no IP
// throttling applies).
//
// Failures are deliberately uniform: an unknown email and a wrong password both
// give "signin.failed" after the same argon2 work, so neither the message nor the
// timing tells which emails have accounts. MaxFailedAttempts consecutive failures
// lock an account for LockoutDuration ("signin.locked", Minutes); once one IP (an
// IPv6 /64) has MaxIPFailures failures within IPFailureWindow, its further
// attempts are refused unchecked ("signin.rate_limited", Minutes). A correct password for a deactivated user gives
// "signin.inactive": it reveals nothing to someone without the password.
//
// On success the failure count is reset, the sign-in is audited, and a hash made
// with outdated parameters is replaced.
//
// Call it outside a transaction: failures must be recorded even though the
// caller returns an error.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	now := s.now()
	rawIP := ip
	ip = clientKey(ip)
	if ip != "" {
		var n int
		if err := s.q.QueryRow(ctx, "CountIPFailures", ip, now.Add(-IPFailureWindow)).Scan(&n); err != nil {
			return User{}, err
		}
		if n >= MaxIPFailures {
			// Refusals are not recorded: the window then ends on its own, and a flood
			// of refused requests costs no writes.
			return User{}, apperr.New(apperr.CodeRateLimited, "signin.rate_limited", "Minutes", int(IPFailureWindow/time.Minute))
		}
	}

	var u User
	found := false
	if _, key, ok := normalizeEmail(email); ok {
		var err error
		u, err = scanUser(s.q.QueryRow(ctx, "GetUserByEmailKey", key))
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, sql.ErrNoRows):
			return User{}, err
		}
	}
	if found && u.Locked(now) {
		// No password check while locked: that is what stops guessing.
		if err := s.recordFailure(ctx, ip, nil, now); err != nil {
			return User{}, err
		}
		return User{}, errLocked(*u.LockedUntil, now)
	}

	pw, usable := normalizeAttempt(password)
	ok, stale := false, false
	if usable {
		hash := u.passwordHash
		if !found || hash == "" {
			var err error
			if hash, err = s.dummyHash(ctx); err != nil {
				return User{}, err
			}
		}
		var err error
		ok, stale, err = s.check(ctx, hash, pw)
		if err != nil && !errors.Is(err, errBadHash) {
			return User{}, err
		}
		ok = ok && found && u.passwordHash != ""
	}
	if !ok {
		var user *User
		if found {
			user = &u
		}
		if err := s.recordFailure(ctx, ip, user, now); err != nil {
			return User{}, err
		}
		if found && u.Locked(now) {
			return User{}, errLocked(*u.LockedUntil, now)
		}
		return User{}, errSigninFailed()
	}
	if !u.Active {
		return User{}, apperr.New(apperr.CodeUnauthorized, "signin.inactive")
	}

	var rehash string
	if stale {
		var err error
		if rehash, err = s.hash(ctx, pw); err != nil {
			return User{}, err
		}
	}
	actx := s.signinActorCtx(ctx, u, rawIP)
	err := s.db.InTx(actx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "RecordSignIn", u.ID, now); err != nil {
			return err
		}
		if rehash != "" {
			if _, err := s.q.Exec(ctx, "RehashPassword", u.ID, rehash); err != nil {
				return err
			}
		}
		return s.Audit(ctx, "user.sign_in", "user", u.ID, nil)
	})
	if err != nil {
		return User{}, err
	}
	u.FailedAttempts, u.LockedUntil, u.LastSignInAt = 0, nil, &now
	if rehash != "" {
		u.passwordHash = rehash
	}
	return u, nil
}

// recordFailure notes a failed attempt against ip and, when user is not nil,
// against the account, locking it on the MaxFailedAttempts-th failure (user's
// LockedUntil is updated then). It commits on its own: the caller returns an error.
func (s *Service) recordFailure(ctx context.Context, ip string, user *User, now time.Time) error {
	if ip == "" && user == nil {
		return nil
	}
	actx := ctx
	if user != nil {
		actx = s.signinActorCtx(ctx, *user, ip)
	}
	return s.db.InTx(actx, func(ctx context.Context) error {
		if ip != "" {
			var uid any
			if user != nil {
				uid = user.ID
			}
			if _, err := s.q.Exec(ctx, "InsertSigninFailure", now, ip, uid); err != nil {
				return err
			}
		}
		if user == nil {
			return nil
		}
		until := now.Add(LockoutDuration)
		var count int
		if err := s.q.QueryRowW(ctx, "RecordUserFailure", user.ID, MaxFailedAttempts, until).Scan(&count); err != nil {
			return err
		}
		user.FailedAttempts = count
		if count != 0 {
			return nil
		}
		user.LockedUntil = &until
		return s.Audit(ctx, "user.lock", "user", user.ID, map[string][2]any{"locked_until": {nil, until}})
	})
}

// signinActorCtx makes the user the actor of their own sign-in's audit entries,
// keeping the request id of any actor the middleware already set.
func (s *Service) signinActorCtx(ctx context.Context, u User, ip string) context.Context {
	a := ActorFor(u, nil)
	a.IP = ip
	if prev, ok := ActorFrom(ctx); ok {
		a.RequestID = prev.RequestID
	}
	return WithActor(ctx, a)
}

// clientKey is what IP throttling counts by: the address without any port (so
// r.RemoteAddr works too), and for IPv6 its /64, since one client usually holds a
// whole /64 and could otherwise rotate through it.
func clientKey(ip string) string {
	ip = strings.TrimSpace(ip)
	if ip == "" {
		return ""
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		ap, perr := netip.ParseAddrPort(ip)
		if perr != nil {
			return ip // not an address (a proxy's label?): count it as given
		}
		addr = ap.Addr()
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}
