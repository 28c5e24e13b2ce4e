package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

const testMetricsToken = "metrics-token-for-tests"

// getBearer GETs url with the bearer token (none when token is "").
func getBearer(url, token string) (*http.Response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return http.DefaultClient.Do(req)
}

func metricsStatus(t *testing.T, r *relay, token string) (int, string) {
	t.Helper()
	resp, err := getBearer(r.URL+"/metrics", token)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsNotPublicByDefault: without a token the main address has no
// /metrics (relayd serves them on a loopback listener instead).
func TestMetricsNotPublicByDefault(t *testing.T) {
	r := startRelay(t)
	st, body := metricsStatus(t, r, "")
	if st != http.StatusNotFound || strings.Contains(body, "lifeline_") {
		t.Fatalf("/metrics without a configured token: %d %q", st, body)
	}
	if st, _ := metricsStatus(t, r, "anything"); st != http.StatusNotFound {
		t.Fatalf("/metrics with a guessed token: %d", st)
	}
}

// TestMetricsBehindToken: with a token, /metrics needs it.
func TestMetricsBehindToken(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.MetricsToken = testMetricsToken }))
	for _, tok := range []string{"", "wrong", testMetricsToken + "x", strings.ToUpper(testMetricsToken)} {
		if st, body := metricsStatus(t, r, tok); st != http.StatusUnauthorized || strings.Contains(body, "lifeline_") {
			t.Errorf("token %q: %d %q, want 401", tok, st, body)
		}
	}
	st, body := metricsStatus(t, r, testMetricsToken)
	if st != http.StatusOK || !strings.Contains(body, "lifeline_queue_length 0") || !strings.Contains(body, "lifeline_audit_write_failures_total") {
		t.Fatalf("with the token: %d, body lacks the relay's metrics", st)
	}
}
