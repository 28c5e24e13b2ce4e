package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

func cmdDiagnose(ctx context.Context, args []string, s IO) error {
	fs := newFlags("diagnose", s)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	checkURL := fs.String("check-url", "", "web address the DNS and HTTPS checks test (env LIFELINE_CHECK_URL; usually the relay)")
	clockURL := fs.String("clock-url", "", "server whose clock the clock check compares with (env LIFELINE_RELAY); default the organisation's help desk address")
	timeout := fs.Duration("timeout", diag.DefaultTimeout, "time limit for each check")
	if err := parse(fs, args, map[string]string{"clock-url": "LIFELINE_RELAY"}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: lifeline diagnose [--json]", ErrUsage)
	}
	if *clockURL == "" {
		*clockURL = s.Org.RelayURL // the organisation's help desk, when it set one
	}
	r := diag.New(diag.Config{HTTPSURL: firstNonEmpty(*checkURL, client.HTTPURL(*clockURL)), ClockURL: client.HTTPURL(*clockURL), Timeout: *timeout})
	if !*asJSON {
		fmt.Fprintln(s.Stderr, "Checking this computer…")
	}
	results := r.Snapshot(ctx)
	if *asJSON {
		enc := json.NewEncoder(s.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Time   time.Time     `json:"time"`
			Checks []diag.Result `json:"checks"`
		}{time.Now().UTC(), results})
	}
	marks := map[diag.Status]string{diag.OK: "ok  ", diag.Warn: "WARN", diag.Fail: "FAIL", diag.Unknown: " ?  "}
	for _, res := range results {
		fmt.Fprintf(s.Stdout, "[%s] %-24s %s\n", marks[res.Status], res.Title, res.Detail)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
