package inbox

import (
	"context"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
)

// PresenceTTL is how long a heartbeat counts: a viewer who stops sending
// them (tab closed, network gone) disappears after this. Pages beat every
// few seconds.
const PresenceTTL = 15 * time.Second

// Viewer is another staff member on a conversation right now.
type Viewer struct {
	UserID int64     `json:"user_id"`
	Name   string    `json:"name"`
	Typing bool      `json:"typing"`
	SeenAt time.Time `json:"seen_at"`
}

// Presence is what a heartbeat answers: the others on the conversation and
// the newest message there, so a page can tell that someone replied.
type Presence struct {
	Viewers []Viewer `json:"viewers"`
	// LastMessageID is the newest message (any direction) of the conversation.
	LastMessageID int64 `json:"last_message_id"`
}

// Heartbeat records that the actor is viewing the conversation (typing a
// reply when typing is set) and returns the others there. Presence lives in
// the database, so it works across instances.
func (s *Service) Heartbeat(ctx context.Context, convID int64, typing bool) (Presence, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return Presence{}, err
	}
	me := actorID(ctx)
	if me != 0 {
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			if _, err := s.conversation(ctx, convID); err != nil {
				return err
			}
			now := s.now()
			if _, err := s.q.Exec(ctx, "UpsertPresence", convID, me, typing, now); err != nil {
				return err
			}
			// Sweep old rows while here: cheap on the seen_at index.
			_, err := s.q.Exec(ctx, "SweepPresence", now.Add(-10*PresenceTTL))
			return err
		})
		if err != nil {
			return Presence{}, err
		}
	}
	return s.presence(ctx, convID)
}

// Leave forgets the actor's presence on a conversation (page closed).
func (s *Service) Leave(ctx context.Context, convID int64) error {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, "DeletePresence", convID, actorID(ctx))
	return err
}

// Viewers returns who else is on the conversation, without a heartbeat.
func (s *Service) Viewers(ctx context.Context, convID int64) (Presence, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return Presence{}, err
	}
	if _, err := s.conversation(ctx, convID); err != nil {
		return Presence{}, err
	}
	return s.presence(ctx, convID)
}

func (s *Service) presence(ctx context.Context, convID int64) (Presence, error) {
	p := Presence{Viewers: []Viewer{}}
	rows, err := s.q.Query(ctx, "ListPresence", convID, s.now().Add(-PresenceTTL), actorID(ctx))
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var v Viewer
		if err := rows.Scan(&v.UserID, &v.Name, &v.Typing, &v.SeenAt); err != nil {
			return p, err
		}
		v.SeenAt = v.SeenAt.UTC()
		p.Viewers = append(p.Viewers, v)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	err = s.q.QueryRow(ctx, "LastMessageID", convID).Scan(&p.LastMessageID)
	return p, err
}

// NewerMessages returns the messages to or from the person added after
// afterID by anyone but the actor: what a reply about to be sent has not
// seen (another agent's answer, the person's new message).
func (s *Service) NewerMessages(ctx context.Context, convID, afterID int64) ([]Message, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	ids, err := s.ids(ctx, "NewerMessages", convID, afterID, actorID(ctx))
	if err != nil {
		return nil, err
	}
	return loadAll(ids, func(id int64) (Message, error) { return s.message(ctx, id) })
}
