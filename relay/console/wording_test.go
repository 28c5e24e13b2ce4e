package console

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The console tells the technician what the caller clicks to type in a
// code with the words on the desktop window's button, exactly. The label
// is the constant ui.CodeButtonLabel in app/internal/ui/ui.go; the test
// reads it from the source.
func TestCodeButtonWording(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "app", "internal", "ui", "ui.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const CodeButtonLabel = "([^"]+)"`).FindSubmatch(src)
	if m == nil {
		t.Fatal(`app/internal/ui/ui.go: no const CodeButtonLabel = "…": where is the code button's label now?`)
	}
	label := string(m[1])
	page, err := fs.ReadFile(FS(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	howto := regexp.MustCompile(`<p [^>]*id="code-howto"[^>]*>([^<]*)</p>`).FindSubmatch(page)
	if howto == nil {
		t.Fatal(`index.html has no <p id="code-howto">`)
	}
	if got := string(howto[1]); !strings.Contains(got, "“"+label+"”") {
		t.Errorf("the console says %q; the desktop's button says %q", got, label)
	}
	for _, stale := range []string{"I have a code"} {
		if strings.Contains(string(page), stale) {
			t.Errorf("index.html still says %q", stale)
		}
	}
}
