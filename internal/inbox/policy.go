package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/inbox/sla"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// Rules select a policy. Each non-empty list must contain the
// conversation's value (AND across fields, OR within one); an empty list
// matches anything.
type Rules struct {
	Channels []Channel `json:"channels,omitempty"`
	TeamIDs  []int64   `json:"team_ids,omitempty"`
	// Roles are people roles the person holds today: "donor", or with a
	// subtype, "donor:major".
	Roles []string `json:"roles,omitempty"`
	// Tags are people tags the person carries ("Major donor"), compared
	// without case and accents as people compares them.
	Tags       []string   `json:"tags,omitempty"`
	Languages  []string   `json:"languages,omitempty"`
	Priorities []Priority `json:"priorities,omitempty"`
}

// Facts are what rules look at.
type Facts struct {
	Channel  Channel
	TeamID   int64
	Roles    []string // active roles as "role" and "role:subtype"
	Tags     []string // tag keys (textsearch.Fold of the name)
	Language string
	Priority Priority
}

// Match reports whether every rule holds for f.
func (r Rules) Match(f Facts) bool {
	if len(r.Channels) > 0 && !slices.Contains(r.Channels, f.Channel) {
		return false
	}
	if len(r.TeamIDs) > 0 && !slices.Contains(r.TeamIDs, f.TeamID) {
		return false
	}
	if len(r.Roles) > 0 && !slices.ContainsFunc(r.Roles, func(x string) bool { return slices.Contains(f.Roles, x) }) {
		return false
	}
	if len(r.Tags) > 0 && !slices.ContainsFunc(r.Tags, func(x string) bool { return slices.Contains(f.Tags, tagKey(x)) }) {
		return false
	}
	if len(r.Languages) > 0 && !slices.Contains(r.Languages, baseLang(f.Language)) {
		return false
	}
	if len(r.Priorities) > 0 && !slices.Contains(r.Priorities, f.Priority) {
		return false
	}
	return true
}

// tagKey is how people keys tag names: "Major donor" and "major  donor" match.
func tagKey(name string) string { return textsearch.Fold(strings.Join(strings.Fields(name), " ")) }

func baseLang(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(tag, "_", "-")), "-")
	return base
}

