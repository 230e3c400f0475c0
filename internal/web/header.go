package web

import (
	"html/template"
	"net/http"

	"github.com/hearken-org/hearken/internal/auth"
)

// HeaderItem renders a small piece of the shell's header for the signed-in
// user (an unread badge, an availability picker), from the page being built
// (for its localizer and CSRF token). It returns "" to show nothing.
type HeaderItem func(r *http.Request, p *Page) template.HTML

type headerItem struct {
	perm auth.Permission
	f    HeaderItem
}

// AddHeaderItem adds an item to the header, shown to users holding perm (any
// signed-in user when perm is empty), in the order added.
func (s *Server) AddHeaderItem(perm auth.Permission, f HeaderItem) {
	s.header = append(s.header, headerItem{perm: perm, f: f})
}

// headerItems renders the header items for p's user.
func (s *Server) headerItems(r *http.Request, p *Page) {
	for _, h := range s.header {
		if h.perm == "" || auth.Can(p.User.Role, h.perm) {
			if out := h.f(r, p); out != "" {
				p.Header = append(p.Header, out)
			}
		}
	}
}
