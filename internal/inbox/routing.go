package inbox

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/jobs"
)

// RoutingConfig tunes routing, assignment and queue checks.
type RoutingConfig struct {
	// AutoAway treats an online agent as away when not seen for this long
	// (default 15 min; the web UI's header reports presence every minute).
	AutoAway time.Duration
	// QueueCheckEvery is the periodic queue-pressure check (default 1 min).
	QueueCheckEvery time.Duration
}

// Availability is whether an agent takes new conversations.
type Availability string

const (
	AvailOnline  Availability = "online"
	AvailAway    Availability = "away"
	AvailOffline Availability = "offline"
)

// Availabilities lists every availability.
var Availabilities = []Availability{AvailOnline, AvailAway, AvailOffline}

// AssignMode is how a team hands out new conversations.
type AssignMode string

const (
	AssignManual     AssignMode = "manual"
	AssignRoundRobin AssignMode = "round_robin"
	AssignLeastLoad  AssignMode = "least_load"
)

// AssignModes lists every mode.
var AssignModes = []AssignMode{AssignManual, AssignRoundRobin, AssignLeastLoad}

// Event kinds of routing.
const (
	EventRouted        = "routed"
	EventSLALeadership = "sla.leadership"
	EventQueueAlert    = "queue.alert"
)

// Notification kinds of routing and the escalation chain.
const (
	NotifySLAWarning    = "warning" // the existing deadline kinds
	NotifySLABreach     = "breach"
	NotifySLALeadership = "sla.leadership"
	NotifyMention       = "mention"
	NotifyQueuePressure = "queue.pressure"
	NotifyAssigned      = "assigned"
	NotifyReassigned    = "reassigned"
)

// RuleConditions select conversations for a routing rule: each non-empty
// list must contain the conversation's value (AND across fields, OR within
// one).
type RuleConditions struct {
	Channels []Channel `json:"channels,omitempty"`
	// Roles are people roles the person holds today ("donor", "donor:major").
	Roles     []string `json:"roles,omitempty"`
	Languages []string `json:"languages,omitempty"`
	// Tags match the conversation's tags/topics or the person's tags,
	// without case and accents.
	Tags       []string `json:"tags,omitempty"`
	MailboxIDs []int64  `json:"mailbox_ids,omitempty"`
}