// Policy is a response policy: targets counted in business hours. A zero
// target has no deadline.
type Policy struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	Enabled  bool   `json:"enabled"`
	Rules    Rules  `json:"rules"`
	// FirstResponse is the time to the first staff reply.
	FirstResponse time.Duration `json:"first_response"`
	// NextResponse is the time to answer each later message of the person.
	NextResponse time.Duration `json:"next_response"`
	// Resolution is the time to resolve the conversation.
	Resolution time.Duration `json:"resolution"`
	// WarnPercent is the share of a target used up when the warning fires.
	WarnPercent int `json:"warn_percent"`
	// BusinessHoursID selects hours; 0 uses the team's, else the default.
	BusinessHoursID int64     `json:"business_hours_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// DefaultPolicy applies when no stored policy matches: a first response
// within 24 business hours (24 real hours when no business hours are set),
// each later message answered within 24 more.
var DefaultPolicy = Policy{Name: "default", Enabled: true, FirstResponse: 24 * time.Hour,
	NextResponse: 24 * time.Hour, WarnPercent: 80}

// SelectPolicy returns the first enabled policy, in order, whose rules match
// f; DefaultPolicy if none does.
func SelectPolicy(policies []Policy, f Facts) Policy {
	for _, p := range policies {
		if p.Enabled && p.Rules.Match(f) {
			return p
		}
	}
	return DefaultPolicy
}

// target is the policy's target for a deadline kind.
func (p Policy) target(kind string) time.Duration {
	switch kind {
	case dueFirstResponse:
		return p.FirstResponse
	case dueNextResponse:
		return p.NextResponse
	case dueResolution:
		return p.Resolution
	}
	return 0
}

func scanPolicy(r scanner) (Policy, error) {
	var (
		p               Policy
		rules           []byte
		first, next, re int64
		hours           sql.NullInt64
	)
	err := r.Scan(&p.ID, &p.Name, &p.Position, &p.Enabled, &rules, &first, &next, &re, &p.WarnPercent, &hours,
		&p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	_ = json.Unmarshal(rules, &p.Rules)
	p.FirstResponse, p.NextResponse, p.Resolution = time.Duration(first)*time.Second, time.Duration(next)*time.Second, time.Duration(re)*time.Second
	p.BusinessHoursID = hours.Int64
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

func (s *Service) policies(ctx context.Context) ([]Policy, error) {
	ps, err := db.GroupMemo(ctx, memoKey{"policies", nil}, func() ([]Policy, error) {
		return db.QueryAll(ctx, s.q, scanPolicy, "ListPolicies")
	})
	return slices.Clone(ps), err
}

// memoKey names what db.GroupMemo keeps for the messages of one group
// commit: configuration, which ingesting a message never changes.
type memoKey struct {
	what string
	arg  any
}

// memoOptional reads one configuration row that may not exist (nil) once per
// group commit; every caller gets a copy of its own.
func memoOptional[T any](ctx context.Context, key memoKey, read func() (T, error)) (*T, error) {
	found, err := db.GroupMemo(ctx, key, func() (*T, error) {
		v, err := read()
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &v, nil
	})
	if found == nil || err != nil {
		return nil, err
	}
	c := *found
	return &c, nil
}

// policy returns a stored policy, DefaultPolicy for id 0 or a deleted one.
func (s *Service) policy(ctx context.Context, id int64) (Policy, error) {
	if id == 0 {
		return DefaultPolicy, nil
	}
	p, err := scanPolicy(s.q.QueryRow(ctx, "GetPolicy", id))
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPolicy, nil
	}
	return p, err
}

// Policies lists the response policies in the order they are tried.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return s.policies(ctx)
}

// SavePolicy creates (ID 0) or replaces a policy. Conversations keep the
// deadlines they have; new targets apply from their next change.
func (s *Service) SavePolicy(ctx context.Context, p Policy) (Policy, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Policy{}, err
	}
	var out Policy
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		v := apperr.Invalid()
		if err := s.checkName(ctx, v, &p.Name, "PolicyNameTaken", p.ID); err != nil {
			return err
		}
		for field, d := range map[string]time.Duration{"first_response": p.FirstResponse, "next_response": p.NextResponse, "resolution": p.Resolution} {
			if d < 0 || d > 365*24*time.Hour {
				v.Field(field, "inbox.error.target")
			}
		}
		if p.WarnPercent == 0 {
			p.WarnPercent = DefaultPolicy.WarnPercent
		}
		if p.WarnPercent < 1 || p.WarnPercent > 99 {
			v.Field("warn_percent", "inbox.error.warn_percent")
		}
		for _, pr := range p.Rules.Priorities {
			if !slices.Contains(Priorities, pr) {
				v.Field("rules.priorities", "inbox.error.priority")
			}
		}
		if p.BusinessHoursID != 0 {
			if _, err := s.hoursByID(ctx, p.BusinessHoursID); err != nil {
				v.Field("business_hours_id", "inbox.error.hours_not_found")
			}
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		secs := func(d time.Duration) int64 { return int64(d / time.Second) }
		if err := s.insertOrUpdate(ctx, &p.ID, "InsertPolicy", "UpdatePolicy", "inbox.error.policy_not_found",
			p.Name, p.Position, p.Enabled, mustJSON(p.Rules), secs(p.FirstResponse), secs(p.NextResponse),
			secs(p.Resolution), p.WarnPercent, nullInt(p.BusinessHoursID), s.now()); err != nil {
			return err
		}
		var err error
		if out, err = s.policy(ctx, p.ID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.policy.save", "inbox_policy", p.ID, out)
	})
	return out, err
}

// DeletePolicy removes a policy; conversations under it fall back to the
// default policy's targets for later deadlines.
func (s *Service) DeletePolicy(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "DeletePolicy", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.policy.delete", "inbox_policy", id, nil)
	})
}

// Hours are stored business hours: a team's (TeamID), the organization's
// default (Default), or hours a policy names.
type Hours struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	TeamID  int64  `json:"team_id,omitempty"`
	Default bool   `json:"default"`
	// TimeZone is an IANA name; "" follows the team's, then the
	// organization's.
	TimeZone  string       `json:"time_zone"`
	Schedule  sla.Schedule `json:"schedule"`
	Holidays  []sla.Date   `json:"holidays"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

func scanHours(r scanner) (Hours, error) {
	var (
		h                  Hours
		team               sql.NullInt64
		schedule, holidays []byte
	)
	err := r.Scan(&h.ID, &h.Name, &team, &h.Default, &h.TimeZone, &schedule, &holidays, &h.CreatedAt, &h.UpdatedAt)
	if err != nil {
		return h, err
	}
	h.TeamID = team.Int64
	h.Schedule, h.Holidays = sla.Schedule{}, []sla.Date{}
	_ = json.Unmarshal(schedule, &h.Schedule)
	_ = json.Unmarshal(holidays, &h.Holidays)
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, nil
}

