package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWrite: the file holds the new content, an old one is replaced, and
// no temporary file is left beside it; a missing folder is an error.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"first", "second, longer than the first"} {
		if err := Write(dir, "f.json", []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "f.json"))
		if err != nil || string(got) != content {
			t.Fatalf("file holds %q (%v), want %q", got, err, content)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only f.json", len(entries))
	}
	if err := Write(filepath.Join(dir, "missing"), "f.json", nil); err == nil {
		t.Error("Write into a missing folder succeeded")
	}
}
