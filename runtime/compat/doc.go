// Package compat checks chii's HTTP API against bangumi's recorded answers and its own contract.
//
// The package holds the pieces the server-level tests share:
//
//   - openapi.go: a validator of responses against an OpenAPI document (the server's own
//     /openapi.json), by route template and status;
//   - sqlcount.go: a database/sql connector wrapper that counts the statements a handler runs.
//
// The golden corpus itself (loading, comparison, the list of families still pending) is
// contracttests/golden. The tests (compat_test.go, openapi_test.go, sqlcount_test.go) load the
// dev dataset into a fresh MySQL database, start the API handler on it and replay the corpus in
// file order.
package compat
