package people

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// ImportOptions say how to read and apply a CSV file. Zero values detect or
// default.
type ImportOptions struct {
	// Preset is a key of Presets; Mapping entries override it.
	Preset  string  `json:"preset,omitempty"`
	Mapping Mapping `json:"mapping,omitempty"`
	// Encoding overrides detection (EncUTF8, EncWindows1254, …).
	Encoding string `json:"encoding,omitempty"`
	// Delimiter overrides sniffing (',', ';' or '\t').
	Delimiter rune `json:"delimiter,omitempty"`
	// Source is what external ids are unique within; defaults to the preset's.
	Source string `json:"source,omitempty"`
	// OnDuplicate is what to do with a row whose e-mail or phone belongs to a
	// profile (no external id match): "update" it (the default), "flag" (create
	// a new profile queued for duplicate review) or "create".
	OnDuplicate string `json:"on_duplicate,omitempty"`
	// PhoneRegion reads numbers without a country code; defaults to the
	// organization's.
	PhoneRegion string `json:"phone_region,omitempty"`
	// MonthFirst reads 05/01/2019 as May 1st; defaults to the preset's.
	MonthFirst *bool `json:"month_first,omitempty"`
	// BatchSize rows are committed together (default 500).
	BatchSize int    `json:"batch_size,omitempty"`
	FileName  string `json:"file_name,omitempty"`
}

// RowError is one bad row: Row counts data rows from 1, Line is the line in
// the file; Key and Args are the message to show.
type RowError struct {
	Row    int            `json:"row"`
	Line   int            `json:"line"`
	Column string         `json:"column,omitempty"`
	Key    string         `json:"key"`
	Args   map[string]any `json:"args,omitempty"`
}

// ImportFile is what was understood of a file.
type ImportFile struct {
	Encoding  string   `json:"encoding"`
	Delimiter string   `json:"delimiter"`
	Header    []string `json:"header"`
	Mapping   Mapping  `json:"mapping"`
	Unmapped  []string `json:"unmapped,omitempty"`
	Rows      int      `json:"rows"`
}

// PreviewRow is one row as it would be imported.
type PreviewRow struct {
	Row    int              `json:"row"`
	Line   int              `json:"line"`
	Values map[Field]string `json:"values"`
	Errors []RowError       `json:"errors,omitempty"`
}

// ImportPreview is the first rows of a file, mapped.
type ImportPreview struct {
	ImportFile
	Rows []PreviewRow `json:"preview"`
}

// ImportReport is a dry run's verdict: every bad row with its reason, and
// what the good rows would do.
type ImportReport struct {
	ImportFile
	Valid       int        `json:"valid"`
	WouldCreate int        `json:"would_create"`
	WouldUpdate int        `json:"would_update"`
	Errors      []RowError `json:"errors"`
}

