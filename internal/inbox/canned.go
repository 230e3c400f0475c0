package inbox

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// CannedResponse is a reply agents reuse: shared (OwnerUserID 0, managed by
// inbox.manage) or one agent's own. Its text comes in variants, one per
// language, with {{variables}} filled for the person when inserted.
type CannedResponse struct {
	ID          int64           `json:"id"`
	OwnerUserID int64           `json:"owner_user_id,omitempty"`
	Title       string          `json:"title"`
	Shortcut    string          `json:"shortcut"`
	Variants    []CannedVariant `json:"variants"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// CannedVariant is a canned response's text in one language.
type CannedVariant struct {
	Language string `json:"language"`
	// Title is the variant's own title, shown to agents working in that
	// language; empty uses the response's title.
	Title string `json:"title,omitempty"`
	Body  string `json:"body"`
}

// CannedInput creates or changes a canned response. Personal makes it the
// actor's own; otherwise it is shared and needs inbox.manage.
type CannedInput struct {
	Title    string          `json:"title"`
	Shortcut string          `json:"shortcut"`
	Personal bool            `json:"personal"`
	Variants []CannedVariant `json:"variants"`
}

// CannedVariables are the {{names}} a canned response or signature may use.
var CannedVariables = []string{"first_name", "last_name", "greeting_name", "name", "tenure", "reference", "subject",
	"agent_name", "org_name", "due"}

var (
	variableRE = regexp.MustCompile(`\{\{\s*([a-zA-Z_]+)\s*\}\}`)
	shortcutRE = regexp.MustCompile(`^[\p{L}\p{N}_-]{1,32}$`)
)

// cannedLanguages are the languages a variant may be written in.
func cannedLanguages() []string {
	var out []string
	for _, l := range i18n.Supported() {
		out = append(out, l.Tag)
	}
	return out
}

func (s *Service) validateCanned(in *CannedInput) error {
	in.Title = strings.TrimSpace(in.Title)
	in.Shortcut = strings.TrimPrefix(strings.TrimSpace(in.Shortcut), "/")
	v := apperr.Invalid()
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 {
		v.Field("title", "inbox.error.name")
	}
	if in.Shortcut != "" && !shortcutRE.MatchString(in.Shortcut) {
		v.Field("shortcut", "inbox.error.shortcut")
	}
	langs := cannedLanguages()
	var kept []CannedVariant
	seen := map[string]bool{}
	for _, vr := range in.Variants {
		vr.Language = baseLang(strings.TrimSpace(vr.Language))
		vr.Title, vr.Body = strings.TrimSpace(vr.Title), strings.TrimSpace(vr.Body)
		if vr.Body == "" && vr.Title == "" {
			continue
		}
		field := "body_" + vr.Language
		switch {
		case !slices.Contains(langs, vr.Language):
			v.Field("variants", "inbox.error.language")
			continue
		case seen[vr.Language]:
			v.Field(field, "inbox.error.language")
		case vr.Body == "":
			v.Field(field, "inbox.error.empty")
		case len(vr.Body) > 64<<10 || utf8.RuneCountInString(vr.Title) > 200:
			v.Field(field, "inbox.error.too_long", "Max", 64<<10)
		}
		if bad := unknownVariable(vr.Body + vr.Title); bad != "" {
			v.Field(field, "inbox.error.variable", "Name", bad)
		}
		seen[vr.Language] = true
		kept = append(kept, vr)
	}
	if len(kept) == 0 {
		v.Field("variants", "inbox.error.no_variant")
	}
	in.Variants = kept
	return v.OrNil()
}

// unknownVariable is the first {{name}} that is not a CannedVariable.
func unknownVariable(text string) string {
	for _, m := range variableRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(CannedVariables, strings.ToLower(m[1])) {
			return m[1]
		}
	}
	return ""
}

func scanCanned(r scanner) (CannedResponse, error) {
	var (
		c     CannedResponse
		owner sql.NullInt64
	)
	err := r.Scan(&c.ID, &owner, &c.Title, &c.Shortcut, &c.CreatedAt, &c.UpdatedAt)
	c.OwnerUserID, c.CreatedAt, c.UpdatedAt = owner.Int64, c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Variants = []CannedVariant{}
	return c, err
}

func (s *Service) cannedVariants(ctx context.Context, c *CannedResponse) error {
	rows, err := s.q.Query(ctx, "CannedVariants", c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			v  CannedVariant
		)
		if err := rows.Scan(&id, &v.Language, &v.Title, &v.Body); err != nil {
			return err
		}
		c.Variants = append(c.Variants, v)
	}
	return rows.Err()
}

// cannedFor reads a canned response the actor may see (shared or theirs).
func (s *Service) cannedFor(ctx context.Context, id int64) (CannedResponse, error) {
	c, err := scanCanned(s.q.QueryRow(ctx, "GetCanned", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && c.OwnerUserID != 0 && c.OwnerUserID != actorID(ctx)) {
		return c, apperr.NotFound("inbox.error.canned_not_found")
	}
	if err != nil {
		return c, err
	}
	return c, s.cannedVariants(ctx, &c)
}

// Canned returns one canned response with its variants.
func (s *Service) Canned(ctx context.Context, id int64) (CannedResponse, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return CannedResponse{}, err
	}
	return s.cannedFor(ctx, id)
}

// CannedResponses lists the shared canned responses and the actor's own whose
// title, a language's title or shortcut contains q (all when empty), by
// shortcut then title.
func (s *Service) CannedResponses(ctx context.Context, q string) ([]CannedResponse, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	pattern := ""
	if q = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q), "/")); q != "" {
		pattern = "%" + escapeLike(q) + "%"
	}
	rows, err := s.q.Query(ctx, "ListCanned", actorID(ctx), pattern)
	if err != nil {
		return nil, err
	}
	out := []CannedResponse{}
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.cannedVariants(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// mayEditCanned: an agent edits their own; shared ones need inbox.manage.
func mayEditCanned(ctx context.Context, ownerID int64) error {
	if ownerID != 0 && ownerID == actorID(ctx) {
		return auth.Require(ctx, auth.PermInboxReply)
	}
	return auth.Require(ctx, auth.PermInboxManage)
}

// SaveCanned creates (id 0) or replaces a canned response and its variants.
func (s *Service) SaveCanned(ctx context.Context, id int64, in CannedInput) (CannedResponse, error) {
	owner := int64(0)
	if in.Personal {
		owner = actorID(ctx)
		if owner == 0 {
			return CannedResponse{}, apperr.Invalid().Field("personal", "inbox.error.user")
		}
	}
	if err := mayEditCanned(ctx, owner); err != nil {
		return CannedResponse{}, err
	}
	if err := s.validateCanned(&in); err != nil {
		return CannedResponse{}, err
	}
	var out CannedResponse
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		if id != 0 {
			old, err := s.cannedFor(ctx, id)
			if err != nil {
				return err
			}
			if err := mayEditCanned(ctx, old.OwnerUserID); err != nil {
				return err
			}
		}
		if in.Shortcut != "" {
			var n int
			if err := s.q.QueryRow(ctx, "ShortcutTaken", in.Shortcut, id, owner).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return apperr.Invalid().Field("shortcut", "inbox.error.shortcut_taken")
			}
		}
		action := "inbox.canned.update"
		if id == 0 {
			action = "inbox.canned.create"
			if err := s.q.QueryRowW(ctx, "InsertCanned", nullInt(owner), in.Title, in.Shortcut, nullInt(actorID(ctx)), now).Scan(&id); err != nil {
				return err
			}
		} else if _, err := s.q.Exec(ctx, "UpdateCanned", id, nullInt(owner), in.Title, in.Shortcut, now); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteCannedVariants", id); err != nil {
			return err
		}
		for _, v := range in.Variants {
			if _, err := s.q.Exec(ctx, "InsertCannedVariant", id, v.Language, v.Title, v.Body); err != nil {
				return err
			}
		}
		var err error
		if out, err = s.cannedFor(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, action, "inbox_canned", id, map[string]any{"title": in.Title, "personal": in.Personal})
	})
	return out, err
}

// DeleteCanned removes a canned response.
func (s *Service) DeleteCanned(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.cannedFor(ctx, id)
		if err != nil {
			return err
		}
		if err := mayEditCanned(ctx, old.OwnerUserID); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteCanned", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.canned.delete", "inbox_canned", id, map[string]any{"title": old.Title})
	})
}

// RenderedCanned is a canned response filled for one conversation.
type RenderedCanned struct {
	CannedID int64  `json:"canned_id"`
	Title    string `json:"title"`
	// Language is the variant used; Dir its writing direction (ltr, rtl).
	Language string `json:"language"`
	Dir      string `json:"dir"`
	Text     string `json:"text"`
}

// peopleBundle renders the people catalog's tenure phrases in any language,
// whatever the application's bundle holds.
var peopleBundle = sync.OnceValues(func() (*i18n.Bundle, error) {
	b, err := i18n.NewBundle("en")
	if err != nil {
		return nil, err
	}
	if err := b.AddCatalog(people.Locales, "locales"); err != nil {
		return nil, err
	}
	return b, AddCatalog(b)
})

// pickVariant is the variant in the first of langs that has one, else the
// first variant.
func pickVariant(vs []CannedVariant, langs ...string) CannedVariant {
	for _, l := range langs {
		l = baseLang(l)
		for _, v := range vs {
			if l != "" && v.Language == l {
				return v
			}
		}
	}
	if len(vs) == 0 {
		return CannedVariant{}
	}
	return vs[0]
}

// localeDir is a language's writing direction.
func localeDir(lang string) string {
	for _, l := range i18n.Supported() {
		if l.Tag == baseLang(lang) {
			return l.Dir
		}
	}
	return "ltr"
}

// RenderCanned fills a canned response for a conversation, in the person's
// language (else the conversation's, the organization's, English): the
// variables become the person's names, tenure phrase, the reference, due
// time, the agent's name. Values are inserted as plain text, never
// interpreted as template code.
func (s *Service) RenderCanned(ctx context.Context, cannedID, convID int64) (RenderedCanned, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return RenderedCanned{}, err
	}
	cr, err := s.cannedFor(ctx, cannedID)
	if err != nil {
		return RenderedCanned{}, err
	}
	c, err := s.conversation(ctx, convID)
	if err != nil {
		return RenderedCanned{}, err
	}
	vars, langs, err := s.variables(ctx, &c)
	if err != nil {
		return RenderedCanned{}, err
	}
	v := pickVariant(cr.Variants, langs...)
	lang := v.Language
	vars, err = s.localVariables(ctx, &c, vars, lang)
	if err != nil {
		return RenderedCanned{}, err
	}
	title := v.Title
	if title == "" {
		title = cr.Title
	}
	return RenderedCanned{CannedID: cr.ID, Title: title, Language: lang, Dir: localeDir(lang), Text: fillVariables(v.Body, vars)}, nil
}

// variables are the language-independent values for c, and the languages to
// write to the person in, preferred first.
func (s *Service) variables(ctx context.Context, c *Conversation) (map[string]string, []string, error) {
	settings, err := s.cfg.OrgSettings(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, _ := auth.ActorFrom(ctx)
	vars := map[string]string{"reference": c.Reference, "subject": c.Subject, "agent_name": a.Name, "org_name": settings.Name}
	var langs []string
	if c.PersonID != 0 {
		p, err := s.cfg.People.GetPerson(system(ctx), c.PersonID)
		if err != nil && !isNotFound(err) {
			return nil, nil, err
		}
		if err == nil && p.ErasedAt == nil {
			vars["first_name"] = firstNonEmpty(p.GivenName, p.GreetingName, p.DisplayName)
			vars["last_name"] = p.FamilyName
			vars["greeting_name"] = firstNonEmpty(p.GreetingName, p.DisplayName)
			vars["name"] = p.DisplayName
			langs = append(langs, p.Language)
		}
	}
	langs = append(langs, c.Language, settings.DefaultLocale, "en")
	return vars, langs, nil
}

// localVariables adds the values that are written in lang: the tenure
// phrase and the due time.
func (s *Service) localVariables(ctx context.Context, c *Conversation, vars map[string]string, lang string) (map[string]string, error) {
	b, err := peopleBundle()
	if err != nil {
		return nil, err
	}
	l := b.Localizer(lang)
	if c.PersonID != 0 && vars["name"] != "" {
		t, err := s.cfg.People.Tenure(system(ctx), c.PersonID)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		if msg, ok := t.SupporterMessage(lang); ok {
			vars["tenure"] = renderMessage(l, msg)
		} else {
			for _, f := range t.Facts {
				if f.Current {
					vars["tenure"] = renderMessage(l, f.Message(lang))
					break
				}
			}
		}
	}
	if due := c.DueAt(); due != nil {
		k, err := s.clocksOf(ctx, c)
		if err != nil {
			return nil, err
		}
		loc := k.hours.Location
		if loc == nil {
			loc = time.UTC
		}
		vars["due"] = l.DateTime(*due, loc)
	}
	return vars, nil
}

func renderMessage(l *i18n.Localizer, m people.Message) string {
	var args []any
	for k, v := range m.Args {
		if y, ok := v.(int); ok && k == "Year" {
			v = plainNumber(l, y) // a year is not grouped: 2017, not 2,017
		}
		args = append(args, k, v)
	}
	if n, ok := m.PluralCount.(int); ok {
		return l.N(m.Key, n, args...)
	}
	return l.T(m.Key, args...)
}

// fillVariables replaces each {{name}} with its value (empty when unknown
// for this person), in one pass so values are never expanded again.
func fillVariables(body string, vars map[string]string) string {
	out := variableRE.ReplaceAllStringFunc(body, func(m string) string {
		name := strings.ToLower(variableRE.FindStringSubmatch(m)[1])
		return vars[name]
	})
	return out
}

// Signature is a signature's text in one language (empty for any language).
type Signature struct {
	Language string `json:"language"`
	Body     string `json:"body"`
}

// Signatures returns a user's (teamID 0) or a team's signatures.
func (s *Service) Signatures(ctx context.Context, userID, teamID int64) ([]Signature, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return s.signatures(ctx, userID, teamID)
}

func (s *Service) signatures(ctx context.Context, userID, teamID int64) ([]Signature, error) {
	query, arg := "UserSignatures", userID
	if teamID != 0 {
		query, arg = "TeamSignatures", teamID
	}
	rows, err := s.q.Query(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Signature{}
	for rows.Next() {
		var sg Signature
		if err := rows.Scan(&sg.Language, &sg.Body); err != nil {
			return nil, err
		}
		out = append(out, sg)
	}
	return out, rows.Err()
}

// SetSignatures replaces the signatures of the actor (teamID 0) or of a team
// (its manager or inbox.manage). Empty bodies are dropped.
func (s *Service) SetSignatures(ctx context.Context, teamID int64, sigs []Signature) ([]Signature, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return nil, err
	}
	me := actorID(ctx)
	v := apperr.Invalid()
	var kept []Signature
	seen := map[string]bool{}
	for _, sg := range sigs {
		sg.Language = baseLang(strings.TrimSpace(sg.Language))
		sg.Body = strings.TrimSpace(sg.Body)
		if sg.Body == "" {
			continue
		}
		field := "body_" + sg.Language
		if sg.Language == "" {
			field = "body"
		}
		switch {
		case sg.Language != "" && !slices.Contains(cannedLanguages(), sg.Language), seen[sg.Language]:
			v.Field(field, "inbox.error.language")
		case utf8.RuneCountInString(sg.Body) > 2000:
			v.Field(field, "inbox.error.too_long", "Max", 2000)
		}
		if bad := unknownVariable(sg.Body); bad != "" {
			v.Field(field, "inbox.error.variable", "Name", bad)
		}
		seen[sg.Language] = true
		kept = append(kept, sg)
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	if teamID == 0 && me == 0 {
		return nil, apperr.Invalid().Field("team_id", "inbox.error.team")
	}
	var out []Signature
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		del, ins, owner, target := "DeleteUserSignatures", "InsertUserSignature", me, "user"
		if teamID != 0 {
			var mgr sql.NullInt64
			if err := s.q.QueryRow(ctx, "SignatureTeamManager", teamID).Scan(&mgr); errors.Is(err, sql.ErrNoRows) {
				return apperr.Invalid().Field("team_id", "inbox.error.team")
			} else if err != nil {
				return err
			}
			if mgr.Int64 == 0 || mgr.Int64 != me {
				if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
					return err
				}
			}
			del, ins, owner, target = "DeleteTeamSignatures", "InsertTeamSignature", teamID, "team"
		}
		if _, err := s.q.Exec(ctx, del, owner); err != nil {
			return err
		}
		now := s.now()
		for _, sg := range kept {
			if _, err := s.q.Exec(ctx, ins, owner, sg.Language, sg.Body, now); err != nil {
				return err
			}
		}
		var err error
		if out, err = s.signatures(ctx, me, teamID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.signature", "inbox_signature_"+target, owner, map[string]any{"count": len(kept)})
	})
	return out, err
}

// signatureFor is what closes a reply by the actor on c: their own
// signature, then their team's, each in the person's language (else the
// conversation's, the organization's, English, else the one for any
// language), with variables filled.
func (s *Service) signatureFor(ctx context.Context, c *Conversation) (string, error) {
	me := actorID(ctx)
	if me == 0 {
		return "", nil
	}
	vars, langs, err := s.variables(ctx, c)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, owner := range [][2]int64{{me, 0}, {0, c.TeamID}} {
		if owner[0] == 0 && owner[1] == 0 {
			continue
		}
		sigs, err := s.signatures(ctx, owner[0], owner[1])
		if err != nil {
			return "", err
		}
		if body, ok := pickSignature(sigs, langs); ok {
			parts = append(parts, body)
		}
	}
	return fillVariables(strings.Join(parts, "\n"), vars), nil
}

// pickSignature is the signature in the first of langs that has one, else
// the one for any language.
func pickSignature(sigs []Signature, langs []string) (string, bool) {
	for _, l := range append(slices.Clone(langs), "") {
		for _, sg := range sigs {
			if sg.Language == baseLang(l) {
				return sg.Body, true
			}
		}
	}
	return "", false
}

// withSignature appends the actor's signature to a reply's text and HTML
// (the usual "-- " separator in text; an escaped block in HTML).
func (s *Service) withSignature(ctx context.Context, c *Conversation, text, html string) (string, string, error) {
	sig, err := s.signatureFor(ctx, c)
	if err != nil || sig == "" {
		return text, html, err
	}
	text = text + "\n\n-- \n" + sig
	if html != "" {
		html += `<div class="signature">` + strings.ReplaceAll(htmlEscape(sig), "\n", "<br>") + `</div>`
	}
	return text, html, nil
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// plainNumber writes n in the locale's digits without grouping.
func plainNumber(l *i18n.Localizer, n int) string {
	var b strings.Builder
	for _, r := range strconv.Itoa(n) {
		if r >= '0' && r <= '9' {
			b.WriteString(l.Number(int(r - '0')))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
