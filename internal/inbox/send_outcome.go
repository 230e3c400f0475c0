package inbox

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// checkClaimable is the first step of an outbox send (e-mail and social
// replies), inside the claiming transaction: it locks msgID's outbox row and
// reports whether it is still queued. A row held by another worker gives
// errClaimed with *until set to when that claim lapses.
func (s *Service) checkClaimable(ctx context.Context, msgID int64, until *time.Time) (bool, error) {
	var status string
	err := s.q.QueryRow(ctx, "LockOutbox", msgID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // deleted with its conversation
	}
	if err != nil || status != OutboxQueued {
		return false, err
	}
	var (
		attempts int
		lastErr  string
		claimed  sql.NullTime
	)
	if err := s.q.QueryRow(ctx, "GetOutbox", msgID).Scan(&status, &attempts, &lastErr, &claimed); err != nil {
		return false, err
	}
	if claimed.Valid && claimed.Time.After(s.now()) {
		*until = claimed.Time
		return false, errClaimed
	}
	return true, nil
}

// recordSendOutcome is the last step of an outbox send, in its own
// transaction and only if the message is still queued: sent, failed for
// good (permanent, or the last attempt) or due for a retry after
// SendBackoff. convID 0 takes the message's conversation. It reports
// whether the job should return sendErr so that River retries it.
func (s *Service) recordSendOutcome(ctx context.Context, msgID, convID int64, attempt int, sendErr error, permanent bool, what string) (retry bool, err error) {
	err = s.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		var status string
		if err := s.q.QueryRow(ctx, "LockOutbox", msgID).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			return err
		}
		if status != OutboxQueued {
			return nil
		}
		now := s.now()
		if convID == 0 {
			m, err := s.message(ctx, msgID)
			if err != nil {
				return err
			}
			convID = m.ConversationID
		}
		switch {
		case sendErr == nil:
			if _, err := s.q.Exec(ctx, "OutboxSent", msgID, now); err != nil {
				return err
			}
			if _, err := s.q.Exec(ctx, "MessageSent", msgID, now); err != nil {
				return err
			}
			_, err := s.addEvent(ctx, convID, EventSent, map[string]any{"message_id": msgID}, "")
			return err
		case permanent || attempt >= s.cfg.SendMaxAttempts:
			if _, err := s.q.Exec(ctx, "OutboxFailed", msgID, sendErr.Error(), now); err != nil {
				return err
			}
			s.log.Warn(what+" failed", "message", msgID, "attempts", attempt, "err", sendErr)
			_, err := s.addEvent(ctx, convID, EventSendFailed,
				map[string]any{"message_id": msgID, "error": sendErr.Error(), "permanent": permanent}, "")
			return err
		default:
			retry = true
			_, err := s.q.Exec(ctx, "OutboxRetry", msgID, sendErr.Error(), now.Add(s.cfg.SendBackoff(attempt)), now)
			return err
		}
	})
	return retry && err == nil, err
}
