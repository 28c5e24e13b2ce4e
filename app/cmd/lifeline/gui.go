package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/instance"
	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/app/internal/settings"
	"github.com/lifeline-desk/lifeline/app/internal/ui"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/internal/cliflag"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// appID identifies Lifeline's preferences and its single instance.
const appID = "dev.lifeline.desktop"

// runGUI opens the desktop window. org's values are the defaults no flag
// or saved setting changes.
func runGUI(ctx context.Context, args []string, org orgconfig.Config) int {
	fs := flag.NewFlagSet("lifeline", flag.ContinueOnError)
	sep := string(os.PathListSeparator)
	dirs := cliflag.NewList(fs, "guides", sep, "extra guide folder (repeatable; env LIFELINE_GUIDES, "+sep+"-separated)")
	vars := cliflag.NewList(fs, "var", "", "organisation variable for guides, NAME=VALUE (repeatable; env LIFELINE_VAR, one); not for ones the organisation set")
	relay := fs.String("relay", "", "help desk server address (env LIFELINE_RELAY); overrides the saved setting, not the organisation's")
	if err := fs.Parse(args); err != nil {
		return 2 // the flag package said why
	}
	if err := cliflag.ApplyEnv(fs, nil); err != nil {
		fmt.Fprintf(os.Stderr, "lifeline: %v\n", err)
		return 2
	}
	if noDesktop() {
		fmt.Fprintln(os.Stderr, "Lifeline needs a desktop to open its window, and none was found (DISPLAY is not set).")
		fmt.Fprintln(os.Stderr, "Without a desktop you can still:")
		fmt.Fprintln(os.Stderr, "  lifeline search \"printer says offline\"     find a guide")
		fmt.Fprintln(os.Stderr, "  lifeline diagnose                          check this computer")
		fmt.Fprintln(os.Stderr, "  lifeline assist --relay URL --code CODE    share your screen with a technician")
		return 2
	}

	lock, err := instance.Acquire(appID)
	if errors.Is(err, instance.ErrRunning) {
		fmt.Fprintln(os.Stderr, "Lifeline is already open; it has been brought to the front.")
		return 0
	}
	if err != nil {
		slog.Warn("single-instance check failed; continuing", "err", err)
	}

	a := fyneapp.NewWithID(appID)
	st := settings.New(a.Preferences())
	st.LockRelayURL(org.RelayURL)
	if *relay != "" && !st.SetRelayURL(*relay) && *relay != org.RelayURL {
		slog.Warn("--relay is not used: your organisation has set the help desk address on this computer", "relay", org.RelayURL)
	}
	allDirs := append(st.GuideDirs(), dirs.Values...)

	gv := guide.Vars{}
	for _, kv := range vars.Values {
		k, v, _ := strings.Cut(kv, "=")
		gv[strings.TrimSpace(k)] = v
	}
	for k, v := range gv {
		if set, ok := org.Vars[k]; ok && set != v {
			slog.Warn("--var is not used: your organisation has set this one on this computer", "name", k, "value", set)
		}
	}
	gv = org.ApplyVars(gv)
	// The help desk's guide pack, saved beside the outbox, is used at once
	// (also with the relay away) and kept up to date in the background;
	// the organisation's and the flags' variables win over the pack's.
	storage := a.Storage().RootURI().Path()
	gs, first, err := guidesync.New(ctx, guidesync.Config{RelayURL: st.RelayURL(), CacheDir: bootstrap.GuidePackDir(storage),
		IndexDir: bootstrap.IndexCacheDir(), Builtin: assets.Guides(), ExtraDirs: allDirs, Known: bootstrap.Known(), Explicit: gv}, slog.Default())
	if err != nil {
		fmt.Fprintf(os.Stderr, "Lifeline could not load its guides: %v\n", err)
		return 1
	}
	defer gs.Close()
	defer first.Index.Close()
	for _, p := range first.Local {
		fmt.Fprintf(os.Stderr, "warning: %s (guide skipped)\n", p)
	}
	d := diag.New(diag.Config{HTTPSURL: client.HTTPURL(st.RelayURL()), ClockURL: client.HTTPURL(st.RelayURL())})
	deps := ui.Deps{Index: first.Index, Diag: d, Settings: st, Vars: first.Vars, Platform: guide.Current, Version: bootstrap.Version, Guides: gs}
	// Help requests wait for the relay in a folder of this computer's,
	// surviving a restart: ~/.config/fyne/<appID>/outbox on Linux,
	// %LOCALAPPDATA%\Lifeline\outbox on Windows.
	outbox := bootstrap.OutboxDir(storage)
	hd, err := helpdesk.New(helpdesk.Config{RelayURL: st.RelayURL(), AppVersion: bootstrap.Version, Store: st, OutboxDir: outbox}, slog.Default())
	if err != nil {
		slog.Warn("help desk unavailable", "err", err)
	} else {
		deps.Helpdesk, deps.Feedback = hd, hd
		defer hd.Close()
	}
	u := ui.New(a, deps)
	gs.Start(func(snap *guidesync.Snapshot) { u.UpdateGuides(snap.Index, snap.Vars) })
	if lock != nil {
		lock.OnActivate(u.Raise)
		defer lock.Release()
	}
	if probe := os.Getenv("LIFELINE_STARTUP_PROBE"); probe != "" {
		// Benchmarks measure process start → search box ready with this.
		a.Lifecycle().SetOnStarted(func() { os.WriteFile(probe, []byte("ready\n"), 0o644) })
	}
	if ctx.Err() != nil {
		return 0 // SIGINT or SIGTERM during start-up
	}
	// From here Fyne's driver quits on SIGINT and SIGTERM itself; a second
	// a.Quit from another goroutine raced it and panicked in GLFW, whose
	// windows were already gone. The deferred hd.Close then ends a live
	// session as the user's choice.
	u.ShowAndRun()
	gs.Close() // no new guides for a window that is gone
	u.Close()
	return 0
}
