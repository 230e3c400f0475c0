package peopleui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// listQuery is the list page's filters, as the URL carries them.
type listQuery struct {
	Q         string
	Kind      string
	Role      string
	Lang      string
	TagID     int64
	SegmentID int64
	Cursor    string
}

func readListQuery(r *http.Request) listQuery {
	v := r.URL.Query()
	q := listQuery{Q: strings.TrimSpace(v.Get("q")), Kind: v.Get("kind"), Role: v.Get("role"), Lang: v.Get("lang"), Cursor: v.Get("cursor")}
	q.TagID, _ = strconv.ParseInt(v.Get("tag"), 10, 64)
	q.SegmentID, _ = strconv.ParseInt(v.Get("segment"), 10, 64)
	if q.Kind != string(people.Individual) && q.Kind != string(people.Organization) {
		q.Kind = ""
	}
	if !slices.Contains(people.Roles, q.Role) {
		q.Role = ""
	}
	if len(q.Lang) > 20 {
		q.Lang = ""
	}
	return q
}

// values is q as URL parameters (without the cursor).
func (q listQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	set("kind", q.Kind)
	set("role", q.Role)
	set("lang", q.Lang)
	if q.TagID != 0 {
		v.Set("tag", strconv.FormatInt(q.TagID, 10))
	}
	if q.SegmentID != 0 {
		v.Set("segment", strconv.FormatInt(q.SegmentID, 10))
	}
	return v
}

// Filtered reports whether any filter is set (so it can be saved as a segment).
func (q listQuery) Filtered() bool {
	return q.Q != "" || q.Kind != "" || q.Role != "" || q.Lang != "" || q.TagID != 0
}

// filter is the segment filter equivalent to the list's own filters: what the
// count, the CSV export and "save as segment" use.
func (q listQuery) filter() people.SegmentFilter {
	f := people.SegmentFilter{Kind: people.Kind(q.Kind), Text: q.Q}
	if q.Role != "" {
		f.Roles = []people.RoleCondition{{Role: q.Role}}
	}
	if q.Lang != "" {
		f.Languages = []string{q.Lang}
	}
	if q.TagID != 0 {
		f.TagsAny = []int64{q.TagID}
	}
	return f
}

type personRow struct {
	people.Person
	KindLabel string
	LangName  string
}

type segmentView struct {
	people.Segment
	Count   int
	Current bool
}

type listData struct {
	Query      listQuery
	Items      []personRow
	Next       string
	Count      int
	Tags       []people.Tag
	Segments   []segmentView
	Segment    *people.Segment
	Roles      []option
	Kinds      []option
	Langs      []option
	ExportURL  string
	Perms      perms
	SegmentErr string
	Ranked     bool
}

// option is one entry of a select.
type option struct {
	Value, Label string
}

func roleOptions(l *i18n.Localizer) []option {
	out := make([]option, len(people.Roles))
	for i, r := range people.Roles {
		out[i] = option{r, l.T("people.role." + r)}
	}
	return out
}

func kindOptions(l *i18n.Localizer) []option {
	return []option{{string(people.Individual), l.T("people.kind.individual")}, {string(people.Organization), l.T("people.kind.organization")}}
}

func langOptions() []option {
	var out []option
	for _, loc := range i18n.Supported() {
		out = append(out, option{loc.Tag, loc.Name})
	}
	return out
}

// langName names a language tag in its own language when it is one of the six.
func langName(tag string) string {
	base, _, _ := strings.Cut(tag, "-")
	for _, loc := range i18n.Supported() {
		if loc.Tag == base {
			return loc.Name
		}
	}
	return tag
}