// RuleActions are what a matching rule does; zero values leave things as
// they are.
type RuleActions struct {
	TeamID   int64    `json:"team_id,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	// Tags are added to the conversation's.
	Tags []string `json:"tags,omitempty"`
	// Assign overrides the team's mode for this conversation.
	Assign AssignMode `json:"assign,omitempty"`
}

// RoutingRule is one ordered rule.
type RoutingRule struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Position   int            `json:"position"`
	Enabled    bool           `json:"enabled"`
	Conditions RuleConditions `json:"conditions"`
	Actions    RuleActions    `json:"actions"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

// routeFacts are what routing conditions look at.
type routeFacts struct {
	Channel   Channel
	Roles     []string
	Language  string
	Tags      []string // folded
	MailboxID int64
}

// Match reports whether every condition holds for f.
func (rc RuleConditions) match(f routeFacts) bool {
	if len(rc.Channels) > 0 && !slices.Contains(rc.Channels, f.Channel) {
		return false
	}
	if len(rc.Roles) > 0 && !slices.ContainsFunc(rc.Roles, func(x string) bool { return slices.Contains(f.Roles, x) }) {
		return false
	}
	if len(rc.Languages) > 0 && !slices.ContainsFunc(rc.Languages, func(x string) bool { return baseLang(x) == baseLang(f.Language) }) {
		return false
	}
	if len(rc.Tags) > 0 && !slices.ContainsFunc(rc.Tags, func(x string) bool { return slices.Contains(f.Tags, tagKey(x)) }) {
		return false
	}
	if len(rc.MailboxIDs) > 0 && !slices.Contains(rc.MailboxIDs, f.MailboxID) {
		return false
	}
	return true
}

func scanRule(r scanner) (RoutingRule, error) {
	var (
		x           RoutingRule
		cond, actns []byte
	)
	if err := r.Scan(&x.ID, &x.Name, &x.Position, &x.Enabled, &cond, &actns, &x.CreatedAt, &x.UpdatedAt); err != nil {
		return x, err
	}
	_ = json.Unmarshal(cond, &x.Conditions)
	_ = json.Unmarshal(actns, &x.Actions)
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x, nil
}

func (s *Service) rtRules(ctx context.Context) ([]RoutingRule, error) {
	rs, err := db.GroupMemo(ctx, memoKey{"routing_rules", nil}, func() ([]RoutingRule, error) {
		return db.QueryAll(ctx, s.q, scanRule, "RtListRules")
	})
	return slices.Clone(rs), err
}

// RoutingRules lists the routing rules in the order they are tried.
func (s *Service) RoutingRules(ctx context.Context) ([]RoutingRule, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return s.rtRules(ctx)
}

// SaveRoutingRule creates (ID 0) or replaces a routing rule.
func (s *Service) SaveRoutingRule(ctx context.Context, x RoutingRule) (RoutingRule, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return RoutingRule{}, err
	}
	var out RoutingRule
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		v := apperr.Invalid()
		if err := s.checkName(ctx, v, &x.Name, "RtRuleNameTaken", x.ID); err != nil {
			return err
		}
		for _, ch := range x.Conditions.Channels {
			if !slices.Contains([]Channel{ChannelEmail, ChannelWeb, ChannelPhone, ChannelSocial}, ch) {
				v.Field("conditions.channels", "inbox.routing.error.channel")
			}
		}
		for _, id := range x.Conditions.MailboxIDs {
			if _, err := s.mailbox(ctx, id); err != nil {
				v.Field("conditions.mailbox_ids", "inbox.routing.error.mailbox")
			}
		}
		if err := s.checkTeam(ctx, v, "actions.team_id", x.Actions.TeamID); err != nil {
			return err
		}
		if x.Actions.Priority != "" && !slices.Contains(Priorities, x.Actions.Priority) {
			v.Field("actions.priority", "inbox.error.priority")
		}
		if x.Actions.Assign != "" && !slices.Contains(AssignModes, x.Actions.Assign) {
			v.Field("actions.assign", "inbox.routing.error.mode")
		}
		x.Actions.Tags = cleanTagList(x.Actions.Tags)
		for _, t := range x.Actions.Tags {
			if utf8.RuneCountInString(t) > 64 {
				v.Field("actions.tags", "inbox.error.too_long", "Max", 64)
			}
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if err := s.insertOrUpdate(ctx, &x.ID, "RtInsertRule", "RtUpdateRule", "inbox.routing.error.rule_not_found",
			x.Name, x.Position, x.Enabled, mustJSON(x.Conditions), mustJSON(x.Actions), s.now()); err != nil {
			return err
		}
		var err error
		if out, err = scanRule(s.q.QueryRow(ctx, "RtGetRule", x.ID)); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.routing_rule.save", "inbox_routing_rule", x.ID, out)
	})
	return out, err
}

// DeleteRoutingRule removes a rule.
func (s *Service) DeleteRoutingRule(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		res, err := s.q.Exec(ctx, "RtDeleteRule", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("inbox.routing.error.rule_not_found")
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.routing_rule.delete", "inbox_routing_rule", id, nil)
	})
}

