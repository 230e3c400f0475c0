package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
)

// AckVariables are the names an acknowledgement template may use, as
// {{.Name}}; {{if .Name}}…{{else}}…{{end}} tests one.
var AckVariables = []string{"FirstName", "GreetingName", "SupporterSince", "Reference", "Subject", "ExpectedReply", "TimeZone", "Signature"}

// AckChannels are the channels acknowledgement templates exist for.
var AckChannels = []string{string(ChannelEmail), string(ChannelWeb), string(ChannelSocial)}

const (
	maxAckSubject = 300
	maxAckBody    = 10000
)

// AckTemplate is the organization's acknowledgement wording for one
// language and channel.
type AckTemplate struct {
	ID              int64     `json:"id"`
	Language        string    `json:"language"`
	Channel         string    `json:"channel"`
	Subject         string    `json:"subject"`
	Body            string    `json:"body"`
	UpdatedByUserID int64     `json:"updated_by_user_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// AckTemplateInput creates or replaces the template of Language and Channel.
type AckTemplateInput struct {
	Language string `json:"language"`
	Channel  string `json:"channel"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
}

func scanAckTemplate(r scanner) (AckTemplate, error) {
	var (
		t  AckTemplate
		by sql.NullInt64
	)
	err := r.Scan(&t.ID, &t.Language, &t.Channel, &t.Subject, &t.Body, &by, &t.CreatedAt, &t.UpdatedAt)
	t.UpdatedByUserID, t.CreatedAt, t.UpdatedAt = by.Int64, t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

// ListAckTemplates lists the organization's templates (inbox.manage).
func (s *Service) ListAckTemplates(ctx context.Context) ([]AckTemplate, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "ListAckTemplates")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AckTemplate{}
	for rows.Next() {
		t, err := scanAckTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AckTemplateFor returns the stored template of a language and channel, or
// nil when the catalog's wording applies.
func (s *Service) AckTemplateFor(ctx context.Context, lang, channel string) (*AckTemplate, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return nil, err
	}
	return s.findAckTemplate(ctx, lang, channel)
}

func (s *Service) findAckTemplate(ctx context.Context, lang, channel string) (*AckTemplate, error) {
	t, err := scanAckTemplate(s.q.QueryRow(ctx, "FindAckTemplate", lang, channel))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// validateAckTemplate checks the language, channel and both templates,
// returning field errors in the caller's language (unknown variables are
// named).
func validateAckTemplate(in *AckTemplateInput) error {
	in.Subject = strings.TrimSpace(in.Subject)
	in.Body = strings.TrimSpace(in.Body)
	v := apperr.Invalid()
	if !slices.ContainsFunc(i18n.Supported(), func(l i18n.Locale) bool { return l.Tag == in.Language }) {
		v.Field("language", "inbox.error.language")
	}
	if !slices.Contains(AckChannels, in.Channel) {
		v.Field("channel", "inbox.error.ack_channel")
	}
	check := func(field, text string, max int) {
		switch {
		case text == "":
			v.Field(field, "inbox.error.empty")
		case utf8.RuneCountInString(text) > max:
			v.Field(field, "inbox.error.too_long", "Max", max)
		default:
			if key, args := checkAckTemplate(text); key != "" {
				v.Field(field, key, args...)
			}
		}
	}
	check("subject", in.Subject, maxAckSubject)
	check("body", in.Body, maxAckBody)
	return v.OrNil()
}

// checkAckTemplate parses text and walks it: only text, variables of
// AckVariables and if/else on them are allowed, so a template cannot loop or
// call anything. It returns an error key and its arguments, "" when fine.
func checkAckTemplate(text string) (string, []any) {
	t, err := template.New("ack").Parse(text)
	if err != nil {
		return "inbox.error.template_syntax", []any{"Detail", syntaxDetail(err)}
	}
	if len(t.Templates()) > 1 {
		return "inbox.error.template_syntax", []any{"Detail", "define"}
	}
	var bad string
	var unknown string
	var walk func(n parse.Node)
	checkPipe := func(p *parse.PipeNode) {
		if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
			bad = "pipeline"
			return
		}
		f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
		if !ok || len(f.Ident) != 1 {
			bad = p.String()
			return
		}
		if !slices.Contains(AckVariables, f.Ident[0]) && unknown == "" {
			unknown = f.Ident[0]
		}
	}
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TextNode, *parse.CommentNode:
		case *parse.ActionNode:
			checkPipe(n.Pipe)
		case *parse.IfNode:
			checkPipe(n.Pipe)
			walk(n.List)
			if n.ElseList != nil {
				walk(n.ElseList)
			}
		default:
			bad = n.String()
		}
	}
	walk(t.Tree.Root)
	switch {
	case unknown != "":
		return "inbox.error.template_variable", []any{"Name", unknown, "Known", strings.Join(AckVariables, ", ")}
	case bad != "":
		return "inbox.error.template_syntax", []any{"Detail", bad}
	}
	return "", nil
}

