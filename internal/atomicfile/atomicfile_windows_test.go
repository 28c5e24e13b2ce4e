package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWindowsWrite: on Windows (run under Wine by TestUnderWine) a write
// replaces the file whole, leaves no temporary file, and does not fail on
// the folder (which Windows cannot flush).
func TestWindowsWrite(t *testing.T) {
	// Not t.TempDir: Wine 8 answers Go's RemoveAll with "Invalid function".
	dir, err := os.MkdirTemp("", "atomicfile-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, content := range []string{"one", "two, longer"} {
		if err := Write(dir, "state.json", []byte(content)); err != nil {
			t.Fatalf("write %q: %v", content, err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err != nil || string(b) != content {
			t.Fatalf("read back %q, %v; want %q", b, err, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
}
