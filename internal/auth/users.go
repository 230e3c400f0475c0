package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/hearken-org/hearken/internal/apperr"
)

// User is a staff user. The password hash never leaves the package.
type User struct {
	ID     int64  `json:"id" audit:"-"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	Locale string `json:"locale"` // "" follows the organization's default
	Active bool   `json:"active"`
	// Sign-in bookkeeping changes on every attempt; the audit log records sign-ins
	// and lockouts as actions of their own instead.
	FailedAttempts int        `json:"failed_attempts" audit:"-"`
	LockedUntil    *time.Time `json:"locked_until" audit:"-"`
	LastSignInAt   *time.Time `json:"last_sign_in_at" audit:"-"`
	CreatedAt      time.Time  `json:"created_at" audit:"-"`
	UpdatedAt      time.Time  `json:"updated_at" audit:"-"`

	passwordHash string
}

// Locked reports whether the account is locked out at now.
func (u User) Locked(now time.Time) bool { return u.LockedUntil != nil && u.LockedUntil.After(now) }

// HasPassword reports whether the user can sign in with a password (a user may be
// created without one and given one later).
func (u User) HasPassword() bool { return u.passwordHash != "" }

// NewUser is the input of CreateUser. An empty Password creates a user who cannot
// sign in until SetPassword.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Locale   string
	Password string
}

// UserPatch changes the fields that are not nil. Locale "" resets to the
// organization's default.
type UserPatch struct {
	Email  *string
	Name   *string
	Role   *Role
	Locale *string
	Active *bool
}

const maxNameLen = 200

type scanner interface{ Scan(dest ...any) error }

// userRow receives a users row whose columns need conversion.
type userRow struct {
	role         string
	locale       sql.NullString
	locked, last sql.NullTime
}

// dest lists scan targets in the column order of the users queries.
func (r *userRow) dest(u *User) []any {
	return []any{&u.ID, &u.Email, &u.Name, &r.role, &r.locale, &u.passwordHash, &u.Active, &u.FailedAttempts,
		&r.locked, &r.last, &u.CreatedAt, &u.UpdatedAt}
}

func (r *userRow) finish(u *User) {
	u.Role, u.Locale = Role(r.role), r.locale.String
	u.LockedUntil, u.LastSignInAt = timePtr(r.locked), timePtr(r.last)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
}

func scanUser(sc scanner) (User, error) {
	var (
		u User
		r userRow
	)
	if err := sc.Scan(r.dest(&u)...); err != nil {
		return User{}, err
	}
	r.finish(&u)
	return u, nil
}

// timePtr returns a nullable time in UTC (drivers return the session's zone).
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// nullTime is the driver argument for an optional time.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// cleanName trims and NFC-normalises a display name, so the same name typed on
// two systems compares equal.
func cleanName(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

func validateName(v *apperr.Error, field, name string) {
	switch {
	case name == "":
		v.Field(field, "validation.required")
	case !utf8.ValidString(name):
		v.Field(field, "validation.invalid")
	case utf8.RuneCountInString(name) > maxNameLen:
		v.Field(field, "validation.too_long", "Max", maxNameLen)
	}
}

func validateEmail(v *apperr.Error, raw string) (display, key string) {
	if strings.TrimSpace(raw) == "" {
		v.Field("email", "validation.required")
		return "", ""
	}
	display, key, ok := normalizeEmail(raw)
	if !ok {
		v.Field("email", "validation.email")
	}
	return display, key
}

func validateRole(v *apperr.Error, r Role) {
	switch {
	case r == "":
		v.Field("role", "validation.required")
	case !ValidRole(r):
		opts := make([]string, 0, len(Roles()))
		for _, r := range Roles() {
			opts = append(opts, string(r))
		}
		v.Field("role", "validation.one_of", "Options", strings.Join(opts, ", "))
	}
}

func validateLocale(v *apperr.Error, l string) {
	if l != "" && !ValidLocale(l) {
		v.Field("locale", "validation.one_of", "Options", strings.Join(SupportedLocales(), ", "))
	}
}

// CreateUser adds a user. It needs users.manage.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	if err := Require(ctx, PermUsersManage); err != nil {
		return User{}, err
	}
	v := apperr.Invalid()
	email, key := validateEmail(v, nu.Email)
	name := cleanName(nu.Name)
	validateName(v, "name", name)
	validateRole(v, nu.Role)
	validateLocale(v, nu.Locale)
	var pw string
	if nu.Password != "" {
		var fe *apperr.FieldError
		if pw, fe = validatePassword(nu.Password); fe != nil {
			v.Field("password", fe.Key, fe.Args...)
		}
	}
	if err := v.OrNil(); err != nil {
		return User{}, err
	}
	// Hash before the transaction: on SQLite it holds the only writer, and argon2
	// takes tens of milliseconds.
	var hash string
	if pw != "" {
		var err error
		if hash, err = s.hash(ctx, pw); err != nil {
			return User{}, err
		}
	}
	now := s.now()
	u := User{Email: email, Name: name, Role: nu.Role, Locale: nu.Locale, Active: true,
		CreatedAt: now, UpdatedAt: now, passwordHash: hash}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		err := s.q.QueryRowW(ctx, "InsertUser", email, key, name, string(nu.Role), nullString(nu.Locale), hash, now).Scan(&u.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Conflict("user.email_taken")
		}
		if err != nil {
			return err
		}
		changes := Diff(nil, u)
		if hash != "" {
			changes["password"] = [2]any{nil, "set"} // that it was set, never what
		}
		return s.Audit(ctx, "user.create", "user", u.ID, changes)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// GetUser returns the user with the given id. It checks no permission: the
// session and token middleware use it to load the actor, and every staff member
// may see who their colleagues are.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.q.QueryRow(ctx, "GetUser", id))
	return u, notFound(err, "user.not_found")
}

// GetUserByEmail returns the user with the given email, compared
// case-insensitively. Like GetUser it checks no permission.
func (s *Service) GetUserByEmail(ctx context.Context, email string) (User, error) {
	_, key, ok := normalizeEmail(email)
	if !ok {
		return User{}, apperr.NotFound("user.not_found")
	}
	u, err := scanUser(s.q.QueryRow(ctx, "GetUserByEmailKey", key))
	return u, notFound(err, "user.not_found")
}

// ListUsers returns users in creation order, a page at a time. Any signed-in
// actor may list them (to assign work, to see a team).
func (s *Service) ListUsers(ctx context.Context, cursor string, limit int) (Page[User], error) {
	if _, err := requireActor(ctx); err != nil {
		return Page[User]{}, err
	}
	after, err := decodeCursor(cursor, 0)
	if err != nil {
		return Page[User]{}, err
	}
	limit = pageSize(limit)
	rows, err := s.q.Query(ctx, "ListUsers", after, limit+1)
	if err != nil {
		return Page[User]{}, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return Page[User]{}, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return Page[User]{}, err
	}
	return makePage(out, limit, func(u User) int64 { return u.ID }), nil
}

// UpdateUser applies p to user id. It needs users.manage, and refuses to demote
// or deactivate the last active admin (nobody could manage users any more).
func (s *Service) UpdateUser(ctx context.Context, id int64, p UserPatch) (User, error) {
	if err := Require(ctx, PermUsersManage); err != nil {
		return User{}, err
	}
	v := apperr.Invalid()
	var email, key, name string
	if p.Email != nil {
		email, key = validateEmail(v, *p.Email)
	}
	if p.Name != nil {
		name = cleanName(*p.Name)
		validateName(v, "name", name)
	}
	if p.Role != nil {
		validateRole(v, *p.Role)
	}
	if p.Locale != nil {
		validateLocale(v, *p.Locale)
	}
	if err := v.OrNil(); err != nil {
		return User{}, err
	}
	var after User
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		after = before
		if p.Email != nil {
			after.Email = email
		} else {
			_, key, _ = normalizeEmail(before.Email)
		}
		if p.Name != nil {
			after.Name = name
		}
		if p.Role != nil {
			after.Role = *p.Role
		}
		if p.Locale != nil {
			after.Locale = *p.Locale
		}
		if p.Active != nil {
			after.Active = *p.Active
		}
		changes := Diff(before, after)
		if len(changes) == 0 {
			return nil
		}
		if p.Email != nil {
			var taken bool
			if err := s.q.QueryRow(ctx, "EmailKeyTaken", key, id).Scan(&taken); err != nil {
				return err
			}
			if taken {
				return apperr.Conflict("user.email_taken")
			}
		}
		if before.Role == RoleAdmin && before.Active && (after.Role != RoleAdmin || !after.Active) {
			var admins int
			if err := s.q.QueryRow(ctx, "CountActiveAdmins").Scan(&admins); err != nil {
				return err
			}
			if admins <= 1 {
				return apperr.Conflict("user.last_admin")
			}
		}
		after.UpdatedAt = s.now()
		if _, err := s.q.Exec(ctx, "UpdateUser", id, after.Email, key, after.Name, string(after.Role),
			nullString(after.Locale), after.Active, after.UpdatedAt); err != nil {
			return err
		}
		return s.Audit(ctx, "user.update", "user", id, changes)
	})
	if err != nil {
		return User{}, err
	}
	return after, nil
}

// SetPassword sets user id's password (an admin's reset; it also lifts a
// lockout). It needs users.manage; people change their own with ChangePassword.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	if err := Require(ctx, PermUsersManage); err != nil {
		return err
	}
	return s.setPassword(ctx, id, password, "user.password_set")
}

// ChangePassword changes the acting user's own password after checking the
// current one, so a borrowed session alone cannot take the account over.
func (s *Service) ChangePassword(ctx context.Context, current, password string) error {
	a, err := requireActor(ctx)
	if err != nil {
		return err
	}
	if a.IsSystem() {
		return apperr.Forbidden()
	}
	u, err := s.GetUser(ctx, a.UserID)
	if err != nil {
		return err
	}
	cur, ok := normalizeAttempt(current)
	if ok && u.passwordHash != "" {
		ok, _, err = s.check(ctx, u.passwordHash, cur)
		if err != nil {
			return err
		}
	}
	if !ok || u.passwordHash == "" {
		return apperr.Invalid().Field("current_password", "validation.password_wrong")
	}
	return s.setPassword(ctx, u.ID, password, "user.password_change")
}

func (s *Service) setPassword(ctx context.Context, id int64, password, action string) error {
	pw, fe := validatePassword(password)
	if fe != nil {
		return apperr.Invalid().Field("password", fe.Key, fe.Args...)
	}
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		res, err := s.q.Exec(ctx, "SetPasswordHash", id, hash, s.now())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return apperr.NotFound("user.not_found")
		}
		return s.Audit(ctx, action, "user", id, nil)
	})
}
