package inbox

import (
	"context"
	"time"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

// ids runs a query of one id column.
func (s *Service) ids(ctx context.Context, name string, args ...any) ([]int64, error) {
	return db.QueryAll(ctx, s.q, db.ScanInt64, name, args...)
}

// loadAll loads each id in turn (after the query that listed them is
// closed), keeping their order.
func loadAll[T any](ids []int64, load func(int64) (T, error)) ([]T, error) {
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		x, err := load(id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// personTagKeys lists the folded keys of a person's tags (routing and
// policy conditions match on them).
func (s *Service) personTagKeys(ctx context.Context, personID int64) ([]string, error) {
	return db.QueryAll(ctx, s.q, db.ScanString, "PersonTagKeys", personID)
}

// personRoleKeys lists the roles a person holds today, each as "role" and,
// with a subtype, also "role:subtype" (what rule conditions name).
func (s *Service) personRoleKeys(ctx context.Context, personID int64) ([]string, error) {
	roles, err := s.cfg.People.RolesOf(system(ctx), personID)
	if err != nil {
		return nil, err
	}
	today := people.DateOf(s.now())
	var out []string
	for _, r := range roles {
		if r.Active(today) {
			out = append(out, r.Role)
			if r.Subtype != "" {
				out = append(out, r.Role+":"+r.Subtype)
			}
		}
	}
	return out, nil
}

// conversationPage reads one page of a keyset-paginated conversation query,
// which returns ids and row versions (the rows come through the
// conversation cache) and asks for limit+1 rows: a row past limit means
// another page, whose cursor is the last kept row's key and ID. key gives a
// row's cursor time from the conversation and its sort key.
func (s *Service) conversationPage(ctx context.Context, limit int, key func(c *Conversation, sortAt time.Time) time.Time, query string, args ...any) (Page[Conversation], error) {
	var refs []convRef
	err := s.q.Batch(ctx, db.BatchRead{Name: query, Args: args, Read: func(r db.Rows) (err error) {
		refs, err = db.ReadAll(r, scanConvRef)
		return err
	}})
	if err != nil {
		return Page[Conversation]{}, err
	}
	more := len(refs) > limit
	items, keys, err := s.conversationsAt(ctx, refs[:min(len(refs), limit)])
	if err != nil {
		return Page[Conversation]{}, err
	}
	page := Page[Conversation]{Items: items}
	if more && len(items) > 0 {
		last := &items[len(items)-1]
		page.Next = encodeCursor(listCursor{T: key(last, keys[len(keys)-1]).UTC(), ID: last.ID})
	}
	return page, nil
}
