package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
)

// Escalation severities, least severe first.
var Severities = []string{"low", "medium", "high", "critical"}

// Escalation statuses.
const (
	EscalationOpen     = "open"
	EscalationResolved = "resolved"
)

const maxEscalationText = 2000

// Escalation is a conversation raised to leadership with a reason.
type Escalation struct {
	ID               int64      `json:"id"`
	ConversationID   int64      `json:"conversation_id"`
	Reason           string     `json:"reason"`
	Severity         string     `json:"severity"`
	Status           string     `json:"status"`
	RaisedByUserID   int64      `json:"raised_by_user_id,omitempty"`
	ResolvedByUserID int64      `json:"resolved_by_user_id,omitempty"`
	Resolution       string     `json:"resolution,omitempty"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// EscalationInput raises an escalation; Severity defaults to high.
type EscalationInput struct {
	Reason   string `json:"reason"`
	Severity string `json:"severity"`
}

func scanEscalation(r scanner) (Escalation, error) {
	var (
		e                Escalation
		raised, resolver sql.NullInt64
		resolvedAt       sql.NullTime
	)
	err := r.Scan(&e.ID, &e.ConversationID, &e.Reason, &e.Severity, &e.Status, &raised, &resolver, &e.Resolution,
		&resolvedAt, &e.CreatedAt, &e.UpdatedAt)
	e.RaisedByUserID, e.ResolvedByUserID, e.ResolvedAt = raised.Int64, resolver.Int64, timePtr(resolvedAt)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

func (s *Service) escalation(ctx context.Context, id int64) (Escalation, error) {
	e, err := scanEscalation(s.q.QueryRow(ctx, "GetEscalation", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.NotFound("inbox.error.escalation_not_found")
	}
	return e, err
}

// Escalations lists a conversation's escalations, oldest first.
func (s *Service) Escalations(ctx context.Context, convID int64) ([]Escalation, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	if _, err := s.conversation(ctx, convID); err != nil {
		return nil, err
	}
	return db.QueryAll(ctx, s.q, scanEscalation, "ConversationEscalations", convID)
}

// Escalate raises the conversation to leadership (the active
// administrators), notified in the same transaction.
func (s *Service) Escalate(ctx context.Context, convID int64, in EscalationInput) (Escalation, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Escalation{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Severity == "" {
		in.Severity = "high"
	}
	v := apperr.Invalid()
	if in.Reason == "" {
		v.Field("reason", "inbox.error.empty")
	} else if utf8.RuneCountInString(in.Reason) > maxEscalationText {
		v.Field("reason", "inbox.error.too_long", "Max", maxEscalationText)
	}
	if !slices.Contains(Severities, in.Severity) {
		v.Field("severity", "inbox.error.severity")
	}
	if err := v.OrNil(); err != nil {
		return Escalation{}, err
	}
	var out Escalation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		now := s.now()
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertEscalation", c.ID, in.Reason, in.Severity, nullInt(actorID(ctx)), now).Scan(&id); err != nil {
			return fmt.Errorf("insert escalation: %w", err)
		}
		data := map[string]any{"escalation_id": id, "reason": in.Reason, "severity": in.Severity}
		if _, err := s.addEvent(ctx, c.ID, EventEscalationRaised, data, ""); err != nil {
			return err
		}
		leaders, err := s.leadershipUserIDs(ctx)
		if err != nil {
			return err
		}
		if out, err = s.escalation(ctx, id); err != nil {
			return err
		}
		if err := s.cfg.Auditor.Audit(ctx, "inbox.escalate", "inbox_conversation", c.ID, data); err != nil {
			return err
		}
		a, _ := auth.ActorFrom(ctx)
		return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyEscalationRaised, ConversationID: c.ID, Reference: c.Reference,
			Subject: c.Subject, AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID, EscalationID: id, Text: in.Reason,
			Severity: in.Severity, UserIDs: leaders, ActorUserID: a.UserID, ActorName: a.Name,
			DedupeKey: fmt.Sprintf("escalation:%d:raised", id)})
	})
	return out, err
}

// ResolveEscalation records an escalation as resolved (de-escalated) with a
// note, and tells whoever raised it.
func (s *Service) ResolveEscalation(ctx context.Context, convID, escID int64, resolution string) (Escalation, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Escalation{}, err
	}
	resolution = strings.TrimSpace(resolution)
	if utf8.RuneCountInString(resolution) > maxEscalationText {
		return Escalation{}, apperr.Invalid().Field("resolution", "inbox.error.too_long", "Max", maxEscalationText)
	}
	var out Escalation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		e, err := s.escalation(ctx, escID)
		if err == nil && e.ConversationID != convID {
			err = apperr.NotFound("inbox.error.escalation_not_found")
		}
		if err != nil {
			return err
		}
		now := s.now()
		res, err := s.q.Exec(ctx, "ResolveEscalation", escID, nullInt(actorID(ctx)), resolution, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict("inbox.error.escalation_resolved")
		}
		data := map[string]any{"escalation_id": escID, "resolution": resolution}
		if _, err := s.addEvent(ctx, c.ID, EventEscalationResolved, data, ""); err != nil {
			return err
		}
		if out, err = s.escalation(ctx, escID); err != nil {
			return err
		}
		users := []int64{}
		if e.RaisedByUserID != 0 {
			users = append(users, e.RaisedByUserID)
		}
		if err := s.cfg.Auditor.Audit(ctx, "inbox.escalation.resolve", "inbox_conversation", c.ID, data); err != nil {
			return err
		}
		a, _ := auth.ActorFrom(ctx)
		return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyEscalationResolved, ConversationID: c.ID, Reference: c.Reference,
			Subject: c.Subject, AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID, EscalationID: escID, Text: resolution,
			Severity: e.Severity, UserIDs: users, ActorUserID: a.UserID, ActorName: a.Name,
			DedupeKey: fmt.Sprintf("escalation:%d:resolved", escID)})
	})
	return out, err
}

// leadershipUserIDs lists the users an escalation goes to: active administrators.
func (s *Service) leadershipUserIDs(ctx context.Context) ([]int64, error) {
	return s.ids(ctx, "LeadershipUsers")
}
