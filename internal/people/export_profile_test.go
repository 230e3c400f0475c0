package people

import "context"

// ProfileInWriteTx reads a profile the way it was read before read
// transactions: reads and the view's audit entry in one write transaction
// (Profile joins it). The benchmark compares both.
func ProfileInWriteTx(s *Service, ctx context.Context, id int64) (*Profile, error) {
	var pr *Profile
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		pr, err = s.Profile(ctx, id)
		return err
	})
	return pr, err
}

// SearchRow returns a profile's stored search text and the text its
// profile reads to now (they must agree).
func SearchRow(s *Service, ctx context.Context, id int64) (stored, fresh string, err error) {
	if err = s.q.QueryRow(ctx, "SearchBody", id).Scan(&stored); err != nil {
		return
	}
	fresh, _, err = s.searchText(ctx, id)
	return
}
