package inboxapi

import (
	"context"

	"github.com/hearken-org/hearken/internal/api"
)

// respond answers an operation from a service call's result: its error
// through the shared error shape, else the value converted by out. Used as
// respond(ctx, a, out)(m.svc.Call(...)).
func respond[T, O any](ctx context.Context, a *api.API, out func(T) O) func(T, error) (*body[O], error) {
	return func(v T, err error) (*body[O], error) {
		if err != nil {
			return nil, a.Fail(ctx, err)
		}
		return &body[O]{out(v)}, nil
	}
}

// noContent answers an operation without a body (204) from a service
// call's error.
func noContent(ctx context.Context, a *api.API, err error) (*struct{}, error) {
	if err != nil {
		return nil, a.Fail(ctx, err)
	}
	return nil, nil
}
