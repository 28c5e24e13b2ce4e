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

// The guide preview shows a step with the desktop window's words: its
// progress line ("Step N of at most M", progressText in
// app/internal/ui/guide.go) and the end a guide reaches with the window's
// "That fixed it" button. The test reads both from the window's source.
func TestGuidePreviewWording(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "app", "internal", "ui", "guide.go"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := fs.ReadFile(FS(), "js/guide-preview.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`lang\.L\("Step \{\{\.N\}\} ([^"{]+) \{\{\.M\}\}"`).FindSubmatch(src)
	if m == nil {
		t.Fatal(`app/internal/ui/guide.go: no lang.L("Step {{.N}} … {{.M}}"): where is the window's progress text now?`)
	}
	if want := "`Step ${n} " + string(m[1]) + " ${total}"; !strings.Contains(string(js), want) {
		t.Errorf("guide-preview.js does not say the window's progress %q (looked for %s)", m[0], want)
	}
	for _, label := range []string{"That fixed it"} {
		if !strings.Contains(string(src), `lang.L("`+label+`")`) {
			t.Errorf("app/internal/ui/guide.go has no button %q any more", label)
		}
		if !strings.Contains(string(js), "'"+label+"'") {
			t.Errorf("guide-preview.js does not call the end %q as the window does", label)
		}
	}
}
