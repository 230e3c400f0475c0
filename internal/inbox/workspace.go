package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/jobs"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// Sort orders a conversation list.
type Sort string

const (
	// SortDue: the earliest running deadline first (the default).
	SortDue Sort = "due"
	// SortNewest: the latest message first.
	SortNewest Sort = "newest"
	// SortOldest: the oldest conversation first.
	SortOldest Sort = "oldest"
)

// Sorts lists the orders a list can take.
var Sorts = []Sort{SortDue, SortNewest, SortOldest}

const (
	// ViewBreaching: a running clock due within the warn window, or overdue.
	ViewBreaching View = "breaching"
	// ViewSnoozed: snoozed conversations, until they wake.
	ViewSnoozed View = "snoozed"
)

// Views lists every view in the order the workspace shows them.
var Views = []View{ViewMine, ViewTeam, ViewUnassigned, ViewWaiting, ViewBreaching, ViewAll, ViewSnoozed}

// Channels lists every channel.
var Channels = []Channel{ChannelEmail, ChannelWeb, ChannelPhone, ChannelSocial}

// Workspace event kinds.
const (
	EventSnoozed    = "snoozed"
	EventUnsnoozed  = "unsnoozed"
	EventSnoozeWoke = "snooze.woke"
	EventMerged     = "merged"
	EventMergedInto = "merged_into"
	EventSplit      = "split"
	EventSplitFrom  = "split_from"
	EventForwarded  = "forwarded"
)

// DefaultWarnWindow is how far ahead "breaching soon" looks.
const DefaultWarnWindow = 2 * time.Hour

// warnWindow is the breaching-soon horizon: the shortest warning lead of the
// enabled policies (the time between a deadline's warning and the deadline,
// taken as wall time), else DefaultWarnWindow.
func (s *Service) warnWindow(ctx context.Context) time.Duration {
	ps, err := s.policies(ctx)
	if err != nil {
		return DefaultWarnWindow
	}
	ps = slices.DeleteFunc(slices.Clone(ps), func(p Policy) bool { return !p.Enabled })
	if len(ps) == 0 {
		ps = []Policy{DefaultPolicy}
	}
	best := time.Duration(0)
	for _, p := range ps {
		for _, t := range []time.Duration{p.FirstResponse, p.NextResponse, p.Resolution} {
			if t <= 0 {
				continue
			}
			if lead := t * time.Duration(100-p.WarnPercent) / 100; lead > 0 && (best == 0 || lead < best) {
				best = lead
			}
		}
	}
	if best == 0 {
		return DefaultWarnWindow
	}
	return best
}

// scope is what a list query filters on for f's view and its own choices,
// the actor being me: an assignee (-1: unassigned) and a team (-1: the
// actor's teams), 0 for any.
func (f Filter) scope(me int64) (assignee, team int64) {
	switch f.View {
	case ViewMine:
		assignee = me
		if me == 0 {
			assignee = -2 // the system has no conversations of its own
		}
	case ViewUnassigned:
		assignee = -1
	case ViewTeam:
		team = -1
	}
	if f.AssigneeID != 0 {
		assignee = f.AssigneeID
	}
	if f.TeamID != 0 {
		team = f.TeamID
	}
	return assignee, team
}

// extended reports whether f needs the workspace list (filters, orders and
// views the plain list has not).
func (f Filter) extended() bool {
	return f.View == ViewBreaching || f.View == ViewSnoozed || f.Channel != "" || f.Priority != "" || f.Tag != "" ||
		f.AssigneeID != 0 || (f.Sort != "" && f.Sort != SortDue)
}

var workspaceStatuses = map[View]string{
	ViewMine:       ",new,open,waiting,",
	ViewUnassigned: ",new,open,",
	ViewTeam:       ",new,open,waiting,",
	ViewWaiting:    ",waiting,",
	ViewAll:        ",new,open,waiting,resolved,closed,",
	ViewBreaching:  ",new,open,",
	ViewSnoozed:    ",new,open,waiting,resolved,closed,",
}

// tagPattern matches a tag inside the stored JSON array.
func tagPattern(tag string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(tag)
	return "%" + escapeLike(strings.TrimSpace(b.String())) + "%"
}

