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

	"github.com/lifeline-desk/lifeline/app/internal/cli"
	"github.com/lifeline-desk/lifeline/app/internal/instance"
	"github.com/lifeline-desk/lifeline/app/internal/settings"
	"github.com/lifeline-desk/lifeline/app/internal/ui"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// appID identifies Lifeline's preferences and its single instance.
const appID = "dev.lifeline.desktop"

// runGUI opens the desktop window.
func runGUI(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("lifeline", flag.ContinueOnError)
	var dirs, vars multi
	fs.Var(&dirs, "guides", "extra guide folder (repeatable; env LIFELINE_GUIDES, colon-separated)")
	fs.Var(&vars, "var", "organisation variable for guides, NAME=VALUE (repeatable)")
	relay := fs.String("relay", os.Getenv("LIFELINE_RELAY"), "help desk server address (env LIFELINE_RELAY); overrides the saved setting")
	if err := fs.Parse(args); err != nil {
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
	if *relay != "" {
		st.SetRelayURL(*relay)
	}
	if env := os.Getenv("LIFELINE_GUIDES"); env != "" {
		dirs = append(dirs, strings.Split(env, ":")...)
	}
	allDirs := append(st.GuideDirs(), dirs...)
	ix, err := cli.OpenIndex(ctx, allDirs, true, cli.IO{Stdout: os.Stdout, Stderr: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "Lifeline could not load its guides: %v\n", err)
		return 1
	}
	defer ix.Close()

	gv := guide.Vars{}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		gv[strings.TrimSpace(k)] = v
	}
	d := diag.New(diag.Config{HTTPSURL: client.HTTPURL(st.RelayURL()), ClockURL: client.HTTPURL(st.RelayURL())})
	deps := ui.Deps{Index: ix, Diag: d, Settings: st, Vars: gv, Platform: guide.Current, Version: cli.Version}
	hd, err := newHelpdesk(ctx, st)
	if err != nil {
		slog.Warn("help desk unavailable", "err", err)
	} else {
		deps.Helpdesk = hd
		defer hd.Close()
	}
	u := ui.New(a, deps)
	if lock != nil {
		lock.OnActivate(u.Raise)
		defer lock.Release()
	}
	if probe := os.Getenv("LIFELINE_STARTUP_PROBE"); probe != "" {
		// Benchmarks measure process start → search box ready with this.
		a.Lifecycle().SetOnStarted(func() { os.WriteFile(probe, []byte("ready\n"), 0o644) })
	}
	go func() {
		<-ctx.Done()
		a.Quit()
	}()
	u.ShowAndRun()
	u.Close()
	return 0
}

type multi []string

func (m *multi) String() string { return strings.Join(*m, ",") }

func (m *multi) Set(v string) error {
	*m = append(*m, v)
	return nil
}
