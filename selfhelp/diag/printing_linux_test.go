package diag_test

import (
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// The lpstat outputs under testdata/lpstat were captured from a real CUPS
// scheduler (see testdata/README.md); "printing" is hand-made.
func TestPrintingChecks(t *testing.T) {
	cupsd := []string{"/usr/sbin/cupsd"}
	noServer := map[string]string{"CUPS_SERVER": ""}
	stopped := reply{out: fixture(t, "lpstat/o-stopped.txt"), err: exitStatus1}
	oneJob := strings.SplitAfter(fixture(t, "lpstat/o-three.txt"), "\n")[0]
	runCheckCases(t, []checkCase{
		{name: "no printers", check: diag.CheckPrinters, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-none.txt"), err: exitStatus1}}},
			status:  diag.Warn, detail: "No printers are set up on this computer. Add one before printing."},
		{name: "printers idle", check: diag.CheckPrinters, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-idle.txt")}}},
			status:  diag.OK, detail: "Printers: front-desk (idle, default), office-printer (idle)."},
		{name: "printer printing", check: diag.CheckPrinters, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-printing.txt")}}},
			status:  diag.OK, detail: "Printers: office-printer (printing, default)."},
		{name: "printer offline", check: diag.CheckPrinters, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-offline.txt")}}},
			status:  diag.Warn, detail: "Printers: front-desk (idle, default), office-printer (offline). A printer marked offline will not print until it is back on line."},
		{name: "scheduler stopped", check: diag.CheckPrinters, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-stopped.txt"), err: exitStatus1}}},
			status:  diag.Fail, detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."},
		{name: "no scheduler installed", check: diag.CheckPrinters, env: noServer,
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-stopped.txt"), err: exitStatus1}}},
			status:  diag.Unknown, detail: "No printing service is installed on this computer, so nothing can print yet."},
		{name: "remote scheduler stopped", check: diag.CheckPrinters, env: map[string]string{"CUPS_SERVER": "print.example.org"},
			replies: map[string][]reply{"lpstat -p -d": {{out: fixture(t, "lpstat/p-d-stopped.txt"), err: exitStatus1}}},
			status:  diag.Fail, detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."},
		{name: "no printing tools", check: diag.CheckPrinters, env: noServer,
			status: diag.Unknown, detail: "The printing tools (CUPS) are not installed on this computer, so Lifeline cannot look at printers."},
		{name: "queue empty", check: diag.CheckPrintQueue, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -o": {{out: fixture(t, "lpstat/o-empty.txt")}}},
			status:  diag.OK, detail: "No print jobs are waiting."},
		{name: "queue one", check: diag.CheckPrintQueue, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -o": {{out: oneJob}}},
			status:  diag.Warn, detail: "1 print job is waiting."},
		{name: "queue three", check: diag.CheckPrintQueue, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -o": {{out: fixture(t, "lpstat/o-three.txt")}}},
			status:  diag.Warn, detail: "3 print jobs are waiting."},
		{name: "queue scheduler stopped", check: diag.CheckPrintQueue, env: noServer, installed: cupsd,
			replies: map[string][]reply{"lpstat -o": {stopped}},
			status:  diag.Fail, detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."},
	})
}

// TestFixClearPrintQueue runs the clear-queue fix against fake CUPS tools:
// the commands it runs and what it tells the person for each outcome.
func TestFixClearPrintQueue(t *testing.T) {
	t.Setenv("CUPS_SERVER", "")
	three := reply{out: fixture(t, "lpstat/o-three.txt")}
	empty := reply{out: fixture(t, "lpstat/o-empty.txt")}
	twoLeft := reply{out: strings.Join(strings.SplitAfter(three.out, "\n")[1:], "")}
	runFixCases(t, diag.FixClearPrintQueue, []fixCase{
		{name: "cleared", replies: map[string][]reply{"lpstat -o": {three, empty}, "cancel -a": {{}}},
			calls: []string{"lpstat -o", "cancel -a", "lpstat -o"}, msg: "Cancelled 3 print job(s). The queue is empty."},
		{name: "nothing waiting", replies: map[string][]reply{"lpstat -o": {empty}},
			calls: []string{"lpstat -o"}, msg: "There were no print jobs waiting."},
		{name: "someone else's jobs", replies: map[string][]reply{"lpstat -o": {three, twoLeft}, "cancel -a": {{}}},
			calls: []string{"lpstat -o", "cancel -a", "lpstat -o"}, msg: "Cancelled 1 print job(s); 2 belong to someone else and are still waiting."},
		{name: "permission denied", replies: map[string][]reply{"lpstat -o": {three},
			"cancel -a": {{out: "cancel: cancel-job failed: Forbidden\n", err: exitStatus1}}},
			calls: []string{"lpstat -o", "cancel -a"}, err: "cancel print jobs: cancel: cancel-job failed: Forbidden: exit status 1"},
		{name: "cancel missing", replies: map[string][]reply{"lpstat -o": {three}},
			calls: []string{"lpstat -o", "cancel -a"}, err: `cancel print jobs: : exec: "cancel": executable file not found in $PATH`},
		{name: "tools missing", calls: []string{"lpstat -o"},
			err: "The printing tools (CUPS) are not installed on this computer, so Lifeline cannot look at printers."},
	})
}
