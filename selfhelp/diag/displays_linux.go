package diag

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func checkDisplays(ctx context.Context, cfg *Config) Result {
	if os.Getenv("DISPLAY") != "" {
		if out, err := cfg.run(ctx, "xrandr", "--listmonitors"); err == nil {
			return displaysResult(parseMonitors(out))
		}
	}
	// Without X, count connected connectors on the graphics card.
	matches, _ := filepath.Glob(cfg.sysPath("class/drm/card*-*/status"))
	if len(matches) == 0 {
		return result(Unknown, "Lifeline could not ask the graphics system how many screens are connected.")
	}
	n := 0
	for _, m := range matches {
		if b, _ := os.ReadFile(m); strings.TrimSpace(string(b)) == "connected" {
			n++
		}
	}
	return displaysResult(n)
}

// parseMonitors reads the count of `xrandr --listmonitors` ("Monitors: 2").
func parseMonitors(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Monitors:"); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(rest))
		}
	}
	return n
}