func cleanTagList(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TeamSettings are a team's assignment and queue settings.
type TeamSettings struct {
	TeamID int64      `json:"team_id"`
	Mode   AssignMode `json:"mode"`
	// DefaultCapacity is the most open conversations an agent holds (0: no
	// limit) unless the agent has a capacity of their own.
	DefaultCapacity int `json:"default_capacity"`
	// SilenceLimit moves a conversation back to the team when its assignee
	// has not replied for this long (0: never).
	SilenceLimit time.Duration `json:"silence_limit"`
	// MaxUnassigned and MaxWait are the bank-window thresholds (0: off):
	// reaching either alerts available agents and the team's manager.
	MaxUnassigned int           `json:"max_unassigned"`
	MaxWait       time.Duration `json:"max_wait"`
	// AlertCooldown is the least time between two alerts.
	AlertCooldown time.Duration `json:"alert_cooldown"`
	AlertActive   bool          `json:"alert_active"`
	LastAlertAt   *time.Time    `json:"last_alert_at,omitempty"`

	rrLast int64
}

// defaultAlertCooldown applies when a team has no settings row.
const defaultAlertCooldown = 30 * time.Minute

func (s *Service) teamSettings(ctx context.Context, teamID int64) (TeamSettings, error) {
	st := TeamSettings{TeamID: teamID, Mode: AssignManual, AlertCooldown: defaultAlertCooldown}
	var (
		mode                string
		silence, wait, cool int64
		last                sql.NullTime
		updated             time.Time
		tid                 int64
	)
	err := s.q.QueryRow(ctx, "RtTeamSettings", teamID).Scan(&tid, &mode, &st.DefaultCapacity, &silence, &st.MaxUnassigned,
		&wait, &cool, &st.rrLast, &st.AlertActive, &last, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Mode = AssignMode(mode)
	st.SilenceLimit, st.MaxWait, st.AlertCooldown = secs(silence), secs(wait), secs(cool)
	st.LastAlertAt = timePtr(last)
	return st, nil
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

// TeamSettings returns a team's assignment and queue settings.
func (s *Service) TeamSettings(ctx context.Context, teamID int64) (TeamSettings, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return TeamSettings{}, err
	}
	if err := s.rtTeamExists(ctx, teamID); err != nil {
		return TeamSettings{}, err
	}
	return s.teamSettings(ctx, teamID)
}

func (s *Service) rtTeamExists(ctx context.Context, teamID int64) error {
	var n int
	if err := s.q.QueryRow(ctx, "TeamExists", teamID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("inbox.routing.error.team_not_found")
	}
	return nil
}

// SaveTeamSettings replaces a team's settings (the alert state is kept).
func (s *Service) SaveTeamSettings(ctx context.Context, st TeamSettings) (TeamSettings, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return TeamSettings{}, err
	}
	if st.Mode == "" {
		st.Mode = AssignManual
	}
	if st.AlertCooldown == 0 {
		st.AlertCooldown = defaultAlertCooldown
	}
	v := apperr.Invalid()
	if !slices.Contains(AssignModes, st.Mode) {
		v.Field("mode", "inbox.routing.error.mode")
	}
	if st.DefaultCapacity < 0 || st.DefaultCapacity > 10000 {
		v.Field("default_capacity", "inbox.routing.error.capacity")
	}
	if st.MaxUnassigned < 0 || st.MaxUnassigned > 1000000 {
		v.Field("max_unassigned", "inbox.routing.error.threshold")
	}
	year := 365 * 24 * time.Hour
	for field, d := range map[string]time.Duration{"silence_limit": st.SilenceLimit, "max_wait": st.MaxWait, "alert_cooldown": st.AlertCooldown} {
		if d < 0 || d > year {
			v.Field(field, "inbox.error.target")
		}
	}
	if err := v.OrNil(); err != nil {
		return TeamSettings{}, err
	}
	var out TeamSettings
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.rtTeamExists(ctx, st.TeamID); err != nil {
			return err
		}
		s2 := func(d time.Duration) int64 { return int64(d / time.Second) }
		if _, err := s.q.Exec(ctx, "RtUpsertTeamSettings", st.TeamID, string(st.Mode), st.DefaultCapacity, s2(st.SilenceLimit),
			st.MaxUnassigned, s2(st.MaxWait), s2(st.AlertCooldown), s.now()); err != nil {
			return err
		}
		var err error
		if out, err = s.teamSettings(ctx, st.TeamID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.team_settings.save", "team", st.TeamID, out)
	})
	return out, err
}

