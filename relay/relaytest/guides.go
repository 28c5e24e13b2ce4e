package relaytest

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

var guideIDLine = regexp.MustCompile(`(?m)^id:\s*"?([a-z0-9-]+)"?\s*$`)

// PublishGuide saves yaml as the next version of its guide (a new guide,
// or a new version of an existing or built-in one) and publishes it, as a
// knowledge editor does in the console; the account must be an admin or a
// knowledge editor. Any problem fails the test. It returns the version
// published.
func (a *API) PublishGuide(t testing.TB, yaml string) int {
	t.Helper()
	m := guideIDLine.FindStringSubmatch(yaml)
	if m == nil {
		t.Fatalf("PublishGuide: no id: line in %q", yaml)
	}
	id := url.PathEscape(m[1])
	var saved struct {
		Version  int   `json:"version"`
		Problems []any `json:"problems"`
	}
	body := map[string]string{"yaml": yaml, "note": "test"}
	st := a.Call("PUT", "/api/guides/"+id+"/draft", body, &saved)
	if st == http.StatusNotFound {
		st = a.Call("POST", "/api/guides", body, &saved)
	}
	if st/100 != 2 || len(saved.Problems) != 0 {
		t.Fatalf("PublishGuide %s: save: status %d, problems %v", m[1], st, saved.Problems)
	}
	if st, b := a.Do("POST", "/api/guides/"+id+"/publish", map[string]int{"version": saved.Version}, http.Header{"X-CSRF-Token": {a.csrf}}); st != http.StatusOK {
		t.Fatalf("PublishGuide %s: publish: status %d: %s", m[1], st, b)
	}
	return saved.Version
}

// SetGuideVariables replaces the organisation's guide variables (admin or
// knowledge editor).
func (a *API) SetGuideVariables(t testing.TB, vars map[string]string) {
	t.Helper()
	if st, b := a.Do("PUT", "/api/guide-variables", map[string]any{"variables": vars}, http.Header{"X-CSRF-Token": {a.csrf}}); st != http.StatusOK {
		t.Fatalf("SetGuideVariables: status %d: %s", st, b)
	}
}
