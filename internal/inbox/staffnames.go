package inbox

import (
	"context"
	"time"
)

// staffNamesTTL is how long an instance trusts the staff names it read: a
// renamed colleague's new name shows on messages within it, on every
// instance sharing the database.
const staffNamesTTL = 30 * time.Second

// fillAuthorNames sets AuthorName on msgs from their AuthorUserID. A
// message row keeps only its author's id: joining the users table to every
// row of a conversation view was a fifth of PostgreSQL's work for the view.
// Staff are few, so each instance holds all their names (s.staff), and
// reads them again when a message names an id it does not know (a new
// colleague) or the copy is older than staffNamesTTL.
func (s *Service) fillAuthorNames(ctx context.Context, msgs []Message) error {
	now := s.now()
	names := s.staff.fresh(now, staffNamesTTL)
	if !knowsAuthors(names, msgs) {
		var err error
		if names, err = s.staff.load(now, func() (map[int64]string, error) { return s.readStaffNames(ctx) }); err != nil {
			return err
		}
	}
	for i := range msgs {
		if id := msgs[i].AuthorUserID; id != 0 {
			msgs[i].AuthorName = names[id]
		}
	}
	return nil
}

// knowsAuthors reports whether names holds every author of msgs.
func knowsAuthors(names map[int64]string, msgs []Message) bool {
	if names == nil {
		return false
	}
	for i := range msgs {
		if id := msgs[i].AuthorUserID; id != 0 {
			if _, ok := names[id]; !ok {
				return false
			}
		}
	}
	return true
}

// readStaffNames reads every staff name.
func (s *Service) readStaffNames(ctx context.Context) (map[int64]string, error) {
	names := map[int64]string{}
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
		names[id] = name
	}
	return names, rows.Err()
}
