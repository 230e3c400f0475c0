package inbox

import (
	"context"
	"sync/atomic"
	"time"
)

// staffNamesTTL is how long an instance trusts the staff names it read: a
// renamed colleague's new name shows on messages within it, on every
// instance sharing the database. The callers that find the copy out of date
// each read it again (no lock: a caller waiting on another's read while
// holding a pooled connection could starve the reader of one); a burst of
// small reads every 30 seconds at most.
const staffNamesTTL = 30 * time.Second

// staffNames gives the names of the staff who wrote messages. A message row
// keeps only its author's id: joining the users table to every row of a
// conversation view was a fifth of PostgreSQL's work for the view. Staff are
// few, so each instance holds them all, and reads them again when a message
// names an id it does not know (a new colleague) or the copy is older than
// staffNamesTTL.
type staffNames struct {
	cur atomic.Pointer[staffSnapshot]
}

type staffSnapshot struct {
	names  map[int64]string
	loaded time.Time
}

// fillAuthorNames sets AuthorName on msgs from their AuthorUserID.
func (s *Service) fillAuthorNames(ctx context.Context, msgs []Message) error {
	snap := s.staff.cur.Load()
	if !snap.covers(msgs, s.now()) {
		var err error
		if snap, err = s.loadStaffNames(ctx); err != nil {
			return err
		}
	}
	for i := range msgs {
		if id := msgs[i].AuthorUserID; id != 0 {
			msgs[i].AuthorName = snap.names[id]
		}
	}
	return nil
}

// covers reports whether snap is fresh at now and knows every author of msgs.
func (snap *staffSnapshot) covers(msgs []Message, now time.Time) bool {
	if snap == nil || now.Sub(snap.loaded) >= staffNamesTTL || now.Before(snap.loaded) {
		return false
	}
	for i := range msgs {
		if id := msgs[i].AuthorUserID; id != 0 {
			if _, ok := snap.names[id]; !ok {
				return false
			}
		}
	}
	return true
}

// loadStaffNames reads every staff name and keeps the copy.
func (s *Service) loadStaffNames(ctx context.Context) (*staffSnapshot, error) {
	snap := &staffSnapshot{names: map[int64]string{}, loaded: s.now()}
	rows, err := s.q.Query(ctx, "StaffNames")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		snap.names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.staff.cur.Store(snap)
	return snap, nil
}
