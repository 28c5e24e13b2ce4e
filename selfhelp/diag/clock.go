package diag

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// clockSkew thresholds: sign-in systems (Kerberos) refuse clocks more than
// five minutes off.
const (
	clockWarn = 2 * time.Minute
	clockFail = 5 * time.Minute
)

func checkClock(ctx context.Context, cfg *Config) Result {
	if cfg.ClockURL == "" {
		return result(Unknown, "Lifeline is not connected to the help desk server, so it cannot compare clocks.")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, cfg.ClockURL, nil)
	if err != nil {
		return result(Unknown, "The help desk address %q is not valid.", cfg.ClockURL)
	}
	sent := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result(Unknown, "The help desk server could not be reached to compare clocks.")
	}
	resp.Body.Close()
	theirs, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return result(Unknown, "The help desk server did not say what time it is.")
	}
	// The Date header has one-second resolution; compare with the middle of
	// the round trip.
	ours := sent.Add(time.Since(sent) / 2)
	skew := ours.Sub(theirs)
	abs := skew.Abs().Round(time.Second)
	dir := "fast"
	if skew < 0 {
		dir = "slow"
	}
	data := map[string]any{"skew_seconds": skew.Seconds()}
	switch {
	case abs >= clockFail:
		return Result{Status: Fail, Detail: fmt.Sprintf("This computer's clock is %s %s. Sign-in and VPN refuse clocks more than 5 minutes off: turn on automatic time.", abs, dir), Data: data}
	case abs >= clockWarn:
		return Result{Status: Warn, Detail: fmt.Sprintf("This computer's clock is %s %s. Turn on automatic time before it causes sign-in problems.", abs, dir), Data: data}
	}
	return Result{Status: OK, Detail: "The clock is correct.", Data: data}
}