// syntaxDetail keeps the useful end of a template parse error.
func syntaxDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// SaveAckTemplate creates or replaces the template of a language and
// channel (inbox.manage).
func (s *Service) SaveAckTemplate(ctx context.Context, in AckTemplateInput) (AckTemplate, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return AckTemplate{}, err
	}
	if err := validateAckTemplate(&in); err != nil {
		return AckTemplate{}, err
	}
	var out AckTemplate
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var id int64
		if err := s.q.QueryRowW(ctx, "UpsertAckTemplate", in.Language, in.Channel, in.Subject, in.Body, nullInt(actorID(ctx)), s.now()).Scan(&id); err != nil {
			return fmt.Errorf("save acknowledgement template: %w", err)
		}
		t, err := scanAckTemplate(s.q.QueryRow(ctx, "GetAckTemplate", id))
		if err != nil {
			return err
		}
		out = t
		return s.cfg.Auditor.Audit(ctx, "inbox.ack_template.save", "inbox_ack_template", id,
			map[string]any{"language": in.Language, "channel": in.Channel})
	})
	return out, err
}

// DeleteAckTemplate removes a template: the catalog's wording applies again.
func (s *Service) DeleteAckTemplate(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := scanAckTemplate(s.q.QueryRow(ctx, "GetAckTemplate", id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("inbox.error.ack_template_not_found")
		}
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteAckTemplate", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.ack_template.delete", "inbox_ack_template", id,
			map[string]any{"language": t.Language, "channel": t.Channel})
	})
}

// PreviewAckTemplate validates in and renders it with sample data in its
// language (a sample name, a reference, a reply time tomorrow).
func (s *Service) PreviewAckTemplate(ctx context.Context, in AckTemplateInput) (subject, body string, err error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return "", "", err
	}
	if err := validateAckTemplate(&in); err != nil {
		return "", "", err
	}
	cat, err := s.catalogTemplates()
	if err != nil {
		return "", "", err
	}
	l := cat.b.Localizer(in.Language)
	due := s.now().Add(24 * time.Hour)
	settings, _ := s.cfg.OrgSettings(ctx)
	d := AckData{Lang: in.Language, Channel: in.Channel, FirstName: l.T("inbox.ack_template.sample_first_name"),
		Name: l.T("inbox.ack_template.sample_first_name"), SupporterSince: 2017, Reference: "HK-123",
		Subject: l.T("inbox.ack_template.sample_subject"), Due: &due, Location: settings.Location(), Signature: settings.Name}
	return renderAck(l, AckTemplate{Subject: in.Subject, Body: in.Body}, d)
}

