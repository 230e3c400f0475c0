// Package apperr is the typed error every domain package returns. It carries
// message keys, not text: the HTTP layers localize them in the reader's language
// and map the code to a status, so bad input never becomes a 500.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the stable, machine-readable kind of an error (also the API's
// error.code).
type Code string

const (
	CodeNotFound     Code = "not_found"
	CodeInvalid      Code = "validation_failed"
	CodeConflict     Code = "conflict"
	CodeForbidden    Code = "forbidden"
	CodeUnauthorized Code = "unauthorized"
	CodeRateLimited  Code = "rate_limited"
	CodeTooLarge     Code = "too_large"
	CodeBadRequest   Code = "bad_request"
)

// Error is a domain error. Key is a catalog message ID; Args are its template data
// as alternating name/value pairs; Fields maps input field names to message IDs.
type Error struct {
	Code   Code
	Key    string
	Args   []any
	Fields map[string]FieldError
	Err    error // the cause, for logs; never shown to users
}

// FieldError is one field's message ID and its template data.
type FieldError struct {
	Key  string
	Args []any
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	for f, fe := range e.Fields {
		s += fmt.Sprintf(" %s=%s", f, fe.Key)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given code with a message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// NotFound says the entity does not exist (or is not visible to the caller).
func NotFound(key string) *Error { return New(CodeNotFound, key) }

// Conflict says the change clashes with stored state (duplicate, stale version).
func Conflict(key string, args ...any) *Error { return New(CodeConflict, key, args...) }

// Forbidden says the caller may not do this.
func Forbidden() *Error { return New(CodeForbidden, "error.forbidden") }

// Invalid starts a validation error; add fields with Field.
func Invalid() *Error { return New(CodeInvalid, "error.validation_failed") }

// Field records a field's problem and returns the error for chaining.
func (e *Error) Field(name, key string, args ...any) *Error {
	if e.Fields == nil {
		e.Fields = map[string]FieldError{}
	}
	if _, ok := e.Fields[name]; !ok { // the first problem found is the one to show
		e.Fields[name] = FieldError{Key: key, Args: args}
	}
	return e
}

// OrNil returns nil when no field was recorded, so validators can end with
// `return v.OrNil()`.
func (e *Error) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// As extracts an *Error from err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// HTTPStatus is the status an HTTP layer answers for the code (web and API
// agree on it). Unknown codes are server errors.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeNotFound:
		return 404
	case CodeInvalid:
		return 422
	case CodeBadRequest:
		return 400
	case CodeConflict:
		return 409
	case CodeForbidden:
		return 403
	case CodeUnauthorized:
		return 401
	case CodeRateLimited:
		return 429
	case CodeTooLarge:
		return 413
	}
	return 500
}
