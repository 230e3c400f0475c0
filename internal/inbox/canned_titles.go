package inbox

import (
	"context"
	"slices"

	"github.com/hearken-org/hearken/internal/auth"
)

// CannedTitles are the titles of list as an agent answering conversation
// convID sees them, in list's order: each response's variant title in the
// language RenderCanned would fill its body in, else the response's own
// title. It only reads.
func (s *Service) CannedTitles(ctx context.Context, convID int64, list []CannedResponse) ([]string, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, cr := range list {
		out[i] = cr.Title
	}
	// Most responses have no title per language: then the conversation and
	// its person need not be read to choose one.
	if !slices.ContainsFunc(list, func(cr CannedResponse) bool {
		return slices.ContainsFunc(cr.Variants, func(v CannedVariant) bool { return v.Title != "" })
	}) {
		return out, nil
	}
	c, err := s.conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	_, langs, err := s.variables(ctx, &c)
	if err != nil {
		return nil, err
	}
	for i, cr := range list {
		if v := pickVariant(cr.Variants, langs...); v.Title != "" {
			out[i] = v.Title
		}
	}
	return out, nil
}
