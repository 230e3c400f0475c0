package auth

import (
	"context"
	"strconv"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Actor is who is acting in a request or job: a signed-in user, a user through an
// API token, or the system (CLI, background jobs). The web and API middleware put
// it in the context; services read it for permission checks and the audit log.
type Actor struct {
	UserID  int64 // 0 for the system
	Name    string
	Email   string
	Role    Role
	Locale  string
	TokenID int64  // the API token used, 0 for a session or the system
	Label   string // how the audit log names the actor when there is no user ("cli", "api token 3")
	IP      string
	// RequestID ties audit entries to the request's log lines.
	RequestID string
}

// Can reports whether the actor's role holds p.
func (a Actor) Can(p Permission) bool { return Can(a.Role, p) }

// IsSystem reports whether the actor is the system rather than a user.
func (a Actor) IsSystem() bool { return a.UserID == 0 }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// SystemActor is the actor for the CLI and background jobs. It holds the admin
// role: such code is trusted, and what it does is still audited under label.
func SystemActor(label string) Actor {
	if label == "" {
		label = "system"
	}
	return Actor{Role: RoleAdmin, Label: label}
}

// ActorFor is the actor for user u, through API token t when t is not nil. The
// caller adds IP and RequestID.
func ActorFor(u User, t *Token) Actor {
	a := Actor{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Locale: u.Locale}
	if t != nil {
		a.TokenID = t.ID
		a.Label = "api token " + strconv.FormatInt(t.ID, 10)
	}
	return a
}

// errUnauthenticated is returned when an operation needs an actor and ctx has none.
func errUnauthenticated() *apperr.Error {
	return apperr.New(apperr.CodeUnauthorized, "error.unauthorized")
}

// Require returns nil when the actor in ctx holds p, apperr.Forbidden when it
// does not, and an unauthorized error when there is no actor at all.
func Require(ctx context.Context, p Permission) error {
	a, ok := ActorFrom(ctx)
	if !ok {
		return errUnauthenticated()
	}
	if !a.Can(p) {
		return apperr.Forbidden()
	}
	return nil
}

// requireActor returns the actor in ctx or an unauthorized error.
func requireActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, errUnauthenticated()
	}
	return a, nil
}
