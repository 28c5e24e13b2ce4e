package diag

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// memoryResult judges how much of the memory is still available.
func memoryResult(total, avail uint64) Result {
	if total == 0 {
		return result(Unknown, "Lifeline could not read how much memory this computer has.")
	}
	pct := 100 * float64(avail) / float64(total)
	data := map[string]uint64{"total_bytes": total, "available_bytes": avail}
	detail := fmt.Sprintf("%s of %s memory is free (%.0f%%).", sizeText(avail), sizeText(total), pct)
	switch {
	case pct < 5:
		return Result{Status: Fail, Detail: detail + " The computer is out of memory: close programs and browser tabs you are not using.", Data: data}
	case pct < 15:
		return Result{Status: Warn, Detail: detail + " Memory is running low: close programs you are not using.", Data: data}
	}
	return Result{Status: OK, Detail: detail, Data: data}
}

// uptimeResult says how long ago the computer was restarted; a week or
// more is worth a restart.
func uptimeResult(up time.Duration) Result {
	days := int(up.Hours() / 24)
	var since string
	switch {
	case days >= 2:
		since = fmt.Sprintf("%d days", days)
	case up >= 2*time.Hour:
		since = fmt.Sprintf("%d hours", int(up.Hours()))
	default:
		since = fmt.Sprintf("%d minutes", int(up.Minutes()))
	}
	if days >= 7 {
		return Result{Status: Warn, Detail: fmt.Sprintf("The computer has not been restarted for %s. A restart often fixes slowness and finishes updates.", since), Data: up.Seconds()}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("The computer was restarted %s ago.", since), Data: up.Seconds()}
}

// Process is a program's share of processor time.
type Process struct {
	PID        int     `json:"pid"`
	Name       string  `json:"name"`
	CPUPercent float64 `json:"cpu_percent"`
}

// cpuWindow is how long the CPU check watches the processor.
const cpuWindow = 500 * time.Millisecond

// busiest keeps the five programs using more than half a percent of the
// processor, busiest first.
func busiest(procs []Process) []Process {
	var out []Process
	for _, p := range procs {
		if p.CPUPercent > 0.5 {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CPUPercent > out[j].CPUPercent })
	return out[:min(5, len(out))]
}

// kernelThreads start the names of the kernel's own workers, which show
// in /proc like programs.
func kernelThreads() []string {
	return []string{"kworker/", "ksoftirqd/", "kswapd", "kthreadd", "kdamond", "migration/", "rcu_", "irq/", "kcompactd", "khugepaged", "jbd2/"}
}

// notAProgram reports whether p is Lifeline itself (pid self, or a
// lifeline binary such as "lifeline-e5c7fc"), a kernel thread or an
// anonymous memory file name ("memfd:sealed-91"): nothing the person could
// close, so never named as the busiest program.
func notAProgram(p Process, self int) bool {
	name := strings.ToLower(p.Name)
	if p.PID == self || name == "" || strings.HasPrefix(name, "lifeline") || strings.HasPrefix(name, "memfd:") || strings.HasPrefix(name, "[") {
		return true
	}
	for _, k := range kernelThreads() {
		if strings.HasPrefix(name, k) {
			return true
		}
	}
	return false
}

// cpuResult names the busiest programs; one using most of the processor is
// worth a warning.
func cpuResult(procs []Process) Result {
	if len(procs) == 0 {
		return Result{Status: OK, Detail: "No program is keeping the processor busy.", Data: procs}
	}
	var parts, tech []string
	for _, p := range procs {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", p.Name, p.CPUPercent))
		tech = append(tech, fmt.Sprintf("%s (pid %d) %.1f%%", p.Name, p.PID, p.CPUPercent))
	}
	technical := fmt.Sprintf("Share of one processor over %s: %s.", cpuWindow, strings.Join(tech, ", "))
	if procs[0].CPUPercent >= 80 {
		return Result{Status: Warn, Detail: fmt.Sprintf("%s is using most of the processor. Busiest: %s.", procs[0].Name, strings.Join(parts, ", ")), Technical: technical, Data: procs}
	}
	return Result{Status: OK, Detail: "Busiest programs: " + strings.Join(parts, ", ") + ".", Technical: technical, Data: procs}
}