// list is the people list. An htmx request from the search box or a filter
// gets the results table only.
func (m *Module) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	q := readListQuery(r)
	d := listData{Query: q, Perms: permsOf(ctx), Roles: roleOptions(l), Kinds: kindOptions(l), Langs: langOptions()}

	var page people.Page[people.Person]
	var err error
	f := q.filter()
	if q.SegmentID != 0 {
		seg, gerr := m.svc.GetSegment(ctx, q.SegmentID)
		if gerr != nil {
			m.s.Error(w, r, gerr)
			return
		}
		d.Segment = &seg
		f = seg.Filter
		if q.Q != "" {
			f.Text = strings.TrimSpace(f.Text + " " + q.Q)
		}
	}
	switch {
	case q.SegmentID == 0:
		// The search engine's ranking, best match first, as in the API.
		page, err = m.svc.Search(ctx, q.Q, people.SearchFilter{Kind: people.Kind(q.Kind), Role: q.Role, TagID: q.TagID, Language: q.Lang}, q.Cursor, 50)
		d.Ranked = q.Q != ""
	default:
		page, err = m.svc.SegmentMembers(ctx, f, q.Cursor, 50)
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid && (q.Cursor != "" || q.Lang != "") {
			// A stale cursor or a bad language: start again without them.
			q.Lang = ""
			http.Redirect(w, r, "/people?"+q.values().Encode(), http.StatusSeeOther)
			return
		}
		m.s.Error(w, r, err)
		return
	}
	if d.Count, err = m.svc.SegmentCount(ctx, f); err != nil {
		m.s.Error(w, r, err)
		return
	}
	for _, p := range page.Items {
		d.Items = append(d.Items, personRow{Person: p, KindLabel: l.T("people.kind." + string(p.Kind)), LangName: langName(p.Language)})
	}
	if page.Next != "" {
		v := q.values()
		v.Set("cursor", page.Next)
		d.Next = "/people?" + v.Encode()
	}
	ev := q.values()
	ev.Del("cursor")
	d.ExportURL = "/people/export.csv"
	if enc := ev.Encode(); enc != "" {
		d.ExportURL += "?" + enc
	}
	w.Header().Set("Vary", "HX-Request")
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "people-results" {
		// The address bar shows the canonical filters, without the empty ones.
		push := "/people"
		if enc := q.values().Encode(); enc != "" {
			push += "?" + enc
		}
		w.Header().Set("HX-Push-Url", push)
		m.s.Render(w, r, http.StatusOK, "people_results", m.s.NewPage(r, "", d))
		return
	}
	if d.Tags, err = m.svc.Tags(ctx); err != nil {
		m.s.Error(w, r, err)
		return
	}
	segs, err := m.svc.Segments(ctx)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	for _, s := range segs {
		n, err := m.svc.SegmentCount(ctx, s.Filter)
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		d.Segments = append(d.Segments, segmentView{Segment: s, Count: n, Current: s.ID == q.SegmentID})
	}
	m.s.Render(w, r, http.StatusOK, "people_list", m.s.NewPage(r, "nav.people", d))
}

// saveSegment saves the list's current filters under a name.
func (m *Module) saveSegment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := listQuery{Q: strings.TrimSpace(r.PostFormValue("q")), Kind: r.PostFormValue("kind"), Role: r.PostFormValue("role"), Lang: r.PostFormValue("lang")}
	q.TagID, _ = strconv.ParseInt(r.PostFormValue("tag"), 10, 64)
	seg, err := m.svc.CreateSegment(ctx, r.PostFormValue("name"), q.filter())
	if err != nil {
		if fields, ok := fieldErrors(i18n.FromContext(ctx), err, nil); ok {
			var msgs []string
			for _, v := range fields {
				msgs = append(msgs, v)
			}
			slices.Sort(msgs)
			m.s.SetFlash(ctx, "error", strings.Join(msgs, " "))
			http.Redirect(w, r, "/people?"+q.values().Encode(), http.StatusSeeOther)
			return
		}
		m.s.Error(w, r, err)
		return
	}
	m.seeOther(w, r, "/people?segment="+strconv.FormatInt(seg.ID, 10), "peopleui.segment.saved")
}

func (m *Module) deleteSegment(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "sid")
	if !ok {
		m.notFound(w, r)
		return
	}
	if err := m.svc.DeleteSegment(r.Context(), id); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.seeOther(w, r, "/people", "peopleui.segment.deleted")
}

// exportCSV streams the list's current selection (or a saved segment) as CSV.
func (m *Module) exportCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := readListQuery(r)
	f := q.filter()
	if q.SegmentID != 0 {
		seg, err := m.svc.GetSegment(ctx, q.SegmentID)
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		f = seg.Filter
	}
	// Validate before the first byte: afterwards an error can no longer
	// become an error page.
	if _, err := m.svc.SegmentCount(ctx, f); err != nil {
		m.s.Error(w, r, err)
		return
	}
	name := "people-" + time.Now().UTC().Format("20060102") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	opts := people.ExportOptions{Segment: &f, BOM: true}
	if r.URL.Query().Get("sep") == "semicolon" {
		opts.Delimiter = ';'
	}
	cw := &countingWriter{w: w}
	if _, err := m.svc.ExportCSV(ctx, cw, opts); err != nil {
		if cw.n == 0 { // nothing sent yet: still a clean error page
			w.Header().Del("Content-Disposition")
			m.s.Error(w, r, err)
			return
		}
		panic(http.ErrAbortHandler) // cut the download short rather than end it looking complete
	}
}

type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
