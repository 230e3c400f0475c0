package people

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// SegmentFilter selects live profiles; every non-empty part must hold (AND).
// It is stored as JSON in saved segments and compiled to parameterized SQL on
// both backends.
type SegmentFilter struct {
	Kind Kind `json:"kind,omitempty"`
	// Languages match by tag or base language ("tr" matches "tr-TR"); any of them.
	Languages []string `json:"languages,omitempty"`
	// Roles must all hold.
	Roles []RoleCondition `json:"roles,omitempty"`
	// Tag ids: carrying any of TagsAny, all of TagsAll, none of TagsNone.
	TagsAny  []int64 `json:"tags_any,omitempty"`
	TagsAll  []int64 `json:"tags_all,omitempty"`
	TagsNone []int64 `json:"tags_none,omitempty"`
	// Custom field conditions must all hold.
	Custom        []CustomCondition `json:"custom,omitempty"`
	CreatedAfter  *time.Time        `json:"created_after,omitempty"`
	CreatedBefore *time.Time        `json:"created_before,omitempty"`
	// Consent conditions must all hold.
	Consent      []ConsentCondition `json:"consent,omitempty"`
	DoNotContact *bool              `json:"do_not_contact,omitempty"`
	// Text is a search box query.
	Text string `json:"text,omitempty"`
}

// RoleCondition: the person holds (Status "active", the default), held but no
// longer holds ("ended") or ever held ("any") Role, optionally of a subtype,
// in a program, started within dates.
type RoleCondition struct {
	Role          string `json:"role"`
	Subtype       string `json:"subtype,omitempty"`
	Status        string `json:"status,omitempty"`
	Program       string `json:"program,omitempty"`
	StartedAfter  *Date  `json:"started_after,omitempty"`
	StartedBefore *Date  `json:"started_before,omitempty"`
}

// CustomCondition compares a custom field: Op is eq, ne, lt, lte, gt, gte
// (numbers and dates), contains (text, case-sensitive), set or unset.
type CustomCondition struct {
	Key   string `json:"key"`
	Op    string `json:"op"`
	Value string `json:"value,omitempty"`
}

// ConsentCondition: the consent on Channel for Purpose ("" = the whole
// channel) is Status; "unknown" means neither opted in nor out.
type ConsentCondition struct {
	Channel string `json:"channel"`
	Purpose string `json:"purpose,omitempty"`
	Status  string `json:"status"`
}

// sqlBuilder collects a WHERE clause and its arguments; values only ever
// travel as parameters.
type sqlBuilder struct {
	conds []string
	args  []any
}

func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *sqlBuilder) where(format string, args ...any) {
	ph := make([]any, len(args))
	for i, a := range args {
		ph[i] = b.arg(a)
	}
	b.conds = append(b.conds, fmt.Sprintf(format, ph...))
}

func idsArg(b *sqlBuilder, ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = b.arg(id)
	}
	return strings.Join(ph, ", ")
}

