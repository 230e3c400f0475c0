package peopleapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/people"
)

// importIn is an import request: the CSV either as the raw body (text/csv)
// with the options as query parameters, or as the "file" part of a
// multipart/form-data body whose other parts may carry the options.
type importIn struct {
	Preset      string `query:"preset" doc:"civicrm, salesforce_npsp, bloomerang, littlegreenlight, hearken or generic; detected from the headers when empty."`
	Encoding    string `query:"encoding" doc:"utf-8, utf-16le, utf-16be, windows-1252, windows-1254, windows-1256 or shift_jis; detected when empty."`
	Delimiter   string `query:"delimiter" doc:"',', ';', 'tab' or '|'; sniffed when empty."`
	OnDuplicate string `query:"on_duplicate" enum:"update,flag,create" doc:"When a row's e-mail or phone belongs to a profile: update it (default), create a new profile flagged for review, or create one."`
	PhoneRegion string `query:"phone_region" doc:"Country of phone numbers written without a country code."`
	MonthFirst  string `query:"month_first" enum:"true,false" doc:"Read 05/01/2019 as May 1st; defaults to the preset's convention."`
	FileName    string `query:"file_name" doc:"Shown on the import's progress."`
	ContentType string `header:"Content-Type"`
	RawBody     []byte `contentType:"text/csv"`
}

const maxImportBody = people.MaxImportBytes + 1<<20

// read returns the file and the options, merging multipart fields over the
// query parameters.
func (in *importIn) read() ([]byte, people.ImportOptions, error) {
	vals := map[string]string{"preset": in.Preset, "encoding": in.Encoding, "delimiter": in.Delimiter, "on_duplicate": in.OnDuplicate,
		"phone_region": in.PhoneRegion, "month_first": in.MonthFirst, "file_name": in.FileName}
	data := in.RawBody
	mt, params, _ := mime.ParseMediaType(in.ContentType)
	if mt == "multipart/form-data" {
		form, err := multipart.NewReader(bytes.NewReader(in.RawBody), params["boundary"]).ReadForm(8 << 20)
		if err != nil {
			return nil, people.ImportOptions{}, apperr.New(apperr.CodeBadRequest, "error.invalid_request")
		}
		defer form.RemoveAll()
		for k := range vals {
			if v := form.Value[k]; len(v) > 0 && v[0] != "" {
				vals[k] = v[0]
			}
		}
		files := form.File["file"]
		if len(files) == 0 {
			return nil, people.ImportOptions{}, invalid("file", "people.import.empty")
		}
		f, err := files[0].Open()
		if err != nil {
			return nil, people.ImportOptions{}, err
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return nil, people.ImportOptions{}, err
		}
		if vals["file_name"] == "" {
			vals["file_name"] = files[0].Filename
		}
	}
	opts := people.ImportOptions{Preset: vals["preset"], Encoding: vals["encoding"], OnDuplicate: vals["on_duplicate"],
		PhoneRegion: strings.ToUpper(vals["phone_region"]), FileName: vals["file_name"]}
	switch d := vals["delimiter"]; d {
	case "":
	case "tab", "\t":
		opts.Delimiter = '\t'
	default:
		if r, size := utf8.DecodeRuneInString(d); size == len(d) {
			opts.Delimiter = r
		} else {
			return nil, opts, invalid("delimiter", "people.import.delimiter")
		}
	}
	switch vals["month_first"] {
	case "true", "1":
		t := true
		opts.MonthFirst = &t
	case "false", "0":
		f := false
		opts.MonthFirst = &f
	}
	return data, opts, nil
}

// importAccepted is a queued import and where to follow it.
type importAccepted struct {
	Location string `header:"Location" doc:"The import's progress: GET /api/v1/imports/{id}."`
	Body     PeopleImport
}

type importIDPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The import's id."`
}

