package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/demo"
	"github.com/hearken-org/hearken/internal/inbox"
)

// RunServe opens Hearken and serves until ctx ends.
func RunServe(ctx context.Context, cfg config.Config, ready func(addr string)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger()
	a, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx, ready)
}

// RunMigrate applies migrations and reports what was done.
func RunMigrate(ctx context.Context, cfg config.Config) error {
	a, err := Open(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer a.Close()
	a.Log.Info("database is up to date", "db", a.DB.Source)
	return nil
}

// withCLI opens Hearken quietly for a one-shot command, acting as the CLI in
// the audit log.
func withCLI(ctx context.Context, cfg config.Config, fn func(ctx context.Context, a *App) error) error {
	cfg.LogLevel = "warn"
	a, err := Open(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(auth.WithActor(ctx, auth.SystemActor("cli")), a)
}

// AddUser creates a staff user from the command line.
func AddUser(ctx context.Context, cfg config.Config, email, name, role, locale, password string) (int64, error) {
	var id int64
	err := withCLI(ctx, cfg, func(ctx context.Context, a *App) error {
		u, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: email, Name: name, Role: auth.Role(role), Locale: locale, Password: password})
		if err != nil {
			return a.explain(err)
		}
		id = u.ID
		return nil
	})
	return id, err
}

// SetPassword changes a user's password from the command line.
func SetPassword(ctx context.Context, cfg config.Config, email, password string) error {
	return withCLI(ctx, cfg, func(ctx context.Context, a *App) error {
		u, err := a.Auth.GetUserByEmail(ctx, email)
		if err != nil {
			return a.explain(err)
		}
		return a.explain(a.Auth.SetPassword(ctx, u.ID, password))
	})
}

// CreateToken makes an API token for the user with that email.
func CreateToken(ctx context.Context, cfg config.Config, email, name string) (string, error) {
	var plain string
	err := withCLI(ctx, cfg, func(ctx context.Context, a *App) error {
		u, err := a.Auth.GetUserByEmail(ctx, email)
		if err != nil {
			return a.explain(err)
		}
		plain, _, err = a.Auth.CreateToken(ctx, u.ID, name, nil)
		return a.explain(err)
	})
	return plain, err
}

// RunDemo fills the database with the demo organization (if it is not already
// complete) and, when serve is set, serves it.
func RunDemo(ctx context.Context, cfg config.Config, size demo.Size, serve bool, out io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger()
	a, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	gctx := auth.WithActor(ctx, auth.SystemActor("demo"))
	if err := demo.Run(gctx, a.DB, size, a.DemoSteps(), out); err != nil {
		return err
	}
	if !serve {
		return nil
	}
	return a.Serve(ctx, func(addr string) {
		fmt.Fprintf(out, "\nHearken demo is running at %s\n", a.Cfg.BaseURL)
		fmt.Fprintf(out, "Sign in as %s with password %s (other roles: see README).\n", DemoAdminEmail, DemoPassword)
		fmt.Fprintf(out, "Database: %s. Press Ctrl+C to stop.\n\n", a.DB.Source)
	})
}

// explain turns a domain error into a message for the terminal, in English.
func (a *App) explain(err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	l := a.Bundle.Localizer("en")
	msg := l.T(e.Key, e.Args...)
	fields := make([]string, 0, len(e.Fields))
	for f, fe := range e.Fields {
		fields = append(fields, f+": "+l.T(fe.Key, fe.Args...))
	}
	sort.Strings(fields)
	if len(fields) > 0 {
		msg += " (" + strings.Join(fields, "; ") + ")"
	}
	return errors.New(msg)
}

// AddMailbox makes Hearken accept mail for an address, optionally routing it to
// a team given by slug or name.
func AddMailbox(ctx context.Context, cfg config.Config, address, name, team string) (int64, error) {
	var id int64
	err := withCLI(ctx, cfg, func(ctx context.Context, a *App) error {
		var teamID int64
		if team != "" {
			teams, err := a.Org.ListTeams(ctx)
			if err != nil {
				return err
			}
			for _, t := range teams {
				if strings.EqualFold(t.Slug, team) || strings.EqualFold(t.Name, team) {
					teamID = t.ID
				}
			}
			if teamID == 0 {
				return fmt.Errorf("no team %q (see the teams of the organization)", team)
			}
		}
		mb, err := a.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: address, DisplayName: name, TeamID: teamID})
		if err != nil {
			return a.explain(err)
		}
		id = mb.ID
		return nil
	})
	return id, err
}
