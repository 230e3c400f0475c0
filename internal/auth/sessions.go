package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/hearken-org/hearken/internal/db"
)

// SessionStore keeps scs sessions in the sessions table, so sessions survive
// restarts and are shared by every instance on PostgreSQL. It implements
// scs.Store, scs.CtxStore (scs then passes the request's context) and the
// iterable variants.
type SessionStore struct {
	// Now is the clock; tests replace it.
	Now func() time.Time
	q   *db.Queries
}

var (
	_ scs.Store            = (*SessionStore)(nil)
	_ scs.CtxStore         = (*SessionStore)(nil)
	_ scs.IterableStore    = (*SessionStore)(nil)
	_ scs.IterableCtxStore = (*SessionStore)(nil)
)

// NewSessionStore returns a session store over d. scs does not expire rows
// itself: run DeleteExpiredSessions periodically.
func NewSessionStore(d *db.DB) *SessionStore {
	return &SessionStore{Now: db.Now, q: db.MustLoadQueries(d, files, "queries")}
}

func (s *SessionStore) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// FindCtx returns the data of an unexpired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.q.QueryRow(ctx, "FindSession", token, s.now()).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// CommitCtx stores or replaces a session.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.q.Exec(ctx, "CommitSession", token, b, expiry.UTC().Truncate(time.Microsecond))
	return err
}

// DeleteCtx removes a session; a missing one is not an error.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.q.Exec(ctx, "DeleteSession", token)
	return err
}

// AllCtx returns every unexpired session's data by token.
func (s *SessionStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.q.Query(ctx, "AllSessions", s.now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var (
			token string
			b     []byte
		)
		if err := rows.Scan(&token, &b); err != nil {
			return nil, err
		}
		out[token] = b
	}
	return out, rows.Err()
}

// DeleteExpiredSessions removes expired sessions and returns how many; run it
// from a periodic job.
func (s *SessionStore) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.q.Exec(ctx, "DeleteExpiredSessions", s.now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Find, Commit, Delete and All are the context-less scs.Store methods.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

func (s *SessionStore) All() (map[string][]byte, error) { return s.AllCtx(context.Background()) }
