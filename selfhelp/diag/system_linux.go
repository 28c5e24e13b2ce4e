package diag

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
)

func checkMemory(ctx context.Context, cfg *Config) Result {
	vm, err := mem.VirtualMemoryWithContext(cfg.hostContext(ctx))
	if err != nil {
		return memoryResult(0, 0)
	}
	return memoryResult(vm.Total, vm.Available)
}

// checkUptime reads /proc/uptime itself: gopsutil's host.Uptime asks the
// kernel through sysinfo(2) and so cannot be pointed at another procfs root.
func checkUptime(_ context.Context, cfg *Config) Result {
	up, err := readUptime(cfg)
	if err != nil {
		return result(Unknown, "Lifeline could not read when the computer was last restarted.")
	}
	return uptimeResult(up)
}

func readUptime(cfg *Config) (time.Duration, error) {
	data, err := os.ReadFile(cfg.procPath("uptime"))
	if err != nil {
		return 0, err
	}
	fs := strings.Fields(string(data))
	if len(fs) == 0 {
		return 0, errors.New("uptime: empty file")
	}
	secs, err := strconv.ParseFloat(fs[0], 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(secs) * time.Second, nil
}
