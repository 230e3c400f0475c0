package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/auth"
)

// queueArgs is the periodic queue-pressure check of every team with
// thresholds.
type queueArgs struct{}

func (queueArgs) Kind() string { return "inbox.queue_check" }

type queueWorker struct {
	river.WorkerDefaults[queueArgs]
	s *Service
}

func (w *queueWorker) Work(ctx context.Context, _ *river.Job[queueArgs]) error {
	return w.s.CheckQueues(ctx)
}

// CheckQueues checks every team with thresholds, each in its own
// transaction.
func (s *Service) CheckQueues(ctx context.Context) error {
	ctx = system(ctx)
	teams, err := s.ids(ctx, "RtTeamsWithThresholds")
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range teams {
		errs = append(errs, s.db.InTx(ctx, func(ctx context.Context) error { return s.checkQueue(ctx, id, nil) }))
	}
	return errors.Join(errs...)
}

// queueNumbers are a team queue's live numbers.
type queueNumbers struct {
	open, unassigned int
	oldest           *time.Time
}

func (s *Service) queueNumbers(ctx context.Context, teamID int64) (queueNumbers, error) {
	var n queueNumbers
	if err := s.q.QueryRow(ctx, "RtQueueCounts", teamID).Scan(&n.open, &n.unassigned); err != nil {
		return n, err
	}
	var oldest time.Time
	err := s.q.QueryRow(ctx, "RtOldestUnassigned", teamID).Scan(&oldest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return n, err
	}
	if err == nil {
		n.oldest = ptr(oldest.UTC())
	}
	return n, nil
}

// checkQueue applies the bank-window rule to one team inside the caller's
// transaction: when the unassigned count or the oldest wait reaches a
// threshold, the team's available agents and its manager are told to open
// another window, at most once per cool-down; falling back under both
// thresholds ends the alert. opened is the conversation being opened, if any
// (its event records the alert).
func (s *Service) checkQueue(ctx context.Context, teamID int64, opened *Conversation) error {
	if err := s.lockTeam(ctx, teamID); err != nil {
		return err
	}
	st, err := s.teamSettings(ctx, teamID)
	if err != nil || (st.MaxUnassigned <= 0 && st.MaxWait <= 0) {
		return err
	}
	n, err := s.queueNumbers(ctx, teamID)
	if err != nil {
		return err
	}
	now := s.now()
	var wait time.Duration
	if n.oldest != nil {
		wait = now.Sub(*n.oldest)
	}
	over := (st.MaxUnassigned > 0 && n.unassigned >= st.MaxUnassigned) || (st.MaxWait > 0 && n.oldest != nil && wait >= st.MaxWait)
	if !over {
		if st.AlertActive {
			_, err := s.q.Exec(ctx, "RtSetAlert", teamID, false, nullTime(st.LastAlertAt))
			return err
		}
		return nil
	}
	if st.LastAlertAt != nil && now.Sub(*st.LastAlertAt) < st.AlertCooldown {
		return nil
	}
	members, err := s.teamMembers(ctx, teamID)
	if err != nil {
		return err
	}
	var users []int64
	for _, m := range members {
		if auth.Can(m.Role, auth.PermInboxReply) && m.Availability == AvailOnline {
			users = append(users, m.UserID)
		}
	}
	mgr, name, err := s.teamManager(ctx, teamID)
	if err != nil {
		return err
	}
	if mgr != 0 && !slices.Contains(users, mgr) {
		users = append(users, mgr)
	}
	if _, err := s.q.Exec(ctx, "RtSetAlert", teamID, true, now); err != nil {
		return err
	}
	if opened != nil {
		if _, err := s.addEvent(ctx, opened.ID, EventQueueAlert, map[string]any{"team_id": teamID,
			"unassigned": n.unassigned, "wait_minutes": int(wait / time.Minute)}, ""); err != nil {
			return err
		}
	}
	s.log.Info("queue pressure alert", "team", teamID, "unassigned", n.unassigned, "oldest_wait", wait, "told", len(users))
	return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyQueuePressure, TeamID: teamID, TeamName: name, UserIDs: users,
		Unassigned: n.unassigned, WaitMinutes: int(wait / time.Minute), DedupeKey: fmt.Sprintf("queue:%d:%d", teamID, now.UnixMicro())})
}

// AgentLoad is one team member in the queue view.
type AgentLoad struct {
	UserID       int64        `json:"user_id"`
	Name         string       `json:"name"`
	Availability Availability `json:"availability"`
	Open         int          `json:"open"`
	Capacity     int          `json:"capacity"`
}

// QueueStats are a team queue's live numbers.
type QueueStats struct {
	TeamID     int64      `json:"team_id"`
	TeamName   string     `json:"team_name"`
	Mode       AssignMode `json:"mode"`
	Unassigned int        `json:"unassigned"`
	Open       int        `json:"open"`
	// OldestWait is how long the oldest unassigned conversation has waited.
	OldestWait   time.Duration `json:"oldest_wait"`
	OldestSince  *time.Time    `json:"oldest_since,omitempty"`
	AgentsOnline int           `json:"agents_online"`
	// Over reports a passed threshold (the bank-window alert condition).
	Over          bool          `json:"over"`
	MaxUnassigned int           `json:"max_unassigned"`
	MaxWait       time.Duration `json:"max_wait"`
	Agents        []AgentLoad   `json:"agents"`
}

// Queues returns every team's live queue numbers.
func (s *Service) Queues(ctx context.Context) ([]QueueStats, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "RtTeams")
	if err != nil {
		return nil, err
	}
	type team struct {
		id   int64
		name string
	}
	var teams []team
	for rows.Next() {
		var (
			t   team
			mgr sql.NullInt64
		)
		if err := rows.Scan(&t.id, &t.name, &mgr); err != nil {
			rows.Close()
			return nil, err
		}
		teams = append(teams, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	out := []QueueStats{}
	for _, t := range teams {
		st, err := s.teamSettings(ctx, t.id)
		if err != nil {
			return nil, err
		}
		n, err := s.queueNumbers(ctx, t.id)
		if err != nil {
			return nil, err
		}
		q := QueueStats{TeamID: t.id, TeamName: t.name, Mode: st.Mode, Unassigned: n.unassigned, Open: n.open,
			OldestSince: n.oldest, MaxUnassigned: st.MaxUnassigned, MaxWait: st.MaxWait, Agents: []AgentLoad{}}
		if n.oldest != nil {
			q.OldestWait = now.Sub(*n.oldest).Truncate(time.Second)
		}
		q.Over = (st.MaxUnassigned > 0 && q.Unassigned >= st.MaxUnassigned) || (st.MaxWait > 0 && n.oldest != nil && q.OldestWait >= st.MaxWait)
		ms, err := s.teamMembers(ctx, t.id)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !auth.Can(m.Role, auth.PermInboxReply) {
				continue
			}
			capacity := m.Capacity
			if capacity == 0 {
				capacity = st.DefaultCapacity
			}
			if m.Availability == AvailOnline {
				q.AgentsOnline++
			}
			q.Agents = append(q.Agents, AgentLoad{UserID: m.UserID, Name: m.Name, Availability: m.Availability, Open: m.Load, Capacity: capacity})
		}
		out = append(out, q)
	}
	return out, nil
}

// WaitMinutes is OldestWait in whole minutes.
func (q QueueStats) WaitMinutes() int { return int(q.OldestWait / time.Minute) }
