package console

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/relay/console/internal/vocabjs"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// vocab.js is what the generator makes of relay/protocol's lists: a value
// added in Go without regenerating fails here.
func TestVocabJSIsGenerated(t *testing.T) {
	want, err := vocabjs.Source()
	if err != nil {
		t.Fatal(err)
	}
	got, err := fs.ReadFile(FS(), "js/vocab.js")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("static/js/vocab.js is out of date with relay/protocol/vocab.go: run go generate ./relay/console")
	}
}

// Every end reason, audit action and consent reason has its own plain
// words where the console shows one: the live session's sentence
// (session.js endText), the history's words and the audit log's sentences
// (words.js endWords, auditWords, consentWords).
func TestEveryCodeIsWorded(t *testing.T) {
	tests := []struct {
		file, start, end string
		ref              *regexp.Regexp
		values           []string
	}{
		{"js/session.js", "function endText(", "\n}\n", regexp.MustCompile(`case EndReason\.(\w+):`), strs(protocol.EndReasons())},
		{"js/words.js", "const endWords = {", "\n};\n", regexp.MustCompile(`\[EndReason\.(\w+)\]:\s*'[^']+'`), strs(protocol.EndReasons())},
		{"js/words.js", "const auditWords = {", "\n};\n", regexp.MustCompile(`\[AuditAction\.(\w+)\]:\s*\(who\) => ` + "`" + `[^` + "`" + `]+` + "`"), strs(protocol.AuditActions())},
		{"js/words.js", "const consentWords = {", "\n};\n", regexp.MustCompile(`\[ConsentReason\.(\w+)\]:\s*'[^']+'`), strs(protocol.ConsentReasons())},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.start, func(t *testing.T) {
			body := section(t, tt.file, tt.start, tt.end)
			var got []string
			for _, m := range tt.ref.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			if len(tt.values) < 5 {
				t.Fatalf("only %d values to look for", len(tt.values))
			}
			for _, v := range tt.values {
				if k := vocabjs.Key(v); !slices.Contains(got, k) {
					t.Errorf("%s has no words for %q (%s)", tt.file, v, k)
				}
			}
		})
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Outside vocab.js no script spells an end reason, consent reason or error
// code as a string. Values that are also plain words ("user", "internal")
// are left out: the scripts use those words with other meanings.
func TestNoVocabularyLiterals(t *testing.T) {
	var values []string
	for _, v := range vocabjs.Vocabularies() {
		if v.Name == "AuditAction" {
			continue // the consent actions are also message types, which the scripts name
		}
		for _, val := range v.Values {
			if strings.ContainsAny(val, "_.") {
				values = append(values, val)
			}
		}
	}
	if len(values) < 10 {
		t.Fatalf("only %d values to look for: %v", len(values), values)
	}
	err := fs.WalkDir(FS(), "js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "js/vocab.js" {
			return err
		}
		b, err := fs.ReadFile(FS(), p)
		if err != nil {
			return err
		}
		for _, val := range values {
			for _, q := range []string{"'", `"`, "`"} {
				if i := strings.Index(string(b), q+val+q); i >= 0 {
					line := strings.Count(string(b[:i]), "\n") + 1
					t.Errorf("%s:%d spells %s%s%s: use vocab.js", p, line, q, val, q)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// section returns the text of file from start up to end.
func section(t *testing.T, file, start, end string) string {
	t.Helper()
	b, err := fs.ReadFile(FS(), file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("%s: %q not found", file, start)
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		t.Fatalf("%s: no %q after %q", file, end, start)
	}
	return s[i : i+j]
}
