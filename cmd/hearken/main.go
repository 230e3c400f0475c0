// Command hearken runs Hearken, the constituent-care platform for nonprofits.
// It only parses the command line and calls internal/app.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"golang.org/x/term"

	"github.com/hearken-org/hearken/internal/app"
	"github.com/hearken-org/hearken/internal/config"
	"github.com/hearken-org/hearken/internal/demo"
)

type globals struct {
	LogLevel  string `help:"debug, info, warn or error." default:"info" env:"HEARKEN_LOG_LEVEL"`
	LogFormat string `help:"text or json." default:"text" env:"HEARKEN_LOG_FORMAT" enum:"text,json"`
}

func (g globals) config() config.Config {
	c := config.Defaults()
	c.LogLevel, c.LogFormat = g.LogLevel, g.LogFormat
	return c
}

// dbFlag is the database every command but demo opens.
type dbFlag struct {
	DB string `help:"SQLite file path or postgres:// URL." default:"./hearken.db" env:"HEARKEN_DB"`
}

func (d dbFlag) config(g *globals) config.Config {
	c := g.config()
	c.DB = d.DB
	return c
}

type serveFlags struct {
	Addr           string        `help:"HTTP listen address." default:"127.0.0.1:8080" env:"HEARKEN_ADDR"`
	BaseURL        string        `help:"Public URL of this Hearken (default: from --addr)." env:"HEARKEN_BASE_URL"`
	SMTPAddr       string        `name:"smtp-addr" help:"Start the inbound SMTP listener on this address, e.g. 127.0.0.1:2525." env:"HEARKEN_SMTP_ADDR"`
	SMTPRelay      string        `name:"smtp-relay" help:"Outbound mail relay: smtp://host:port, smtps://user:pass@host:port." env:"HEARKEN_SMTP_RELAY"`
	Workers        int           `help:"Concurrent background jobs on this instance." default:"4" env:"HEARKEN_WORKERS"`
	Shutdown       time.Duration `help:"Grace period for in-flight requests and jobs at shutdown." default:"20s" env:"HEARKEN_SHUTDOWN_TIMEOUT"`
	TrustedProxies []string      `name:"trusted-proxies" sep:"," help:"Reverse proxies whose X-Forwarded-For is believed, comma-separated addresses or CIDRs, e.g. 127.0.0.1,10.0.0.0/8 (default: none)." env:"HEARKEN_TRUSTED_PROXIES"`
}

func (s serveFlags) apply(c *config.Config) {
	c.Addr, c.BaseURL, c.SMTPAddr, c.SMTPRelay, c.Workers, c.ShutdownTimeout = s.Addr, s.BaseURL, s.SMTPAddr, s.SMTPRelay, s.Workers, s.Shutdown
	c.TrustedProxies = s.TrustedProxies
}

type cli struct {
	globals
	Serve   serveCmd   `cmd:"" help:"Run Hearken (web UI, API, background jobs)."`
	Demo    demoCmd    `cmd:"" help:"Run Hearken on a database filled with a demo organization."`
	Migrate migrateCmd `cmd:"" help:"Apply database migrations and exit."`
	User    struct {
		Add    userAddCmd    `cmd:"" help:"Add a staff user (password read from the terminal or stdin)."`
		Passwd userPasswdCmd `cmd:"" help:"Set a staff user's password (read from the terminal or stdin)."`
	} `cmd:"" help:"Manage staff users."`
	Token struct {
		Create tokenCreateCmd `cmd:"" help:"Create an API token for a user and print it once."`
	} `cmd:"" help:"Manage API tokens."`
	Mailbox struct {
		Add mailboxAddCmd `cmd:"" help:"Accept mail for an address (the SMTP listener refuses other recipients)."`
	} `cmd:"" help:"Manage the addresses the inbox receives mail for."`
	Version versionCmd `cmd:"" help:"Print the version."`
}

type serveCmd struct {
	dbFlag
	serveFlags
}

