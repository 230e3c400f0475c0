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

	"golang.org/x/text/cases"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
)

// TopicWindow is how far back "N other people raised this topic" looks.
const TopicWindow = 30 * 24 * time.Hour

const (
	maxTopicName          = 100
	maxConversationTopics = 20
)

// Topic is one entry of the organization's managed list of topics.
type Topic struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TopicStat is a conversation's topic with how many other people raised it
// in other conversations within TopicWindow.
type TopicStat struct {
	Topic
	OtherPeople int `json:"other_people"`
}

var fold = cases.Fold()

func topicKey(name string) string { return fold.String(strings.TrimSpace(name)) }

func scanTopic(r scanner, extra ...any) (Topic, error) {
	var t Topic
	err := r.Scan(append([]any{&t.ID, &t.Name, &t.CreatedAt, &t.UpdatedAt}, extra...)...)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

// Topics lists the managed topics by name.
func (s *Service) Topics(ctx context.Context) ([]Topic, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	return db.QueryAll(ctx, s.q, func(r scanner) (Topic, error) { return scanTopic(r) }, "ListTopics")
}

// Topic reads one topic.
func (s *Service) Topic(ctx context.Context, id int64) (Topic, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return Topic{}, err
	}
	t, err := scanTopic(s.q.QueryRow(ctx, "GetTopic", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFound("inbox.error.topic_not_found")
	}
	return t, err
}

func validTopicName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > maxTopicName {
		return "", apperr.Invalid().Field("name", "inbox.error.topic_name", "Max", maxTopicName)
	}
	return name, nil
}

// CreateTopic adds a topic to the managed list (inbox.manage).
func (s *Service) CreateTopic(ctx context.Context, name string) (Topic, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Topic{}, err
	}
	name, err := validTopicName(name)
	if err != nil {
		return Topic{}, err
	}
	if s.topicTaken(ctx, name, 0) {
		return Topic{}, apperr.Invalid().Field("name", "inbox.error.name_taken")
	}
	var out Topic
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertTopic", name, topicKey(name), s.now()).Scan(&id); err != nil {
			if s.topicTaken(ctx, name, 0) {
				return apperr.Invalid().Field("name", "inbox.error.name_taken")
			}
			return fmt.Errorf("insert topic: %w", err)
		}
		out = Topic{ID: id, Name: name, CreatedAt: s.now(), UpdatedAt: s.now()}
		return s.cfg.Auditor.Audit(ctx, "inbox.topic.create", "inbox_topic", id, map[string]any{"name": name})
	})
	return out, err
}

// topicTaken reports whether another topic than id has name's key. It runs
// outside the failed statement's transaction on PostgreSQL, so it reads the
// pool.
func (s *Service) topicTaken(ctx context.Context, name string, id int64) bool {
	var other int64
	err := s.db.Reader.QueryRowContext(context.WithoutCancel(ctx), s.db.Rebind("SELECT id FROM inbox_topics WHERE name_key = $1"), topicKey(name)).Scan(&other)
	return err == nil && other != id
}

// RenameTopic renames a topic; conversations keep it.
func (s *Service) RenameTopic(ctx context.Context, id int64, name string) (Topic, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Topic{}, err
	}
	name, err := validTopicName(name)
	if err != nil {
		return Topic{}, err
	}
	if s.topicTaken(ctx, name, id) {
		return Topic{}, apperr.Invalid().Field("name", "inbox.error.name_taken")
	}
	var out Topic
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.Topic(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "RenameTopic", id, name, topicKey(name), s.now()); err != nil {
			return err
		}
		if out, err = s.Topic(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.topic.rename", "inbox_topic", id, map[string]any{"from": before.Name, "to": name})
	})
	return out, err
}

// DeleteTopic removes a topic from the list and from every conversation.
func (s *Service) DeleteTopic(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Topic(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteTopic", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.topic.delete", "inbox_topic", id, map[string]any{"name": t.Name})
	})
}

// SetTopics replaces a conversation's topics (inbox.reply) and returns
// them with their counts.
func (s *Service) SetTopics(ctx context.Context, convID int64, topicIDs []int64) ([]TopicStat, error) {
	if err := auth.Require(ctx, auth.PermInboxReply); err != nil {
		return nil, err
	}
	ids := slices.Clone(topicIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > maxConversationTopics {
		return nil, apperr.Invalid().Field("topic_ids", "inbox.error.too_many_topics", "Max", maxConversationTopics)
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.lockedConversation(ctx, convID)
		if err != nil {
			return err
		}
		changed, err := s.setTopics(ctx, &c, ids)
		if err != nil || changed == nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.topics", "inbox_conversation", c.ID, changed)
	})
	if err != nil {
		return nil, err
	}
	return s.ConversationTopics(ctx, convID)
}

// setTopics gives c exactly the topics ids (sorted, unique) inside the
// caller's transaction, without a permission check (routing uses it too);
// it returns the change's data, nil when nothing changed.
func (s *Service) setTopics(ctx context.Context, c *Conversation, ids []int64) (map[string]any, error) {
	cur, err := s.ids(ctx, "ConversationTopicIDs", c.ID)
	if err != nil {
		return nil, err
	}
	if slices.Equal(cur, ids) {
		return nil, nil
	}
	now := s.now()
	var added, removed []string
	for _, id := range ids {
		if slices.Contains(cur, id) {
			continue
		}
		t, err := scanTopic(s.q.QueryRow(ctx, "GetTopic", id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.Invalid().Field("topic_ids", "inbox.error.topic_not_found")
		}
		if err != nil {
			return nil, err
		}
		if _, err := s.q.Exec(ctx, "AddConversationTopic", c.ID, id, c.CreatedAt, now); err != nil {
			return nil, err
		}
		added = append(added, t.Name)
	}
	for _, id := range cur {
		if slices.Contains(ids, id) {
			continue
		}
		if t, err := scanTopic(s.q.QueryRow(ctx, "GetTopic", id)); err == nil {
			removed = append(removed, t.Name)
		}
		if _, err := s.q.Exec(ctx, "RemoveConversationTopic", c.ID, id); err != nil {
			return nil, err
		}
	}
	data := map[string]any{"added": nonNil(added), "removed": nonNil(removed)}
	if _, err := s.addEvent(ctx, c.ID, EventTopics, data, ""); err != nil {
		return nil, err
	}
	return data, nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// ConversationTopics lists a conversation's topics, each with the number of
// distinct other people who raised it in other conversations within
// TopicWindow.
func (s *Service) ConversationTopics(ctx context.Context, convID int64) ([]TopicStat, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	if _, err := s.conversation(ctx, convID); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "ConversationTopicStats", convID, s.now().Add(-TopicWindow))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TopicStat{}
	for rows.Next() {
		var st TopicStat
		if st.Topic, err = scanTopic(rows, &st.OtherPeople); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// TopicConversations lists other conversations that raised a topic within
// TopicWindow, newest first (at most limit), except convID.
func (s *Service) TopicConversations(ctx context.Context, topicID, exceptConvID int64, limit int) ([]Conversation, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	ids, err := s.ids(ctx, "TopicConversationIDs", topicID, s.now().Add(-TopicWindow), exceptConvID, limit)
	if err != nil {
		return nil, err
	}
	return loadAll(ids, func(id int64) (Conversation, error) { return s.conversation(ctx, id) })
}