// AgentStatus is an agent's availability and capacity.
type AgentStatus struct {
	UserID int64 `json:"user_id"`
	// Availability is what the agent set; Effective is away when an online
	// agent has not been seen for the auto-away time.
	Availability Availability `json:"availability"`
	Effective    Availability `json:"effective"`
	// Capacity is the agent's own limit of open conversations (0: the
	// team's default).
	Capacity   int        `json:"capacity"`
	LastSeenAt *time.Time `json:"last_seen_at,omitempty"`
}

func (s *Service) autoAway() time.Duration {
	if d := s.cfg.Routing.AutoAway; d > 0 {
		return d
	}
	return 15 * time.Minute
}

func (s *Service) effective(a Availability, lastSeen *time.Time, now time.Time) Availability {
	if a == AvailOnline && (lastSeen == nil || now.Sub(*lastSeen) > s.autoAway()) {
		return AvailAway
	}
	return a
}

// AgentStatusOf returns a user's availability.
func (s *Service) AgentStatusOf(ctx context.Context, userID int64) (AgentStatus, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return AgentStatus{}, err
	}
	st := AgentStatus{UserID: userID, Availability: AvailOffline}
	var (
		avail   string
		seen    sql.NullTime
		updated time.Time
		uid     int64
	)
	err := s.q.QueryRow(ctx, "RtAgentStatus", userID).Scan(&uid, &avail, &st.Capacity, &seen, &updated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, err
	}
	if err == nil {
		st.Availability, st.LastSeenAt = Availability(avail), timePtr(seen)
	}
	st.Effective = s.effective(st.Availability, st.LastSeenAt, s.now())
	return st, nil
}

// SetAvailability sets the acting agent's availability; going online counts
// as being seen.
func (s *Service) SetAvailability(ctx context.Context, a Availability) (AgentStatus, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return AgentStatus{}, err
	}
	uid := actorID(ctx)
	if uid == 0 {
		return AgentStatus{}, apperr.Forbidden()
	}
	if !slices.Contains(Availabilities, a) {
		return AgentStatus{}, apperr.Invalid().Field("availability", "inbox.routing.error.availability")
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "RtSetAvailability", uid, string(a), s.now()); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.availability", "user", uid, map[string]any{"availability": a})
	})
	if err != nil {
		return AgentStatus{}, err
	}
	return s.AgentStatusOf(ctx, uid)
}

// AgentSeen records that the acting agent is present (the UI's header calls
// it while a page is open), keeping an online agent from turning auto-away.
func (s *Service) AgentSeen(ctx context.Context) error {
	uid := actorID(ctx)
	if uid == 0 {
		return nil
	}
	_, err := s.q.Exec(ctx, "RtTouchAgent", uid, s.now())
	return err
}

// SetAgentCapacity sets an agent's own capacity (0: the team's default).
func (s *Service) SetAgentCapacity(ctx context.Context, userID int64, capacity int) (AgentStatus, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return AgentStatus{}, err
	}
	if capacity < 0 || capacity > 10000 {
		return AgentStatus{}, apperr.Invalid().Field("capacity", "inbox.routing.error.capacity")
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var n int
		if err := s.q.QueryRow(ctx, "RtUserActive", userID, true).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Invalid().Field("user_id", "inbox.error.user")
		}
		if _, err := s.q.Exec(ctx, "RtSetCapacity", userID, capacity, s.now()); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.agent_capacity", "user", userID, map[string]any{"capacity": capacity})
	})
	if err != nil {
		return AgentStatus{}, err
	}
	return s.AgentStatusOf(ctx, userID)
}

