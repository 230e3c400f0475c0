package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/inbox/sla"
	"github.com/hearken-org/hearken/internal/jobs"
)

// ackArgs acknowledges the first message of a new conversation.
type ackArgs struct {
	ConversationID int64 `json:"conversation_id"`
	MessageID      int64 `json:"message_id"`
}

func (ackArgs) Kind() string { return "inbox.ack" }

// sendArgs sends one outbox message.
type sendArgs struct {
	MessageID int64 `json:"message_id"`
}

func (sendArgs) Kind() string { return "inbox.send" }

// deadlineArgs fires a warning before, or an escalation at, one deadline.
// Due identifies the deadline: a job whose Due no longer matches the
// conversation (answered, paused and shifted, re-prioritised) does nothing,
// so stale timers need no cancelling.
type deadlineArgs struct {
	ConversationID int64     `json:"conversation_id"`
	Deadline       string    `json:"deadline"` // first_response, next_response, resolution
	Stage          string    `json:"stage"`    // warning, breach
	Due            time.Time `json:"due"`
}

func (deadlineArgs) Kind() string { return "inbox.deadline" }

const (
	stageWarning = "warning"
	stageBreach  = "breach"
)

type ackWorker struct {
	river.WorkerDefaults[ackArgs]
	s *Service
}

func (w *ackWorker) Work(ctx context.Context, job *river.Job[ackArgs]) error {
	return w.s.acknowledge(ctx, job.Args.ConversationID, job.Args.MessageID)
}

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	s *Service
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	return w.s.sendQueued(ctx, job.Args.MessageID, job.Attempt)
}

// NextRetry follows the outbox's own backoff, so next_attempt_at in the
// outbox row tells the truth.
func (w *sendWorker) NextRetry(job *river.Job[sendArgs]) time.Time {
	return time.Now().Add(w.s.cfg.SendBackoff(job.Attempt))
}

// Timeout leaves room for a slow relay (the sender's own timeout is 60 s per
// step).
func (w *sendWorker) Timeout(*river.Job[sendArgs]) time.Duration { return 5 * time.Minute }

type deadlineWorker struct {
	river.WorkerDefaults[deadlineArgs]
	s *Service
}

func (w *deadlineWorker) Work(ctx context.Context, job *river.Job[deadlineArgs]) error {
	return w.s.deadline(ctx, job.Args)
}

func (s *Service) registerWorkers(j *jobs.Jobs) {
	jobs.Register(j, &ackWorker{s: s})
	jobs.Register(j, &sendWorker{s: s})
	jobs.Register(j, &deadlineWorker{s: s})
	s.registerWorkspaceWorkers(j)
	jobs.Register(j, &socialSendWorker{s: s, client: &http.Client{Timeout: 30 * time.Second}})
}

// defaultBackoff retries a relay that is down for about two days in twelve
// attempts: 1, 2, 5, 10, 20, 30 min, then hourly growing to 12 h.
func defaultBackoff(attempt int) time.Duration {
	steps := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 20 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour}
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(steps) {
		return steps[len(steps)-1]
	}
	return steps[attempt-1]
}

