# Lifeline — common tasks. `make help` lists them.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/lifeline-desk/lifeline/app/internal/cli.Version=$(VERSION)
BIN      := bin

.PHONY: help run test setup vet build relay desktop lint-guides bench fuzz clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## start the relay (demo account) and the desktop app
	@packaging/setup-deps.sh build
	@$(MAKE) --no-print-directory build
	packaging/quickstart.sh

test: setup ## everything CI runs: vet, then all tests with the race detector
	$(GO) vet ./...
	packaging/with-display.sh $(GO) test -race -timeout 25m ./...

setup: ## install missing system packages (Debian/Ubuntu)
	@packaging/setup-deps.sh test

vet:
	$(GO) vet ./...

build: desktop relay ## build both binaries into bin/

desktop:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/lifeline ./app/cmd/lifeline

relay:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/lifeline-relay ./relay/cmd/lifeline-relay

lint-guides: ## check the built-in guides
	$(GO) run ./app/cmd/lifeline guides lint assets/guides

bench: ## run the benchmarks (numbers go into the closing notes)
	@packaging/setup-deps.sh bench
	packaging/with-display.sh $(GO) test -run '^$$' -bench . -benchtime 3s ./...

clean:
	rm -rf $(BIN) dist
