// Package domain holds what every domain package shares: the error kinds that the
// HTTP adapter maps to status codes, and the Error type that carries a client-safe message.
//
// Rule: domain and ports import the standard library and each other only.
package domain

import (
	"errors"
	"fmt"
)

// Error kinds. Wrap them with Errorf to add a client-safe message; test with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid input")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	// ErrUnavailable: a dependency (the database) is down or too slow; the same request may
	// succeed later. Adapters wrap their connection, timeout and lock-wait errors in it.
	ErrUnavailable = errors.New("unavailable")
)

// Error is an error of a known kind with a message that may be shown to API clients.
type Error struct {
	Kind error  // one of the Err* kinds above
	Msg  string // client-safe description
}

func (e *Error) Error() string { return e.Msg }

// Is reports whether target is the kind of e, so errors.Is(err, domain.ErrNotFound) works.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Errorf returns an error of the given kind whose message is the formatted text.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Message returns the client-safe message of err when it carries one, and "" otherwise.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// NotFoundMessage is bangumi's generic not-found description.
const NotFoundMessage = "resource can't be found in the database or has been removed"

// NotFound is the generic not-found error.
func NotFound() error { return &Error{Kind: ErrNotFound, Msg: NotFoundMessage} }
