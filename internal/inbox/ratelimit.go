package inbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"time"
)

// Allow counts one hit on bucket in the current fixed window and reports
// whether it is within limit. The counters live in the database, so every
// instance shares them; old windows are pruned on the way.
func (s *Service) Allow(ctx context.Context, bucket string, limit int, window time.Duration) (bool, error) {
	now := s.now()
	start := now.Truncate(window)
	var hits int
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.q.QueryRowW(ctx, "HitRateLimit", bucket, start).Scan(&hits); err != nil {
			return err
		}
		// Pruning is cheap (indexed) and keeps the table to live windows.
		_, err := s.q.Exec(ctx, "PruneRateLimits", now.Add(-24*time.Hour))
		return err
	})
	return hits <= limit, err
}

// FormKey is the key signing the public contact form's timing tokens,
// derived from the instance's stored secret so every instance agrees.
func (s *Service) FormKey(ctx context.Context) ([]byte, error) {
	secret, err := s.replySecret(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("webform"))
	return m.Sum(nil), nil
}

// OrgName is the organization's name, for public pages.
func (s *Service) OrgName(ctx context.Context) string {
	st, err := s.cfg.OrgSettings(ctx)
	if err != nil {
		return ""
	}
	return st.Name
}