// dueOf is the conversation's deadline of a kind, nil when met or unset.
func (c *Conversation) dueOf(kind string) *time.Time {
	switch kind {
	case dueFirstResponse:
		if c.FirstRespondedAt != nil {
			return nil
		}
		return c.FirstResponseDueAt
	case dueNextResponse:
		return c.NextResponseDueAt
	case dueResolution:
		if c.Status.done() {
			return nil
		}
		return c.ResolutionDueAt
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// scheduleDeadlines enqueues a warning and a breach job for every deadline
// that changed from before to after, in the caller's transaction, with the
// caller's other jobs (more). Deadlines are not cancelled when they change:
// the jobs check on running.
func (s *Service) scheduleDeadlines(ctx context.Context, before, after *Conversation, k clocks, more ...river.InsertManyParams) error {
	now := s.now()
	// One insert for all the jobs: a new conversation schedules several
	// timers and its acknowledgement, and each statement costs more than a
	// row.
	batch := more
	for _, kind := range []string{dueFirstResponse, dueNextResponse, dueResolution} {
		due := after.dueOf(kind)
		if due == nil || sameTime(due, before.dueOf(kind)) {
			continue
		}
		// The warning, when there is time for one, schedules the breach job
		// as it runs: most deadlines are met or moved before their warning,
		// and half the timers is half the cost of every new conversation.
		if target := k.policy.target(kind); target > 0 {
			left := target * time.Duration(100-k.policy.WarnPercent) / 100
			if warnAt := sla.Before(*due, left, k.hours); warnAt.After(now) && warnAt.Before(*due) {
				batch = append(batch, river.InsertManyParams{
					Args:       deadlineArgs{ConversationID: after.ID, Deadline: kind, Stage: stageWarning, Due: *due},
					InsertOpts: &river.InsertOpts{ScheduledAt: warnAt}})
				continue
			}
		}
		batch = append(batch, breachJob(after.ID, kind, *due))
	}
	_, err := s.cfg.Jobs.EnqueueMany(ctx, batch)
	return err
}

// breachJob is the timer that escalates when a deadline passes.
func breachJob(convID int64, kind string, due time.Time) river.InsertManyParams {
	return river.InsertManyParams{
		Args:       deadlineArgs{ConversationID: convID, Deadline: kind, Stage: stageBreach, Due: due},
		InsertOpts: &river.InsertOpts{ScheduledAt: due}}
}

// deadline runs a warning or breach job: records the conversation event once
// and runs that step of the escalation chain (breach.go), notifying in the
// same transaction so that a notification exists exactly when its event does.
func (s *Service) deadline(ctx context.Context, a deadlineArgs) error {
	return s.onLockedConversation(ctx, a.ConversationID, func(ctx context.Context, c Conversation) error {
		due := c.standingDue(a.Deadline, a.Due)
		if due == nil {
			return nil // met, moved or paused since the job was scheduled
		}
		kind := EventSLAWarning
		if a.Stage == stageBreach {
			kind = EventSLABreach
		}
		key := fmt.Sprintf("sla:%d:%s:%s:%d", c.ID, a.Deadline, a.Stage, a.Due.UnixMicro())
		added, err := s.addEvent(ctx, c.ID, kind, map[string]any{"deadline": a.Deadline, "due": due}, key)
		if err != nil || !added {
			return err
		}
		if a.Stage == stageWarning {
			// With the event, in its transaction: a warning run twice
			// schedules one breach.
			if _, err := s.cfg.Jobs.EnqueueMany(ctx, []river.InsertManyParams{breachJob(c.ID, a.Deadline, *due)}); err != nil {
				return err
			}
		}
		note := Notification{Kind: a.Stage, Deadline: a.Deadline, Due: *due, ConversationID: c.ID,
			Reference: c.Reference, Subject: c.Subject, AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID}
		return s.slaEscalate(ctx, &c, a, note)
	})
}

// Notification tells staff a deadline is near (Kind "warning") or passed
// ("breach": the escalation).
type Notification struct {
	Kind           string
	Deadline       string
	Due            time.Time
	ConversationID int64
	Reference      string
	Subject        string
	AssigneeUserID int64
	TeamID         int64
	// Promise and escalation notifications (Kind one of the Notify*
	// constants of followups.go) also carry these; UserIDs, when set, are
	// the users to tell (the promise's owner, the team manager, leadership).
	PromiseID    int64
	EscalationID int64
	Text         string
	Severity     string
	UserIDs      []int64
	// Routing and queue notifications (routing.go, queue.go) also carry
	// these. DedupeKey, when set, makes delivery idempotent per recipient.
	DedupeKey   string
	ActorUserID int64
	ActorName   string
	MessageID   int64
	TeamName    string
	Unassigned  int
	WaitMinutes int
}

// Notifier delivers deadline notifications (to the assignee, the team
// manager, a chat channel…). The inbox records every warning and breach as a
// conversation event whatever the notifier does.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// LogNotifier is the stub notifier: it only logs. Real delivery (e-mail to
// the assignee or team manager, in-app notifications) is not built yet.
type LogNotifier struct{ Log *slog.Logger }

// Notify logs n.
func (l LogNotifier) Notify(ctx context.Context, n Notification) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	level := slog.LevelInfo
	if n.Kind == stageBreach {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "inbox deadline "+n.Kind, "conversation", n.ConversationID, "reference", n.Reference,
		"deadline", n.Deadline, "due", n.Due, "assignee", n.AssigneeUserID, "team", n.TeamID)
	return nil
}

// onLockedConversation runs a job's step as the system in a transaction,
// on conversation id locked; a conversation deleted since the job was
// queued leaves nothing to do.
func (s *Service) onLockedConversation(ctx context.Context, id int64, fn func(ctx context.Context, c Conversation) error) error {
	return s.db.InTx(system(ctx), func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, id)
		if err != nil {
			if isNotFound(err) {
				return nil
			}
			return err
		}
		return fn(ctx, c)
	})
}

// standingDue is c's deadline of kind if it is still the one due at due
// and its clocks run; nil when it was met, moved or paused since.
func (c *Conversation) standingDue(kind string, due time.Time) *time.Time {
	d := c.dueOf(kind)
	if d == nil || !sameTime(d, &due) || !c.Status.running() {
		return nil
	}
	return d
}