// teamMember is a team member as assignment sees them.
type teamMember struct {
	UserID       int64        `json:"user_id"`
	Name         string       `json:"name"`
	Role         auth.Role    `json:"role"`
	Availability Availability `json:"availability"`
	Capacity     int          `json:"capacity"`
	Load         int          `json:"load"`
	LastSeenAt   *time.Time   `json:"last_seen_at,omitempty"`
}

func (s *Service) teamMembers(ctx context.Context, teamID int64) ([]teamMember, error) {
	rows, err := s.q.Query(ctx, "RtTeamMembers", teamID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.now()
	var out []teamMember
	for rows.Next() {
		var (
			m           teamMember
			role, avail string
			seen        sql.NullTime
		)
		if err := rows.Scan(&m.UserID, &m.Name, &role, &avail, &m.Capacity, &seen, &m.Load); err != nil {
			return nil, err
		}
		m.Role, m.LastSeenAt = auth.Role(role), timePtr(seen)
		m.Availability = s.effective(Availability(avail), m.LastSeenAt, now)
		out = append(out, m)
	}
	return out, rows.Err()
}

// available reports whether m takes new work under st: an agent (may reply),
// online, and under capacity.
func (m teamMember) available(st TeamSettings) bool {
	if !auth.Can(m.Role, auth.PermInboxReply) || m.Availability != AvailOnline {
		return false
	}
	limit := m.Capacity
	if limit == 0 {
		limit = st.DefaultCapacity
	}
	return limit == 0 || m.Load < limit
}

// lockTeam serialises assignment and queue alerts of one team across
// instances (PostgreSQL advisory lock; SQLite has a single writer).
func (s *Service) lockTeam(ctx context.Context, teamID int64) error {
	return s.lockKey(ctx, fmt.Sprintf("team:%d", teamID))
}

// autoAssign gives c to the next available agent of its team by mode,
// skipping exclude; it reports the agent (0: nobody available). The caller
// saves c. The team lock makes two instances pick in turn, each seeing the
// other's committed assignment.
func (s *Service) autoAssign(ctx context.Context, c *Conversation, mode AssignMode, exclude int64, reason string) (int64, error) {
	if c.TeamID == 0 || mode == AssignManual || mode == "" {
		return 0, nil
	}
	if err := s.lockTeam(ctx, c.TeamID); err != nil {
		return 0, err
	}
	st, err := s.teamSettings(ctx, c.TeamID)
	if err != nil {
		return 0, err
	}
	members, err := s.teamMembers(ctx, c.TeamID)
	if err != nil {
		return 0, err
	}
	var cands []teamMember
	for _, m := range members {
		if m.UserID != exclude && m.available(st) {
			cands = append(cands, m)
		}
	}
	if len(cands) == 0 {
		return 0, nil
	}
	// Round-robin order: the members after the last one picked, then the
	// others (members are sorted by id).
	rrRank := func(id int64) int64 {
		if id > st.rrLast {
			return id - st.rrLast
		}
		return id + 1<<40
	}
	slices.SortFunc(cands, func(a, b teamMember) int {
		if mode == AssignLeastLoad && a.Load != b.Load {
			return cmp.Compare(a.Load, b.Load)
		}
		return cmp.Compare(rrRank(a.UserID), rrRank(b.UserID))
	})
	pick := cands[0].UserID
	now := s.now()
	if _, err := s.q.Exec(ctx, "RtSetRoundRobin", c.TeamID, pick); err != nil {
		return 0, err
	}
	if _, err := s.q.Exec(ctx, "RtMarkAssigned", pick, now); err != nil {
		return 0, err
	}
	from := c.AssigneeUserID
	c.AssigneeUserID = pick
	if c.Status == StatusNew {
		c.Status = StatusOpen
	}
	if _, err := s.addEvent(ctx, c.ID, EventAssigned, map[string]any{"from": from, "to": pick, "by": reason}, ""); err != nil {
		return 0, err
	}
	if err := s.scheduleSilence(ctx, c, st, now); err != nil {
		return 0, err
	}
	return pick, s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyAssigned, ConversationID: c.ID, Reference: c.Reference,
		Subject: c.Subject, AssigneeUserID: pick, TeamID: c.TeamID, UserIDs: []int64{pick}, Text: reason,
		DedupeKey: fmt.Sprintf("assigned:%d:%d:%d", c.ID, pick, now.UnixMicro())})
}

