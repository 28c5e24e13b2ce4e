package relaytest

import (
	"net/http"

	"gopkg.in/yaml.v3"
)

// PublishGuide saves yamlText as a new version of its guide (creating the
// guide when the relay has none with its id) and publishes it, the way an
// editor does in the console; it returns the published version. The
// signed-in account needs the editor role (the default administrator has
// it).
func (a *API) PublishGuide(yamlText, note string) int {
	a.t.Helper()
	var head struct {
		ID string `yaml:"id"`
	}
	if err := yaml.Unmarshal([]byte(yamlText), &head); err != nil || head.ID == "" {
		a.t.Fatalf("PublishGuide: the YAML has no id: %v", err)
	}
	var saved struct {
		Version  int `json:"version"`
		Problems []struct {
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	body := map[string]string{"yaml": yamlText, "note": note}
	st := a.Call(http.MethodPost, "/api/guides", body, &saved)
	if st == http.StatusConflict {
		st = a.Call(http.MethodPut, "/api/guides/"+head.ID+"/draft", body, &saved)
	}
	if st >= 300 || len(saved.Problems) > 0 {
		a.t.Fatalf("PublishGuide %s: status %d, problems %+v", head.ID, st, saved.Problems)
	}
	if st := a.Call(http.MethodPost, "/api/guides/"+head.ID+"/publish", map[string]int{"version": saved.Version}, nil); st != http.StatusOK {
		a.t.Fatalf("PublishGuide %s: publish: status %d", head.ID, st)
	}
	return saved.Version
}

// RevertGuide publishes (as a new version) the YAML of an earlier version
// and returns the status.
func (a *API) RevertGuide(id string, version int) int {
	a.t.Helper()
	return a.Call(http.MethodPost, "/api/guides/"+id+"/revert", map[string]any{"version": version, "note": "revert"}, nil)
}

// SetGuideVariables sets the organisation variables guides fill in.
func (a *API) SetGuideVariables(vars map[string]string) {
	a.t.Helper()
	if st := a.Call(http.MethodPut, "/api/guide-variables", map[string]any{"variables": vars}, nil); st != http.StatusOK {
		a.t.Fatalf("SetGuideVariables: status %d", st)
	}
}