var customOps = map[string]string{"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

// compile validates f and turns it into a WHERE clause over people p.
func (s *Service) compile(ctx context.Context, f SegmentFilter) (*sqlBuilder, error) {
	v := apperr.Invalid()
	b := &sqlBuilder{conds: []string{"p.erased_at IS NULL", "p.merged_into_id IS NULL"}}
	today := DateOf(s.now()).String()
	if f.Kind != "" {
		if f.Kind != Individual && f.Kind != Organization {
			v.Field("kind", "people.error.kind")
		}
		b.where("p.kind = %s", string(f.Kind))
	}
	if len(f.Languages) > 0 {
		var ors []string
		for i, l := range f.Languages {
			tag, ok := canonicalLanguage(l)
			if !ok || tag == "" {
				v.Field(fmt.Sprintf("languages.%d", i), "people.error.language", "Value", l)
				continue
			}
			ors = append(ors, fmt.Sprintf("p.language = %s OR p.language LIKE %s", b.arg(tag), b.arg(tag+"-%")))
		}
		if len(ors) > 0 {
			b.conds = append(b.conds, "("+strings.Join(ors, " OR ")+")")
		}
	}
	for i, r := range f.Roles {
		prefix := fmt.Sprintf("roles.%d.", i)
		if !slices.Contains(Roles, r.Role) {
			v.Field(prefix+"role", "people.error.role")
		}
		var sub []string
		sub = append(sub, "r.person_id = p.id", "r.role = "+b.arg(r.Role))
		if r.Subtype != "" {
			sub = append(sub, "r.subtype = "+b.arg(r.Subtype))
		}
		if r.Program != "" {
			sub = append(sub, "r.program = "+b.arg(r.Program))
		}
		if r.StartedAfter != nil {
			sub = append(sub, "r.start_date >= "+b.arg(r.StartedAfter.String()))
		}
		if r.StartedBefore != nil {
			sub = append(sub, "r.start_date <= "+b.arg(r.StartedBefore.String()))
		}
		base := strings.Join(sub, " AND ")
		var t, active string
		if r.Status != "any" { // an unused parameter is an error on PostgreSQL
			t = b.arg(today)
			active = fmt.Sprintf("r.start_date <= %s AND (r.end_date IS NULL OR r.end_date >= %s)", t, t)
		}
		switch r.Status {
		case "", "active":
			b.conds = append(b.conds, fmt.Sprintf("EXISTS (SELECT 1 FROM person_roles r WHERE %s AND %s)", base, active))
		case "ended":
			b.conds = append(b.conds, fmt.Sprintf("EXISTS (SELECT 1 FROM person_roles r WHERE %s AND r.end_date < %s)", base, t),
				fmt.Sprintf("NOT EXISTS (SELECT 1 FROM person_roles r WHERE %s AND %s)", base, active))
		case "any":
			b.conds = append(b.conds, fmt.Sprintf("EXISTS (SELECT 1 FROM person_roles r WHERE %s)", base))
		default:
			v.Field(prefix+"status", "people.error.role_status")
		}
	}
	if len(f.TagsAny) > 0 {
		b.conds = append(b.conds, "EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag_id IN ("+idsArg(b, f.TagsAny)+"))")
	}
	for _, id := range f.TagsAll {
		b.where("EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag_id = %s)", id)
	}
	if len(f.TagsNone) > 0 {
		b.conds = append(b.conds, "NOT EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag_id IN ("+idsArg(b, f.TagsNone)+"))")
	}
	for i, c := range f.Custom {
		prefix := fmt.Sprintf("custom.%d.", i)
		field, err := s.customField(ctx, c.Key)
		if err != nil {
			v.Field(prefix+"key", "people.error.field_missing")
			continue
		}
		exists := "EXISTS (SELECT 1 FROM custom_values v WHERE v.person_id = p.id AND v.field_id = " + b.arg(field.ID)
		switch c.Op {
		case "set":
			b.conds = append(b.conds, exists+")")
		case "unset":
			b.conds = append(b.conds, "NOT "+exists+")")
		case "contains":
			frag := fragment(s.q.SQL("SegmentContainsFragment"), b.arg(c.Value))
			b.conds = append(b.conds, exists+" AND "+frag+")")
		default:
			op, ok := customOps[c.Op]
			if !ok {
				v.Field(prefix+"op", "people.error.segment_op")
				continue
			}
			val, num, ok := canonicalValue(field, c.Value)
			if !ok {
				v.Field(prefix+"value", "people.error.custom_"+field.Type, "Label", field.Label)
				continue
			}
			if op != "=" && op != "<>" && field.Type != FieldNumber && field.Type != FieldDate {
				v.Field(prefix+"op", "people.error.segment_op")
				continue
			}
			if field.Type == FieldNumber {
				b.conds = append(b.conds, exists+" AND v.num "+op+" "+b.arg(num)+")")
			} else if op == "<>" {
				b.conds = append(b.conds, "NOT "+exists+" AND v.value = "+b.arg(val)+")")
			} else {
				b.conds = append(b.conds, exists+" AND v.value "+op+" "+b.arg(val)+")")
			}
		}
	}
	if f.CreatedAfter != nil {
		b.where("p.created_at >= %s", f.CreatedAfter.UTC())
	}
	if f.CreatedBefore != nil {
		b.where("p.created_at < %s", f.CreatedBefore.UTC())
	}
	for i, c := range f.Consent {
		prefix := fmt.Sprintf("consent.%d.", i)
		if !slices.Contains(Channels, c.Channel) {
			v.Field(prefix+"channel", "people.error.channel")
		}
		if c.Purpose != "" && !slices.Contains(Purposes, c.Purpose) {
			v.Field(prefix+"purpose", "people.error.purpose")
		}
		base := fmt.Sprintf("SELECT 1 FROM consents c WHERE c.person_id = p.id AND c.channel = %s AND c.purpose = %s",
			b.arg(c.Channel), b.arg(c.Purpose))
		switch c.Status {
		case OptIn, OptOut:
			b.conds = append(b.conds, "EXISTS ("+base+" AND c.status = "+b.arg(c.Status)+")")
		case Unknown:
			b.conds = append(b.conds, "NOT EXISTS ("+base+" AND c.status IN ('opt_in', 'opt_out'))")
		default:
			v.Field(prefix+"status", "people.error.consent_status")
		}
	}
	if f.DoNotContact != nil {
		b.where("p.do_not_contact = %s", *f.DoNotContact)
	}
	if q := textsearch.ParseQuery(f.Text); !q.Empty() {
		b.conds = append(b.conds, fragment(s.q.SQL("SegmentTextFragment"), b.arg(s.engineQuery(q))))
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	return b, nil
}

// fragment fills a dialect's SQL fragment, whose text may end in a comment
// line, so it gets a line of its own.
func fragment(sql, placeholder string) string {
	return "(\n" + strings.Replace(sql, ":q", placeholder, 1) + "\n)"
}

const personCols = `p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name,
    p.language, p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact,
    p.preferred_channel, p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at,
    p.updated_at, p.erased_at, p.merged_into_id`

// SegmentCount counts the live profiles f selects.
func (s *Service) SegmentCount(ctx context.Context, f SegmentFilter) (int, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return 0, err
	}
	b, err := s.compile(ctx, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.R(ctx).QueryRowContext(ctx, s.db.Rebind("SELECT count(*) FROM people p WHERE "+strings.Join(b.conds, " AND ")), b.args...).Scan(&n)
	return n, err
}

// SegmentMembers pages through the profiles f selects, by id, for bulk
// messages and surveys.
func (s *Service) SegmentMembers(ctx context.Context, f SegmentFilter, cursor string, limit int) (Page[Person], error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Page[Person]{}, err
	}
	limit = clampLimit(limit)
	var c struct {
		ID int64 `json:"i"`
	}
	if err := decodeCursor(cursor, &c); err != nil {
		return Page[Person]{}, err
	}
	page := Page[Person]{Items: []Person{}}
	err := s.eachMember(ctx, f, c.ID, limit+1, func(p Person) error {
		page.Items = append(page.Items, p)
		return nil
	})
	if err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		c.ID = page.Items[limit-1].ID
		page.Next = encodeCursor(c)
	}
	return page, nil
}

