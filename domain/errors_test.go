package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bangumi/chii/domain"
)

func TestErrorf_KindAndMessage(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", domain.Errorf(domain.ErrInvalid, "%q is not valid ID", "abc"))
	if !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("errors.Is(ErrInvalid) = false for %v", err)
	}
	if errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("errors.Is(ErrNotFound) = true for %v", err)
	}
	if got, want := domain.Message(err), `"abc" is not valid ID`; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	if got := domain.Message(errors.New("db down")); got != "" {
		t.Errorf("Message(plain) = %q, want empty", got)
	}
}
