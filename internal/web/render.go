package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
)

//go:embed templates static
var assets embed.FS

// Page is what every template receives. Capability pages put their own data in
// Data; the shell fills the rest.
type Page struct {
	Title        string
	L            *i18n.Localizer
	User         *auth.User
	CSRF         string
	Path         string
	Nav          []NavItem
	Locales      []i18n.Locale
	Flash        *Flash
	TZ           *time.Location
	AssetVersion string
	Data         any
	// Header holds the capabilities' header items (AddHeaderItem).
	Header []template.HTML
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // "ok" or "error"
	Text string
}

// NavItem is one entry of the main navigation; capabilities add theirs.
type NavItem struct {
	Key     string // message ID of the label
	Href    string
	Perm    auth.Permission
	Current bool
	order   int
}

// renderer parses each page together with the layout, so pages from different
// packages can all define "content".
type renderer struct {
	mu    sync.RWMutex
	pages map[string]*template.Template
	base  *template.Template
}

func newRenderer() (*renderer, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}, base: base}
	if err := r.add(assets, "templates"); err != nil {
		return nil, err
	}
	return r, nil
}

const partialPrefix = "partial_"

var funcs = template.FuncMap{
	"lower": strings.ToLower,
	"join":  strings.Join,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// add parses every *.html in dir (except the layout) as a page named by its file
// name without extension. Files named partial_*.html are shared by every page of
// that folder (not "_": go:embed leaves such files out).
func (r *renderer) add(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	var partials []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), partialPrefix) {
			partials = append(partials, dir+"/"+e.Name())
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".html") || name == "layout.html" || strings.HasPrefix(name, partialPrefix) {
			continue
		}
		t, err := r.base.Clone()
		if err != nil {
			return err
		}
		files := append([]string{dir + "/" + name}, partials...)
		if _, err := t.ParseFS(fsys, files...); err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		r.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

func (r *renderer) render(w http.ResponseWriter, status int, name string, p *Page) error {
	r.mu.RLock()
	t, ok := r.pages[name]
	r.mu.RUnlock()
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	// Render to a buffer first so a template error becomes a clean error page
	// rather than half a page.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}
