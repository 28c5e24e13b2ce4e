package diag

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
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

// cpuSample is a process and the processor seconds it had used.
type cpuSample struct {
	proc    *process.Process
	seconds float64
}

// cpuTimes reads every process's user and system time under the procfs
// root.
func cpuTimes(ctx context.Context) map[int32]cpuSample {
	pids, _ := process.PidsWithContext(ctx)
	out := make(map[int32]cpuSample, len(pids))
	for _, pid := range pids {
		// Not process.NewProcess: it checks the pid against the running
		// kernel, not against the procfs root.
		p := &process.Process{Pid: pid}
		t, err := p.TimesWithContext(ctx)
		if err != nil {
			continue
		}
		out[pid] = cpuSample{proc: p, seconds: t.User + t.System}
	}
	return out
}

// cpuShares is each process's share of one processor between two samples
// taken window apart, the busiest five named. Lifeline itself and kernel
// work are left out: they are not programs the person can close.
func cpuShares(ctx context.Context, before, after map[int32]cpuSample, window time.Duration) []Process {
	var procs []Process
	for pid, a := range after {
		if b, ok := before[pid]; ok {
			procs = append(procs, Process{PID: int(pid), CPUPercent: (a.seconds - b.seconds) / window.Seconds() * 100})
		}
	}
	named := procs[:0]
	for _, p := range procs {
		if p.CPUPercent <= 0.5 {
			continue
		}
		p.Name, _ = after[int32(p.PID)].proc.NameWithContext(ctx)
		if !notAProgram(p, os.Getpid()) {
			named = append(named, p)
		}
	}
	return busiest(named)
}

func checkCPU(ctx context.Context, cfg *Config) Result {
	hctx := cfg.hostContext(ctx)
	before := cpuTimes(hctx)
	select {
	case <-time.After(cpuWindow):
	case <-ctx.Done():
		return result(Unknown, "The check was stopped.")
	}
	return cpuResult(cpuShares(hctx, before, cpuTimes(hctx), cpuWindow))
}
