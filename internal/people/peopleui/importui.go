package peopleui

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/web"
)

// stash keeps an uploaded file between the import steps (preview, dry run,
// run) for a while, so the user uploads it once. It lives in this process:
// behind a load balancer without sticky sessions a step may ask for the file
// again.
type stash struct {
	mu    sync.Mutex
	files map[string]*stashed
}

type stashed struct {
	user int64
	name string
	data []byte
	at   time.Time
}

const (
	stashTTL   = 30 * time.Minute
	stashBytes = 256 << 20
)

func newStash() *stash { return &stash{files: map[string]*stashed{}} }

func (s *stash) put(user int64, name string, data []byte) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var total int
	var order []string
	for k, f := range s.files {
		if now.Sub(f.at) > stashTTL {
			delete(s.files, k)
			continue
		}
		total += len(f.data)
		order = append(order, k)
	}
	sort.Slice(order, func(i, j int) bool { return s.files[order[i]].at.Before(s.files[order[j]].at) })
	for len(order) > 0 && total+len(data) > stashBytes {
		total -= len(s.files[order[0]].data)
		delete(s.files, order[0])
		order = order[1:]
	}
	s.files[tok] = &stashed{user: user, name: name, data: data, at: now}
	return tok
}

func (s *stash) get(user int64, tok string) (*stashed, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[tok]
	if !ok || f.user != user || time.Since(f.at) > stashTTL {
		return nil, false
	}
	return f, true
}

func (s *stash) drop(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, tok)
}

type importData struct {
	Form      map[string]string
	Errors    map[string]string
	Presets   []option
	Encodings []option
	Token     string
	FileName  string
	Preview   *previewView
	Report    *reportView
	Regions   []string
}

type rowErrorView struct {
	people.RowError
	Message string
}

type previewView struct {
	*people.ImportPreview
	Fields   []string
	Rows     [][]string
	RowNotes [][]string
	Mapping  []option
}

type reportView struct {
	*people.ImportReport
	Errors []rowErrorView
}

func rowErrors(l *i18n.Localizer, errs []people.RowError) []rowErrorView {
	out := make([]rowErrorView, len(errs))
	for i, e := range errs {
		out[i] = rowErrorView{RowError: e, Message: msg(l, e.Key, e.Args)}
	}
	return out
}

func importOptions(l *i18n.Localizer) ([]option, []option) {
	auto := l.T("peopleui.import.auto")
	presets := []option{{"", auto}}
	for _, k := range people.PresetNames() {
		presets = append(presets, option{k, people.Presets[k].Name})
	}
	encs := []option{{"", auto}}
	for _, e := range []string{people.EncUTF8, people.EncUTF16LE, people.EncUTF16BE, people.EncWindows1252,
		people.EncWindows1254, people.EncWindows1256, people.EncShiftJIS} {
		encs = append(encs, option{e, strings.ToUpper(e)})
	}
	return presets, encs
}

func (m *Module) renderImport(w http.ResponseWriter, r *http.Request, status int, d importData) {
	d.Presets, d.Encodings = importOptions(i18n.FromContext(r.Context()))
	d.Regions = phoneRegions
	if d.Form == nil {
		d.Form = map[string]string{"on_duplicate": "update"}
	}
	m.s.Render(w, r, status, "people_import", m.s.NewPage(r, "peopleui.import.title", d))
}

func (m *Module) importPage(w http.ResponseWriter, r *http.Request) {
	m.renderImport(w, r, http.StatusOK, importData{})
}

var importFormFields = []string{"preset", "encoding", "delimiter", "on_duplicate", "phone_region", "month_first"}

