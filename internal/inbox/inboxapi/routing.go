package inboxapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/inbox"
)

// RoutingModule is the API of routing rules, team assignment settings,
// agent availability, escalation settings and live queues.
type RoutingModule struct{ svc *inbox.Service }

// NewRouting returns the routing API over svc.
func NewRouting(svc *inbox.Service) *RoutingModule { return &RoutingModule{svc: svc} }

var routingTags = []string{"Inbox routing"}

// RoutingConditions select conversations for a rule.
type RoutingConditions struct {
	Channels   []string `json:"channels,omitempty" doc:"email, web, phone, social."`
	Roles      []string `json:"roles,omitempty" doc:"People roles held today: donor, or with a subtype, client:participant."`
	Languages  []string `json:"languages,omitempty" doc:"Language codes, e.g. ja."`
	Tags       []string `json:"tags,omitempty" doc:"Conversation tags/topics or person tags, without case and accents."`
	MailboxIDs []int64  `json:"mailbox_ids,omitempty"`
}

// RoutingActions are what a matching rule does.
type RoutingActions struct {
	TeamID   int64    `json:"team_id,omitempty"`
	Priority string   `json:"priority,omitempty" enum:"low,normal,high,urgent"`
	Tags     []string `json:"tags,omitempty" doc:"Tags added to the conversation."`
	Assign   string   `json:"assign,omitempty" enum:"manual,round_robin,least_load" doc:"Overrides the team's assignment mode."`
}

// RoutingRuleIn creates or replaces a routing rule.
type RoutingRuleIn struct {
	Name       string            `json:"name" minLength:"1" maxLength:"200"`
	Position   int               `json:"position" doc:"Rules are tried in ascending position; the first match applies."`
	Enabled    bool              `json:"enabled"`
	Conditions RoutingConditions `json:"conditions"`
	Actions    RoutingActions    `json:"actions"`
}

