// Package contracttests holds the suites every adapter of a port must pass.
//
// A suite takes a factory that returns the adapter under test loaded with a Fixture
// (domain values only), so the in-memory and the MySQL adapters are held to the same
// behaviour: same rows found, same orders, same errors.
package contracttests
