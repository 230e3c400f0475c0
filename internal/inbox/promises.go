package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/jobs"
)

// Promise statuses.
const (
	PromiseOpen      = "open"
	PromiseKept      = "kept"
	PromiseCancelled = "cancelled"
)

// Conversation event kinds of promises and escalations.
const (
	EventPromiseAdded       = "promise.added"
	EventPromiseKept        = "promise.kept"
	EventPromiseCancelled   = "promise.cancelled"
	EventPromiseWarning     = "promise.warning"
	EventPromiseMissed      = "promise.missed"
	EventPromiseEscalated   = "promise.escalated"
	EventEscalationRaised   = "escalation.raised"
	EventEscalationResolved = "escalation.resolved"
	EventTopics             = "topics"
)

// Notification kinds of promises and escalations (Notification.Kind).
const (
	// NotifyPromiseWarning tells the owner a promise is due soon.
	NotifyPromiseWarning = "promise.warning"
	// NotifyPromiseMissed tells the owner the promise's time has passed.
	NotifyPromiseMissed = "promise.missed"
	// NotifyPromiseEscalated tells the team manager a promise stayed missed.
	NotifyPromiseEscalated = "promise.escalated"
	// NotifyEscalationRaised tells leadership about an escalation.
	NotifyEscalationRaised = "escalation.raised"
	// NotifyEscalationResolved tells whoever raised it that it was resolved.
	NotifyEscalationResolved = "escalation.resolved"
)

// Promise timing: the owner is warned PromiseWarnBefore the due time (or
// halfway there when the promise is shorter), told when it is missed, and
// the team manager is told PromiseEscalateAfter later if it is still open.
const (
	PromiseWarnBefore    = 2 * time.Hour
	PromiseEscalateAfter = 4 * time.Hour
)

const maxPromiseText = 500