// routeOnOpen is the open hook: the first matching routing rule sets team,
// priority and tags; the team's mode (or the rule's) assigns an agent; and
// the team's queue is checked for pressure.
func (s *Service) routeOnOpen(ctx context.Context, c *Conversation) error {
	rules, err := s.rtRules(ctx)
	if err != nil {
		return err
	}
	var assign AssignMode
	changed := false
	before := *c
	if slices.ContainsFunc(rules, func(x RoutingRule) bool { return x.Enabled }) {
		f, err := s.routeFactsOf(ctx, c)
		if err != nil {
			return err
		}
		for _, x := range rules {
			if !x.Enabled || !x.Conditions.match(f) {
				continue
			}
			a := x.Actions
			if a.TeamID != 0 {
				c.TeamID = a.TeamID
			}
			if a.Priority != "" {
				c.Priority = a.Priority
			}
			if len(a.Tags) > 0 {
				c.Tags = cleanTagList(slices.Concat(c.Tags, a.Tags))
			}
			assign = a.Assign
			changed = true
			if _, err := s.addEvent(ctx, c.ID, EventRouted, map[string]any{"rule": x.Name, "rule_id": x.ID,
				"team_id": c.TeamID, "priority": c.Priority}, ""); err != nil {
				return err
			}
			break
		}
	}
	if changed && (c.TeamID != before.TeamID || c.Priority != before.Priority) {
		// Team and priority select the response policy: move the deadlines
		// set at creation to the policy that now applies.
		old, err := s.clocksOf(ctx, &before)
		if err != nil {
			return err
		}
		nk, err := s.selectClocks(ctx, c)
		if err != nil {
			return err
		}
		if nk.policy.ID != old.policy.ID || c.TeamID != before.TeamID {
			retarget(c, old, nk, s.now())
		}
	}
	if c.TeamID != 0 {
		st, err := s.teamSettings(ctx, c.TeamID)
		if err != nil {
			return err
		}
		if assign == "" {
			assign = st.Mode
		}
		if c.AssigneeUserID == 0 && assign != AssignManual {
			if _, err := s.autoAssign(ctx, c, assign, 0, string(assign)); err != nil {
				return err
			}
			changed = true
		}
		if st.MaxUnassigned > 0 || st.MaxWait > 0 {
			if err := s.checkQueue(ctx, c.TeamID, c); err != nil {
				return err
			}
		}
	}
	if changed {
		return s.saveConversation(ctx, c)
	}
	return nil
}

// routeFactsOf gathers what routing conditions look at.
func (s *Service) routeFactsOf(ctx context.Context, c *Conversation) (routeFacts, error) {
	f := routeFacts{Channel: c.Channel, Language: c.Language, MailboxID: c.MailboxID}
	for _, t := range c.Tags {
		f.Tags = append(f.Tags, tagKey(t))
	}
	if c.PersonID == 0 {
		return f, nil
	}
	var err error
	if f.Roles, err = s.personRoleKeys(ctx, c.PersonID); err != nil {
		return f, err
	}
	keys, err := s.personTagKeys(ctx, c.PersonID)
	f.Tags = append(f.Tags, keys...)
	return f, err
}

// silenceArgs moves a conversation back to its team when the assignee has
// not replied by At.
type silenceArgs struct {
	ConversationID int64     `json:"conversation_id"`
	UserID         int64     `json:"user_id"`
	AssignedAt     time.Time `json:"assigned_at"`
}

func (silenceArgs) Kind() string { return "inbox.silence" }

type silenceWorker struct {
	river.WorkerDefaults[silenceArgs]
	s *Service
}

