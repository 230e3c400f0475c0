package inboxui

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/inbox"
	"github.com/hearken-org/hearken/internal/web"
)

// RoutingModule is the UI of live queues (for everyone on the inbox), the
// routing and assignment admin page (inbox.manage) and the agent's
// availability picker in the shell's header.
type RoutingModule struct {
	svc   *inbox.Service
	s     *web.Server
	avail *template.Template
}

// NewRouting returns the routing UI over svc.
func NewRouting(svc *inbox.Service) *RoutingModule { return &RoutingModule{svc: svc} }

// MountWeb adds the queue and routing pages and the availability picker.
func (m *RoutingModule) MountWeb(s *web.Server) error {
	m.s = s
	if err := s.AddTemplates(templates, "templates"); err != nil {
		return err
	}
	t, err := template.New("").ParseFS(templates, "templates/inbox_availability.html")
	if err != nil {
		return err
	}
	m.avail = t
	s.AddNav("inboxui.queue.nav", "/inbox/queues", auth.PermInboxView, 210)
	s.AddNav("inboxui.routing.nav", "/inbox/routing", auth.PermInboxManage, 220)
	s.AddHeaderItem(auth.PermInboxReply, m.headerAvailability)
	s.Handle("GET /inbox/queues", auth.PermInboxView, m.queues)
	s.Handle("GET /inbox/queues/live", auth.PermInboxView, m.queuesLive)
	s.Handle("POST /inbox/availability", auth.PermInboxReply, m.setAvailability)
	s.Handle("POST /inbox/availability/seen", auth.PermInboxReply, m.seen)
	s.Handle("GET /inbox/routing", auth.PermInboxManage, m.routing)
	s.Handle("POST /inbox/routing/rules", auth.PermInboxManage, m.createRule)
	s.Handle("POST /inbox/routing/rules/{id}/toggle", auth.PermInboxManage, m.toggleRule)
	s.Handle("POST /inbox/routing/rules/{id}/delete", auth.PermInboxManage, m.deleteRule)
	s.Handle("POST /inbox/routing/teams/{id}", auth.PermInboxManage, m.saveTeam)
	s.Handle("POST /inbox/routing/policies/{id}", auth.PermInboxManage, m.savePolicy)
	s.Handle("POST /inbox/routing/agents/{id}", auth.PermInboxManage, m.saveAgent)
	return nil
}

type availData struct {
	Status inbox.AgentStatus
	Next   string
	Modes  []inbox.Availability
}

// headerAvailability renders the availability picker; showing a page counts
// as being seen (auto-away), like the picker's once-a-minute beat.
func (m *RoutingModule) headerAvailability(r *http.Request, p *web.Page) template.HTML {
	ctx := r.Context()
	st, err := m.svc.AgentStatusOf(ctx, p.User.ID)
	if err != nil {
		return ""
	}
	// Writing presence at most once a minute keeps page views read-only.
	if st.Availability == inbox.AvailOnline && (st.LastSeenAt == nil || time.Since(*st.LastSeenAt) > time.Minute) {
		if m.svc.AgentSeen(ctx) == nil {
			st.Effective = inbox.AvailOnline
		}
	}
	q := *p
	q.Data = availData{Status: st, Next: r.URL.RequestURI(), Modes: inbox.Availabilities}
	var buf bytes.Buffer
	if err := m.avail.ExecuteTemplate(&buf, "inbox_availability", &q); err != nil {
		return ""
	}
	return template.HTML(buf.String()) // rendered by html/template
}