// Promise is a follow-up an agent promised on a conversation.
type Promise struct {
	ID              int64      `json:"id"`
	ConversationID  int64      `json:"conversation_id"`
	Text            string     `json:"text"`
	DueAt           time.Time  `json:"due_at"`
	OwnerUserID     int64      `json:"owner_user_id,omitempty"`
	CreatedByUserID int64      `json:"created_by_user_id,omitempty"`
	Status          string     `json:"status"`
	KeptAt          *time.Time `json:"kept_at,omitempty"`
	KeptByUserID    int64      `json:"kept_by_user_id,omitempty"`
	KeptMessageID   int64      `json:"kept_message_id,omitempty"`
	WarnedAt        *time.Time `json:"warned_at,omitempty"`
	MissedAt        *time.Time `json:"missed_at,omitempty"`
	EscalatedAt     *time.Time `json:"escalated_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// Reference and Subject are the conversation's, for lists.
	Reference string `json:"reference"`
	Subject   string `json:"subject"`
	teamID    int64
}

// Overdue reports whether an open promise's time has passed at now.
func (p *Promise) Overdue(now time.Time) bool { return p.Status == PromiseOpen && !p.DueAt.After(now) }

// DueSoon reports whether an open promise falls due within PromiseWarnBefore.
func (p *Promise) DueSoon(now time.Time) bool {
	return p.Status == PromiseOpen && p.DueAt.After(now) && !p.DueAt.After(now.Add(PromiseWarnBefore))
}

// PromiseInput records a promise. OwnerUserID 0 means the acting user.
type PromiseInput struct {
	Text        string    `json:"text"`
	DueAt       time.Time `json:"due_at"`
	OwnerUserID int64     `json:"owner_user_id"`
}

func scanPromise(r scanner) (Promise, error) {
	var (
		p                                    Promise
		owner, creator, keptBy, keptMsg, tid sql.NullInt64
		kept, warned, missed, escalated      sql.NullTime
	)
	err := r.Scan(&p.ID, &p.ConversationID, &p.Text, &p.DueAt, &owner, &creator, &p.Status, &kept, &keptBy, &keptMsg,
		&warned, &missed, &escalated, &p.CreatedAt, &p.UpdatedAt, &p.Reference, &p.Subject, &tid)
	p.OwnerUserID, p.CreatedByUserID, p.KeptByUserID, p.KeptMessageID = owner.Int64, creator.Int64, keptBy.Int64, keptMsg.Int64
	p.KeptAt, p.WarnedAt, p.MissedAt, p.EscalatedAt = timePtr(kept), timePtr(warned), timePtr(missed), timePtr(escalated)
	p.DueAt, p.CreatedAt, p.UpdatedAt, p.teamID = p.DueAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC(), tid.Int64
	return p, err
}

func (s *Service) promise(ctx context.Context, id int64) (Promise, error) {
	p, err := scanPromise(s.q.QueryRow(ctx, "GetPromise", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFound("inbox.error.promise_not_found")
	}
	return p, err
}

func (s *Service) listPromises(ctx context.Context, name string, args ...any) ([]Promise, error) {
	return db.QueryAll(ctx, s.q, scanPromise, name, args...)
}

// AddPromise records a promise on a conversation as the actor in ctx and
// schedules its warning, miss and escalation jobs in the same transaction.
func (s *Service) AddPromise(ctx context.Context, convID int64, in PromiseInput) (Promise, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Promise{}, err
	}
	in.Text = strings.TrimSpace(in.Text)
	now := s.now()
	v := apperr.Invalid()
	if in.Text == "" {
		v.Field("text", "inbox.error.empty")
	} else if utf8.RuneCountInString(in.Text) > maxPromiseText {
		v.Field("text", "inbox.error.too_long", "Max", maxPromiseText)
	}
	if in.DueAt.IsZero() || !in.DueAt.After(now) || in.DueAt.After(now.AddDate(1, 0, 0)) {
		v.Field("due_at", "inbox.error.promise_due")
	}
	if in.OwnerUserID == 0 {
		in.OwnerUserID = actorID(ctx)
	}
	if err := v.OrNil(); err != nil {
		return Promise{}, err
	}
	due := *stamp(in.DueAt)
	var out Promise
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		if in.OwnerUserID != 0 {
			var n int
			if err := s.q.QueryRow(ctx, "ActiveUserExists", in.OwnerUserID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.Invalid().Field("owner_user_id", "inbox.error.user")
			}
		}
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertPromise", c.ID, in.Text, due, nullInt(in.OwnerUserID), nullInt(actorID(ctx)), now).Scan(&id); err != nil {
			return fmt.Errorf("insert promise: %w", err)
		}
		if err := s.schedulePromise(ctx, id, due, now); err != nil {
			return err
		}
		data := map[string]any{"promise_id": id, "text": in.Text, "due": due, "owner_user_id": in.OwnerUserID}
		if _, err := s.addEvent(ctx, c.ID, EventPromiseAdded, data, ""); err != nil {
			return err
		}
		if out, err = s.promise(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.promise", "inbox_conversation", c.ID, data)
	})
	return out, err
}

// Promises lists a conversation's promises, open ones first by due time.
func (s *Service) Promises(ctx context.Context, convID int64) ([]Promise, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	if _, err := s.conversation(ctx, convID); err != nil {
		return nil, err
	}
	return s.listPromises(ctx, "ConversationPromises", convID)
}

// OpenPromisesOf lists a user's open promises due before until (zero: all),
// soonest first: overdue ones, then those due soon.
func (s *Service) OpenPromisesOf(ctx context.Context, userID int64, until time.Time, limit int) ([]Promise, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	if until.IsZero() {
		until = noDue
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return s.listPromises(ctx, "OwnerOpenPromises", userID, until.UTC(), limit)
}

// MyPromises lists the acting user's open promises (see OpenPromisesOf).
func (s *Service) MyPromises(ctx context.Context, until time.Time, limit int) ([]Promise, error) {
	return s.OpenPromisesOf(ctx, actorID(ctx), until, limit)
}

// KeepPromise marks a promise kept ("done") as the actor in ctx.
func (s *Service) KeepPromise(ctx context.Context, convID, promiseID int64) (Promise, error) {
	return s.closePromise(ctx, convID, promiseID, PromiseKept)
}

// CancelPromise withdraws a promise that no longer applies.
func (s *Service) CancelPromise(ctx context.Context, convID, promiseID int64) (Promise, error) {
	return s.closePromise(ctx, convID, promiseID, PromiseCancelled)
}

func (s *Service) closePromise(ctx context.Context, convID, promiseID int64, status string) (Promise, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Promise{}, err
	}
	var out Promise
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.lockedConversation(ctx, convID); err != nil {
			return err
		}
		p, err := s.promise(ctx, promiseID)
		if err != nil || p.ConversationID != convID {
			if err == nil {
				err = apperr.NotFound("inbox.error.promise_not_found")
			}
			return err
		}
		if p.Status != PromiseOpen {
			return apperr.Conflict("inbox.error.promise_closed")
		}
		if status == PromiseKept {
			err = s.keepPromise(ctx, convID, promiseID, 0)
		} else {
			if _, err = s.q.Exec(ctx, "CancelPromise", promiseID, s.now()); err == nil {
				_, err = s.addEvent(ctx, convID, EventPromiseCancelled, map[string]any{"promise_id": promiseID}, "")
			}
		}
		if err != nil {
			return err
		}
		if out, err = s.promise(ctx, promiseID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.promise."+status, "inbox_conversation", convID, map[string]any{"promise_id": promiseID})
	})
	return out, err
}

// keepPromise records an open promise of convID as kept, by the actor in
// ctx, optionally by a reply (messageID), inside the caller's transaction.
// A promise of another conversation or one no longer open is refused.
func (s *Service) keepPromise(ctx context.Context, convID, promiseID, messageID int64) error {
	p, err := s.promise(ctx, promiseID)
	if err != nil || p.ConversationID != convID {
		return apperr.Invalid().Field("promise_id", "inbox.error.promise_not_found")
	}
	res, err := s.q.Exec(ctx, "KeepPromise", promiseID, s.now(), nullInt(actorID(ctx)), nullInt(messageID))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Invalid().Field("promise_id", "inbox.error.promise_closed")
	}
	data := map[string]any{"promise_id": promiseID, "text": p.Text}
	if messageID != 0 {
		data["message_id"] = messageID
	}
	_, err = s.addEvent(ctx, convID, EventPromiseKept, data, "")
	return err
}

// promiseArgs runs one step of a promise: warning, missed or escalate. Due
// identifies the promise's time; the job does nothing once the promise is
// closed, and unique args keep a step from being queued twice.
type promiseArgs struct {
	PromiseID int64     `json:"promise_id"`
	Stage     string    `json:"stage"`
	Due       time.Time `json:"due"`
}

func (promiseArgs) Kind() string { return "inbox.promise" }

const (
	promiseStageWarning  = "warning"
	promiseStageMissed   = "missed"
	promiseStageEscalate = "escalate"
)

type promiseWorker struct {
	river.WorkerDefaults[promiseArgs]
	s *Service
}

func (w *promiseWorker) Work(ctx context.Context, job *river.Job[promiseArgs]) error {
	return w.s.promiseStep(ctx, job.Args)
}

// registerFollowups registers the promise worker; New calls it.
func (s *Service) registerFollowups(j *jobs.Jobs) { jobs.Register(j, &promiseWorker{s: s}) }

// promiseWarnAt is when the owner is warned about a promise due at due,
// made at now: PromiseWarnBefore ahead, or halfway for a short promise.
func promiseWarnAt(due, now time.Time) time.Time {
	if due.Sub(now) > 2*PromiseWarnBefore {
		return due.Add(-PromiseWarnBefore)
	}
	return now.Add(due.Sub(now) / 2)
}

func (s *Service) schedulePromise(ctx context.Context, id int64, due, now time.Time) error {
	steps := []struct {
		stage string
		at    time.Time
	}{
		{promiseStageWarning, promiseWarnAt(due, now)},
		{promiseStageMissed, due},
		{promiseStageEscalate, due.Add(PromiseEscalateAfter)},
	}
	for _, st := range steps {
		if _, err := s.cfg.Jobs.Enqueue(ctx, promiseArgs{PromiseID: id, Stage: st.stage, Due: due},
			&river.InsertOpts{ScheduledAt: st.at, UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return err
		}
	}
	return nil
}

// promiseStep records a promise's warning, miss or escalation once (the
// event's dedupe key and the promise's own stamp) and notifies in the same
// transaction.
func (s *Service) promiseStep(ctx context.Context, a promiseArgs) error {
	ctx = system(ctx)
	return s.db.InTx(ctx, func(ctx context.Context) error {
		p, err := s.promise(ctx, a.PromiseID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		c, err := s.lockedConversation(ctx, p.ConversationID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if p, err = s.promise(ctx, a.PromiseID); err != nil {
			return err
		}
		if p.Status != PromiseOpen || !p.DueAt.Equal(a.Due.UTC().Truncate(time.Microsecond)) {
			return nil // kept, cancelled or moved since
		}
		now := s.now()
		var event, kind, mark string
		users := []int64{}
		switch a.Stage {
		case promiseStageWarning:
			event, kind, mark = EventPromiseWarning, NotifyPromiseWarning, "MarkPromiseWarned"
		case promiseStageMissed:
			event, kind, mark = EventPromiseMissed, NotifyPromiseMissed, "MarkPromiseMissed"
		case promiseStageEscalate:
			event, kind, mark = EventPromiseEscalated, NotifyPromiseEscalated, "MarkPromiseEscalated"
		default:
			return nil
		}
		if a.Stage == promiseStageEscalate {
			if c.TeamID != 0 {
				var mgr int64
				if err := s.q.QueryRow(ctx, "TeamManager", c.TeamID).Scan(&mgr); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				if mgr != 0 {
					users = append(users, mgr)
				}
			}
		} else if p.OwnerUserID != 0 {
			users = append(users, p.OwnerUserID)
		}
		key := fmt.Sprintf("promise:%d:%s:%d", p.ID, a.Stage, p.DueAt.UnixMicro())
		added, err := s.addEvent(ctx, c.ID, event, map[string]any{"promise_id": p.ID, "due": p.DueAt, "text": p.Text}, key)
		if err != nil || !added {
			return err
		}
		if _, err := s.q.Exec(ctx, mark, p.ID, now); err != nil {
			return err
		}
		// In the transaction: the notification commits with its event.
		return s.cfg.Notifier.Notify(ctx, Notification{Kind: kind, Deadline: "promise", Due: p.DueAt, ConversationID: c.ID,
			Reference: c.Reference, Subject: c.Subject, AssigneeUserID: p.OwnerUserID, TeamID: c.TeamID, PromiseID: p.ID,
			Text: p.Text, UserIDs: users, DedupeKey: key})
	})
}

// Teammate is a user a promise can be given to.
type Teammate struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Teammates lists the active users who may answer conversations, by name:
// the owners a promise can have.
func (s *Service) Teammates(ctx context.Context) ([]Teammate, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "ActiveUsers")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Teammate{}
	for rows.Next() {
		var (
			t    Teammate
			role string
		)
		if err := rows.Scan(&t.ID, &t.Name, &role); err != nil {
			return nil, err
		}
		if auth.Can(auth.Role(role), auth.PermInboxReply) {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}
