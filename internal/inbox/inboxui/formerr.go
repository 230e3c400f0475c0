package inboxui

import (
	"net/http"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/i18n"
	"github.com/hearken-org/hearken/internal/web"
)

// formErrors turns a failed form action's err into the messages to show
// with the form again: validation errors by field, a conflict's message
// under conflictKey. Anything else is answered with the error page, and ok
// is false.
func formErrors(s *web.Server, w http.ResponseWriter, r *http.Request, err error, conflictKey string) (fields map[string]string, ok bool) {
	l := i18n.FromContext(r.Context())
	if fields, ok = web.FieldErrors(l, err); ok {
		return fields, true
	}
	if e, isApp := apperr.As(err); isApp && e.Code == apperr.CodeConflict {
		return map[string]string{conflictKey: l.T(e.Key, e.Args...)}, true
	}
	s.Error(w, r, err)
	return nil, false
}