func (s *Service) listWorkspace(ctx context.Context, f Filter, cursor string, limit int) (Page[Conversation], error) {
	v := apperr.Invalid()
	statuses, ok := workspaceStatuses[f.View]
	if !ok {
		v.Field("view", "inbox.error.view")
	}
	if f.Status != "" {
		if !f.Status.valid() {
			v.Field("status", "inbox.error.status")
		}
		statuses = "," + string(f.Status) + ","
	}
	if f.Sort == "" {
		f.Sort = SortDue
	}
	if !slices.Contains(Sorts, f.Sort) {
		v.Field("sort", "inbox.error.sort")
	}
	if f.Channel != "" && !slices.Contains(Channels, f.Channel) {
		v.Field("channel", "inbox.error.channel")
	}
	if f.Priority != "" && !slices.Contains(Priorities, f.Priority) {
		v.Field("priority", "inbox.error.priority")
	}
	f.Tag = strings.TrimSpace(f.Tag)
	if len(f.Tag) > 256 {
		v.Field("tag", "inbox.error.too_long", "Max", 64)
	}
	if err := v.OrNil(); err != nil {
		return Page[Conversation]{}, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	cur, err := decodeCursor(cursor)
	if err != nil {
		return Page[Conversation]{}, err
	}
	if cursor == "" && f.Sort == SortNewest {
		cur = listCursor{T: noDue, ID: math.MaxInt64}
	}
	me := actorID(ctx)
	assignee, team := f.scope(me)
	tag := ""
	if f.Tag != "" {
		tag = tagPattern(f.Tag)
	}
	snoozed, breaching := 0, 0
	if f.View == ViewSnoozed {
		snoozed = 1
	}
	cutoff := s.now()
	if f.View == ViewBreaching {
		breaching = 1
		cutoff = cutoff.Add(s.warnWindow(ctx))
	}
	search := ""
	if pq := textsearch.ParseQuery(f.Q); !pq.Empty() {
		search = engineSyntax[s.db.Dialect](pq)
	}
	key := func(c *Conversation, sortAt time.Time) time.Time {
		switch f.Sort {
		case SortNewest:
			return c.LastMessageAt
		case SortOldest:
			return c.CreatedAt
		}
		return sortAt
	}
	args := []any{statuses, assignee, team, me, cur.T, cur.ID, limit + 1,
		string(f.Sort), string(f.Channel), string(f.Priority), tag, snoozed, breaching, cutoff, search}
	until := sortUntil(statuses)
	if breaching == 1 {
		until = cutoff.UTC() // nothing due later is breaching
	}
	args = append(args, until)
	if s.db.Dialect == db.Postgres {
		ids := "[]"
		if search != "" {
			var err error
			if ids, err = s.searchArg(ctx, search); err != nil {
				return Page[Conversation]{}, err
			}
		}
		args = append(args, ids)
	}
	query := "WorkspaceList"
	switch {
	case f.Sort == SortDue:
		query = "WorkspaceListDue"
	case until.Equal(finishedSort) && s.db.Dialect == db.SQLite:
		query = "WorkspaceListAll" // see the query
	}
	return s.conversationPage(ctx, limit, key, query, args...)
}

// CountCap bounds each view count: a view with more conversations counts
// as CountCap, shown as "999+", so counting stays cheap in a huge inbox.
const CountCap = 1000

// ViewCounts counts each view's conversations for the actor, up to CountCap.
func (s *Service) ViewCounts(ctx context.Context) (map[View]int, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	me := actorID(ctx)
	if me == 0 {
		me = -2
	}
	cutoff := s.now().Add(s.warnWindow(ctx))
	out := map[View]int{}
	for _, q := range []struct {
		view  View
		query string
		args  []any
	}{
		{ViewMine, "CountMine", []any{me, CountCap}},
		{ViewTeam, "CountTeam", []any{me, CountCap}},
		{ViewUnassigned, "CountUnassigned", []any{CountCap}},
		{ViewWaiting, "CountWaiting", []any{CountCap}},
		{ViewBreaching, "CountBreaching", []any{cutoff, CountCap}},
		{ViewAll, "CountAll", []any{CountCap}},
		{ViewSnoozed, "CountSnoozed", []any{CountCap}},
	} {
		var n int
		if err := s.q.QueryRow(ctx, q.query, q.args...).Scan(&n); err != nil {
			return nil, err
		}
		out[q.view] = n
	}
	return out, nil
}

// wakeArgs ends a snooze. Until identifies it: a job for a snooze since
// changed or ended does nothing.
type wakeArgs struct {
	ConversationID int64     `json:"conversation_id"`
	Until          time.Time `json:"until"`
}

func (wakeArgs) Kind() string { return "inbox.wake" }

type wakeWorker struct {
	river.WorkerDefaults[wakeArgs]
	s *Service
}

func (w *wakeWorker) Work(ctx context.Context, job *river.Job[wakeArgs]) error {
	return w.s.wake(ctx, job.Args)
}

func (s *Service) registerWorkspaceWorkers(j *jobs.Jobs) {
	jobs.Register(j, &wakeWorker{s: s})
}

// maxSnooze bounds how far ahead a conversation may be snoozed.
const maxSnooze = 366 * 24 * time.Hour

// Snooze takes the conversation out of the views until the given time; a
// durable job brings it back then, and a message from the person sooner.
func (s *Service) Snooze(ctx context.Context, convID int64, until time.Time) (Conversation, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Conversation{}, err
	}
	until = until.UTC().Truncate(time.Microsecond)
	now := s.now()
	if !until.After(now) || until.Sub(now) > maxSnooze {
		return Conversation{}, apperr.Invalid().Field("until", "inbox.error.snooze_until")
	}
	var out Conversation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		if c.Status == StatusClosed || c.MergedIntoID != 0 {
			return apperr.Conflict("inbox.error.snooze_closed")
		}
		if _, err := s.q.Exec(ctx, "SetSnooze", c.ID, until, now); err != nil {
			return err
		}
		if _, err := s.cfg.Jobs.Enqueue(ctx, wakeArgs{ConversationID: c.ID, Until: until}, &river.InsertOpts{ScheduledAt: until}); err != nil {
			return err
		}
		data := map[string]any{"until": until}
		if _, err := s.addEvent(ctx, c.ID, EventSnoozed, data, ""); err != nil {
			return err
		}
		c.SnoozedUntil = &until
		out = c
		return s.cfg.Auditor.Audit(ctx, "inbox.snooze", "inbox_conversation", c.ID, data)
	})
	return out, err
}