// RoutingRuleOut is a routing rule.
type RoutingRuleOut struct {
	ID int64 `json:"id"`
	RoutingRuleIn
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func ruleIn(id int64, in RoutingRuleIn) inbox.RoutingRule {
	x := inbox.RoutingRule{ID: id, Name: in.Name, Position: in.Position, Enabled: in.Enabled,
		Conditions: inbox.RuleConditions{Roles: in.Conditions.Roles, Languages: in.Conditions.Languages, Tags: in.Conditions.Tags,
			MailboxIDs: in.Conditions.MailboxIDs},
		Actions: inbox.RuleActions{TeamID: in.Actions.TeamID, Priority: inbox.Priority(in.Actions.Priority), Tags: in.Actions.Tags,
			Assign: inbox.AssignMode(in.Actions.Assign)}}
	for _, c := range in.Conditions.Channels {
		x.Conditions.Channels = append(x.Conditions.Channels, inbox.Channel(c))
	}
	return x
}

func ruleOut(x inbox.RoutingRule) RoutingRuleOut {
	out := RoutingRuleOut{ID: x.ID, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt, RoutingRuleIn: RoutingRuleIn{Name: x.Name,
		Position: x.Position, Enabled: x.Enabled,
		Conditions: RoutingConditions{Roles: x.Conditions.Roles, Languages: x.Conditions.Languages, Tags: x.Conditions.Tags,
			MailboxIDs: x.Conditions.MailboxIDs},
		Actions: RoutingActions{TeamID: x.Actions.TeamID, Priority: string(x.Actions.Priority), Tags: x.Actions.Tags,
			Assign: string(x.Actions.Assign)}}}
	for _, c := range x.Conditions.Channels {
		out.Conditions.Channels = append(out.Conditions.Channels, string(c))
	}
	return out
}

// TeamInboxSettings are a team's assignment and queue settings.
type TeamInboxSettings struct {
	Mode                 string `json:"mode" enum:"manual,round_robin,least_load"`
	DefaultCapacity      int    `json:"default_capacity" minimum:"0" maximum:"10000" doc:"Most open conversations per agent; 0 for no limit."`
	SilenceLimitMinutes  int    `json:"silence_limit_minutes" minimum:"0" doc:"Move a conversation back to the team when its assignee has not replied for this long; 0 never."`
	MaxUnassigned        int    `json:"max_unassigned" minimum:"0" doc:"Bank-window threshold: alert when this many wait unassigned; 0 off."`
	MaxWaitMinutes       int    `json:"max_wait_minutes" minimum:"0" doc:"Bank-window threshold: alert when the oldest unassigned conversation has waited this long; 0 off."`
	AlertCooldownMinutes int    `json:"alert_cooldown_minutes" minimum:"0" doc:"Least time between two alerts (default 30)."`
}

// TeamInboxSettingsOut adds the alert state.
type TeamInboxSettingsOut struct {
	TeamID int64 `json:"team_id"`
	TeamInboxSettings
	AlertActive bool       `json:"alert_active"`
	LastAlertAt *time.Time `json:"last_alert_at,omitempty"`
}

func minutes(d time.Duration) int { return int(d / time.Minute) }
func dur(m int) time.Duration     { return time.Duration(m) * time.Minute }

func settingsOut(st inbox.TeamSettings) TeamInboxSettingsOut {
	return TeamInboxSettingsOut{TeamID: st.TeamID, AlertActive: st.AlertActive, LastAlertAt: st.LastAlertAt,
		TeamInboxSettings: TeamInboxSettings{Mode: string(st.Mode), DefaultCapacity: st.DefaultCapacity,
			SilenceLimitMinutes: minutes(st.SilenceLimit), MaxUnassigned: st.MaxUnassigned, MaxWaitMinutes: minutes(st.MaxWait),
			AlertCooldownMinutes: minutes(st.AlertCooldown)}}
}

// AgentAvailability is an agent's availability.
type AgentAvailability struct {
	UserID       int64      `json:"user_id"`
	Availability string     `json:"availability" enum:"online,away,offline" doc:"What the agent set."`
	Effective    string     `json:"effective" enum:"online,away,offline" doc:"Away when an online agent has not been seen for the auto-away time."`
	Capacity     int        `json:"capacity" doc:"The agent's own limit of open conversations; 0 follows the team's."`
	LastSeenAt   *time.Time `json:"last_seen_at,omitempty"`
}

func availOut(st inbox.AgentStatus) AgentAvailability {
	return AgentAvailability{UserID: st.UserID, Availability: string(st.Availability), Effective: string(st.Effective),
		Capacity: st.Capacity, LastSeenAt: st.LastSeenAt}
}

// QueueAgent is one agent's load in a queue.
type QueueAgent struct {
	UserID       int64  `json:"user_id"`
	Name         string `json:"name"`
	Availability string `json:"availability" enum:"online,away,offline"`
	Open         int    `json:"open" doc:"Open conversations assigned."`
	Capacity     int    `json:"capacity" doc:"0 for no limit."`
}

// TeamQueue is a team queue's live numbers.
type TeamQueue struct {
	TeamID            int64        `json:"team_id"`
	TeamName          string       `json:"team_name"`
	Mode              string       `json:"mode" enum:"manual,round_robin,least_load"`
	Unassigned        int          `json:"unassigned"`
	Open              int          `json:"open" doc:"New and open conversations of the team."`
	OldestWaitSeconds int64        `json:"oldest_wait_seconds" doc:"How long the oldest unassigned conversation has waited."`
	AgentsOnline      int          `json:"agents_online"`
	Over              bool         `json:"over" doc:"A bank-window threshold is reached."`
	MaxUnassigned     int          `json:"max_unassigned"`
	MaxWaitMinutes    int          `json:"max_wait_minutes"`
	Agents            []QueueAgent `json:"agents"`
}

// PolicyEscalation is a response policy's escalation chain settings.
type PolicyEscalation struct {
	LeadershipAfterPercent int  `json:"leadership_after_percent" minimum:"0" maximum:"1000" doc:"Tell leadership this share of the missed target after the breach (default 50)."`
	LeadershipAfterMinutes int  `json:"leadership_after_minutes" minimum:"0" doc:"When set, replaces the percentage."`
	ReassignOnBreach       bool `json:"reassign_on_breach" doc:"Move the conversation back to its team's queue on a breach."`
}

type teamPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The team's id."`
}

type rulePath struct {
	ID int64 `path:"id" minimum:"1" doc:"The rule's id."`
}