func (s *Service) hoursBy(ctx context.Context, query string, arg any) (*Hours, error) {
	return memoOptional(ctx, memoKey{query, arg}, func() (Hours, error) {
		return scanHours(s.q.QueryRow(ctx, query, arg))
	})
}

func (s *Service) hoursByID(ctx context.Context, id int64) (Hours, error) {
	h, err := s.hoursBy(ctx, "GetHours", id)
	if err != nil {
		return Hours{}, err
	}
	if h == nil {
		return Hours{}, apperr.NotFound("inbox.error.hours_not_found")
	}
	return *h, nil
}

// BusinessHours lists the stored business hours.
func (s *Service) BusinessHours(ctx context.Context) ([]Hours, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return db.QueryAll(ctx, s.q, scanHours, "ListHours")
}

// SaveHours creates (ID 0) or replaces business hours. Saving hours marked
// Default takes the mark from any other.
func (s *Service) SaveHours(ctx context.Context, h Hours) (Hours, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Hours{}, err
	}
	var out Hours
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		v := apperr.Invalid()
		if err := s.checkName(ctx, v, &h.Name, "", 0); err != nil {
			return err
		}
		if h.TimeZone != "" {
			if _, err := time.LoadLocation(h.TimeZone); err != nil || h.TimeZone == "Local" {
				v.Field("time_zone", "inbox.error.time_zone")
			}
		}
		if _, err := sla.ParseSchedule(h.Schedule); err != nil {
			v.Field("schedule", "inbox.error.schedule", "Detail", err.Error())
		}
		if err := s.checkTeam(ctx, v, "team_id", h.TeamID); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if h.Schedule == nil {
			h.Schedule = sla.Schedule{}
		}
		if h.Holidays == nil {
			h.Holidays = []sla.Date{}
		}
		now := s.now()
		if h.ID == 0 {
			if err := s.q.QueryRowW(ctx, "InsertHours", h.Name, nullInt(h.TeamID), false, h.TimeZone, mustJSON(h.Schedule),
				mustJSON(h.Holidays), now).Scan(&h.ID); err != nil {
				return conflict("inbox.error.hours_conflict", err)
			}
		}
		if h.Default {
			if _, err := s.q.Exec(ctx, "ClearDefaultHours", h.ID, false, true); err != nil {
				return err
			}
		}
		res, err := s.q.Exec(ctx, "UpdateHours", h.ID, h.Name, nullInt(h.TeamID), h.Default, h.TimeZone, mustJSON(h.Schedule),
			mustJSON(h.Holidays), now)
		if err != nil {
			return conflict("inbox.error.hours_conflict", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("inbox.error.hours_not_found")
		}
		if out, err = s.hoursByID(ctx, h.ID); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.hours.save", "inbox_business_hours", h.ID, out)
	})
	return out, err
}

// DeleteHours removes business hours.
func (s *Service) DeleteHours(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.q.Exec(ctx, "DeleteHours", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.hours.delete", "inbox_business_hours", id, nil)
	})
}

// clocks are the policy and calendar a conversation's deadlines follow.
type clocks struct {
	policy Policy
	hours  sla.BusinessHours
}

// calendar resolves the business hours for a team under a policy: the
// policy's hours, else the team's, else the organization's default, else
// always open; the time zone is the hours' own, else the team's, else the
// organization's.
func (s *Service) calendar(ctx context.Context, p Policy, teamID int64) (sla.BusinessHours, error) {
	var (
		h   *Hours
		err error
	)
	if p.BusinessHoursID != 0 {
		if h, err = s.hoursBy(ctx, "GetHours", p.BusinessHoursID); err != nil {
			return sla.BusinessHours{}, err
		}
	}
	if h == nil && teamID != 0 {
		if h, err = s.hoursBy(ctx, "TeamHours", teamID); err != nil {
			return sla.BusinessHours{}, err
		}
	}
	if h == nil {
		if h, err = s.hoursBy(ctx, "DefaultHours", true); err != nil {
			return sla.BusinessHours{}, err
		}
	}
	var bh sla.BusinessHours
	tz := ""
	if h != nil {
		tz = h.TimeZone
		if bh.Week, err = sla.ParseSchedule(h.Schedule); err != nil {
			s.log.Warn("invalid stored business hours; treating as always open", "hours", h.ID, "err", err)
			bh.Week = [7][]sla.Span{}
		}
		bh.Holidays = h.Holidays
	}
	if tz == "" && teamID != 0 {
		if t, err := s.cfg.Org.GetTeam(ctx, teamID); err == nil {
			tz = t.TimeZone
		}
	}
	if tz == "" {
		if st, err := s.cfg.OrgSettings(ctx); err == nil {
			tz = st.TimeZone
		}
	}
	bh.Location = time.UTC
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		bh.Location = loc
	}
	return bh, nil
}