func (m *Module) mountImport(a *api.API) {
	importOp := func(id, path, summary, desc string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: http.MethodPost, Path: path, Tags: tags, Summary: summary, Description: desc,
			DefaultStatus: status, MaxBodyBytes: maxImportBody, BodyReadTimeout: 2 * time.Minute}
	}
	huma.Register(a, importOp("importPeople", "/imports", "Import people from a CSV file",
		"Send the CSV as the raw body (Content-Type: text/csv) with the options as query parameters, or as the \"file\" part of a multipart/form-data body. "+
			"The file is checked at once: file-level problems (encoding, separator, unknown or missing columns, size) fail the request with 422 and nothing is stored. "+
			"Otherwise the answer is 202 Accepted with the queued import and its Location: the rows are imported in the background by a job, in batches that are each all-or-nothing, "+
			"resumed after the last committed batch if the server restarts. Follow GET /imports/{id} for the status (queued, running, completed, failed), "+
			"the progress (processed of total) and every bad row with its reason. Needs people.import.", http.StatusAccepted),
		func(ctx context.Context, in *importIn) (*importAccepted, error) {
			data, opts, err := in.read()
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			imp, err := m.svc.QueueImport(ctx, bytes.NewReader(data), opts)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &importAccepted{Location: "/api/v1/imports/" + strconv.FormatInt(imp.ID, 10), Body: importOut(i18n.FromContext(ctx), imp)}, nil
		})
	huma.Register(a, importOp("dryRunImport", "/imports/dry-run", "Check a CSV file without importing it",
		"Every bad row with its reason, and how many profiles a run would create and update. Takes the same body and options as importPeople. "+
			"It writes nothing and answers in the same request (files up to the import size limit), so a client can show the verdict before queuing the import.", http.StatusOK),
		func(ctx context.Context, in *importIn) (*body[PeopleImportReport], error) {
			data, opts, err := in.read()
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			rep, err := m.svc.DryRun(ctx, bytes.NewReader(data), opts)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			l := i18n.FromContext(ctx)
			return &body[PeopleImportReport]{PeopleImportReport{ImportFileInfo: fileOut(rep.ImportFile), Valid: rep.Valid,
				WouldCreate: rep.WouldCreate, WouldUpdate: rep.WouldUpdate, Errors: rowErrorsOut(l, rep.Errors)}}, nil
		})
	huma.Register(a, importOp("previewImport", "/imports/preview", "Preview how a CSV file is read",
		"The detected encoding and separator, the column mapping and the first ten rows as they would be imported.", http.StatusOK),
		func(ctx context.Context, in *importIn) (*body[PeopleImportPreview], error) {
			data, opts, err := in.read()
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			pv, err := m.svc.Preview(ctx, bytes.NewReader(data), opts, 10)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			l := i18n.FromContext(ctx)
			out := PeopleImportPreview{ImportFileInfo: fileOut(pv.ImportFile), Preview: []ImportPreviewRow{}}
			for _, r := range pv.Rows {
				vals := map[string]string{}
				for f, v := range r.Values {
					vals[string(f)] = v
				}
				out.Preview = append(out.Preview, ImportPreviewRow{Row: r.Row, Line: r.Line, Values: vals, Errors: rowErrorsOut(l, r.Errors)})
			}
			return &body[PeopleImportPreview]{out}, nil
		})
	// The document also offers the multipart form.
	multipartBody := &huma.MediaType{Schema: &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{
		"file":         {Type: "string", Format: "binary", Description: "The CSV file."},
		"preset":       {Type: "string"},
		"encoding":     {Type: "string"},
		"delimiter":    {Type: "string"},
		"on_duplicate": {Type: "string", Enum: []any{"update", "flag", "create"}},
		"phone_region": {Type: "string"},
		"month_first":  {Type: "string", Enum: []any{"true", "false"}},
		"file_name":    {Type: "string"},
	}, Required: []string{"file"}}}
	for _, p := range []string{"/imports", "/imports/dry-run", "/imports/preview"} {
		if item := a.OpenAPI().Paths[p]; item != nil && item.Post != nil && item.Post.RequestBody != nil {
			item.Post.RequestBody.Content["multipart/form-data"] = multipartBody
		}
	}

	huma.Register(a, huma.Operation{OperationID: "getImport", Method: http.MethodGet, Path: "/imports/{id}", Tags: tags,
		Summary: "An import's progress and bad rows", Description: "The status (queued, running, completed, failed), the rows processed of the total, " +
			"what was created and updated, and every bad row (up to 1,000) with its reason in the caller's language. Needs people.import."},
		func(ctx context.Context, in *importIDPath) (*body[PeopleImport], error) {
			imp, err := m.svc.GetImport(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PeopleImport]{importOut(i18n.FromContext(ctx), imp)}, nil
		})

	type exportIn struct {
		SegmentID int64  `query:"segment_id" doc:"Export this saved segment; otherwise the filters below (none: every live profile)."`
		Q         string `query:"q"`
		Kind      string `query:"kind" enum:"individual,organization"`
		Role      string `query:"role" enum:"client,volunteer,donor,member,board,partner,staff"`
		TagID     int64  `query:"tag_id"`
		Language  string `query:"language"`
		Columns   string `query:"columns" doc:"Comma-separated fields (custom:<key> for custom fields); Hearken's re-importable default when empty."`
		Delimiter string `query:"delimiter" enum:"comma,semicolon,tab" default:"comma"`
		BOM       bool   `query:"bom" default:"true" doc:"Start with a UTF-8 byte order mark so spreadsheet programs read the file as UTF-8."`
	}
	huma.Register(a, huma.Operation{OperationID: "exportPeopleCSV", Method: http.MethodGet, Path: "/people/export.csv", Tags: tags,
		Summary: "Export people as CSV", Description: "Streams the selected profiles a batch at a time. Needs people.export.",
		Responses: map[string]*huma.Response{"200": {Description: "The CSV file.", Content: map[string]*huma.MediaType{
			"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}},
		func(ctx context.Context, in *exportIn) (*huma.StreamResponse, error) {
			li := listIn{Q: in.Q, Kind: in.Kind, Role: in.Role, TagID: in.TagID, Language: in.Language}
			f := li.filter()
			if in.SegmentID != 0 {
				seg, err := m.svc.GetSegment(ctx, in.SegmentID)
				if err != nil {
					return nil, m.fail(ctx, err, nil)
				}
				f = seg.Filter
			}
			opts := people.ExportOptions{Segment: &f, BOM: in.BOM}
			for _, c := range strings.Split(in.Columns, ",") {
				if c = strings.TrimSpace(c); c != "" {
					opts.Columns = append(opts.Columns, people.Field(c))
				}
			}
			switch in.Delimiter {
			case "semicolon":
				opts.Delimiter = ';'
			case "tab":
				opts.Delimiter = '\t'
			}
			// The permission and the filter are checked here; the columns are
			// checked by ExportCSV before its first byte, so an error can
			// still become an error response.
			if err := m.a.Require(ctx, auth.PermPeopleExport); err != nil {
				return nil, err
			}
			if _, err := m.svc.SegmentCount(ctx, f); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
				hctx.SetHeader("Content-Disposition", `attachment; filename="people-`+time.Now().UTC().Format("20060102")+`.csv"`)
				w := &lazyWriter{hctx: hctx}
				if _, err := m.svc.ExportCSV(ctx, w, opts); err != nil && !w.started {
					se := m.fail(ctx, err, nil)
					var sb interface{ GetStatus() int }
					if errors.As(se, &sb) {
						_ = huma.WriteErr(a, huma.WithContext(hctx, ctx), sb.GetStatus(), "", se)
					}
				}
			}}, nil
		})
}

// lazyWriter sends the status with the first byte.
type lazyWriter struct {
	hctx    huma.Context
	started bool
}

func (w *lazyWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.started = true
		w.hctx.SetStatus(http.StatusOK)
	}
	return w.hctx.BodyWriter().Write(b)
}
