package people

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
)

var eventKind = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

func (s *Service) validateEvent(e *Event) error {
	v := apperr.Invalid()
	e.Kind = strings.TrimSpace(e.Kind)
	if !eventKind.MatchString(e.Kind) {
		v.Field("kind", "people.error.event_kind")
	}
	if runeLen(e.Summary) > 1000 || runeLen(e.TitleKey) > 200 {
		v.Field("summary", "people.error.too_long", "Max", 1000)
	}
	if runeLen(e.Body) > 100000 {
		v.Field("body", "people.error.too_long", "Max", 100000)
	}
	if len(e.Data) > 0 {
		var obj map[string]any
		if json.Unmarshal(e.Data, &obj) != nil {
			v.Field("data", "people.error.event_data")
		}
	}
	return v.OrNil()
}

// AddEvent is the one entry point for adding to a person's timeline; other
// capabilities call it inside their own transaction with their own kinds.
// OccurredAt defaults to now and ActorUserID to the actor in ctx. Callers
// authorize their own action; the event is audited here.
func (s *Service) AddEvent(ctx context.Context, e Event) (Event, error) {
	if err := s.validateEvent(&e); err != nil {
		return Event{}, err
	}
	var out Event
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		id, err := s.Resolve(ctx, e.PersonID)
		if err != nil {
			return err
		}
		e.PersonID = id
		if out, err = s.addEvent(ctx, e); err != nil {
			return err
		}
		// The audit log says who changed what; an event Hearken records on
		// its own (a message arrived, a gift was imported) is its own record.
		if a, ok := auth.ActorFrom(ctx); ok && a.IsSystem() {
			return nil
		}
		return s.audit(ctx, "person.event.add", "person", id, map[string]any{"event_id": out.ID, "kind": out.Kind})
	})
	return out, err
}

func (s *Service) addEvent(ctx context.Context, e Event) (Event, error) {
	now := s.now()
	if e.OccurredAt.IsZero() {
		e.OccurredAt = now
	}
	e.OccurredAt = e.OccurredAt.UTC().Truncate(time.Microsecond)
	if e.ActorUserID == 0 {
		e.ActorUserID = actorID(ctx)
	}
	if len(e.Mentions) > 0 {
		slices.Sort(e.Mentions)
		e.Mentions = slices.Compact(e.Mentions)
		var obj map[string]any
		if len(e.Data) > 0 {
			_ = json.Unmarshal(e.Data, &obj)
		}
		if obj == nil {
			obj = map[string]any{}
		}
		obj["mentions"] = e.Mentions
		e.Data, _ = json.Marshal(obj)
	}
	if len(bytes.TrimSpace(e.Data)) == 0 {
		e.Data = json.RawMessage("{}")
	}
	e.CreatedAt = now
	err := s.q.QueryRowW(ctx, "InsertEvent", e.PersonID, e.Kind, e.OccurredAt, nullInt(e.ActorUserID), e.TitleKey,
		e.Summary, e.Body, e.RefType, nullInt(e.RefID), string(e.Data), e.Confidential, e.Pinned, now).Scan(&e.ID)
	if err != nil {
		return e, err
	}
	for _, u := range e.Mentions {
		if _, err := s.q.Exec(ctx, "InsertMention", e.ID, u); err != nil {
			return e, err
		}
	}
	if s.cfg.Hooks.OnEvent != nil {
		if err := s.cfg.Hooks.OnEvent(ctx, e); err != nil {
			return e, err
		}
	}
	return e, nil
}

func scanEvent(r scanner) (Event, error) {
	var (
		e     Event
		actor sql.NullInt64
		ref   sql.NullInt64
		data  []byte
	)
	err := r.Scan(&e.ID, &e.PersonID, &e.Kind, &e.OccurredAt, &actor, &e.TitleKey, &e.Summary, &e.Body, &e.RefType,
		&ref, &data, &e.Confidential, &e.Pinned, &e.CreatedAt)
	if err != nil {
		return e, err
	}
	e.ActorUserID, e.RefID = actor.Int64, ref.Int64
	e.OccurredAt, e.CreatedAt = e.OccurredAt.UTC(), e.CreatedAt.UTC()
	e.Data = json.RawMessage(slices.Clone(data))
	var m struct {
		Mentions []int64 `json:"mentions"`
	}
	if json.Unmarshal(data, &m) == nil {
		e.Mentions = m.Mentions
	}
	return e, nil
}

