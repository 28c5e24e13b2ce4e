package diag_test

import (
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

func TestSystemChecks(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "memory plenty", check: diag.CheckMemory, dir: "host", status: diag.OK,
			detail: "23 GB of 24 GB memory is free (97%)."},
		{name: "memory low", check: diag.CheckMemory, dir: "mem-low", status: diag.Warn,
			detail: "2.4 GB of 24 GB memory is free (10%). Memory is running low: close programs you are not using."},
		{name: "memory out", check: diag.CheckMemory, dir: "mem-out", status: diag.Fail,
			detail: "723 MB of 24 GB memory is free (3%). The computer is out of memory: close programs and browser tabs you are not using."},
		{name: "memory unreadable", check: diag.CheckMemory, dir: "no-such-machine", status: diag.Unknown,
			detail: "Lifeline could not read how much memory this computer has."},
		{name: "uptime minutes", check: diag.CheckUptime, dir: "host", status: diag.OK,
			detail: "The computer was restarted 17 minutes ago."},
		{name: "uptime hours", check: diag.CheckUptime, dir: "uptime-hours", status: diag.OK,
			detail: "The computer was restarted 5 hours ago."},
		{name: "uptime days", check: diag.CheckUptime, dir: "uptime-days", status: diag.OK,
			detail: "The computer was restarted 3 days ago."},
		{name: "uptime weeks", check: diag.CheckUptime, dir: "uptime-weeks", status: diag.Warn,
			detail: "The computer has not been restarted for 9 days. A restart often fixes slowness and finishes updates."},
		{name: "uptime garbled", check: diag.CheckUptime, dir: "uptime-garbled", status: diag.Unknown,
			detail: "Lifeline could not read when the computer was last restarted."},
		{name: "uptime unreadable", check: diag.CheckUptime, dir: "no-such-machine", status: diag.Unknown,
			detail: "Lifeline could not read when the computer was last restarted."},
		{name: "cpu no processes", check: diag.CheckCPU, dir: "host", status: diag.OK,
			detail: "No program is keeping the processor busy."},
	})
}
