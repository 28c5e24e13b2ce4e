package diag

import (
	"context"
	"strings"
	"testing"
)

// cpuCapture is the CPU check's result over the captures
// testdata/NAME-before and NAME-after, each of n processes.
func cpuCapture(t *testing.T, name string, n int) Result {
	t.Helper()
	ctx := context.Background()
	root := func(when string) *Config { return &Config{ProcRoot: "testdata/" + name + "-" + when + "/proc"} }
	before, after := cpuTimes(root("before").hostContext(ctx)), cpuTimes(root("after").hostContext(ctx))
	if len(before) != n || len(after) != n {
		t.Fatalf("read %d and %d processes, want %d and %d", len(before), len(after), n, n)
	}
	return cpuResult(cpuShares(root("after").hostContext(ctx), before, after, cpuWindow))
}

// TestCPUSharesFromCapture measures a busy shell loop and an idle process
// from two real /proc captures taken 500 ms apart.
func TestCPUSharesFromCapture(t *testing.T) {
	got := cpuCapture(t, "cpu", 2)
	want := "sh is using most of the processor. Busiest: sh 90%."
	if got.Status != Warn || got.Detail != want {
		t.Errorf("got %s %q, want %s %q", got.Status, got.Detail, Warn, want)
	}
}

func TestCPUResult(t *testing.T) {
	tests := []struct {
		name   string
		procs  []Process
		status Status
		detail string
	}{
		{"idle", []Process{{PID: 1, Name: "systemd", CPUPercent: 0.2}}, OK, "No program is keeping the processor busy."},
		{"busy", []Process{{PID: 7, Name: "firefox", CPUPercent: 35}, {PID: 9, Name: "teams", CPUPercent: 12.4}, {PID: 3, Name: "cron", CPUPercent: 0.4}},
			OK, "Busiest programs: firefox 35%, teams 12%."},
		{"one hog", []Process{{PID: 4, Name: "antivirus", CPUPercent: 97}, {PID: 7, Name: "firefox", CPUPercent: 3}},
			Warn, "antivirus is using most of the processor. Busiest: antivirus 97%, firefox 3%."},
		{"top five", []Process{{PID: 1, Name: "a", CPUPercent: 6}, {PID: 2, Name: "b", CPUPercent: 5}, {PID: 3, Name: "c", CPUPercent: 4},
			{PID: 4, Name: "d", CPUPercent: 3}, {PID: 5, Name: "e", CPUPercent: 2}, {PID: 6, Name: "f", CPUPercent: 1}},
			OK, "Busiest programs: a 6%, b 5%, c 4%, d 3%, e 2%."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cpuResult(busiest(tt.procs))
			if got.Status != tt.status || got.Detail != tt.detail {
				t.Errorf("got %s %q, want %s %q", got.Status, got.Detail, tt.status, tt.detail)
			}
		})
	}
}

// TestCPUSharesLeaveOutLifelineAndKernel: Lifeline's own process, kernel
// threads and memfd names are never named as the busiest program, however
// busy they were (hand-made captures in the format of cpu-before/after).
func TestCPUSharesLeaveOutLifelineAndKernel(t *testing.T) {
	got := cpuCapture(t, "cpu-self", 6)
	want := "sh is using most of the processor. Busiest: sh 90%, firefox-esr 20%."
	if got.Status != Warn || got.Detail != want {
		t.Errorf("got %s %q, want %s %q", got.Status, got.Detail, Warn, want)
	}
	for _, name := range []string{"lifeline", "memfd", "kworker"} {
		if strings.Contains(got.Detail+got.Technical, name) {
			t.Errorf("%s named in %q / %q", name, got.Detail, got.Technical)
		}
	}
	if wantTech := "Share of one processor over 500ms: sh (pid 19999) 90.0%, firefox-esr (pid 20004) 20.0%."; got.Technical != wantTech {
		t.Errorf("technical %q, want %q", got.Technical, wantTech)
	}
}

func TestNotAProgram(t *testing.T) {
	for _, tt := range []struct {
		p    Process
		want bool
	}{
		{Process{PID: 42, Name: "firefox"}, false},
		{Process{PID: 7, Name: "firefox"}, true}, // our own pid
		{Process{PID: 42, Name: "lifeline-e5c7fc"}, true},
		{Process{PID: 42, Name: "memfd:sealed-91"}, true},
		{Process{PID: 42, Name: "kworker/u8:2"}, true},
		{Process{PID: 42, Name: ""}, true},
	} {
		if got := notAProgram(tt.p, 7); got != tt.want {
			t.Errorf("notAProgram(%+v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}
