package diag

import (
	"context"
	"testing"
)

// TestCPUSharesFromCapture measures a busy shell loop and an idle process
// from two real /proc captures taken 500 ms apart.
func TestCPUSharesFromCapture(t *testing.T) {
	ctx := context.Background()
	before := cpuTimes((&Config{ProcRoot: "testdata/cpu-before/proc"}).hostContext(ctx))
	after := cpuTimes((&Config{ProcRoot: "testdata/cpu-after/proc"}).hostContext(ctx))
	if len(before) != 2 || len(after) != 2 {
		t.Fatalf("read %d and %d processes, want 2 and 2", len(before), len(after))
	}
	got := cpuResult(cpuShares((&Config{ProcRoot: "testdata/cpu-after/proc"}).hostContext(ctx), before, after, cpuWindow))
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
