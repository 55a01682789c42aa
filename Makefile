# chii — make targets. `make run` starts the demo server, `make test` runs
# lint then every test with the race detector and ends with a summary line.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PKGS ?= ./...

.PHONY: run build test test-faults lint imports bench bench-http bench-crawl

run: ## start the API in demo mode on 127.0.0.1:3000 (no external service)
	$(GO) run ./runtime/cmd/chii server

build: ## build the chii binary into bin/chii
	$(GO) build -o bin/chii ./runtime/cmd/chii

lint: imports ## gofmt, go vet and the import rules
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*' -not -path './bin/*'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files need formatting:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

imports: ## the import rules (runtime/archtest)
	$(GO) test -count=1 -run '^(TestImportRules|TestCheck)$$' ./runtime/archtest

test: lint ## lint, then every test with -race; ends with "N passed, N failed, N skipped"
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) build -o "$$tmp/testsum" ./runtime/cmd/testsum; \
	echo "go test -race -count=1 $(PKGS)"; \
	$(GO) test -race -count=1 -json $(PKGS) | "$$tmp/testsum"

test-faults: ## the fault-injection suite alone (MySQL and Redis behind proxies that refuse or freeze); make test runs it too
	$(GO) test -race -count=1 -v ./runtime/faults

bench: ## every benchmark, with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-http / bench-crawl: MariaDB (CHII_TEST_MYSQL_DSN, default root@127.0.0.1:3306) and Redis
# (CHII_TEST_REDIS_URL) must run. Empty variables take runtime/cmd/benchhttp's defaults (-h lists them);
# RELOAD=1 reloads the database even when its marker says it is up to date.
BENCH_FLAGS = $(strip -go '$(GO)' $(if $(PATHS),-paths '$(PATHS)') $(if $(SECONDS),-seconds $(SECONDS)) \
	$(if $(CONNECTIONS),-connections $(CONNECTIONS)) $(if $(ROUNDS),-rounds $(ROUNDS)) \
	$(if $(SUBJECTS),-subjects $(SUBJECTS)) $(if $(WORKERS),-workers $(WORKERS)) \
	$(if $(REQUESTS),-requests $(REQUESTS)) $(if $(DURATION),-duration $(DURATION)) $(if $(RELOAD),-reload))

bench-http: ## chii on MySQL (dev dataset, db chii_bench) + Redis: share of the HTTP ceiling per endpoint (PATHS, SECONDS, CONNECTIONS, ROUNDS)
	$(GO) run ./runtime/cmd/benchhttp $(BENCH_FLAGS)

bench-crawl: ## cold crawl of distinct ids on a 200k-subject clone (db chii_crawl): req/s, p50/p99, non-2xx, peak RSS (WORKERS, REQUESTS, DURATION, SUBJECTS)
	$(GO) run ./runtime/cmd/benchhttp -crawl $(BENCH_FLAGS)