func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (m *RoutingModule) setAvailability(w http.ResponseWriter, r *http.Request) {
	if _, err := m.svc.SetAvailability(r.Context(), inbox.Availability(r.PostFormValue("availability"))); err != nil {
		m.s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (m *RoutingModule) seen(w http.ResponseWriter, r *http.Request) {
	if err := m.svc.AgentSeen(r.Context()); err != nil {
		m.s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type queueData struct {
	Queues []inbox.QueueStats
	Now    time.Time
}

func (m *RoutingModule) queueData(r *http.Request) (queueData, error) {
	qs, err := m.svc.Queues(r.Context())
	return queueData{Queues: qs, Now: time.Now().UTC()}, err
}

func (m *RoutingModule) queues(w http.ResponseWriter, r *http.Request) {
	d, err := m.queueData(r)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.Render(w, r, http.StatusOK, "inbox_queues", m.s.NewPage(r, "inboxui.queue.title", d))
}

// queuesLive is the fragment the queue page polls.
func (m *RoutingModule) queuesLive(w http.ResponseWriter, r *http.Request) {
	d, err := m.queueData(r)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.s.Render(w, r, http.StatusOK, "inbox_queues_live", m.s.NewPage(r, "", d))
}

// teamRow is one team on the routing page.
type teamRow struct {
	Queue                           inbox.QueueStats
	Settings                        inbox.TeamSettings
	SilenceMin, MaxWaitMin, CoolMin int
}

type policyRow struct {
	Policy        inbox.Policy
	Escalation    inbox.EscalationSettings
	LeadershipMin int
}

type routingData struct {
	Rules      []inbox.RoutingRule
	Teams      []teamRow
	Policies   []policyRow
	Mailboxes  []inbox.Mailbox
	TeamNames  map[int64]string
	Channels   []inbox.Channel
	Priorities []inbox.Priority
	Modes      []inbox.AssignMode
	Errors     map[string]string
	Form       url.Values
}

func (m *RoutingModule) routingData(r *http.Request) (routingData, error) {
	ctx := r.Context()
	d := routingData{TeamNames: map[int64]string{}, Channels: []inbox.Channel{inbox.ChannelEmail, inbox.ChannelWeb, inbox.ChannelPhone, inbox.ChannelSocial},
		Priorities: inbox.Priorities, Modes: inbox.AssignModes, Form: url.Values{}}
	var err error
	if d.Rules, err = m.svc.RoutingRules(ctx); err != nil {
		return d, err
	}
	qs, err := m.svc.Queues(ctx)
	if err != nil {
		return d, err
	}
	for _, q := range qs {
		st, err := m.svc.TeamSettings(ctx, q.TeamID)
		if err != nil {
			return d, err
		}
		d.Teams = append(d.Teams, teamRow{Queue: q, Settings: st, SilenceMin: int(st.SilenceLimit / time.Minute),
			MaxWaitMin: int(st.MaxWait / time.Minute), CoolMin: int(st.AlertCooldown / time.Minute)})
		d.TeamNames[q.TeamID] = q.TeamName
	}
	ps, err := m.svc.Policies(ctx)
	if err != nil {
		return d, err
	}
	for _, p := range ps {
		e, err := m.svc.EscalationSettingsOf(ctx, p.ID)
		if err != nil {
			return d, err
		}
		d.Policies = append(d.Policies, policyRow{Policy: p, Escalation: e, LeadershipMin: int(e.LeadershipAfter / time.Minute)})
	}
	d.Mailboxes, err = m.svc.Mailboxes(ctx)
	return d, err
}

func (m *RoutingModule) routing(w http.ResponseWriter, r *http.Request) {
	d, err := m.routingData(r)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.s.Render(w, r, http.StatusOK, "inbox_routing", m.s.NewPage(r, "inboxui.routing.title", d))
}

// fail shows the routing page again with the field errors of err, or the
// error page for anything else.
func (m *RoutingModule) fail(w http.ResponseWriter, r *http.Request, err error, prefix string) {
	fields, ok := web.FieldErrors(i18n.FromContext(r.Context()), err)
	if !ok {
		m.s.Error(w, r, err)
		return
	}
	d, derr := m.routingData(r)
	if derr != nil {
		m.s.Error(w, r, derr)
		return
	}
	d.Errors = map[string]string{}
	for k, v := range fields {
		d.Errors[prefix+k] = v
	}
	d.Form = r.PostForm
	m.s.Render(w, r, http.StatusUnprocessableEntity, "inbox_routing", m.s.NewPage(r, "inboxui.routing.title", d))
}

func (m *RoutingModule) done(w http.ResponseWriter, r *http.Request) {
	m.s.SetFlash(r.Context(), "ok", i18n.FromContext(r.Context()).T("inboxui.routing.saved"))
	http.Redirect(w, r, "/inbox/routing", http.StatusSeeOther)
}

// splitList splits a comma-separated field.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

func formID(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return n
}

func routeID(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n
}

func (m *RoutingModule) createRule(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		m.s.ErrorStatus(w, r, http.StatusBadRequest, "error.invalid_request")
		return
	}
	x := inbox.RoutingRule{Name: r.PostFormValue("name"), Position: formInt(r, "position"), Enabled: true,
		Conditions: inbox.RuleConditions{Roles: splitList(r.PostFormValue("roles")), Languages: splitList(r.PostFormValue("languages")),
			Tags: splitList(r.PostFormValue("tags"))},
		Actions: inbox.RuleActions{TeamID: formID(r, "team_id"), Priority: inbox.Priority(r.PostFormValue("priority")),
			Tags: splitList(r.PostFormValue("add_tags")), Assign: inbox.AssignMode(r.PostFormValue("assign"))}}
	for _, c := range r.PostForm["channels"] {
		x.Conditions.Channels = append(x.Conditions.Channels, inbox.Channel(c))
	}
	for _, v := range r.PostForm["mailbox_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			x.Conditions.MailboxIDs = append(x.Conditions.MailboxIDs, id)
		}
	}
	if _, err := m.svc.SaveRoutingRule(r.Context(), x); err != nil {
		m.fail(w, r, err, "rule.")
		return
	}
	m.done(w, r)
}

func (m *RoutingModule) toggleRule(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rules, err := m.svc.RoutingRules(ctx)
	if err != nil {
		m.s.Error(w, r, err)
		return
	}
	i := slices.IndexFunc(rules, func(x inbox.RoutingRule) bool { return x.ID == routeID(r) })
	if i < 0 {
		m.s.ErrorStatus(w, r, http.StatusNotFound, "inbox.routing.error.rule_not_found")
		return
	}
	x := rules[i]
	x.Enabled = !x.Enabled
	if _, err := m.svc.SaveRoutingRule(ctx, x); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.done(w, r)
}

func (m *RoutingModule) deleteRule(w http.ResponseWriter, r *http.Request) {
	if err := m.svc.DeleteRoutingRule(r.Context(), routeID(r)); err != nil {
		m.s.Error(w, r, err)
		return
	}
	m.done(w, r)
}

func mins(r *http.Request, name string) time.Duration {
	return time.Duration(formInt(r, name)) * time.Minute
}

func (m *RoutingModule) saveTeam(w http.ResponseWriter, r *http.Request) {
	id := routeID(r)
	st := inbox.TeamSettings{TeamID: id, Mode: inbox.AssignMode(r.PostFormValue("mode")), DefaultCapacity: formInt(r, "default_capacity"),
		SilenceLimit: mins(r, "silence_minutes"), MaxUnassigned: formInt(r, "max_unassigned"), MaxWait: mins(r, "max_wait_minutes"),
		AlertCooldown: mins(r, "cooldown_minutes")}
	if _, err := m.svc.SaveTeamSettings(r.Context(), st); err != nil {
		m.fail(w, r, err, "team."+strconv.FormatInt(id, 10)+".")
		return
	}
	m.done(w, r)
}

func (m *RoutingModule) savePolicy(w http.ResponseWriter, r *http.Request) {
	id := routeID(r)
	e := inbox.EscalationSettings{PolicyID: id, LeadershipAfterPercent: formInt(r, "leadership_percent"),
		LeadershipAfter: mins(r, "leadership_minutes"), ReassignOnBreach: r.PostFormValue("reassign") != ""}
	if _, err := m.svc.SaveEscalationSettings(r.Context(), e); err != nil {
		m.fail(w, r, err, "policy."+strconv.FormatInt(id, 10)+".")
		return
	}
	m.done(w, r)
}

func (m *RoutingModule) saveAgent(w http.ResponseWriter, r *http.Request) {
	id := routeID(r)
	if _, err := m.svc.SetAgentCapacity(r.Context(), id, formInt(r, "capacity")); err != nil {
		m.fail(w, r, err, "agent."+strconv.FormatInt(id, 10)+".")
		return
	}
	m.done(w, r)
}
