package diag

import (
	"context"
	"os"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// The CPU check is the same on every platform gopsutil covers: on Linux it
// reads procfs under Config.ProcRoot, on Windows it asks the kernel
// (EnumProcesses, GetProcessTimes).

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
