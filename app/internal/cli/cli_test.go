package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/app/internal/cli"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("LIFELINE_CACHE_DIR", t.TempDir())
	cmd, ok := cli.Lookup(args[0])
	if !ok {
		t.Fatalf("no command %q", args[0])
	}
	var out, errOut bytes.Buffer
	err = cmd.Run(context.Background(), args[1:], cli.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

// TestSearchJSON checks the documented --json shape exactly:
// {"query": "...", "hits": [{"id": "...", "title": "...", "score": N}]}.
func TestSearchJSON(t *testing.T) {
	out, _, err := run(t, "search", "--json", "--limit", "3", "printer", "says", "offline")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(raw) != 2 || raw["query"] == nil || raw["hits"] == nil {
		t.Fatalf("top-level keys: %s", out)
	}
	var res struct {
		Query string
		Hits  []map[string]any
	}
	json.Unmarshal([]byte(out), &res)
	if res.Query != "printer says offline" || len(res.Hits) == 0 || len(res.Hits) > 3 {
		t.Fatalf("got %s", out)
	}
	for _, h := range res.Hits {
		if len(h) != 3 {
			t.Errorf("hit keys %v, want id, title, score", h)
		}
		if _, ok := h["score"].(float64); !ok {
			t.Errorf("score is not a number: %v", h["score"])
		}
	}
	if res.Hits[0]["id"] != "printer-offline" {
		t.Errorf("top hit %v", res.Hits[0])
	}
}

func TestSearchNoResultsIsFriendly(t *testing.T) {
	out, _, err := run(t, "search", "qqqqzzzz", "jjjwww")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Try other words") {
		t.Errorf("got %q", out)
	}
	out, _, _ = run(t, "search", "--json", "xyzzy")
	if strings.TrimSpace(out) != `{"query":"xyzzy","hits":[]}` {
		t.Errorf("empty JSON: %q", out)
	}
}

func TestSearchUsage(t *testing.T) {
	for _, args := range [][]string{{"search"}, {"search", "--limit", "0", "x"}, {"search", "--bogus", "x"}} {
		if _, _, err := run(t, args...); !errors.Is(err, cli.ErrUsage) {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestGuidesLint(t *testing.T) {
	out, _, err := run(t, "guides", "lint", "../../../selfhelp/guide/testdata/broken/unknown-next.yaml")
	if !errors.Is(err, cli.ErrProblems) {
		t.Errorf("err = %v, want ErrProblems (exit 1)", err)
	}
	want := `../../../selfhelp/guide/testdata/broken/unknown-next.yaml:15: answer "No" of step "first" goes to unknown step "nowhere"` + "\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	out, _, err = run(t, "guides", "lint", "../../../assets/guides")
	if err != nil || out != "" {
		t.Errorf("built-in library: %v\n%s", err, out)
	}
	if _, _, err := run(t, "guides", "lint", "/no/such/folder"); err == nil || errors.Is(err, cli.ErrProblems) {
		t.Errorf("missing folder: %v", err)
	}
}

func TestGuidesList(t *testing.T) {
	out, _, err := run(t, "guides", "list")
	if err != nil || !strings.Contains(out, "printer-offline") {
		t.Errorf("%v\n%s", err, out)
	}
}

func TestDiagnoseJSON(t *testing.T) {
	out, _, err := run(t, "diagnose", "--json", "--timeout", "3s")
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Checks []struct{ Name, Status, Detail string }
	}
	if err := json.Unmarshal([]byte(out), &snap); err != nil || len(snap.Checks) < 5 {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "lifeline ") {
		t.Errorf("%q %v", out, err)
	}
}