func (s *Service) events(ctx context.Context, query string, args ...any) ([]Event, error) {
	rows, err := s.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Timeline returns a person's events newest first, a page at a time.
// Confidential events need the people.view_confidential permission.
func (s *Service) Timeline(ctx context.Context, personID int64, cursor string, limit int, includeConfidential bool) (Page[Event], error) {
	if err := requirePerm(ctx, permView); err != nil {
		return Page[Event]{}, err
	}
	if includeConfidential {
		if err := requirePerm(ctx, permViewConfidential); err != nil {
			return Page[Event]{}, err
		}
	}
	limit = clampLimit(limit)
	var c struct {
		T  time.Time `json:"t"`
		ID int64     `json:"i"`
	}
	if err := decodeCursor(cursor, &c); err != nil {
		return Page[Event]{}, err
	}
	id, err := s.Resolve(ctx, personID)
	if err != nil {
		return Page[Event]{}, err
	}
	evs, err := s.events(ctx, "TimelinePage", id, includeConfidential, cursor == "", c.T.UTC(), c.ID, limit+1)
	if err != nil {
		return Page[Event]{}, err
	}
	page := Page[Event]{Items: evs}
	if len(evs) > limit {
		page.Items = evs[:limit]
		last := evs[limit-1]
		c.T, c.ID = last.OccurredAt, last.ID
		page.Next = encodeCursor(c)
	}
	return page, nil
}

// EventsByRef finds the events that link to an entity of another capability
// (to update or remove them when it changes).
func (s *Service) EventsByRef(ctx context.Context, refType string, refID int64) ([]Event, error) {
	return s.events(ctx, "EventsByRef", refType, refID)
}

func (s *Service) pinned(ctx context.Context, personID int64, confidential bool) ([]Event, error) {
	return s.events(ctx, "PinnedEvents", personID, confidential)
}

// PinEvent pins an event to the top of the profile, or unpins it.
func (s *Service) PinEvent(ctx context.Context, eventID int64, pinned bool) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		e, err := scanEvent(s.q.QueryRow(ctx, "GetEvent", eventID))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("people.error.event_missing")
		}
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "SetEventPinned", eventID, pinned); err != nil {
			return err
		}
		return s.audit(ctx, "person.event.pin", "person", e.PersonID, map[string]any{"event_id": eventID, "pinned": pinned})
	})
}

// NoteInput is a staff note. Mentions of colleagues in Body ("@ayse" or
// "@[Ayşe Yılmaz](user:12)") are stored for notifications.
type NoteInput struct {
	Body         string    `json:"body"`
	Confidential bool      `json:"confidential"`
	Pinned       bool      `json:"pinned"`
	OccurredAt   time.Time `json:"occurred_at"`
}

