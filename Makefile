# chii — make targets. `make run` starts the demo server, `make test` runs
# lint then every test with the race detector and ends with a summary line.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
PKGS ?= ./...

.PHONY: run build test lint imports bench

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

bench: ## every benchmark, with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./...