// importPost takes the file (or the stashed one) and previews, dry-runs or
// runs the import.
func (m *Module) importPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := i18n.FromContext(ctx)
	user := web.CurrentUser(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, people.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.renderImport(w, r, http.StatusRequestEntityTooLarge, importData{Errors: map[string]string{"file": l.T("error.too_large")}})
			return
		}
		m.s.ErrorStatus(w, r, http.StatusBadRequest, "error.invalid_request")
		return
	}
	d := importData{Form: map[string]string{}}
	for _, f := range importFormFields {
		d.Form[f] = r.FormValue(f)
	}
	var data []byte
	if file, hdr, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(file)
		file.Close()
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		d.FileName = hdr.Filename
		d.Token = m.stash.put(user.ID, hdr.Filename, data)
	} else if tok := r.FormValue("token"); tok != "" {
		if f, ok := m.stash.get(user.ID, tok); ok {
			data, d.FileName, d.Token = f.data, f.name, tok
		}
	}
	if data == nil {
		d.Errors = map[string]string{"file": l.T("peopleui.import.choose_file")}
		m.renderImport(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	opts := people.ImportOptions{Preset: d.Form["preset"], Encoding: d.Form["encoding"], OnDuplicate: d.Form["on_duplicate"],
		PhoneRegion: strings.ToUpper(strings.TrimSpace(d.Form["phone_region"])), FileName: d.FileName}
	switch d.Form["delimiter"] {
	case ",":
		opts.Delimiter = ','
	case ";":
		opts.Delimiter = ';'
	case "tab":
		opts.Delimiter = '\t'
	case "|":
		opts.Delimiter = '|'
	}
	switch d.Form["month_first"] {
	case "1":
		t := true
		opts.MonthFirst = &t
	case "0":
		f := false
		opts.MonthFirst = &f
	}
	var err error
	switch r.FormValue("action") {
	case "run":
		// The file is checked and the import queued now; a job imports its rows
		// (resuming after a restart) while the status page shows progress batch
		// by batch.
		var imp people.Import
		imp, err = m.svc.QueueImport(ctx, bytes.NewReader(data), opts)
		if err == nil {
			m.stash.drop(d.Token)
			m.seeOther(w, r, "/people/imports/"+strconv.FormatInt(imp.ID, 10)+"/status", "")
			return
		}
	case "dryrun":
		var rep *people.ImportReport
		if rep, err = m.svc.DryRun(ctx, bytes.NewReader(data), opts); err == nil {
			d.Report = &reportView{ImportReport: rep, Errors: rowErrors(l, rep.Errors)}
		}
	default:
		var pv *people.ImportPreview
		if pv, err = m.svc.Preview(ctx, bytes.NewReader(data), opts, 10); err == nil {
			d.Preview = previewOf(l, pv)
		}
	}
	if err != nil {
		fields, ok := fieldErrors(l, err, nil)
		if !ok {
			if e, isApp := apperr.As(err); isApp {
				fields = map[string]string{"file": l.T(e.Key, e.Args...)}
			} else {
				m.s.Error(w, r, err)
				return
			}
		}
		d.Errors = fields
		status := http.StatusUnprocessableEntity
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeTooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		m.renderImport(w, r, status, d)
		return
	}
	m.renderImport(w, r, http.StatusOK, d)
}

func previewOf(l *i18n.Localizer, pv *people.ImportPreview) *previewView {
	v := &previewView{ImportPreview: pv}
	for _, h := range pv.Header {
		if f, ok := pv.Mapping[h]; ok {
			v.Fields = append(v.Fields, string(f))
			v.Mapping = append(v.Mapping, option{h, string(f)})
		}
	}
	for _, row := range pv.Rows {
		cells := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			cells[i] = row.Values[people.Field(f)]
		}
		v.Rows = append(v.Rows, cells)
		var notes []string
		for _, e := range row.Errors {
			notes = append(notes, msg(l, e.Key, e.Args))
		}
		v.RowNotes = append(v.RowNotes, notes)
	}
	return v
}

type importStatusData struct {
	Imp     people.Import
	Errors  []rowErrorView
	Running bool
	Started string
	Done    string
}

// importStatus shows an import's progress and its bad rows; while it runs, the
// page refreshes its status block.
func (m *Module) importStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := idParam(r, "iid")
	if !ok {
		m.notFound(w, r)
		return
	}
	imp, err := m.svc.GetImport(ctx, id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	page := m.s.NewPage(r, "peopleui.import.status_title", nil)
	d := importStatusData{Imp: imp, Errors: rowErrors(page.L, imp.Errors), Running: imp.Status == "running" || imp.Status == "queued",
		Started: page.L.DateTime(imp.StartedAt, page.TZ)}
	if imp.FinishedAt != nil {
		d.Done = page.L.DateTime(*imp.FinishedAt, page.TZ)
	}
	page.Data = d
	m.s.Render(w, r, http.StatusOK, "people_import_status", page)
}
