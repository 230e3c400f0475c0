package inboxui

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/web"
)

// callForm is the call form's state: defaults, or what was typed.
type callForm struct {
	Direction  string
	Duration   string
	Outcome    string
	Notes      string
	Number     string
	Subject    string
	PersonID   int64
	PersonName string
	Outcomes   []string
}

func newCallForm(direction string) callForm {
	return callForm{Direction: direction, Outcome: inbox.CallAnswered, Outcomes: inbox.CallOutcomes}
}

func callFormFrom(r *http.Request) callForm {
	f := newCallForm(r.PostFormValue("direction"))
	f.Duration, f.Notes, f.Number, f.Subject = r.PostFormValue("duration"), r.PostFormValue("notes"), r.PostFormValue("number"), r.PostFormValue("subject")
	if o := r.PostFormValue("outcome"); o != "" {
		f.Outcome = o
	}
	f.PersonID, _ = strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
	return f
}

// parseDuration reads minutes ("5", "2.5") or minutes and seconds ("5:30");
// ok is false for anything else.
func parseDuration(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if m, sec, found := strings.Cut(s, ":"); found {
		mi, err1 := strconv.Atoi(m)
		se, err2 := strconv.Atoi(sec)
		if err1 != nil || err2 != nil || mi < 0 || se < 0 || se > 59 {
			return 0, false
		}
		return mi*60 + se, true
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || f < 0 || f > 24*60 {
		return 0, false
	}
	return int(f * 60), true
}

func (f callForm) input(l *i18n.Localizer) (inbox.CallInput, map[string]string) {
	secs, ok := parseDuration(f.Duration)
	if !ok {
		return inbox.CallInput{}, map[string]string{"duration_secs": l.T("inbox.error.call_duration")}
	}
	return inbox.CallInput{Direction: inbox.Direction(f.Direction), DurationSecs: secs, Outcome: f.Outcome,
		Notes: f.Notes, Number: f.Number, PersonID: f.PersonID, Subject: f.Subject}, nil
}

func (m *Module) mountChannels() {
	m.mountContact()
	m.s.Handle("POST /inbox/{id}/call", auth.PermInboxReply, m.logCall)
	m.s.Handle("GET /inbox/calls/new", auth.PermInboxReply, m.newCallPage)
	m.s.Handle("POST /inbox/calls", auth.PermInboxReply, m.startCall)
	m.s.Handle("GET /inbox/channels", auth.PermInboxManage, m.channelsPage)
	m.s.Handle("POST /inbox/channels/social", auth.PermInboxManage, m.createSocial)
	m.s.Handle("POST /inbox/channels/social/{id}/rotate", auth.PermInboxManage, m.rotateSocial)
	m.s.Handle("POST /inbox/channels/social/{id}/delete", auth.PermInboxManage, m.deleteSocial)
	m.s.Handle("POST /inbox/channels/imap", auth.PermInboxManage, m.setIMAP)
	m.s.Handle("POST /inbox/channels/social/{id}/import", auth.PermInboxManage, m.importMentions)
}

func (m *Module) logCall(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	l := i18n.FromContext(r.Context())
	f := callFormFrom(r)
	in, bad := f.input(l)
	if bad != nil {
		m.renderConversation(w, r, id, http.StatusUnprocessableEntity, convData{Errors: bad, Call: &f})
		return
	}
	_, err := m.svc.LogCall(r.Context(), id, in)
	m.done(w, r, id, err, convData{Call: &f}, "inboxui.call.logged")
}

type newCallData struct {
	Call   callForm
	Errors map[string]string
}

func (m *Module) newCallPage(w http.ResponseWriter, r *http.Request) {
	f := newCallForm(string(inbox.DirectionIn))
	if pid, err := strconv.ParseInt(r.URL.Query().Get("person"), 10, 64); err == nil && pid > 0 {
		// From a profile: staff are calling them.
		f.Direction = string(inbox.DirectionOut)
		m.fillPerson(r, &f, pid)
	}
	m.renderNewCall(w, r, http.StatusOK, newCallData{Call: f})
}

// fillPerson names the person and offers their primary number.
func (m *Module) fillPerson(r *http.Request, f *callForm, pid int64) {
	p, err := m.people.GetPerson(r.Context(), pid)
	if err != nil || p.ErasedAt != nil {
		return
	}
	f.PersonID, f.PersonName = p.ID, p.DisplayName
	if f.Number != "" {
		return
	}
	if cps, err := m.people.Contacts(r.Context(), pid); err == nil {
		for _, c := range cps {
			if c.Kind == people.Phone {
				f.Number = c.Value
				break
			}
		}
	}
}

func (m *Module) renderNewCall(w http.ResponseWriter, r *http.Request, status int, d newCallData) {
	m.s.Render(w, r, status, "inbox_call", m.s.NewPage(r, "inboxui.call.new", d))
}

func (m *Module) startCall(w http.ResponseWriter, r *http.Request) {
	l := i18n.FromContext(r.Context())
	f := callFormFrom(r)
	in, bad := f.input(l)
	if bad == nil {
		msg, err := m.svc.StartCall(r.Context(), in)
		if err == nil {
			m.s.SetFlash(r.Context(), "ok", l.T("inboxui.call.logged"))
			http.Redirect(w, r, "/inbox/"+strconv.FormatInt(msg.ConversationID, 10), http.StatusSeeOther)
			return
		}
		fields, ok := web.FieldErrors(l, err)
		if !ok {
			m.s.Error(w, r, err)
			return
		}
		bad = fields
	}
	if f.PersonID != 0 {
		m.fillPerson(r, &f, f.PersonID)
	}
	m.renderNewCall(w, r, http.StatusUnprocessableEntity, newCallData{Call: f, Errors: bad})
}

type channelsData struct {
	Social    []inbox.SocialChannel
	Mailboxes []inbox.Mailbox
	IMAP      map[int64]string
	Platforms []string
	// Secret is a new or rotated secret, shown once, for channel SecretFor.
	Secret    string
	SecretFor string
	Errors    map[string]string
	Form      inbox.SocialChannelInput
	IMAPForm  struct {
		MailboxID int64
		URL       string
	}
	ContactURL string
	// Imported is the outcome of a mentions import, RowErrors its problems.
	Imported  string
	RowErrors []string
}

var platforms = []string{"x", "instagram", "facebook", "linkedin", "mastodon", "bluesky", "tiktok", "youtube", "telegram", "whatsapp", "other"}

func (m *Module) channelsPage(w http.ResponseWriter, r *http.Request) {
	m.renderChannels(w, r, http.StatusOK, channelsData{})
}

func (m *Module) renderChannels(w http.ResponseWriter, r *http.Request, status int, d channelsData) {
	ctx := r.Context()
	var err error
	if d.Social, err = m.svc.SocialChannels(ctx); err != nil {
		m.s.Error(w, r, err)
		return
	}
	if d.Mailboxes, err = m.svc.Mailboxes(ctx); err != nil {
		m.s.Error(w, r, err)
		return
	}
	accts, err := m.svc.IMAPAccounts(ctx)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	d.IMAP = map[int64]string{}
	for _, a := range accts {
		d.IMAP[a.MailboxID] = a.URL
	}
	d.Platforms = platforms
	scheme := "https"
	if r.TLS == nil && (strings.HasPrefix(r.Host, "127.0.0.1") || strings.HasPrefix(r.Host, "localhost")) {
		scheme = "http"
	}
	d.ContactURL = scheme + "://" + r.Host + "/contact"
	m.s.Render(w, r, status, "inbox_channels", m.s.NewPage(r, "inboxui.channels.title", d))
}

// channelFail shows the channels page again with the error of a change.
func (m *Module) channelFail(w http.ResponseWriter, r *http.Request, err error, d channelsData) {
	l := i18n.FromContext(r.Context())
	fields, ok := web.FieldErrors(l, err)
	if !ok {
		m.s.Error(w, r, err)
		return
	}
	d.Errors = fields
	m.renderChannels(w, r, http.StatusUnprocessableEntity, d)
}

func (m *Module) createSocial(w http.ResponseWriter, r *http.Request) {
	in := inbox.SocialChannelInput{Name: r.PostFormValue("name"), Platform: r.PostFormValue("platform"), OutboundURL: r.PostFormValue("outbound_url")}
	c, secret, err := m.svc.CreateSocialChannel(r.Context(), in)
	if err != nil {
		m.channelFail(w, r, err, channelsData{Form: in})
		return
	}
	// The secret is shown on this response only: no redirect.
	m.renderChannels(w, r, http.StatusCreated, channelsData{Secret: secret, SecretFor: c.Name})
}

func (m *Module) rotateSocial(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	c, err := m.svc.SocialChannel(r.Context(), id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	secret, err := m.svc.RotateSocialSecret(r.Context(), id)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.renderChannels(w, r, http.StatusOK, channelsData{Secret: secret, SecretFor: c.Name})
}

func (m *Module) deleteSocial(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err := m.svc.DeleteSocialChannel(r.Context(), id); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T("inboxui.channels.deleted"))
	http.Redirect(w, r, "/inbox/channels", http.StatusSeeOther)
}

func (m *Module) setIMAP(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PostFormValue("mailbox_id"), 10, 64)
	url := r.PostFormValue("imap_url")
	if err := m.svc.SetMailboxIMAP(r.Context(), id, url, r.PostFormValue("imap_password")); err != nil {
		d := channelsData{}
		d.IMAPForm.MailboxID, d.IMAPForm.URL = id, url
		m.channelFail(w, r, err, d)
		return
	}
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T("inboxui.channels.imap_saved"))
	http.Redirect(w, r, "/inbox/channels", http.StatusSeeOther)
}

func (m *Module) importMentions(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r)
	if !ok {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	l := i18n.FromContext(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, 11<<20)
	file, _, err := r.FormFile("file")
	if err != nil {
		m.channelFail(w, r, apperr.Invalid().Field("file", "inbox.error.csv_header"), channelsData{})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		m.channelFail(w, r, apperr.New(apperr.CodeTooLarge, "inbox.error.too_large"), channelsData{})
		return
	}
	res, err := m.svc.ImportMentions(r.Context(), id, data)
	if err != nil {
		if e, isApp := apperr.As(err); isApp && e.Code != apperr.CodeInvalid {
			m.s.Error(w, r, err)
			return
		}
		m.channelFail(w, r, err, channelsData{})
		return
	}
	d := channelsData{Imported: l.T("inboxui.channels.imported", "Imported", res.Imported, "Duplicates", res.Duplicates, "Errors", len(res.Errors))}
	for _, e := range res.Errors {
		d.RowErrors = append(d.RowErrors, l.T("inboxui.channels.row_error", "Row", e.Row, "Message", l.T(e.Key)))
	}
	m.renderChannels(w, r, http.StatusOK, d)
}