// DefaultAckTemplate is the catalog's wording of a language as an editable
// template, the starting point of a new one.
func (s *Service) DefaultAckTemplate(lang string) (subject, body string) {
	cat, err := s.catalogTemplates()
	if err != nil {
		return "", ""
	}
	l := cat.b.Localizer(lang)
	subject = "{{if .Subject}}" + l.T("inbox.ack.subject", "Subject", "{{.Subject}}") + "{{else}}" + l.T("inbox.ack.subject_empty") + "{{end}}"
	paras := []string{
		"{{if .GreetingName}}" + l.T("inbox.ack.greeting", "Name", "{{.GreetingName}}") + "{{else}}" + l.T("inbox.ack.greeting_anonymous") + "{{end}}",
		l.T("inbox.ack.body"),
		"{{if .ExpectedReply}}" + l.T("inbox.ack.expected", "Due", "{{.ExpectedReply}}", "TimeZone", "{{.TimeZone}}") + "{{end}}",
		l.T("inbox.ack.reference", "Reference", "{{.Reference}}"),
		l.T("inbox.ack.automatic"),
		l.T("inbox.ack.closing") + "\n{{.Signature}}",
	}
	return subject, strings.Join(paras, "\n\n")
}

// renderAck renders a stored template with d. The reference is added to the
// subject when the template leaves it out: replies thread by it.
func renderAck(l *i18n.Localizer, t AckTemplate, d AckData) (string, string, error) {
	vars := map[string]string{"FirstName": d.FirstName, "GreetingName": d.Name, "Reference": d.Reference,
		"Subject": d.Subject, "Signature": d.Signature}
	if d.SupporterSince > 0 {
		vars["SupporterSince"] = strconv.Itoa(d.SupporterSince)
	}
	if d.Due != nil {
		loc := d.Location
		if loc == nil {
			loc = time.UTC
		}
		vars["ExpectedReply"], vars["TimeZone"] = l.DateTime(*d.Due, loc), loc.String()
	}
	exec := func(text string) (string, error) {
		tt, err := template.New("ack").Option("missingkey=zero").Parse(text)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		if err := tt.Execute(&b, vars); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	subject, err := exec(t.Subject)
	if err != nil {
		return "", "", err
	}
	subject = strings.Join(strings.Fields(subject), " ")
	if d.Reference != "" && !strings.Contains(subject, d.Reference) {
		subject += " [" + d.Reference + "]"
	}
	body, err := exec(t.Body)
	if err != nil {
		return "", "", err
	}
	return subject, strings.TrimSpace(body) + "\n", nil
}

// storedAckTemplates renders the organization's template for the language
// and channel when there is one, else the catalog's wording.
type storedAckTemplates struct {
	s       *Service
	catalog *CatalogTemplates
}

// Ack renders d.
func (t *storedAckTemplates) Ack(ctx context.Context, d AckData) (string, string, error) {
	l := t.catalog.b.Localizer(d.Lang)
	channel := d.Channel
	if channel == "" {
		channel = string(ChannelEmail)
	}
	row, err := t.s.findAckTemplate(ctx, l.Lang(), channel)
	if err != nil {
		return "", "", err
	}
	if row == nil {
		return t.catalog.Ack(ctx, d)
	}
	return renderAck(l, *row, d)
}

func (s *Service) catalogTemplates() (*CatalogTemplates, error) {
	if st, ok := s.cfg.AckTemplates.(*storedAckTemplates); ok {
		return st.catalog, nil
	}
	return NewCatalogTemplates()
}

// withStoredAckTemplates puts the organization's templates in front of the
// catalog's when the configuration left AckTemplates to the default; New
// calls it.
func (s *Service) withStoredAckTemplates() {
	if c, ok := s.cfg.AckTemplates.(*CatalogTemplates); ok {
		s.cfg.AckTemplates = &storedAckTemplates{s: s, catalog: c}
	}
}

// supporterSince is the year of the person's earliest role start, 0 when
// they have none (or it cannot be read: the acknowledgement goes out
// without it).
func (s *Service) supporterSince(ctx context.Context, personID int64) int {
	roles, err := s.cfg.People.RolesOf(ctx, personID)
	if err != nil {
		return 0
	}
	year := 0
	for _, r := range roles {
		if y := r.Start.Year; y > 0 && (year == 0 || y < year) {
			year = y
		}
	}
	return year
}