var (
	mentionLink   = regexp.MustCompile(`@\[[^\]\n]{0,200}\]\(user:(\d{1,18})\)`)
	mentionHandle = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.@+-])@([\p{L}\p{N}][\p{L}\p{N}._+-]{0,63})`)
)

// parseMentions returns the user ids of explicit @[Name](user:N) mentions and
// the handles of @handle mentions (e-mail local parts, resolved by a hook).
func parseMentions(body string) (ids []int64, handles []string) {
	for _, m := range mentionLink.FindAllStringSubmatch(body, -1) {
		if id, err := strconv.ParseInt(m[1], 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	rest := mentionLink.ReplaceAllString(body, " ")
	for _, m := range mentionHandle.FindAllStringSubmatch(rest, -1) {
		handles = append(handles, strings.TrimRight(m[1], "."))
	}
	return ids, handles
}

// AddNote adds a staff note to the timeline.
func (s *Service) AddNote(ctx context.Context, personID int64, in NoteInput) (Event, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Event{}, err
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" {
		return Event{}, apperr.Invalid().Field("body", "people.error.required")
	}
	if runeLen(in.Body) > maxTextLen {
		return Event{}, apperr.Invalid().Field("body", "people.error.too_long", "Max", maxTextLen)
	}
	if in.Confidential {
		// Writing what one could not read back would be odd, and the search
		// index must not leak it: only those who may read confidential notes
		// write them.
		if err := requirePerm(ctx, permViewConfidential); err != nil {
			return Event{}, err
		}
	}
	var e Event
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		ids, handles := parseMentions(in.Body)
		if s.cfg.Hooks.ResolveMention != nil {
			for _, h := range handles {
				id, ok, err := s.cfg.Hooks.ResolveMention(ctx, h)
				if err != nil {
					return err
				}
				if ok {
					ids = append(ids, id)
				}
			}
		}
		var err error
		e, err = s.addEvent(ctx, Event{PersonID: personID, Kind: EventNote, OccurredAt: in.OccurredAt,
			TitleKey: "people.event.note", Body: in.Body, Confidential: in.Confidential, Pinned: in.Pinned, Mentions: ids})
		if err != nil {
			return err
		}
		if !in.Confidential {
			if err := s.reindex(ctx, personID); err != nil {
				return err
			}
		}
		return s.audit(ctx, "person.note.add", "person", personID, map[string]any{"event_id": e.ID, "confidential": in.Confidential})
	})
	return e, err
}

// MentionsOf lists the latest events that mention a user, for notifications.
func (s *Service) MentionsOf(ctx context.Context, userID int64, limit int) ([]int64, error) {
	return s.idList(ctx, "MentionsOf", userID, clampLimit(limit))
}

// --- special requests ---

func scanSpecialRequest(r scanner) (SpecialRequest, error) {
	var (
		x                     SpecialRequest
		createdBy, resolvedBy sql.NullInt64
		resolvedAt            sql.NullTime
	)
	err := r.Scan(&x.ID, &x.PersonID, &x.Body, &x.CreatedAt, &createdBy, &resolvedAt, &resolvedBy, &x.Resolution)
	x.CreatedBy, x.ResolvedBy, x.CreatedAt = createdBy.Int64, resolvedBy.Int64, x.CreatedAt.UTC()
	if resolvedAt.Valid {
		t := resolvedAt.Time.UTC()
		x.ResolvedAt = &t
	}
	return x, err
}

// AddSpecialRequest records a standing need ("needs a wheelchair-accessible
// room"), shown on the profile to everyone until resolved.
func (s *Service) AddSpecialRequest(ctx context.Context, personID int64, body string) (SpecialRequest, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return SpecialRequest{}, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return SpecialRequest{}, apperr.Invalid().Field("body", "people.error.required")
	}
	if runeLen(body) > 2000 {
		return SpecialRequest{}, apperr.Invalid().Field("body", "people.error.too_long", "Max", 2000)
	}
	var sr SpecialRequest
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		now := s.now()
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertSpecialRequest", personID, body, now, nullInt(actorID(ctx))).Scan(&id); err != nil {
			return err
		}
		if _, err := s.addEvent(ctx, Event{PersonID: personID, Kind: EventSpecialRequest, OccurredAt: now,
			TitleKey: "people.event.special_request", Body: body, RefType: "special_request", RefID: id}); err != nil {
			return err
		}
		var err error
		if sr, err = s.specialRequest(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "person.special_request.add", "person", personID, sr)
	})
	return sr, err
}

// ResolveSpecialRequest takes a request off the profile, noting why.
func (s *Service) ResolveSpecialRequest(ctx context.Context, id int64, resolution string) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		sr, err := s.specialRequest(ctx, id)
		if err != nil {
			return err
		}
		if sr.ResolvedAt != nil {
			return apperr.Conflict("people.error.already_resolved")
		}
		if _, err := s.q.Exec(ctx, "ResolveSpecialRequest", id, s.now(), nullInt(actorID(ctx)), strings.TrimSpace(resolution)); err != nil {
			return err
		}
		return s.audit(ctx, "person.special_request.resolve", "person", sr.PersonID, map[string]any{"id": id, "resolution": resolution})
	})
}

func (s *Service) specialRequest(ctx context.Context, id int64) (SpecialRequest, error) {
	sr, err := scanSpecialRequest(s.q.QueryRow(ctx, "GetSpecialRequest", id))
	if errors.Is(err, sql.ErrNoRows) {
		return sr, apperr.NotFound("people.error.special_request_missing")
	}
	return sr, err
}

func (s *Service) specialRequests(ctx context.Context, personID int64, includeResolved bool) ([]SpecialRequest, error) {
	rows, err := s.q.Query(ctx, "SpecialRequestsOf", personID, includeResolved)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SpecialRequest{}
	for rows.Next() {
		sr, err := scanSpecialRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sr)
	}
	return out, rows.Err()
}

// SpecialRequests lists a person's special requests, open ones only unless
// includeResolved.
func (s *Service) SpecialRequests(ctx context.Context, personID int64, includeResolved bool) ([]SpecialRequest, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	return s.specialRequests(ctx, personID, includeResolved)
}
