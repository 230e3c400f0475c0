package people

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
)

// DefaultExportColumns are exported when no columns are chosen. Their headers
// are field names, so Hearken re-imports its own export unchanged.
var DefaultExportColumns = []Field{FID, FExternalID, FKind, FDisplayName, FGivenName, FFamilyName, FGreetingName,
	FLanguage, FBirthDate, FEmail, FPhone, FStreet, FStreet2, FCity, FRegion, FPostcode, FCountry, FTags, FRoles}

// exportable are the fields an export column may be.
var exportable = append([]Field{FID}, importFields...)

// ExportOptions choose what ExportCSV writes.
type ExportOptions struct {
	// Segment selects the profiles; nil exports every live profile.
	Segment *SegmentFilter `json:"segment,omitempty"`
	// Columns in order; "custom:<key>" for custom fields.
	Columns []Field `json:"columns,omitempty"`
	// BOM starts the file with a UTF-8 byte order mark so that spreadsheet
	// programs read it as UTF-8 rather than the system code page.
	BOM       bool `json:"bom,omitempty"`
	Delimiter rune `json:"delimiter,omitempty"`
}

const exportBatch = 1000

// ExportCSV streams the selected profiles to w as CSV, a batch at a time, and
// returns how many it wrote.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, opts ExportOptions) (int, error) {
	if err := requirePerm(ctx, permExport); err != nil {
		return 0, err
	}
	cols := opts.Columns
	if len(cols) == 0 {
		cols = DefaultExportColumns
	}
	v := apperr.Invalid()
	for i, c := range cols {
		if key, ok := strings.CutPrefix(string(c), "custom:"); ok {
			if _, err := s.customField(ctx, key); err != nil {
				v.Field("columns."+strconv.Itoa(i), "people.error.field_missing")
			}
		} else if !slices.Contains(exportable, c) || c == FRoleStart {
			v.Field("columns."+strconv.Itoa(i), "people.import.unknown_field", "Field", string(c))
		}
	}
	if err := v.OrNil(); err != nil {
		return 0, err
	}
	var f SegmentFilter
	if opts.Segment != nil {
		f = *opts.Segment
	}
	if _, err := s.compile(ctx, f); err != nil {
		return 0, err
	}
	if opts.BOM {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return 0, err
		}
	}
	cw := csv.NewWriter(w)
	if opts.Delimiter != 0 {
		cw.Comma = opts.Delimiter
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = string(c)
	}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	n := 0
	var after int64
	for {
		var batch []Person
		if err := s.eachMember(ctx, f, after, exportBatch, func(p Person) error {
			batch = append(batch, p)
			return nil
		}); err != nil {
			return n, err
		}
		if len(batch) == 0 {
			break
		}
		extra, err := s.exportExtras(ctx, batch[0].ID, batch[len(batch)-1].ID, cols)
		if err != nil {
			return n, err
		}
		rec := make([]string, len(cols))
		for _, p := range batch {
			x := extra[p.ID]
			for i, c := range cols {
				rec[i] = spreadsheetSafe(exportValue(p, x, c))
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		after = batch[len(batch)-1].ID
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, s.db.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, "person.export", "person", 0, map[string]any{"rows": n, "columns": cols, "segment": opts.Segment})
	})
}

// exportExtra is what a row needs beyond the people table.
type exportExtra struct {
	email, phone string
	address      ContactPoint
	tags, roles  []string
	custom       map[string]string
}

