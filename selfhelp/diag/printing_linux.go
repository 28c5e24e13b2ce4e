package diag

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// cupsError turns a CUPS command that could not reach CUPS into the check's
// answer; failed is false when CUPS answered.
func cupsError(cfg *Config, out string, err error) (r Result, failed bool) {
	if toolMissing(err) {
		return result(Unknown, "The printing tools (CUPS) are not installed on this computer, so Lifeline cannot look at printers."), true
	}
	if !strings.Contains(out, "not running") && !strings.Contains(out, "Unable to connect") {
		return Result{}, false
	}
	if !cupsInstalled(cfg) {
		return result(Unknown, "No printing service is installed on this computer, so nothing can print yet."), true
	}
	return printingStopped(), true
}

// cupsInstalled reports whether a CUPS scheduler exists here or is
// configured elsewhere (CUPS_SERVER).
func cupsInstalled(cfg *Config) bool {
	if os.Getenv("CUPS_SERVER") != "" {
		return true
	}
	for _, p := range []string{"/usr/sbin/cupsd", "/usr/local/sbin/cupsd"} {
		if _, err := os.Stat(cfg.hostPath(p)); err == nil {
			return true
		}
	}
	return false
}

func listPrinters(ctx context.Context, cfg *Config) ([]Printer, Result, bool) {
	out, err := cfg.run(ctx, "lpstat", "-p", "-d")
	if r, bad := cupsError(cfg, out, err); bad {
		return nil, r, false
	}
	return parsePrinters(out), Result{}, true
}

// parsePrinters reads `lpstat -p -d`.
func parsePrinters(out string) []Printer {
	var ps []Printer
	def := ""
	for _, line := range strings.Split(out, "\n") {
		fs := strings.Fields(line)
		switch {
		case len(fs) >= 3 && fs[0] == "printer":
			state := printerIdle
			switch {
			case strings.Contains(line, "disabled"):
				state = printerOffline
			case strings.Contains(line, "printing"):
				state = printerPrinting
			}
			ps = append(ps, Printer{Name: fs[1], State: state})
		case strings.HasPrefix(line, "system default destination:"):
			def = strings.TrimSpace(strings.TrimPrefix(line, "system default destination:"))
		}
	}
	for i := range ps {
		ps[i].Default = ps[i].Name == def
	}
	return ps
}

func checkPrinters(ctx context.Context, cfg *Config) Result {
	ps, r, ok := listPrinters(ctx, cfg)
	if !ok {
		return r
	}
	return printersResult(ps)
}

// queuedJobs lists waiting job ids (lpstat -o).
func queuedJobs(ctx context.Context, cfg *Config) ([]string, Result, bool) {
	out, err := cfg.run(ctx, "lpstat", "-o")
	if r, bad := cupsError(cfg, out, err); bad {
		return nil, r, false
	}
	return parseJobs(out), Result{}, true
}

// parseJobs reads the job ids ("office-printer-12") of `lpstat -o`.
func parseJobs(out string) []string {
	var jobs []string
	for _, line := range strings.Split(out, "\n") {
		if fs := strings.Fields(line); len(fs) > 0 && strings.Contains(fs[0], "-") {
			jobs = append(jobs, fs[0])
		}
	}
	return jobs
}

func checkPrintQueue(ctx context.Context, cfg *Config) Result {
	jobs, r, ok := queuedJobs(ctx, cfg)
	if !ok {
		return r
	}
	return printQueueResult(len(jobs))
}

func fixClearPrintQueue(ctx context.Context, cfg *Config) (string, error) {
	jobs, r, ok := queuedJobs(ctx, cfg)
	if !ok {
		return "", errors.New(r.Detail)
	}
	if len(jobs) == 0 {
		return clearedMessage(0, 0), nil
	}
	if out, err := cfg.run(ctx, "cancel", "-a"); err != nil {
		return "", fmt.Errorf("cancel print jobs: %s: %w", strings.TrimSpace(out), err)
	}
	left, _, _ := queuedJobs(ctx, cfg)
	return clearedMessage(len(jobs), len(left)), nil
}
