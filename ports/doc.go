// Package ports declares the interfaces the domain's use cases need from the outside world.
// Adapters (mysqldb, inmem, rediscache, kafkabus, httpapi) implement or drive them; runtime wires them.
//
// ports imports only the standard library and domain packages.
package ports