func (s *Service) exportExtras(ctx context.Context, lo, hi int64, cols []Field) (map[int64]*exportExtra, error) {
	out := map[int64]*exportExtra{}
	get := func(id int64) *exportExtra {
		x := out[id]
		if x == nil {
			x = &exportExtra{custom: map[string]string{}}
			out[id] = x
		}
		return x
	}
	need := func(fs ...Field) bool {
		return slices.ContainsFunc(cols, func(c Field) bool { return slices.Contains(fs, c) })
	}
	if need(FEmail, FPhone, FStreet, FStreet2, FCity, FRegion, FPostcode, FCountry) {
		rows, err := s.q.Query(ctx, "ExportPrimaryContacts", lo, hi)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var c ContactPoint
			var kind string
			if err := rows.Scan(&id, &kind, &c.Value, &c.Line1, &c.Line2, &c.City, &c.Region, &c.Postcode, &c.Country); err != nil {
				rows.Close()
				return nil, err
			}
			x := get(id)
			switch ContactKind(kind) {
			case Email:
				x.email = c.Value
			case Phone:
				x.phone = c.Value
			case Address:
				x.address = c
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	pairs := func(query string, args []any, add func(x *exportExtra, k, v string)) error {
		rows, err := s.q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var a, b string
			dest := []any{&id, &a}
			if query == "ExportCustom" {
				dest = append(dest, &b)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			add(get(id), a, b)
		}
		return rows.Err()
	}
	if need(FTags) {
		if err := pairs("ExportTags", []any{lo, hi}, func(x *exportExtra, k, _ string) { x.tags = append(x.tags, k) }); err != nil {
			return nil, err
		}
	}
	if need(FRoles) {
		if err := pairs("ExportRoles", []any{lo, hi, DateOf(s.now()).String()}, func(x *exportExtra, k, _ string) {
			if !slices.Contains(x.roles, k) {
				x.roles = append(x.roles, k)
			}
		}); err != nil {
			return nil, err
		}
	}
	if slices.ContainsFunc(cols, func(c Field) bool { return strings.HasPrefix(string(c), "custom:") }) {
		if err := pairs("ExportCustom", []any{lo, hi}, func(x *exportExtra, k, v string) { x.custom[k] = v }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func exportValue(p Person, x *exportExtra, c Field) string {
	if x == nil {
		x = &exportExtra{}
	}
	switch c {
	case FID:
		return strconv.FormatInt(p.ID, 10)
	case FExternalID:
		return p.ExternalID
	case FKind:
		return string(p.Kind)
	case FIsOrganization:
		return strconv.FormatBool(p.Kind == Organization)
	case FDisplayName:
		return p.DisplayName
	case FGivenName:
		return p.GivenName
	case FFamilyName:
		return p.FamilyName
	case FOrgName:
		if p.Kind == Organization {
			return p.DisplayName
		}
	case FGreetingName:
		return p.GreetingName
	case FSortName:
		return p.SortName
	case FLanguage:
		return p.Language
	case FPronouns:
		return p.Pronouns
	case FBirthDate:
		if p.BirthDate != nil {
			return p.BirthDate.String()
		}
	case FEmail:
		return x.email
	case FPhone:
		return x.phone
	case FStreet:
		return x.address.Line1
	case FStreet2:
		return x.address.Line2
	case FCity:
		return x.address.City
	case FRegion:
		return x.address.Region
	case FPostcode:
		return x.address.Postcode
	case FCountry:
		return x.address.Country
	case FTags:
		return strings.Join(x.tags, "; ")
	case FRoles:
		return strings.Join(x.roles, "; ")
	case FDoNotContact:
		return strconv.FormatBool(p.DoNotContact)
	default:
		if key, ok := strings.CutPrefix(string(c), "custom:"); ok {
			return x.custom[key]
		}
	}
	return ""
}

// spreadsheetSafe stops a cell from running as a formula when the file is opened
// in a spreadsheet (CSV injection): a leading =, @, tab or carriage return gets an
// apostrophe, which spreadsheets show as text. A leading + or - is guarded too
// unless the cell is plainly a number or phone ("+90 532 123 45 67", "-12.5"),
// which spreadsheets read as values, so exported phones re-import unchanged.
func spreadsheetSafe(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return "'" + v
	case '+', '-':
		if strings.Trim(v[1:], "0123456789 ()./-") != "" {
			return "'" + v
		}
	}
	return v
}
