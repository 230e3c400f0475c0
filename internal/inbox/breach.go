package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/inbox/sla"
)

// EscalationSettings are a response policy's escalation chain settings:
// warning → assignee (or the team); breach → assignee and team manager;
// then, LeadershipAfter later (business time), leadership.
type EscalationSettings struct {
	PolicyID int64 `json:"policy_id"`
	// LeadershipAfterPercent of the breached target after the breach tells
	// leadership (default 50); LeadershipAfter, when set, replaces it.
	LeadershipAfterPercent int           `json:"leadership_after_percent"`
	LeadershipAfter        time.Duration `json:"leadership_after"`
	// ReassignOnBreach moves the conversation back to its team's queue (and
	// by the team's mode to another agent) when a deadline is missed.
	ReassignOnBreach bool `json:"reassign_on_breach"`
}

func (s *Service) escalationSettings(ctx context.Context, policyID int64) (EscalationSettings, error) {
	e := EscalationSettings{PolicyID: policyID, LeadershipAfterPercent: 50}
	if policyID == 0 {
		return e, nil
	}
	var after int64
	err := s.q.QueryRow(ctx, "RtPolicyEscalation", policyID).Scan(&e.LeadershipAfterPercent, &after, &e.ReassignOnBreach)
	if errors.Is(err, sql.ErrNoRows) {
		return e, nil
	}
	e.LeadershipAfter = secs(after)
	return e, err
}

// EscalationSettingsOf returns a policy's escalation settings.
func (s *Service) EscalationSettingsOf(ctx context.Context, policyID int64) (EscalationSettings, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return EscalationSettings{}, err
	}
	if _, err := s.rtStoredPolicy(ctx, policyID); err != nil {
		return EscalationSettings{}, err
	}
	return s.escalationSettings(ctx, policyID)
}

func (s *Service) rtStoredPolicy(ctx context.Context, id int64) (Policy, error) {
	p, err := scanPolicy(s.q.QueryRow(ctx, "GetPolicy", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFound("inbox.error.policy_not_found")
	}
	return p, err
}

// SaveEscalationSettings replaces a stored policy's escalation settings.
func (s *Service) SaveEscalationSettings(ctx context.Context, e EscalationSettings) (EscalationSettings, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return EscalationSettings{}, err
	}
	v := apperr.Invalid()
	if e.LeadershipAfterPercent < 0 || e.LeadershipAfterPercent > 1000 {
		v.Field("leadership_after_percent", "inbox.routing.error.percent")
	}
	if e.LeadershipAfter < 0 || e.LeadershipAfter > 365*24*time.Hour {
		v.Field("leadership_after", "inbox.error.target")
	}
	if err := v.OrNil(); err != nil {
		return EscalationSettings{}, err
	}
	var out EscalationSettings
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.rtStoredPolicy(ctx, e.PolicyID); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "RtUpsertPolicyEscalation", e.PolicyID, e.LeadershipAfterPercent,
			int64(e.LeadershipAfter/time.Second), e.ReassignOnBreach, s.now()); err != nil {
			return err
		}
		var err error
		if out, err = s.escalationSettings(ctx, e.PolicyID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.policy.escalation", "inbox_policy", e.PolicyID, out)
	})
	return out, err
}

// leadershipArgs is the chain's last step: tell leadership a deadline is
// still missed. Like deadlineArgs, Due identifies the deadline.
type leadershipArgs struct {
	ConversationID int64     `json:"conversation_id"`
	Deadline       string    `json:"deadline"`
	Due            time.Time `json:"due"`
}

func (leadershipArgs) Kind() string { return "inbox.sla_leadership" }

type leadershipWorker struct {
	river.WorkerDefaults[leadershipArgs]
	s *Service
}

func (w *leadershipWorker) Work(ctx context.Context, job *river.Job[leadershipArgs]) error {
	return w.s.slaLeadership(ctx, job.Args)
}

// teamAgents lists the team's members who may work conversations.
func (s *Service) teamAgents(ctx context.Context, teamID int64) ([]int64, error) {
	if teamID == 0 {
		return nil, nil
	}
	ms, err := s.teamMembers(ctx, teamID)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, m := range ms {
		if auth.Can(m.Role, auth.PermInboxReply) {
			out = append(out, m.UserID)
		}
	}
	return out, nil
}

