package console

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The console must work under a strict Content-Security-Policy: no inline
// script, no inline style, no event-handler attributes, and no HTML built
// from strings in the scripts.
func TestNoInlineCodeOrHTMLSinks(t *testing.T) {
	fsys := FS()
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d embedded files: %v", len(files), files)
	}
	htmlBad := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<\s]`),      // inline script body
		regexp.MustCompile(`(?i)<script(?:\s(?:[^s>]|s[^r])*)?>`), // script without src
		regexp.MustCompile(`(?i)<style`),
		regexp.MustCompile(`(?i)\sstyle=`),
		regexp.MustCompile(`(?i)\son[a-z]+=`),
		regexp.MustCompile(`(?i)javascript:`),
		regexp.MustCompile(`(?i)https?://`), // no CDN or other origin
	}
	jsBad := []*regexp.Regexp{
		regexp.MustCompile(`\.innerHTML\b`), regexp.MustCompile(`\.outerHTML\b`), regexp.MustCompile(`insertAdjacentHTML`),
		regexp.MustCompile(`document\.write`), regexp.MustCompile(`\beval\(`), regexp.MustCompile(`new Function\(`),
		regexp.MustCompile(`\.style\.`), regexp.MustCompile(`setAttribute\(\s*'style'`), regexp.MustCompile(`https?://`),
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		var bad []*regexp.Regexp
		switch {
		case strings.HasSuffix(f, ".html"):
			bad = htmlBad
		case strings.HasPrefix(f, "vendor/") && strings.HasSuffix(f, ".js"):
			// A vendored library (vendor/*/README.md says which): no HTML
			// sinks or eval, which the policy would block; it may set
			// CSSOM styles (allowed) and name URLs in its comments.
			bad = jsBad[:6]
		case strings.HasSuffix(f, ".js"):
			bad = jsBad
		case strings.HasSuffix(f, ".css"):
			bad = []*regexp.Regexp{regexp.MustCompile(`@import|url\(\s*['"]?https?:`)}
		}
		for _, re := range bad {
			if loc := re.FindStringIndex(s); loc != nil {
				line := strings.Count(s[:loc[0]], "\n") + 1
				t.Errorf("%s:%d: %q matches %s", f, line, s[loc[0]:loc[1]], re)
			}
		}
	}
}

// Every module and stylesheet the page loads is embedded.
func TestReferencedFilesExist(t *testing.T) {
	fsys := FS()
	idx, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllStringSubmatch(string(idx), -1)
	imports := regexp.MustCompile(`from '\./([a-z]+\.js)'`)
	vendored := regexp.MustCompile(`from '\.\./(vendor/[A-Za-z0-9_./-]+\.js)'`)
	seen := map[string]bool{}
	var check func(p string)
	check = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			t.Errorf("referenced file %s: %v", p, err)
			return
		}
		if strings.HasSuffix(p, ".js") {
			for _, m := range imports.FindAllStringSubmatch(string(b), -1) {
				check("js/" + m[1])
			}
			for _, m := range vendored.FindAllStringSubmatch(string(b), -1) {
				check(m[1])
			}
		}
	}
	for _, r := range refs {
		if strings.HasPrefix(r[1], "/api/") {
			continue
		}
		check(strings.TrimPrefix(r[1], "/"))
	}
	for _, want := range []string{"js/main.js", "console.css", "js/session.js", "js/inputproto.js", "js/insights.js", "vendor/uplot/uPlot.esm.js", "vendor/uplot/uPlot.min.css"} {
		if !seen[want] {
			t.Errorf("%s is not reachable from index.html", want)
		}
	}
}
