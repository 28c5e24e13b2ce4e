# Lifeline — common tasks. `make help` lists them.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/lifeline-desk/lifeline/app/internal/cli.Version=$(VERSION)
BIN      := bin
APP_VERSION ?= 0.1.0

.PHONY: help run test setup vet build relay desktop lint-guides bench clean dist dist-desktop dist-relay dist-windows dist-macos
FYNE     := $(BIN)/tools/fyne
FYNE_VERSION := v1.7.4

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## start the relay (demo account) and the desktop app
	@packaging/setup-deps.sh build
	@$(MAKE) --no-print-directory build
	packaging/quickstart.sh

test: setup ## everything CI runs: vet, all tests with the race detector, then the packages
	$(GO) vet ./...
	packaging/with-display.sh $(GO) test -race -timeout 25m ./...
	@$(MAKE) --no-print-directory dist

setup: ## install missing system packages (Debian/Ubuntu)
	@packaging/setup-deps.sh test

vet:
	$(GO) vet ./...

build: desktop relay ## build both binaries into bin/

desktop:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/lifeline ./app/cmd/lifeline

relay:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN)/lifeline-relay ./relay/cmd/lifeline-relay

dist: dist-desktop dist-relay ## build the Linux desktop archive and the static relay into dist/

dist-desktop: $(FYNE) ## dist/lifeline-linux-amd64.tar.xz: binary, .desktop file, icon (fyne package)
	@mkdir -p dist
	@# fyne package bumps the build number in FyneApp.toml; keep the file as committed.
	cp app/cmd/lifeline/FyneApp.toml dist/FyneApp.toml.orig
	cd dist && ../$(FYNE) package -os linux --src ../app/cmd/lifeline --release --app-version $(APP_VERSION); \
	  status=$$?; mv FyneApp.toml.orig ../app/cmd/lifeline/FyneApp.toml; exit $$status
	mv dist/Lifeline.tar.xz dist/lifeline-linux-$(shell $(GO) env GOARCH).tar.xz

dist-relay: ## dist/lifeline-relay-linux-amd64.tar.gz: static binary, systemd unit, example settings
	@mkdir -p dist/relay
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o dist/relay/lifeline-relay ./relay/cmd/lifeline-relay
	cp packaging/relay/lifeline-relay.service packaging/relay/relay.env.example relay/README.md dist/relay/
	tar -C dist -czf dist/lifeline-relay-linux-$(shell $(GO) env GOARCH).tar.gz relay

dist-windows: $(FYNE) ## Lifeline.exe with icon and metadata; run on Windows (cgo needs a Windows C toolchain)
	cd app/cmd/lifeline && ../../../$(FYNE) package -os windows --release --app-version $(APP_VERSION)

dist-macos: $(FYNE) ## Lifeline.app; run on macOS with Xcode command-line tools
	cd app/cmd/lifeline && ../../../$(FYNE) package -os darwin --release --app-version $(APP_VERSION)

$(FYNE):
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_VERSION)

lint-guides: ## check the built-in guides
	$(GO) run ./app/cmd/lifeline guides lint assets/guides

bench: ## run the benchmarks (numbers go into the closing notes)
	@packaging/setup-deps.sh bench
	packaging/with-display.sh $(GO) test -run '^$$' -bench . -benchtime 3s ./...

clean:
	rm -rf $(BIN) dist