// MountAPI registers the routing operations.
func (m *RoutingModule) MountAPI(a *api.API) {
	huma.Register(a, huma.Operation{OperationID: "listRoutingRules", Method: http.MethodGet, Path: "/routing-rules", Tags: routingTags,
		Summary: "List routing rules", Description: "In the order they are tried when a conversation opens; the first enabled match applies."},
		func(ctx context.Context, _ *struct{}) (*body[[]RoutingRuleOut], error) {
			xs, err := m.svc.RoutingRules(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := make([]RoutingRuleOut, 0, len(xs))
			for _, x := range xs {
				out = append(out, ruleOut(x))
			}
			return &body[[]RoutingRuleOut]{out}, nil
		})

	type ruleCreateIn struct{ Body RoutingRuleIn }
	huma.Register(a, huma.Operation{OperationID: "createRoutingRule", Method: http.MethodPost, Path: "/routing-rules", Tags: routingTags,
		Summary: "Create a routing rule", DefaultStatus: http.StatusCreated, Description: "Needs inbox.manage."},
		func(ctx context.Context, in *ruleCreateIn) (*body[RoutingRuleOut], error) {
			return respond(ctx, a, ruleOut)(m.svc.SaveRoutingRule(ctx, ruleIn(0, in.Body)))
		})

	type ruleUpdateIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"The rule's id."`
		Body RoutingRuleIn
	}
	huma.Register(a, huma.Operation{OperationID: "updateRoutingRule", Method: http.MethodPut, Path: "/routing-rules/{id}", Tags: routingTags,
		Summary: "Replace a routing rule", Description: "Needs inbox.manage."},
		func(ctx context.Context, in *ruleUpdateIn) (*body[RoutingRuleOut], error) {
			return respond(ctx, a, ruleOut)(m.svc.SaveRoutingRule(ctx, ruleIn(in.ID, in.Body)))
		})

	huma.Register(a, huma.Operation{OperationID: "deleteRoutingRule", Method: http.MethodDelete, Path: "/routing-rules/{id}", Tags: routingTags,
		Summary: "Delete a routing rule", DefaultStatus: http.StatusNoContent, Description: "Needs inbox.manage."},
		func(ctx context.Context, in *rulePath) (*struct{}, error) {
			return noContent(ctx, a, m.svc.DeleteRoutingRule(ctx, in.ID))
		})

	huma.Register(a, huma.Operation{OperationID: "getTeamInboxSettings", Method: http.MethodGet, Path: "/teams/{id}/inbox-settings", Tags: routingTags,
		Summary: "Get a team's assignment and queue settings"},
		func(ctx context.Context, in *teamPath) (*body[TeamInboxSettingsOut], error) {
			return respond(ctx, a, settingsOut)(m.svc.TeamSettings(ctx, in.ID))
		})

	type settingsIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"The team's id."`
		Body TeamInboxSettings
	}
	huma.Register(a, huma.Operation{OperationID: "setTeamInboxSettings", Method: http.MethodPut, Path: "/teams/{id}/inbox-settings", Tags: routingTags,
		Summary: "Set a team's assignment and queue settings", Description: "Needs inbox.manage."},
		func(ctx context.Context, in *settingsIn) (*body[TeamInboxSettingsOut], error) {
			b := in.Body
			st, err := m.svc.SaveTeamSettings(ctx, inbox.TeamSettings{TeamID: in.ID, Mode: inbox.AssignMode(b.Mode), DefaultCapacity: b.DefaultCapacity,
				SilenceLimit: dur(b.SilenceLimitMinutes), MaxUnassigned: b.MaxUnassigned, MaxWait: dur(b.MaxWaitMinutes),
				AlertCooldown: dur(b.AlertCooldownMinutes)})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[TeamInboxSettingsOut]{settingsOut(st)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listQueues", Method: http.MethodGet, Path: "/queues", Tags: routingTags,
		Summary: "Live queue numbers per team", Description: "Unassigned and open conversations, the oldest wait, agents online and each agent's load."},
		func(ctx context.Context, _ *struct{}) (*body[[]TeamQueue], error) {
			qs, err := m.svc.Queues(ctx)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := make([]TeamQueue, 0, len(qs))
			for _, q := range qs {
				tq := TeamQueue{TeamID: q.TeamID, TeamName: q.TeamName, Mode: string(q.Mode), Unassigned: q.Unassigned, Open: q.Open,
					OldestWaitSeconds: int64(q.OldestWait / time.Second), AgentsOnline: q.AgentsOnline, Over: q.Over,
					MaxUnassigned: q.MaxUnassigned, MaxWaitMinutes: minutes(q.MaxWait), Agents: []QueueAgent{}}
				for _, ag := range q.Agents {
					tq.Agents = append(tq.Agents, QueueAgent{UserID: ag.UserID, Name: ag.Name, Availability: string(ag.Availability),
						Open: ag.Open, Capacity: ag.Capacity})
				}
				out = append(out, tq)
			}
			return &body[[]TeamQueue]{out}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getMyAvailability", Method: http.MethodGet, Path: "/agents/me/availability", Tags: routingTags,
		Summary: "Get my availability"},
		func(ctx context.Context, _ *struct{}) (*body[AgentAvailability], error) {
			return respond(ctx, a, availOut)(m.svc.AgentStatusOf(ctx, actorUser(ctx)))
		})

	type availIn struct {
		Body struct {
			Availability string `json:"availability" enum:"online,away,offline"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setMyAvailability", Method: http.MethodPut, Path: "/agents/me/availability", Tags: routingTags,
		Summary: "Set my availability", Description: "Only online agents get conversations assigned. Needs inbox.reply."},
		func(ctx context.Context, in *availIn) (*body[AgentAvailability], error) {
			return respond(ctx, a, availOut)(m.svc.SetAvailability(ctx, inbox.Availability(in.Body.Availability)))
		})

	type capacityIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"The user's id."`
		Body struct {
			Capacity int `json:"capacity" minimum:"0" maximum:"10000" doc:"0 follows the team's default."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "setAgentCapacity", Method: http.MethodPut, Path: "/agents/{id}/capacity", Tags: routingTags,
		Summary: "Set an agent's capacity", Description: "Needs inbox.manage."},
		func(ctx context.Context, in *capacityIn) (*body[AgentAvailability], error) {
			return respond(ctx, a, availOut)(m.svc.SetAgentCapacity(ctx, in.ID, in.Body.Capacity))
		})

	type policyPath struct {
		ID int64 `path:"id" minimum:"1" doc:"The response policy's id."`
	}
	escOut := func(e inbox.EscalationSettings) *body[PolicyEscalation] {
		return &body[PolicyEscalation]{PolicyEscalation{LeadershipAfterPercent: e.LeadershipAfterPercent,
			LeadershipAfterMinutes: minutes(e.LeadershipAfter), ReassignOnBreach: e.ReassignOnBreach}}
	}
	huma.Register(a, huma.Operation{OperationID: "getPolicyEscalation", Method: http.MethodGet, Path: "/policies/{id}/escalation", Tags: routingTags,
		Summary: "Get a response policy's escalation chain"},
		func(ctx context.Context, in *policyPath) (*body[PolicyEscalation], error) {
			e, err := m.svc.EscalationSettingsOf(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return escOut(e), nil
		})
	type escIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"The response policy's id."`
		Body PolicyEscalation
	}
	huma.Register(a, huma.Operation{OperationID: "setPolicyEscalation", Method: http.MethodPut, Path: "/policies/{id}/escalation", Tags: routingTags,
		Summary:     "Set a response policy's escalation chain",
		Description: "Warning → assignee (or team); breach → assignee and team manager; later → leadership. Needs inbox.manage."},
		func(ctx context.Context, in *escIn) (*body[PolicyEscalation], error) {
			e, err := m.svc.SaveEscalationSettings(ctx, inbox.EscalationSettings{PolicyID: in.ID, LeadershipAfterPercent: in.Body.LeadershipAfterPercent,
				LeadershipAfter: dur(in.Body.LeadershipAfterMinutes), ReassignOnBreach: in.Body.ReassignOnBreach})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return escOut(e), nil
		})
}

// actorUser is the calling user's id (0 for none; the service refuses).
func actorUser(ctx context.Context) int64 {
	a, _ := auth.ActorFrom(ctx)
	return a.UserID
}