// Unsnooze brings a snoozed conversation back at once.
func (s *Service) Unsnooze(ctx context.Context, convID int64) (Conversation, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return Conversation{}, err
	}
	var out Conversation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		out = c
		if c.SnoozedUntil == nil {
			return nil
		}
		if _, err := s.q.Exec(ctx, "SetSnooze", c.ID, nil, s.now()); err != nil {
			return err
		}
		out.SnoozedUntil = nil
		if _, err := s.addEvent(ctx, c.ID, EventUnsnoozed, nil, ""); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.unsnooze", "inbox_conversation", c.ID, nil)
	})
	return out, err
}

// wake is the snooze job: it ends the snooze it was scheduled for, if that
// snooze still stands.
func (s *Service) wake(ctx context.Context, a wakeArgs) error {
	return s.onLockedConversation(ctx, a.ConversationID, func(ctx context.Context, c Conversation) error {
		if c.SnoozedUntil == nil || !sameTime(c.SnoozedUntil, &a.Until) {
			return nil
		}
		return s.endSnooze(ctx, c.ID, "time")
	})
}

func (s *Service) endSnooze(ctx context.Context, convID int64, reason string) error {
	if _, err := s.q.Exec(ctx, "SetSnooze", convID, nil, s.now()); err != nil {
		return err
	}
	_, err := s.addEvent(ctx, convID, EventSnoozeWoke, map[string]any{"reason": reason}, "")
	return err
}

// wakeOnInbound ends a snooze when the person writes (not a robot: an
// out-of-office answer leaves it snoozed). It runs inside the ingesting
// transaction for every channel, from insertMessage.
func (s *Service) wakeOnInbound(ctx context.Context, m *Message) error {
	if m.Direction != DirectionIn || (m.AutoKind != "" && m.AutoKind != "none") {
		return nil
	}
	var (
		until  sql.NullTime
		merged sql.NullInt64
	)
	if err := s.q.QueryRow(ctx, "ConversationExtra", m.ConversationID).Scan(&until, &merged); err != nil {
		return err
	}
	if !until.Valid {
		return nil
	}
	return s.endSnooze(ctx, m.ConversationID, "reply")
}

