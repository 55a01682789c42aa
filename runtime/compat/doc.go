// Package compat checks chii's HTTP API against bangumi's recorded answers and its own contract.
//
// The package holds the pieces the server-level tests share:
//
//   - golden.go: the golden corpus (requests and expected answers, shared/golden), how a case
//     becomes an HTTP request, and how a response is compared with the expected answer
//     (status, media type, Location, Cache-Control, JSON by value with ignored paths, or text
//     byte for byte);
//   - openapi.go: a validator of responses against an OpenAPI document (the server's own
//     /openapi.json), by route template and status;
//   - sqlcount.go: a database/sql connector wrapper that counts the statements a handler runs.
//
// The tests (compat_test.go, openapi_test.go, sqlcount_test.go) load the dev dataset into a
// fresh MySQL database, start the API handler on it and replay the corpus in file order.
package compat