// Import is the progress of an import run, kept in the imports table.
type Import struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"` // queued, running, completed, failed
	FileName   string     `json:"file_name"`
	Total      int        `json:"total"`
	Processed  int        `json:"processed"`
	Created    int        `json:"created"`
	Updated    int        `json:"updated"`
	Failed     int        `json:"failed"`
	Errors     []RowError `json:"errors"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// maxStoredErrors caps the errors kept on an import; Failed still counts all.
const maxStoredErrors = 1000

// parsedFile is a decoded, mapped file.
type parsedFile struct {
	ImportFile
	opts   ImportOptions
	cols   []Field // per column
	custom map[int]CustomField
	rows   []csvRow
	hash   string
	tagIDs map[string]int64 // tag ids by key, cached during a run
}

// parseFile reads, decodes and maps a file, failing on file-level problems
// only.
func (s *Service) parseFile(ctx context.Context, r io.Reader, opts ImportOptions) (*parsedFile, error) {
	b, err := readLimited(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	enc := strings.ToLower(strings.TrimSpace(opts.Encoding))
	if enc == "" {
		if enc, err = DetectEncoding(b); err != nil {
			return nil, err
		}
	} else if looksBinary(b[:min(len(b), 256<<10)]) && enc != EncUTF16LE && enc != EncUTF16BE {
		return nil, fileError("people.import.binary")
	}
	text, err := decodeFile(b, enc)
	if err != nil {
		return nil, err
	}
	delim := opts.Delimiter
	if delim == 0 {
		delim = SniffDelimiter(text)
	}
	if delim != ',' && delim != ';' && delim != '\t' && delim != '|' {
		return nil, apperr.Invalid().Field("delimiter", "people.import.delimiter")
	}
	header, rows, err := readCSV(text, delim)
	if err != nil {
		return nil, err
	}
	pf := &parsedFile{opts: opts, rows: rows, hash: hex.EncodeToString(sum[:]), custom: map[int]CustomField{}, tagIDs: map[string]int64{}}
	pf.Encoding, pf.Delimiter, pf.Header, pf.Rows = enc, string(delim), header, len(rows)
	preset, ok := Presets[opts.Preset]
	if opts.Preset != "" && !ok {
		return nil, apperr.Invalid().Field("preset", "people.import.unknown_preset")
	}
	if opts.Preset == "" {
		preset = Presets["generic"]
		for k, v := range Presets["hearken"].Mapping {
			preset.Mapping[k] = v
		}
	}
	if pf.opts.Source == "" {
		pf.opts.Source = preset.Source
	}
	if pf.opts.MonthFirst == nil {
		mf := preset.MonthFirst
		pf.opts.MonthFirst = &mf
	}
	if pf.opts.OnDuplicate == "" {
		pf.opts.OnDuplicate = "update"
	}
	if pf.opts.PhoneRegion == "" {
		// Fixed when the file is read, so a queued import uses the region of
		// the time it was queued.
		pf.opts.PhoneRegion = s.PhoneRegion(ctx)
	}
	if !slices.Contains([]string{"update", "flag", "create"}, pf.opts.OnDuplicate) {
		return nil, apperr.Invalid().Field("on_duplicate", "people.import.on_duplicate")
	}
	if pf.opts.BatchSize <= 0 {
		pf.opts.BatchSize = 500
	}
	byKey := map[string]Field{}
	for h, f := range preset.Mapping {
		byKey[headerKey(h)] = f
	}
	headerSet := map[string]bool{}
	for _, h := range header {
		headerSet[headerKey(h)] = true
	}
	v := apperr.Invalid()
	for h, f := range opts.Mapping {
		if !headerSet[headerKey(h)] {
			v.Field("mapping."+h, "people.import.unknown_column", "Column", h)
		}
		byKey[headerKey(h)] = f
	}
	pf.Mapping = Mapping{}
	pf.cols = make([]Field, len(header))
	seen := map[Field]string{}
	for i, h := range header {
		f := byKey[headerKey(h)]
		if f == "" || f == FIgnore {
			pf.Unmapped = append(pf.Unmapped, h)
			continue
		}
		if key, ok := strings.CutPrefix(string(f), "custom:"); ok {
			cf, err := s.customField(ctx, key)
			if err != nil {
				v.Field("mapping."+h, "people.error.field_missing")
				continue
			}
			pf.custom[i] = cf
		} else if !slices.Contains(importFields, f) {
			v.Field("mapping."+h, "people.import.unknown_field", "Field", string(f))
			continue
		}
		if prev, dup := seen[f]; dup {
			v.Field("mapping."+h, "people.import.mapped_twice", "Column", prev)
			continue
		}
		seen[f] = h
		pf.cols[i] = f
		pf.Mapping[h] = f
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	if seen[FDisplayName] == "" && seen[FGivenName] == "" && seen[FFamilyName] == "" && seen[FOrgName] == "" {
		return nil, fileError("people.import.missing_column", "Columns", "display_name, given_name, family_name, organization_name")
	}
	return pf, nil
}

// importRow is a row converted to what will be stored.
type importRow struct {
	row, line   int
	np          NewPerson
	contacts    []contactRow
	custom      []customSet
	note        string
	optOuts     []string // channels
	newsletter  bool
	dnc         bool
	displayFrom bool // display name given explicitly
}

type customSet struct {
	field CustomField
	value string
}

var (
	isoDate    = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$`)
	dmyDate    = regexp.MustCompile(`^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T].*)?$`)
	jaDate     = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日$`)
	listSplit  = regexp.MustCompile(`\s*[;|,]\s*`)
	trueValues = map[string]bool{"1": true, "true": true, "yes": true, "y": true, "x": true, "evet": true,
		"oui": true, "kyllä": true, "k": true, "はい": true, "بله": true, "opt out": true, "opted out": true}
)

// parseImportDate reads the date formats spreadsheets produce.
func parseImportDate(s string, monthFirst bool) (Date, bool) {
	s = textsearch.Normalize(strings.TrimSpace(s)) // digits of any script
	var y, m, d string
	if g := isoDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[1], g[2], g[3]
	} else if g := jaDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[1], g[2], g[3]
	} else if g := dmyDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[3], g[2], g[1]
		if monthFirst && strings.Contains(s, "/") {
			m, d = g[1], g[2]
		}
	} else {
		return Date{}, false
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
		return Date{}, false // 2023-02-30 rolls over: refuse it
	}
	return DateOf(t), true
}

func parseKind(s string) (Kind, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	switch {
	case k == "":
		return "", true
	case strings.HasPrefix(k, "org") || strings.Contains(k, "compan") || k == "business" || k == "kurum" ||
		k == "şirket" || k == "yritys" || k == "järjestö" || k == "団体" || k == "法人" || k == "سازمان":
		return Organization, true
	case k == "individual" || k == "person" || k == "household" || k == "contact" || k == "kişi" ||
		k == "henkilö" || k == "個人" || k == "فرد" || k == "personne":
		return Individual, true
	}
	return "", false
}

// convertRow maps one CSV row and validates it, returning every problem.
func (s *Service) convertRow(ctx context.Context, pf *parsedFile, idx int, r csvRow) (importRow, []RowError) {
	ir := importRow{row: idx + 1, line: r.line}
	var errs []RowError
	bad := func(col, key string, args map[string]any) {
		errs = append(errs, RowError{Row: ir.row, Line: ir.line, Column: col, Key: key, Args: args})
	}
	if r.err != "" {
		args := map[string]any(nil)
		if r.err == "people.import.row_too_long" {
			args = map[string]any{"Max": MaxFieldRunes}
		}
		bad("", r.err, args)
		return ir, errs
	}
	val := map[Field]string{}
	colOf := map[Field]string{}
	in := &ir.np.PersonInput
	in.Source = pf.opts.Source
	for i, f := range pf.cols {
		if f == "" || i >= len(r.fields) {
			continue
		}
		cell := strings.TrimSpace(r.fields[i])
		if cf, ok := pf.custom[i]; ok {
			if cell != "" {
				if _, _, ok := canonicalValue(cf, cell); !ok {
					bad(pf.Header[i], "people.error.custom_"+cf.Type, map[string]any{"Label": cf.Label, "Value": cell})
				} else {
					ir.custom = append(ir.custom, customSet{cf, cell})
				}
			}
			continue
		}
		val[f], colOf[f] = cell, pf.Header[i]
	}
	in.ExternalID = val[FExternalID]
	in.GivenName, in.FamilyName, in.DisplayName = val[FGivenName], val[FFamilyName], val[FDisplayName]
	in.GreetingName, in.SortName, in.Pronouns = val[FGreetingName], val[FSortName], val[FPronouns]
	ir.displayFrom = in.DisplayName != ""
	in.Language = strings.ReplaceAll(val[FLanguage], "_", "-") // CiviCRM writes en_US
	if kind, ok := parseKind(val[FKind]); !ok {
		bad(colOf[FKind], "people.import.invalid_kind", map[string]any{"Value": val[FKind]})
	} else {
		in.Kind = kind
	}
	if trueValues[strings.ToLower(val[FIsOrganization])] {
		in.Kind = Organization
	}
	if org := val[FOrgName]; org != "" && in.GivenName == "" && in.FamilyName == "" && (in.Kind == "" || in.Kind == Organization) {
		in.Kind = Organization
		if in.DisplayName == "" {
			in.DisplayName = org
		}
	}
	if in.Kind == Organization {
		in.GivenName, in.FamilyName = "", ""
	}
	if in.DisplayName == "" && in.GivenName == "" && in.FamilyName == "" {
		bad("", "people.import.missing_name", nil)
	}
	if b := val[FBirthDate]; b != "" {
		d, ok := parseImportDate(b, *pf.opts.MonthFirst)
		if !ok {
			bad(colOf[FBirthDate], "people.import.invalid_date", map[string]any{"Value": b})
		} else {
			in.BirthDate = &d
		}
	}
	if in.Language != "" {
		if _, ok := canonicalLanguage(in.Language); !ok {
			bad(colOf[FLanguage], "people.error.language", map[string]any{"Value": in.Language})
			in.Language = ""
		}
	}
	region := pf.opts.PhoneRegion
	if region == "" {
		region = s.PhoneRegion(ctx)
	}
	for _, e := range []struct {
		f   Field
		typ string
	}{{FEmail, TypeHome}, {FEmailWork, TypeWork}, {FEmailOther, TypeOther}} {
		if v := val[e.f]; v != "" {
			val, key, ok := normalizeEmail(v)
			if !ok {
				bad(colOf[e.f], "people.import.invalid_email", map[string]any{"Value": v})
				continue
			}
			ir.contacts = append(ir.contacts, contactRow{ContactInput: ContactInput{Kind: Email, Type: e.typ},
				value: val, original: v, matchKey: key})
		}
	}
	for _, p := range []struct {
		f   Field
		typ string
	}{{FPhoneMobile, TypeMobile}, {FPhone, TypeMobile}, {FPhoneHome, TypeHome}, {FPhoneWork, TypeWork}} {
		if v := val[p.f]; v != "" {
			ph, ok := parsePhone(v, region)
			if !ok {
				bad(colOf[p.f], "people.import.invalid_phone", map[string]any{"Value": v})
				continue
			}
			ir.contacts = append(ir.contacts, contactRow{ContactInput: ContactInput{Kind: Phone, Type: p.typ},
				value: ph.e164, original: v, matchKey: ph.e164, national: ph.national})
		}
	}
	if val[FStreet] != "" || val[FCity] != "" || val[FPostcode] != "" {
		v := apperr.Invalid()
		c := s.validateContact(ctx, ContactInput{Kind: Address, Line1: val[FStreet], Line2: val[FStreet2], City: val[FCity],
			Region: val[FRegion], Postcode: val[FPostcode], Country: countryCode(val[FCountry])}, v, "")
		if len(v.Fields) > 0 {
			bad(colOf[FCountry], "people.import.invalid_address", map[string]any{"Value": val[FCountry]})
		} else {
			ir.contacts = append(ir.contacts, c)
		}
	}
	if t := val[FTags]; t != "" {
		for _, tag := range listSplit.Split(t, -1) {
			if tag = clean(tag); tag != "" && runeLen(tag) <= maxShortLen {
				ir.np.Tags = append(ir.np.Tags, tag)
			}
		}
	}
	if rs := val[FRoles]; rs != "" {
		start := DateOf(s.now())
		if v := val[FRoleStart]; v != "" {
			d, ok := parseImportDate(v, *pf.opts.MonthFirst)
			if !ok {
				bad(colOf[FRoleStart], "people.import.invalid_date", map[string]any{"Value": v})
			}
			start = d
		}
		for _, role := range listSplit.Split(strings.ToLower(rs), -1) {
			if !slices.Contains(Roles, role) {
				bad(colOf[FRoles], "people.error.role", map[string]any{"Value": role})
				continue
			}
			ir.np.Roles = append(ir.np.Roles, RoleInput{Role: role, Start: start})
		}
	}
	for f, ch := range map[Field]string{FEmailOptOut: ChannelEmail, FPhoneOptOut: ChannelPhone, FPostOptOut: ChannelPost} {
		if trueValues[strings.ToLower(val[f])] {
			ir.optOuts = append(ir.optOuts, ch)
		}
	}
	slices.Sort(ir.optOuts)
	ir.newsletter = trueValues[strings.ToLower(val[FNewsletterOptIn])]
	ir.dnc = trueValues[strings.ToLower(val[FDoNotContact])]
	ir.note = val[FNote]
	// The profile's own rules (lengths, language) last, with the row's columns.
	v := apperr.Invalid()
	s.validatePerson(ctx, in, v, "")
	for name, fe := range v.Fields {
		if name == "household_id" || fe.Key == "people.error.name_required" {
			continue
		}
		args := map[string]any{}
		for i := 0; i+1 < len(fe.Args); i += 2 {
			args[fmt.Sprint(fe.Args[i])] = fe.Args[i+1]
		}
		bad(colOf[Field(name)], fe.Key, args)
	}
	return ir, errs
}

// countryCode accepts ISO codes and a few spelled-out names exports use.
func countryCode(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 2 {
		return strings.ToUpper(s)
	}
	if c, ok := countryNames[strings.ToLower(s)]; ok {
		return c
	}
	return s
}

var countryNames = map[string]string{
	"united states": "US", "usa": "US", "united kingdom": "GB", "uk": "GB", "turkey": "TR", "türkiye": "TR",
	"turkiye": "TR", "france": "FR", "finland": "FI", "suomi": "FI", "japan": "JP", "日本": "JP", "iran": "IR",
	"ایران": "IR", "germany": "DE", "canada": "CA", "belgium": "BE", "switzerland": "CH", "afghanistan": "AF",
}

// convertAll converts every row, reporting duplicate external ids within the
// file (the first occurrence wins).
func (s *Service) convertAll(ctx context.Context, pf *parsedFile) ([]importRow, []RowError, map[int]bool) {
	out := make([]importRow, len(pf.rows))
	var errs []RowError
	badRow := map[int]bool{}
	firstExt := map[string]int{}
	for i, r := range pf.rows {
		ir, es := s.convertRow(ctx, pf, i, r)
		if ext := ir.np.ExternalID; ext != "" && len(es) == 0 {
			if first, dup := firstExt[ext]; dup {
				es = append(es, RowError{Row: ir.row, Line: ir.line, Key: "people.import.duplicate_external_id",
					Args: map[string]any{"Value": ext, "FirstRow": first}})
			} else {
				firstExt[ext] = ir.row
			}
		}
		if len(es) > 0 {
			badRow[i] = true
			errs = append(errs, es...)
		}
		out[i] = ir
	}
	return out, errs, badRow
}

// Preview maps the first n rows of a file without writing anything.
func (s *Service) Preview(ctx context.Context, r io.Reader, opts ImportOptions, n int) (*ImportPreview, error) {
	if err := requirePerm(ctx, permImport); err != nil {
		return nil, err
	}
	pf, err := s.parseFile(ctx, r, opts)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		n = 10
	}
	pv := &ImportPreview{ImportFile: pf.ImportFile, Rows: []PreviewRow{}}
	for i, row := range pf.rows[:min(n, len(pf.rows))] {
		_, errs := s.convertRow(ctx, pf, i, row)
		vals := map[Field]string{}
		for c, f := range pf.cols {
			if f != "" && c < len(row.fields) {
				vals[f] = row.fields[c]
			}
		}
		pv.Rows = append(pv.Rows, PreviewRow{Row: i + 1, Line: row.line, Values: vals, Errors: errs})
	}
	return pv, nil
}

// DryRun checks every row without writing anything and says what a run
// would do.
func (s *Service) DryRun(ctx context.Context, r io.Reader, opts ImportOptions) (*ImportReport, error) {
	if err := requirePerm(ctx, permImport); err != nil {
		return nil, err
	}
	pf, err := s.parseFile(ctx, r, opts)
	if err != nil {
		return nil, err
	}
	rows, errs, badRow := s.convertAll(ctx, pf)
	rep := &ImportReport{ImportFile: pf.ImportFile, Errors: errs}
	if rep.Errors == nil {
		rep.Errors = []RowError{}
	}
	for i, ir := range rows {
		if badRow[i] {
			continue
		}
		rep.Valid++
		id, _, err := s.matchRow(ctx, pf, ir)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			rep.WouldUpdate++
		} else {
			rep.WouldCreate++
		}
	}
	return rep, nil
}

// matchRow finds the profile a row updates: by external id within the source
// (following merges), else, unless the policy says otherwise, by e-mail or
// phone. dupOf is set when the policy is "flag" and a profile shares a
// contact point.
func (s *Service) matchRow(ctx context.Context, pf *parsedFile, ir importRow) (id, dupOf int64, err error) {
	if ext := ir.np.ExternalID; ext != "" {
		if id, err = s.personByExternalID(ctx, pf.opts.Source, ext); err != nil {
			return 0, 0, err
		}
		if id != 0 {
			if id, err = s.Resolve(ctx, id); err != nil {
				return 0, 0, err
			}
			if p, err := s.person(ctx, id); err != nil || p.ErasedAt == nil {
				return id, 0, err
			}
		}
	}
	if pf.opts.OnDuplicate == "create" {
		return 0, 0, nil
	}
	for _, c := range ir.contacts {
		if c.Kind != Email && c.Kind != Phone {
			continue
		}
		ids, err := s.idList(ctx, "PeopleByContact", string(c.Kind), c.matchKey)
		if err != nil {
			return 0, 0, err
		}
		if len(ids) > 0 {
			if pf.opts.OnDuplicate == "flag" {
				return 0, ids[0], nil
			}
			return ids[0], 0, nil
		}
	}
	return 0, 0, nil
}

// RunImport imports a file: file-level problems fail it before anything is
// written; bad rows are skipped and reported; good rows are applied in
// batches, each all-or-nothing in one transaction together with the progress
// in the imports table, so an interrupted import resumes (ResumeImport) from
// the last committed batch.
func (s *Service) RunImport(ctx context.Context, r io.Reader, opts ImportOptions) (Import, error) {
	_, run, err := s.StartImport(ctx, r, opts)
	if err != nil {
		return Import{}, err
	}
	return run(ctx)
}

// StartImport checks and records an import, then returns it with the function
// that imports its rows. Callers with long files run that function in the
// background (keeping the actor in its context) and show GetImport's progress,
// which advances batch by batch; the file is read and validated before
// StartImport returns, so a broken file never leaves an import behind.
func (s *Service) StartImport(ctx context.Context, r io.Reader, opts ImportOptions) (Import, func(context.Context) (Import, error), error) {
	if err := requirePerm(ctx, permImport); err != nil {
		return Import{}, nil, err
	}
	pf, err := s.parseFile(ctx, r, opts)
	if err != nil {
		return Import{}, nil, err
	}
	optsJSON, _ := json.Marshal(pf.opts)
	var id int64
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.q.QueryRowW(ctx, "InsertImport", opts.FileName, pf.hash, string(optsJSON), len(pf.rows),
			nullInt(actorID(ctx)), s.now()).Scan(&id); err != nil {
			return err
		}
		return s.audit(ctx, "person.import.start", "import", id, map[string]any{"file": opts.FileName, "rows": len(pf.rows)})
	})
	if err != nil {
		return Import{}, nil, err
	}
	imp, err := s.GetImport(ctx, id)
	if err != nil {
		return Import{}, nil, err
	}
	return imp, func(ctx context.Context) (Import, error) { return s.runImport(ctx, id, pf, 0) }, nil
}

func (s *Service) ResumeImport(ctx context.Context, id int64, r io.Reader) (Import, error) {
	if err := requirePerm(ctx, permImport); err != nil {
		return Import{}, err
	}
	imp, hash, optsJSON, err := s.getImport(ctx, id)
	if err != nil {
		return Import{}, err
	}
	if imp.Status == "completed" {
		return imp, nil
	}
	var opts ImportOptions
	if err := json.Unmarshal(optsJSON, &opts); err != nil {
		return Import{}, err
	}
	pf, err := s.parseFile(ctx, r, opts)
	if err != nil {
		return Import{}, err
	}
	if pf.hash != hash {
		return Import{}, fileError("people.import.different_file")
	}
	if _, err := s.q.Exec(ctx, "ResumeImport", id); err != nil {
		return Import{}, err
	}
	return s.runImport(ctx, id, pf, imp.Processed)
}

func (s *Service) runImport(ctx context.Context, id int64, pf *parsedFile, from int) (Import, error) {
	imp, err := s.importRows(ctx, id, pf, from)
	if err != nil {
		_ = s.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
			_, err := s.q.Exec(ctx, "FinishImport", id, "failed", s.now())
			return err
		})
	}
	return imp, err
}

// importRows imports pf's rows from row from on, batch by batch; a failed
// batch leaves the import as it was after the last committed one.
func (s *Service) importRows(ctx context.Context, id int64, pf *parsedFile, from int) (Import, error) {
	rows, errs, badRow := s.convertAll(ctx, pf)
	errsByRow := map[int][]RowError{}
	for _, e := range errs {
		errsByRow[e.Row-1] = append(errsByRow[e.Row-1], e)
	}
	for start := from; start < len(rows); start += pf.opts.BatchSize {
		end := min(start+pf.opts.BatchSize, len(rows))
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			imp, _, _, err := s.getImport(ctx, id)
			if err != nil {
				return err
			}
			var created, updated, failed []int64
			var batchErrs []RowError
			for i := start; i < end; i++ {
				if badRow[i] {
					failed = append(failed, int64(i+1))
					batchErrs = append(batchErrs, errsByRow[i]...)
					continue
				}
				pid, isNew, err := s.applyRow(ctx, pf, id, rows[i])
				if err != nil {
					if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
						failed = append(failed, int64(i+1))
						for f, fe := range e.Fields {
							batchErrs = append(batchErrs, RowError{Row: i + 1, Line: rows[i].line, Column: f, Key: fe.Key})
						}
						continue
					}
					return fmt.Errorf("import row %d: %w", i+1, err)
				}
				if isNew {
					created = append(created, pid)
				} else {
					updated = append(updated, pid)
				}
			}
			all := append(imp.Errors, batchErrs...)
			if len(all) > maxStoredErrors {
				all = all[:maxStoredErrors]
			}
			errJSON, _ := json.Marshal(all)
			if _, err := s.q.Exec(ctx, "ImportProgress", id, end, len(created), len(updated), len(failed), string(errJSON)); err != nil {
				return err
			}
			if s.importHook != nil {
				if err := s.importHook(start / pf.opts.BatchSize); err != nil {
					return err
				}
			}
			return s.audit(ctx, "person.import.batch", "import", id, map[string]any{
				"rows": [2]int{start + 1, end}, "created": created, "updated": updated, "failed_rows": failed})
		})
		if err != nil {
			return Import{}, err
		}
	}
	if len(rows)-from >= 10000 {
		// A bulk load leaves the planner's statistics stale.
		if _, err := s.q.Exec(ctx, "Analyze"); err != nil {
			return Import{}, err
		}
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "FinishImport", id, "completed", s.now()); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteImportFile", id); err != nil { // a queued import's upload
			return err
		}
		return s.audit(ctx, "person.import.finish", "import", id, nil)
	})
	if err != nil {
		return Import{}, err
	}
	return s.GetImport(ctx, id)
}

// applyRow creates or updates the profile of one valid row.
func (s *Service) applyRow(ctx context.Context, pf *parsedFile, importID int64, ir importRow) (int64, bool, error) {
	id, dupOf, err := s.matchRow(ctx, pf, ir)
	if err != nil {
		return 0, false, err
	}
	isNew := id == 0
	if isNew {
		in := ir.np.PersonInput
		if id, err = s.insertPerson(ctx, in); err != nil {
			return 0, false, err
		}
		data, _ := json.Marshal(map[string]any{"import_id": importID, "row": ir.row})
		if _, err := s.addEvent(ctx, Event{PersonID: id, Kind: EventImport, TitleKey: "people.event.import",
			RefType: "import", RefID: importID, Data: data}); err != nil {
			return 0, false, err
		}
		if dupOf != 0 {
			a, b := min(id, dupOf), max(id, dupOf)
			if _, err := s.q.Exec(ctx, "InsertDuplicateCandidate", a, b, "import", s.now()); err != nil {
				return 0, false, err
			}
		}
	} else {
		p, err := s.person(ctx, id)
		if err != nil {
			return 0, false, err
		}
		in := inputOf(p)
		row := ir.np.PersonInput
		for _, f := range []struct{ dst, src *string }{
			{&in.GivenName, &row.GivenName}, {&in.FamilyName, &row.FamilyName}, {&in.GreetingName, &row.GreetingName},
			{&in.SortName, &row.SortName}, {&in.Language, &row.Language}, {&in.Pronouns, &row.Pronouns},
		} {
			if *f.src != "" {
				*f.dst = *f.src
			}
		}
		if ir.displayFrom {
			in.DisplayName = row.DisplayName
		} else if row.GivenName != "" || row.FamilyName != "" {
			in.DisplayName = derivedDisplayName(in.GivenName, in.FamilyName, in.Language)
		}
		if row.BirthDate != nil {
			in.BirthDate = row.BirthDate
		}
		if in.ExternalID == "" && row.ExternalID != "" {
			in.Source, in.ExternalID = row.Source, row.ExternalID
		}
		if err := s.updatePerson(ctx, id, in); err != nil {
			return 0, false, err
		}
	}
	if isNew {
		// A new profile has nothing to deduplicate against but itself, and
		// its search row can be built from the row: no reads back.
		if err := s.freshRow(ctx, pf, id, ir); err != nil {
			return 0, false, err
		}
	} else if err := s.mergeRow(ctx, pf, id, ir); err != nil {
		return 0, false, err
	}
	for _, c := range ir.custom {
		if err := s.setCustomValue(ctx, id, c.field, c.value); err != nil {
			return 0, false, err
		}
	}
	for _, ch := range ir.optOuts {
		if err := s.importConsent(ctx, id, ch, "", OptOut); err != nil {
			return 0, false, err
		}
	}
	if ir.newsletter {
		if err := s.importConsent(ctx, id, ChannelEmail, PurposeNewsletter, OptIn); err != nil {
			return 0, false, err
		}
	}
	if ir.dnc {
		p, err := s.person(ctx, id)
		if err != nil {
			return 0, false, err
		}
		if !p.DoNotContact {
			if err := s.setDoNotContact(ctx, id, false, true, SourceImport, "", time.Time{}); err != nil {
				return 0, false, err
			}
		}
	}
	if ir.note != "" {
		if _, err := s.addEvent(ctx, Event{PersonID: id, Kind: EventNote, TitleKey: "people.event.note", Body: ir.note}); err != nil {
			return 0, false, err
		}
	}
	if isNew {
		return id, true, nil
	}
	return id, false, s.reindex(ctx, id)
}

// freshRow adds a new profile's contact points, roles and tags, and its
// search row.
func (s *Service) freshRow(ctx context.Context, pf *parsedFile, id int64, ir importRow) error {
	in := ir.np.PersonInput
	fields := []string{in.DisplayName, in.GivenName, in.FamilyName, in.GreetingName, in.SortName}
	seen := map[string]bool{}
	primary := map[ContactKind]bool{}
	for _, c := range ir.contacts {
		k := string(c.Kind) + "\x00" + c.matchKey + "\x00" + c.value
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := s.q.Exec(ctx, "InsertContact", id, string(c.Kind), c.Type, !primary[c.Kind], c.value, c.original,
			c.matchKey, c.national, c.Platform, c.Line1, c.Line2, c.City, c.Region, c.Postcode, c.Country, s.now()); err != nil {
			return err
		}
		primary[c.Kind] = true
		switch c.Kind {
		case Phone:
			fields = append(fields, phoneSearchText(c.value)...)
		case Email, Social:
			fields = append(fields, c.value)
		}
	}
	for _, r := range ir.np.Roles {
		if _, err := s.insertRole(ctx, id, r); err != nil {
			return err
		}
	}
	for _, t := range ir.np.Tags {
		if err := s.tagCached(ctx, pf, id, t); err != nil {
			return err
		}
	}
	if ir.note != "" {
		fields = append(fields, ir.note)
	}
	_, err := s.q.Exec(ctx, "UpsertSearch", id, textsearch.IndexText(fields...))
	return err
}

// tagCached assigns a tag, remembering tag ids for the rest of the import.
func (s *Service) tagCached(ctx context.Context, pf *parsedFile, id int64, name string) error {
	key := tagKey(name)
	tid, ok := pf.tagIDs[key]
	if !ok {
		t, found, err := s.tagByName(ctx, name)
		if err != nil {
			return err
		}
		if !found {
			if err := s.q.QueryRowW(ctx, "InsertTag", clean(name), key, "", s.now()).Scan(&t.ID); err != nil {
				return err
			}
		}
		tid = t.ID
		pf.tagIDs[key] = tid
	}
	_, err := s.q.Exec(ctx, "AssignTag", id, tid, s.now())
	return err
}

// mergeRow adds a row's contact points, roles and tags to an existing
// profile, skipping what it already has.
func (s *Service) mergeRow(ctx context.Context, pf *parsedFile, id int64, ir importRow) error {
	for _, c := range ir.contacts {
		exists := false
		if c.Kind == Address {
			cs, err := s.contacts(ctx, id)
			if err != nil {
				return err
			}
			for _, x := range cs {
				exists = exists || (x.Kind == Address && contactIdentity(x) == tagKey(c.value))
			}
		} else {
			other, err := s.existingContact(ctx, id, c)
			if err != nil {
				return err
			}
			exists = other != 0
		}
		if !exists {
			if _, err := s.insertContact(ctx, id, c); err != nil {
				return err
			}
		}
	}
	for _, r := range ir.np.Roles {
		var n int
		if err := s.q.QueryRow(ctx, "RolesMatching", id, r.Role, r.Start.String()).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := s.insertRole(ctx, id, r); err != nil {
				return err
			}
		}
	}
	for _, t := range ir.np.Tags {
		if err := s.tagCached(ctx, pf, id, t); err != nil {
			return err
		}
	}
	return nil
}

// importConsent records a consent from a file unless it is already so.
func (s *Service) importConsent(ctx context.Context, id int64, channel, purpose, status string) error {
	var cur string
	var at time.Time
	err := s.q.QueryRow(ctx, "GetConsent", id, channel, purpose).Scan(&cur, &at)
	if err == nil && cur == status {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return s.setConsent(ctx, id, ConsentInput{Channel: channel, Purpose: purpose, Status: status, Source: SourceImport})
}

func (s *Service) getImport(ctx context.Context, id int64) (Import, string, []byte, error) {
	var (
		imp      Import
		hash     string
		opts     []byte
		errsJSON []byte
		finished sql.NullTime
	)
	err := s.q.QueryRow(ctx, "GetImport", id).Scan(&imp.ID, &imp.Status, &imp.FileName, &hash, &opts, &imp.Total,
		&imp.Processed, &imp.Created, &imp.Updated, &imp.Failed, &errsJSON, &imp.StartedAt, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return imp, "", nil, apperr.NotFound("people.import.not_found")
	}
	if err != nil {
		return imp, "", nil, err
	}
	imp.StartedAt = imp.StartedAt.UTC()
	if finished.Valid {
		t := finished.Time.UTC()
		imp.FinishedAt = &t
	}
	if err := json.Unmarshal(errsJSON, &imp.Errors); err != nil {
		return imp, "", nil, err
	}
	if imp.Errors == nil {
		imp.Errors = []RowError{}
	}
	return imp, hash, opts, nil
}

// GetImport returns an import's progress.
func (s *Service) GetImport(ctx context.Context, id int64) (Import, error) {
	if err := requirePerm(ctx, permImport); err != nil {
		return Import{}, err
	}
	imp, _, _, err := s.getImport(ctx, id)
	return imp, err
}