// eachMember calls fn for up to limit members with id > after, in id order.
func (s *Service) eachMember(ctx context.Context, f SegmentFilter, after int64, limit int, fn func(Person) error) error {
	b, err := s.compile(ctx, f)
	if err != nil {
		return err
	}
	b.where("p.id > %s", after)
	q := "SELECT " + personCols + " FROM people p WHERE " + strings.Join(b.conds, " AND ") + " ORDER BY p.id LIMIT " + b.arg(limit)
	rows, err := s.db.R(ctx).QueryContext(ctx, s.db.Rebind(q), b.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Segment is a saved filter.
type Segment struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Filter    SegmentFilter `json:"filter"`
	CreatedBy int64         `json:"created_by,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func (s *Service) validateSegment(ctx context.Context, name string, f SegmentFilter) (string, []byte, error) {
	name = clean(name)
	if name == "" {
		return "", nil, apperr.Invalid().Field("name", "people.error.required")
	}
	if runeLen(name) > maxShortLen {
		return "", nil, apperr.Invalid().Field("name", "people.error.too_long", "Max", maxShortLen)
	}
	if _, err := s.compile(ctx, f); err != nil {
		return "", nil, err
	}
	def, err := json.Marshal(f)
	return name, def, err
}

// CreateSegment saves a filter under a name.
func (s *Service) CreateSegment(ctx context.Context, name string, f SegmentFilter) (Segment, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Segment{}, err
	}
	var seg Segment
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		name, def, err := s.validateSegment(ctx, name, f)
		if err != nil {
			return err
		}
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertSegment", name, string(def), nullInt(actorID(ctx)), s.now()).Scan(&id); err != nil {
			return err
		}
		if seg, err = s.segment(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "segment.create", "segment", id, seg)
	})
	return seg, err
}

// UpdateSegment renames a segment or changes its filter.
func (s *Service) UpdateSegment(ctx context.Context, id int64, name string, f SegmentFilter) (Segment, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Segment{}, err
	}
	var seg Segment
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.segment(ctx, id)
		if err != nil {
			return err
		}
		name, def, err := s.validateSegment(ctx, name, f)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateSegment", id, name, string(def), s.now()); err != nil {
			return err
		}
		if seg, err = s.segment(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "segment.update", "segment", id, change{old, seg})
	})
	return seg, err
}

// DeleteSegment deletes a saved segment.
func (s *Service) DeleteSegment(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.segment(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteSegment", id); err != nil {
			return err
		}
		return s.audit(ctx, "segment.delete", "segment", id, old)
	})
}

func scanSegment(r scanner) (Segment, error) {
	var (
		seg Segment
		def []byte
		by  sql.NullInt64
	)
	if err := r.Scan(&seg.ID, &seg.Name, &def, &by, &seg.CreatedAt, &seg.UpdatedAt); err != nil {
		return seg, err
	}
	seg.CreatedBy, seg.CreatedAt, seg.UpdatedAt = by.Int64, seg.CreatedAt.UTC(), seg.UpdatedAt.UTC()
	return seg, json.Unmarshal(def, &seg.Filter)
}

func (s *Service) segment(ctx context.Context, id int64) (Segment, error) {
	seg, err := scanSegment(s.q.QueryRow(ctx, "GetSegment", id))
	if errors.Is(err, sql.ErrNoRows) {
		return seg, apperr.NotFound("people.error.segment_missing")
	}
	return seg, err
}

// GetSegment returns a saved segment.
func (s *Service) GetSegment(ctx context.Context, id int64) (Segment, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Segment{}, err
	}
	return s.segment(ctx, id)
}

// Segments lists the saved segments by name.
func (s *Service) Segments(ctx context.Context) ([]Segment, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "ListSegments")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Segment{}
	for rows.Next() {
		seg, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, rows.Err()
}
