package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestValidation(t *testing.T) {
	v := Invalid()
	if v.OrNil() != nil {
		t.Fatal("empty validation should be nil")
	}
	v.Field("email", "validation.email").Field("email", "validation.required").Field("name", "validation.required")
	err := fmt.Errorf("wrapped: %w", v.OrNil())
	e, ok := As(err)
	if !ok || e.Code != CodeInvalid || e.Fields["email"].Key != "validation.email" || len(e.Fields) != 2 {
		t.Fatalf("got %#v", e)
	}
	if !Is(err, CodeInvalid) || Is(err, CodeNotFound) || Is(errors.New("x"), CodeInvalid) {
		t.Fatal("Is")
	}
}