func (w *silenceWorker) Work(ctx context.Context, job *river.Job[silenceArgs]) error {
	return w.s.silence(ctx, job.Args)
}

// scheduleSilence queues the silence check of c's assignment at now.
func (s *Service) scheduleSilence(ctx context.Context, c *Conversation, st TeamSettings, now time.Time) error {
	if st.SilenceLimit <= 0 || c.AssigneeUserID == 0 {
		return nil
	}
	_, err := s.cfg.Jobs.Enqueue(ctx, silenceArgs{ConversationID: c.ID, UserID: c.AssigneeUserID, AssignedAt: now},
		&river.InsertOpts{ScheduledAt: now.Add(st.SilenceLimit)})
	return err
}

// silence runs a silence check: still the same assignee, the clocks running
// and no reply by staff since the assignment: back to the team (and, by the
// team's mode, to the next available agent).
func (s *Service) silence(ctx context.Context, a silenceArgs) error {
	return s.onLockedConversation(ctx, a.ConversationID, func(ctx context.Context, c Conversation) error {
		if c.AssigneeUserID != a.UserID || !c.Status.running() || c.TeamID == 0 {
			return nil
		}
		var replies int
		if err := s.q.QueryRow(ctx, "RtStaffReplySince", c.ID, a.AssignedAt.UTC()).Scan(&replies); err != nil {
			return err
		}
		if replies > 0 {
			return nil
		}
		key := fmt.Sprintf("silence:%d:%d:%d", c.ID, a.UserID, a.AssignedAt.UnixMicro())
		added, err := s.addEvent(ctx, c.ID, EventAssigned, map[string]any{"from": a.UserID, "to": 0, "by": "silence"}, key)
		if err != nil || !added {
			return err
		}
		c.AssigneeUserID = 0
		st, err := s.teamSettings(ctx, c.TeamID)
		if err != nil {
			return err
		}
		if _, err := s.autoAssign(ctx, &c, st.Mode, a.UserID, "silence"); err != nil {
			return err
		}
		if err := s.saveConversation(ctx, &c); err != nil {
			return err
		}
		return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyReassigned, ConversationID: c.ID, Reference: c.Reference,
			Subject: c.Subject, AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID, UserIDs: []int64{a.UserID}, Text: "silence",
			DedupeKey: key})
	})
}

// registerRouting adds routing's hook, workers and periodic queue check.
func (s *Service) registerRouting(j *jobs.Jobs) {
	s.onOpen(s.routeOnOpen)
	jobs.Register(j, &silenceWorker{s: s})
	jobs.Register(j, &leadershipWorker{s: s})
	jobs.Register(j, &queueWorker{s: s})
	every := s.cfg.Routing.QueueCheckEvery
	if every <= 0 {
		every = time.Minute
	}
	j.AddPeriodic(every, func() (river.JobArgs, *river.InsertOpts) {
		return queueArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: every}}
	}, nil)
}

// assignedByHand runs when staff assign c: the team's silence limit applies
// to a hand-picked assignee too, and the assignee is told (unless they took
// it themselves).
func (s *Service) assignedByHand(ctx context.Context, c *Conversation, now time.Time) error {
	if c.AssigneeUserID == 0 {
		return nil
	}
	if c.TeamID != 0 {
		st, err := s.teamSettings(ctx, c.TeamID)
		if err != nil {
			return err
		}
		if err := s.scheduleSilence(ctx, c, st, now); err != nil {
			return err
		}
	}
	a, _ := auth.ActorFrom(ctx)
	return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyAssigned, ConversationID: c.ID, Reference: c.Reference,
		Subject: c.Subject, AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID, UserIDs: []int64{c.AssigneeUserID},
		ActorUserID: a.UserID, ActorName: a.Name, DedupeKey: fmt.Sprintf("assigned:%d:%d:%d", c.ID, c.AssigneeUserID, now.UnixMicro())})
}
