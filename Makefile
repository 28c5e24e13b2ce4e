# Lifeline — common tasks. `make help` lists them.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/lifeline-desk/lifeline/app/internal/bootstrap.Version=$(VERSION)
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

test: setup ## everything CI runs: vet, all tests with the race detector, 10 s of each fuzz target, the packages, then the Windows build under Wine
	$(GO) vet ./...
	packaging/with-display.sh $(GO) test -race -timeout 25m ./...
	FUZZTIME=10s GO=$(GO) packaging/fuzz.sh
	@$(MAKE) --no-print-directory dist
	@$(MAKE) --no-print-directory test-windows

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

# ---- windows: cross-built on Linux with mingw-w64, tested under Wine --------
# `make windows` builds dist/windows/lifeline.exe and the MSI; the C libraries
# (libvpx, libyuv) are cross-built once into WIN_PREFIX by packaging/windows/deps.sh.
.PHONY: windows windows-deps windows-exe windows-msi windows-uitest test-windows
WIN_PREFIX  ?= $(or $(LIFELINE_WIN64_PREFIX),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/lifeline/win64)
WIN_OBJ     := $(BIN)/windows
WIN_EXE     := dist/windows/lifeline.exe
WIN_MSI     := dist/lifeline-$(APP_VERSION)-windows-amd64.msi
WIN_UITEST  := dist/windows/ui.test.exe
WINRES_VERSION := v0.3.3
# assist/vpx finds libvpx with `#cgo pkg-config: vpx` and libyuv with `-lyuv`:
# pkg-config looks only in the cross prefix, the linker searches it too.
WIN_ENV     := GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
  CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
  PKG_CONFIG_LIBDIR=$(WIN_PREFIX)/lib/pkgconfig PKG_CONFIG_PATH= \
  CGO_CFLAGS="-O2 -I$(WIN_PREFIX)/include" CGO_LDFLAGS="-L$(WIN_PREFIX)/lib"
# The resource object (icon, version, manifest) goes straight to the external
# linker, so nothing generated lands in app/cmd/lifeline. -static links
# libstdc++ (libyuv), libwinpthread and libgcc in: only system DLLs remain.
WIN_LDFLAGS := $(LDFLAGS) -H windowsgui \
  -extldflags '-static $(CURDIR)/$(WIN_OBJ)/rsrc_windows_amd64.syso -lstdc++ -lpthread'

windows: windows-exe windows-msi ## dist/windows/lifeline.exe and the MSI (cross-built, no Windows needed; signed when SIGN_CERT/SIGN_KEY are set)

windows-deps: ## Windows toolchain (apt) and the cross-built libvpx/libyuv in WIN_PREFIX
	@packaging/setup-deps.sh windows
	@LIFELINE_WIN64_PREFIX=$(WIN_PREFIX) packaging/windows/deps.sh >/dev/null

windows-exe: windows-deps
	@mkdir -p $(WIN_OBJ) dist/windows
	$(GO) run github.com/tc-hib/go-winres@$(WINRES_VERSION) make --in packaging/windows/winres.json \
	  --out $(WIN_OBJ)/rsrc --arch amd64 --file-version $(APP_VERSION).0 --product-version $(VERSION)
	$(WIN_ENV) $(GO) build -trimpath -ldflags "$(WIN_LDFLAGS)" -o $(WIN_EXE) ./app/cmd/lifeline
	packaging/windows/check-imports.sh $(WIN_EXE)
	packaging/windows/sign.sh $(WIN_EXE)

windows-msi: windows-exe ## dist/lifeline-<version>-windows-amd64.msi (wixl)
	packaging/windows/msi.sh $(WIN_EXE) $(APP_VERSION) $(WIN_MSI)
	packaging/windows/sign.sh $(WIN_MSI)

windows-uitest: windows-deps ## dist/windows/ui.test.exe: the window's tests cross-built (test-windows walks every guide with it under Wine)
	@mkdir -p dist/windows
	$(WIN_ENV) $(GO) test -c -trimpath -ldflags "-extldflags '-static -lstdc++ -lpthread'" -o $(WIN_UITEST) ./app/internal/ui

test-windows: windows windows-uitest ## the Windows build under Wine: headless commands vs Linux, the window, every guide walked, a live session with the console, every mapped key, the MSI
	cd packaging/windows && $(GO) test -count=1 -timeout 30m ./...

FUZZTIME ?= 10m
.PHONY: fuzz
fuzz: ## every fuzz target (packaging/fuzz.sh) for FUZZTIME each, 10 minutes by default
	FUZZTIME=$(FUZZTIME) GO=$(GO) packaging/fuzz.sh