// BulkAction is one change applied to many conversations.
type BulkAction struct {
	// Action is assign, status, priority, tag (add) or untag (remove).
	Action   string   `json:"action"`
	UserID   int64    `json:"user_id,omitempty"`
	Status   Status   `json:"status,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	Tag      string   `json:"tag,omitempty"`
}

// BulkResult is what happened to one conversation of a bulk action; Err is
// nil on success.
type BulkResult struct {
	ConversationID int64
	Conversation   Conversation
	Err            error
}

// maxBulk bounds one bulk action.
const maxBulk = 500

// Bulk applies an action to each conversation, each in its own transaction
// (one failure does not undo the others), and reports per conversation.
func (s *Service) Bulk(ctx context.Context, ids []int64, a BulkAction) ([]BulkResult, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	v := apperr.Invalid()
	if len(ids) == 0 {
		v.Field("ids", "inbox.error.bulk_none")
	} else if len(ids) > maxBulk {
		v.Field("ids", "inbox.error.too_many", "Max", maxBulk)
	}
	switch a.Action {
	case "assign":
	case "status":
		if !a.Status.valid() || a.Status == StatusNew {
			v.Field("status", "inbox.error.status")
		}
	case "priority":
		if !slices.Contains(Priorities, a.Priority) {
			v.Field("priority", "inbox.error.priority")
		}
	case "tag", "untag":
		if a.Tag = strings.TrimSpace(a.Tag); a.Tag == "" {
			v.Field("tag", "inbox.error.empty")
		}
	default:
		v.Field("action", "inbox.error.bulk_action")
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []BulkResult
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var (
			c   Conversation
			err error
		)
		switch a.Action {
		case "assign":
			c, err = s.Assign(ctx, id, a.UserID)
		case "status":
			c, err = s.SetStatus(ctx, id, a.Status)
		case "priority":
			c, err = s.SetPriority(ctx, id, a.Priority)
		case "tag", "untag":
			if c, err = s.conversation(ctx, id); err == nil {
				tags := slices.DeleteFunc(slices.Clone(c.Tags), func(t string) bool { return t == a.Tag })
				if a.Action == "tag" {
					tags = append(tags, a.Tag)
				}
				c, err = s.SetTags(ctx, id, tags)
			}
		}
		out = append(out, BulkResult{ConversationID: id, Conversation: c, Err: err})
	}
	return out, nil
}

// Agent is a staff member who can own conversations.
type Agent struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Agents lists the active staff who can be assigned conversations.
func (s *Service) Agents(ctx context.Context) ([]Agent, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return db.QueryAll(ctx, s.q, func(r db.Scanner) (Agent, error) {
		var a Agent
		err := r.Scan(&a.ID, &a.Name)
		return a, err
	}, "WorkspaceAgents")
}

// TeamRef names a team.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Teams names every team, for pages that show a team by name.
func (s *Service) Teams(ctx context.Context) ([]TeamRef, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return db.QueryAll(ctx, s.q, func(r db.Scanner) (TeamRef, error) {
		var (
			t       TeamRef
			manager int64
		)
		return t, r.Scan(&t.ID, &t.Name, &manager)
	}, "WorkspaceTeams")
}

// SignatureTeams lists the teams whose signatures the actor may edit: those
// they manage, or every team with inbox.manage.
func (s *Service) SignatureTeams(ctx context.Context) ([]TeamRef, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return nil, err
	}
	all := auth.Require(ctx, auth.PermInboxManage) == nil
	me := actorID(ctx)
	rows, err := s.q.Query(ctx, "WorkspaceTeams")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TeamRef{}
	for rows.Next() {
		var (
			t   TeamRef
			mgr int64
		)
		if err := rows.Scan(&t.ID, &t.Name, &mgr); err != nil {
			return nil, err
		}
		if all || (mgr != 0 && mgr == me) {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}