func (c *serveCmd) Run(g *globals) error {
	cfg := c.config(g)
	c.apply(&cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.RunServe(ctx, cfg, nil)
}

type demoCmd struct {
	serveFlags
	DB   string `help:"SQLite file path or postgres:// URL for the demo." default:"./hearken-demo.db" env:"HEARKEN_DEMO_DB"`
	Size string `help:"small (a believable organization in seconds) or large (about a million people, for benchmarks)." default:"small" enum:"small,large"`
	Load bool   `help:"Only generate the data, then exit." name:"load-only"`
}

func (c *demoCmd) Run(g *globals) error {
	cfg := g.config()
	c.apply(&cfg)
	cfg.DB = c.DB
	size, err := demo.ParseSize(c.Size)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.RunDemo(ctx, cfg, size, !c.Load, os.Stderr)
}

type migrateCmd struct{ dbFlag }

func (c *migrateCmd) Run(g *globals) error {
	return app.RunMigrate(context.Background(), c.config(g))
}

type userAddCmd struct {
	dbFlag
	Email  string `required:"" help:"Sign-in email."`
	Name   string `required:"" help:"Display name."`
	Role   string `required:"" help:"admin, manager, agent, fundraiser, volunteer_coordinator or viewer."`
	Locale string `help:"Language: en, tr, fr, fi, ja or fa (default: from the browser)."`
}

func (c *userAddCmd) Run(g *globals) error {
	pw, err := readPassword("Password for " + c.Email)
	if err != nil {
		return err
	}
	id, err := app.AddUser(context.Background(), c.config(g), c.Email, c.Name, c.Role, c.Locale, pw)
	if err != nil {
		return err
	}
	fmt.Printf("Added user %d <%s> as %s.\n", id, c.Email, c.Role)
	return nil
}

type userPasswdCmd struct {
	dbFlag
	Email string `required:"" help:"The user's sign-in email."`
}

func (c *userPasswdCmd) Run(g *globals) error {
	pw, err := readPassword("New password for " + c.Email)
	if err != nil {
		return err
	}
	if err := app.SetPassword(context.Background(), c.config(g), c.Email, pw); err != nil {
		return err
	}
	fmt.Println("Password changed.")
	return nil
}

type tokenCreateCmd struct {
	dbFlag
	Email string `required:"" help:"The user the token acts as."`
	Name  string `help:"A name to recognise the token by." default:"cli"`
}

func (c *tokenCreateCmd) Run(g *globals) error {
	plain, err := app.CreateToken(context.Background(), c.config(g), c.Email, c.Name)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "Copy this token now; it will not be shown again:")
	fmt.Println(plain)
	return nil
}

type mailboxAddCmd struct {
	dbFlag
	Address string `required:"" help:"The address, e.g. help@example.org."`
	Name    string `help:"Display name used when replying, e.g. \"Harbor Light help desk\"."`
	Team    string `help:"Route its conversations to this team (slug or name)."`
	IMAP    string `name:"imap" help:"Also fetch its mail over IMAP: imaps://user@host[:993]/INBOX (password read from the terminal or stdin)."`
}

func (c *mailboxAddCmd) Run(g *globals) error {
	var imapPassword string
	if c.IMAP != "" {
		if err := app.CheckIMAPURL(c.IMAP); err != nil {
			return err
		}
		// Read first: a mailbox without the password it needs helps nobody.
		pw, err := readPassword("IMAP password for " + c.IMAP)
		if err != nil {
			return err
		}
		imapPassword = pw
	}
	id, err := app.AddMailbox(context.Background(), c.config(g), c.Address, c.Name, c.Team)
	if err != nil {
		return err
	}
	if c.IMAP != "" {
		if err := app.SetMailboxIMAP(context.Background(), c.config(g), c.Address, c.IMAP, imapPassword); err != nil {
			return err
		}
		fmt.Printf("Mailbox %d: `hearken serve` fetches its mail from %s.\n", id, c.IMAP)
	}
	fmt.Printf("Mailbox %d: Hearken now accepts mail for %s.\n", id, c.Address)
	return nil
}

type versionCmd struct{}

func (c *versionCmd) Run() error {
	fmt.Println("hearken", app.Version)
	return nil
}

// readPassword reads a password without echo from a terminal, or one line from
// stdin when piped; passwords are never flags (they would show in ps and shell
// history).
func readPassword(prompt string) (string, error) {
	if term.IsTerminal(int(os.Stdin.Fd())) {
		fmt.Fprint(os.Stderr, prompt+": ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(os.Stderr, "Again: ")
		b2, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		if string(b) != string(b2) {
			return "", errors.New("the passwords differ")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin")
	}
	return line, nil
}

func main() {
	var c cli
	ctx := kong.Parse(&c,
		kong.Name("hearken"),
		kong.Description("Hearken: constituent care for nonprofits. Every setting also reads a HEARKEN_* environment variable."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err := ctx.Run(&c.globals); err != nil {
		fmt.Fprintln(os.Stderr, "hearken:", err)
		os.Exit(1)
	}
}