// clocksOf returns the clocks of an existing conversation.
func (s *Service) clocksOf(ctx context.Context, c *Conversation) (clocks, error) {
	p, err := s.policy(ctx, c.PolicyID)
	if err != nil {
		return clocks{}, err
	}
	h, err := s.calendar(ctx, p, c.TeamID)
	return clocks{policy: p, hours: h}, err
}

// selectClocks picks the policy for a new conversation from its facts.
func (s *Service) selectClocks(ctx context.Context, c *Conversation) (clocks, error) {
	f := Facts{Channel: c.Channel, TeamID: c.TeamID, Language: c.Language, Priority: c.Priority}
	if c.PersonID != 0 {
		var err error
		if f.Roles, err = s.personRoleKeys(ctx, c.PersonID); err != nil {
			return clocks{}, err
		}
	}
	ps, err := s.policies(ctx)
	if err != nil {
		return clocks{}, err
	}
	if c.PersonID != 0 && slices.ContainsFunc(ps, func(p Policy) bool { return p.Enabled && len(p.Rules.Tags) > 0 }) {
		if f.Tags, err = s.personTagKeys(ctx, c.PersonID); err != nil {
			return clocks{}, err
		}
	}
	p := SelectPolicy(ps, f)
	c.PolicyID = p.ID
	h, err := s.calendar(ctx, p, c.TeamID)
	return clocks{policy: p, hours: h}, err
}

// Deadline kinds.
const (
	dueFirstResponse = "first_response"
	dueNextResponse  = "next_response"
	dueResolution    = "resolution"
)

func (k clocks) due(start time.Time, target time.Duration) *time.Time {
	if target <= 0 {
		return nil
	}
	return stamp(sla.Due(start, target, k.hours))
}

// start sets the deadlines of a new (or reopened) conversation.
func (k clocks) start(c *Conversation, now time.Time) {
	if c.FirstRespondedAt == nil {
		c.FirstResponseDueAt = k.due(now, k.policy.FirstResponse)
	}
	c.ResolutionDueAt = k.due(now, k.policy.Resolution)
}

// pause stops the clocks (status waiting).
func (k clocks) pause(c *Conversation, now time.Time) {
	if c.WaitingSince == nil {
		c.WaitingSince = ptr(now)
	}
}

// resume restarts paused clocks: each deadline still ahead at the pause keeps
// the open time it had left, counted from now; one already passed stays.
func (k clocks) resume(c *Conversation, now time.Time) {
	if c.WaitingSince == nil {
		return
	}
	since := *c.WaitingSince
	for _, d := range []**time.Time{&c.FirstResponseDueAt, &c.NextResponseDueAt, &c.ResolutionDueAt} {
		if *d == nil || !(*d).After(since) {
			continue
		}
		left := sla.Elapsed(since, **d, k.hours)
		*d = stamp(sla.Due(now, left, k.hours))
	}
	c.WaitingSince = nil
}

// inbound starts the next-response clock for a message from the person once
// they have had a first answer; an unanswered earlier message keeps its
// earlier deadline.
func (k clocks) inbound(c *Conversation, now time.Time) {
	if c.FirstRespondedAt != nil && c.NextResponseDueAt == nil {
		c.NextResponseDueAt = k.due(now, k.policy.NextResponse)
	}
}

// responded records a staff answer: the first and next response targets are
// met.
func (k clocks) responded(c *Conversation, now time.Time) {
	if c.FirstRespondedAt == nil {
		c.FirstRespondedAt = ptr(now)
	}
	c.NextResponseDueAt = nil
}

// setStatus moves c to status, pausing, resuming, stopping or restarting
// clocks as the move requires.
func (k clocks) setStatus(c *Conversation, status Status, now time.Time) {
	old := c.Status
	if old == status {
		return
	}
	c.Status = status
	if old.done() && !status.done() {
		// Reopened: the matter starts over for resolution.
		c.ResolvedAt = nil
		c.ResolutionDueAt = k.due(now, k.policy.Resolution)
	}
	switch {
	case status == StatusWaiting:
		k.pause(c, now)
	case status.done():
		k.resume(c, now) // a stopped clock has no pause to remember
		c.NextResponseDueAt = nil
		if c.ResolvedAt == nil {
			c.ResolvedAt = ptr(now)
		}
	default:
		k.resume(c, now)
	}
}
