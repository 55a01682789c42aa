// Package usecase holds the application's use cases: each reads and writes through ports
// and applies the rules of the domain packages. It is where domain types meet ports, so that
// ports can name domain types without an import cycle (domain/<entity> ← ports ← usecase).
//
// Use cases take the caller (auth.Auth) explicitly, return domain errors (domain.Errorf) for
// anything a client did wrong, and never log: adapters decide how to report.
package usecase
