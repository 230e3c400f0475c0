package inboxui

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"time"

	"github.com/hearken-org/hearken/internal/channel/webform"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/web"
)

// Contact form limits: requests per address per window (shared by every
// instance through the database) and the largest request accepted.
const (
	contactRate       = 5
	contactRateWindow = 10 * time.Minute
	contactMaxBody    = 64 << 10
)

type contactData struct {
	Org       string
	Embed     bool
	Action    string
	Lang      string
	Token     string
	Honeypot  string
	Form      webform.Submission
	Errors    map[string]string
	Error     string
	Reference string
	Thanks    bool
}

func (m *Module) mountContact() {
	for _, embed := range []bool{false, true} {
		base := "/contact"
		if embed {
			base = "/contact/embed"
		}
		m.s.HandlePublic("GET "+base, m.contactPage(embed, false))
		m.s.HandlePublic("POST "+base, m.contactPage(embed, true))
		m.s.HandlePublic("GET "+base+"/thanks", m.contactThanks(embed))
	}
}

// contactLocalizer picks the page language: ?lang= (or the form's lang
// field) when supported, else what the shell chose (Accept-Language, the
// organization's default).
func contactLocalizer(r *http.Request) *i18n.Localizer {
	l := i18n.FromContext(r.Context())
	if lang := r.URL.Query().Get("lang"); lang != "" {
		return l.For(lang)
	}
	if r.Method == http.MethodPost {
		if lang := r.PostFormValue("lang"); lang != "" {
			return l.For(lang)
		}
	}
	return l
}

// framing lets the embeddable variant be shown in an iframe on any site;
// every other page keeps the shell's frame-ancestors 'none'.
func framing(w http.ResponseWriter, embed bool) {
	if !embed {
		return
	}
	w.Header().Del("X-Frame-Options")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors *; form-action 'self'; base-uri 'none'")
}

func (m *Module) contactPage(embed, post bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		framing(w, embed)
		ctx := r.Context()
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, contactMaxBody)
			err := r.ParseForm()
			if err == nil && r.ContentLength > contactMaxBody {
				// Already read by the CSRF check (a client sending no
				// Sec-Fetch-Site): refuse it all the same.
				err = &http.MaxBytesError{Limit: contactMaxBody}
			}
			if err != nil {
				l := contactLocalizer(r)
				status, key := http.StatusBadRequest, "webform.error.bad_request"
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					status, key = http.StatusRequestEntityTooLarge, "webform.error.too_large"
				}
				m.renderContact(w, r, l, status, contactData{Embed: embed, Error: l.T(key)})
				return
			}
		}
		l := contactLocalizer(r)
		ctx = i18n.WithLocalizer(ctx, l)
		r = r.WithContext(ctx)
		d := contactData{Embed: embed}
		if !post {
			m.renderContact(w, r, l, http.StatusOK, d)
			return
		}
		d.Form = webform.Submission{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"),
			Subject: r.PostFormValue("subject"), Message: r.PostFormValue("message")}
		if r.PostFormValue(webform.Honeypot) != "" {
			// A bot filled the hidden field: thank it and store nothing.
			d.Thanks = true
			m.renderContact(w, r, l, http.StatusOK, d)
			return
		}
		ok, err := m.svc.Allow(ctx, "contact:"+rateKey(web.ClientIP(r)), contactRate, contactRateWindow)
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		if !ok {
			w.Header().Set("Retry-After", "600")
			d.Error = l.T("webform.error.rate_limited")
			m.renderContact(w, r, l, http.StatusTooManyRequests, d)
			return
		}
		key, err := m.svc.FormKey(ctx)
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		nonce, err := webform.Tokens{Key: key}.Check(r.PostFormValue("token"), time.Now())
		if err != nil {
			switch {
			case errors.Is(err, webform.ErrTooFast):
				d.Error = l.T("webform.error.too_fast")
			case errors.Is(err, webform.ErrExpired):
				d.Error = l.T("webform.error.expired")
			default:
				d.Error = l.T("webform.error.bad_request")
			}
			m.renderContact(w, r, l, http.StatusBadRequest, d)
			return
		}
		if fe := d.Form.Validate(false); len(fe) > 0 {
			d.Errors = map[string]string{}
			for f, k := range fe {
				d.Errors[f] = l.T(k)
			}
			m.renderContact(w, r, l, http.StatusUnprocessableEntity, d)
			return
		}
		res, err := m.svc.Receive(ctx, inbox.Contact{Channel: inbox.ChannelWeb, ExternalID: nonce, Name: d.Form.Name,
			Email: d.Form.Email, Phone: d.Form.Phone, Subject: d.Form.Subject, Text: d.Form.Message, Language: l.Lang()})
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		c, err := m.svc.ConversationRef(ctx, res.ConversationID)
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		target := "/contact/thanks"
		if embed {
			target = "/contact/embed/thanks"
		}
		http.Redirect(w, r, target+"?"+url.Values{"ref": {c}, "lang": {l.Lang()}}.Encode(), http.StatusSeeOther)
	}
}

var refPattern = regexp.MustCompile(`^HK-[0-9]{1,18}$`)

func (m *Module) contactThanks(embed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		framing(w, embed)
		l := contactLocalizer(r)
		d := contactData{Embed: embed, Thanks: true}
		if ref := r.URL.Query().Get("ref"); refPattern.MatchString(ref) {
			d.Reference = ref
		}
		m.renderContact(w, r.WithContext(i18n.WithLocalizer(r.Context(), l)), l, http.StatusOK, d)
	}
}

func (m *Module) renderContact(w http.ResponseWriter, r *http.Request, l *i18n.Localizer, status int, d contactData) {
	ctx := r.Context()
	d.Org = m.svc.OrgName(ctx)
	d.Lang = l.Lang()
	d.Honeypot = webform.Honeypot
	d.Action = "/contact"
	if d.Embed {
		d.Action = "/contact/embed"
	}
	if !d.Thanks {
		key, err := m.svc.FormKey(ctx)
		if err != nil {
			m.s.Error(w, r, err)
			return
		}
		d.Token = webform.Tokens{Key: key}.Issue(time.Now())
	}
	p := m.s.NewPage(r.WithContext(i18n.WithLocalizer(ctx, l)), "webform.title", d)
	p.L = l
	if d.Org != "" {
		p.Title = l.T("webform.title_org", "Org", d.Org)
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.Render(w, r, status, "contact", p)
}

// rateKey is the bucket of a client address: the address itself for IPv4,
// its /64 for IPv6 (one subscriber holds a whole /64).
func rateKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
