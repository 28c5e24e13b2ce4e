// Command lifeline is Lifeline's desktop app: with no arguments it opens the
// window; its subcommands (search, guides, diagnose, assist, version) work
// headless.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/lifeline-desk/lifeline/app/internal/cli"
	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/app/internal/quietinit"
)

func main() {
	quietinit.Restore()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		cli.Usage(os.Stdout)
		return 0
	}
	org := loadOrg()
	if len(args) == 0 || args[0][0] == '-' {
		return runGUI(ctx, args, org)
	}
	s := cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Org: org}
	cmd, ok := cli.Lookup(args[0])
	if !ok {
		fmt.Fprintf(os.Stderr, "lifeline: unknown command %q\n\n", args[0])
		cli.Usage(os.Stderr)
		return 2
	}
	err := cmd.Run(ctx, args[1:], s)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, cli.ErrProblems):
		return 1
	case errors.Is(err, cli.ErrUsage):
		fmt.Fprintf(os.Stderr, "lifeline %s: %v\n", cmd.Name, err)
		return 2
	default:
		fmt.Fprintf(os.Stderr, "lifeline %s: %v\n", cmd.Name, err)
		return 1
	}
}

// loadOrg reads the organisation's machine-wide configuration (orgconfig:
// HKLM\SOFTWARE\Policies\Lifeline on Windows, /etc/lifeline/config.yaml
// on Linux). Mistakes in it are logged and the rest applies.
func loadOrg() orgconfig.Config {
	org, err := orgconfig.Load()
	if err != nil {
		slog.Warn("some of the organisation's settings for Lifeline could not be used; the others apply", "err", err)
	}
	return org
}