// teamManager is the team's manager, 0 for none.
func (s *Service) teamManager(ctx context.Context, teamID int64) (int64, string, error) {
	if teamID == 0 {
		return 0, "", nil
	}
	var (
		id   int64
		name string
		mgr  sql.NullInt64
	)
	err := s.q.QueryRow(ctx, "RtTeam", teamID).Scan(&id, &name, &mgr)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return mgr.Int64, name, err
}

// slaEscalate runs one step of the escalation chain inside the deadline
// job's transaction (its event already recorded once): it picks the
// recipients, schedules the leadership step on a breach, reassigns when the
// policy says so, and hands the notification over in the same transaction.
func (s *Service) slaEscalate(ctx context.Context, c *Conversation, a deadlineArgs, note Notification) error {
	var users []int64
	if c.AssigneeUserID != 0 {
		users = append(users, c.AssigneeUserID)
	} else {
		agents, err := s.teamAgents(ctx, c.TeamID)
		if err != nil {
			return err
		}
		users = append(users, agents...)
	}
	note.DedupeKey = fmt.Sprintf("sla:%d:%s:%s:%d", c.ID, a.Deadline, a.Stage, a.Due.UnixMicro())
	if a.Stage == stageBreach {
		mgr, _, err := s.teamManager(ctx, c.TeamID)
		if err != nil {
			return err
		}
		if mgr != 0 && !slices.Contains(users, mgr) {
			users = append(users, mgr)
		}
		k, err := s.clocksOf(ctx, c)
		if err != nil {
			return err
		}
		esc, err := s.escalationSettings(ctx, c.PolicyID)
		if err != nil {
			return err
		}
		delay := esc.LeadershipAfter
		if delay == 0 {
			delay = k.policy.target(a.Deadline) * time.Duration(esc.LeadershipAfterPercent) / 100
		}
		if delay > 0 {
			at := sla.Due(a.Due, delay, k.hours)
			if _, err := s.cfg.Jobs.Enqueue(ctx, leadershipArgs{ConversationID: c.ID, Deadline: a.Deadline, Due: a.Due},
				&river.InsertOpts{ScheduledAt: at, UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
				return err
			}
		}
		if esc.ReassignOnBreach && c.AssigneeUserID != 0 && c.TeamID != 0 {
			old := c.AssigneeUserID
			if _, err := s.addEvent(ctx, c.ID, EventAssigned, map[string]any{"from": old, "to": 0, "by": "breach"}, ""); err != nil {
				return err
			}
			c.AssigneeUserID = 0
			st, err := s.teamSettings(ctx, c.TeamID)
			if err != nil {
				return err
			}
			if _, err := s.autoAssign(ctx, c, st.Mode, old, "breach"); err != nil {
				return err
			}
			if err := s.saveConversation(ctx, c); err != nil {
				return err
			}
		}
	}
	note.UserIDs = users
	return s.cfg.Notifier.Notify(ctx, note)
}

// slaLeadership tells leadership (active administrators) that a deadline is
// still missed, once.
func (s *Service) slaLeadership(ctx context.Context, a leadershipArgs) error {
	return s.onLockedConversation(ctx, a.ConversationID, func(ctx context.Context, c Conversation) error {
		due := c.standingDue(a.Deadline, a.Due)
		if due == nil {
			return nil // met, moved or paused since the breach
		}
		key := fmt.Sprintf("sla:%d:%s:leadership:%d", c.ID, a.Deadline, a.Due.UnixMicro())
		added, err := s.addEvent(ctx, c.ID, EventSLALeadership, map[string]any{"deadline": a.Deadline, "due": due}, key)
		if err != nil || !added {
			return err
		}
		users, err := s.leadershipUserIDs(ctx)
		if err != nil {
			return err
		}
		return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifySLALeadership, Deadline: a.Deadline, Due: *due,
			ConversationID: c.ID, Reference: c.Reference, Subject: c.Subject, AssigneeUserID: c.AssigneeUserID,
			TeamID: c.TeamID, UserIDs: users, DedupeKey: key})
	})
}
