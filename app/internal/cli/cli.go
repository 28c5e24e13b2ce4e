// Package cli implements the lifeline binary's headless subcommands:
// search, guides, diagnose, assist and version. None of them opens a window
// or needs a display; the package never imports Fyne.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/internal/cliflag"
)

// ErrUsage marks a command-line mistake; main exits with status 2.
var ErrUsage = errors.New("usage")

// ErrProblems means the command ran but found problems (lint errors); main
// exits with status 1 without printing the error again.
var ErrProblems = errors.New("problems found")

// IO bundles a command's standard streams and the organisation's
// machine-wide configuration.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Org is what the organisation set for this computer (orgconfig.Load):
	// its help desk address is the one assist connects to, whatever
	// --relay says, and the default server diagnose checks.
	Org orgconfig.Config
}

// Command is one headless subcommand.
type Command struct {
	Name, Summary string
	Run           func(ctx context.Context, args []string, s IO) error
}

// Commands lists the headless subcommands in help order.
func Commands() []Command {
	return []Command{
		{"search", "search the guides: lifeline search [--json] [--limit N] QUERY...", cmdSearch},
		{"guides", "list or check guides: lifeline guides list | lint DIR...", cmdGuides},
		{"diagnose", "run every automatic check: lifeline diagnose [--json]", cmdDiagnose},
		{"assist", "share your screen with a technician: lifeline assist --relay URL (--code CODE | --request TEXT)", func(ctx context.Context, args []string, s IO) error {
			return cmdAssist(ctx, args, s.Org, s.Stdin, s.Stdout, s.Stderr)
		}},
		{"version", "print the version", cmdVersion},
	}
}

// Lookup finds a subcommand by name.
func Lookup(name string) (Command, bool) {
	for _, c := range Commands() {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Usage prints the list of subcommands.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: lifeline [--guides DIR]...            open the Lifeline window")
	fmt.Fprintln(w, "       lifeline COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range Commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Summary)
	}
}

func cmdVersion(_ context.Context, _ []string, s IO) error {
	fmt.Fprintf(s.Stdout, "lifeline %s\n", bootstrap.BuildVersion())
	return nil
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, s IO) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.Stderr)
	return fs
}

// parse parses args and the LIFELINE_* environment (see cliflag; rename
// may be nil) and maps -h and bad flags to ErrUsage.
func parse(fs *flag.FlagSet, args []string, rename map[string]string) error {
	if err := cliflag.Parse(fs, args, rename); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return nil
}
