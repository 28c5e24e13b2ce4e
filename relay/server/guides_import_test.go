package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/selfhelp/diag/diagnames"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// makeZip is a zip of name → content.
func makeZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// raw sends body as it is (not JSON) with the CSRF token.
func (r *relay) raw(tc *tech, method, path, contentType string, body []byte) (int, []byte, http.Header) {
	tc.t.Helper()
	req, _ := http.NewRequest(method, r.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(csrfHeader, tc.CSRF())
	resp, err := tc.HTTPClient().Do(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes(), resp.Header
}

func (r *relay) importZip(tc *tech, body []byte) (int, guideReply) {
	tc.t.Helper()
	st, b, _ := r.raw(tc, "POST", "/api/guides/import", "application/zip", body)
	var out guideReply
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			tc.t.Fatalf("import reply %q: %v", b, err)
		}
	}
	return st, out
}

// unzipTo writes the zip's files below dir.
func unzipTo(t *testing.T, body []byte, dir string) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("export is not a zip: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func TestGuideExportLintImport(t *testing.T) {
	r, _, tom, kim := guideRelay(t)
	// A pack with a new guide, an override, a hidden built-in and variables.
	wifi := wifiGuide("escalate", "Join {{wifi_name}}.")
	var one struct {
		BuiltinYAML string `json:"builtin_yaml"`
	}
	tom.do("GET", "/api/guides/printer-offline", nil, &one)
	override := strings.Replace(one.BuiltinYAML, "Printer shows offline or nothing prints", "The office printer is offline", 1)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/guides", map[string]string{"yaml": wifi}},
		{"POST", "/api/guides/office-wifi/publish", nil},
		{"PUT", "/api/guides/printer-offline/draft", map[string]string{"yaml": override}},
		{"POST", "/api/guides/printer-offline/publish", nil},
		{"POST", "/api/guides/bitlocker-recovery/hide", nil},
		{"PUT", "/api/guide-variables", map[string]any{"variables": map[string]string{"wifi_name": "CorpNet", "helpdesk_phone": "+1 555 0100"}}},
	} {
		if st, g := kim.guide(c.method, c.path, c.body); st/100 != 2 {
			t.Fatalf("%s %s: %d %+v", c.method, c.path, st, g)
		}
	}
	_, etag, before := r.syncPack("")

	// Export: any technician.
	st, body, hdr := r.raw(tom, "GET", "/api/guides/export", "", nil)
	if st != 200 || hdr.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", st, hdr.Get("Content-Type"))
	}
	dir := t.TempDir()
	names := unzipTo(t, body, dir)
	want := []string{"lifeline-guides/hidden.txt", "lifeline-guides/office-wifi.yaml", "lifeline-guides/printer-offline.yaml", "lifeline-guides/variables.yaml"}
	if slices.Sort(names); !slices.Equal(names, want) {
		t.Fatalf("export holds %v, want %v", names, want)
	}
	// `lifeline guides lint` on the exported folder: no problem.
	folder := filepath.Join(dir, "lifeline-guides")
	gs, probs, err := guide.ParseDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	k := diagnames.Known()
	k.Guides, _, _ = guide.ParseFS(assets.Guides(), ".", "builtin:")
	probs = append(probs, guide.Lint(gs, k)...)
	if len(gs) != 2 || len(probs) != 0 {
		t.Fatalf("lint of the export: %d guides, problems %v", len(gs), probs)
	}
	vb, _ := os.ReadFile(filepath.Join(folder, guide.VariablesFile))
	if vars, ps := guide.ParseVariables("variables.yaml", vb); len(ps) != 0 || vars["wifi_name"] != "CorpNet" || len(vars) != 2 {
		t.Fatalf("exported variables %v %v", vars, ps)
	}

	// Import needs the role.
	if st, g := r.importZip(tom, body); st != 403 {
		t.Fatalf("technician imports: %d %+v", st, g)
	}
	// The same pack again changes nothing.
	if st, g := r.importZip(kim, body); st != 200 || g.Imported != 0 {
		t.Fatalf("import of the export: %d %+v", st, g)
	}
	if st, etag2, _ := r.syncPack(etag); st != 304 {
		t.Fatalf("an import of the same pack changed it: %d %s, was %s", st, etag2, etag)
	}

	// A broken zip is refused whole, each problem at its file and line.
	brokenNext := wifiGuide("restart-router", "Join it.")
	brokenZip := makeZip(t, map[string]string{
		"pack/office-wifi.yaml":  brokenNext,
		"pack/vpn-intro.yaml":    strings.NewReplacer("office-wifi", "vpn-intro", "Office Wi-Fi will not connect", "Start the VPN").Replace(wifi),
		"pack/variables.yaml":    "helpdesk_phone: +1 555 0199\nprinter_name: HP\n",
		"pack/hidden.txt":        "# hidden\nno-internet\nnot-a-builtin\n",
		"pack/README.md":         "ignored",
		"__MACOSX/._x.yaml":      "\x00\x01",
		"pack/.office-wifi.yaml": "ignored too",
	})
	st, g := r.importZip(kim, brokenZip)
	if st != 422 || g.Error != "guide_problems" {
		t.Fatalf("broken import: %d %+v", st, g)
	}
	wantProbs := map[string]int{
		"pack/office-wifi.yaml": lineOf(t, brokenNext, "next: restart-router"),
		"pack/variables.yaml":   2,
		"pack/hidden.txt":       3,
	}
	for _, p := range g.Problems {
		if line, ok := wantProbs[p.File]; !ok || line != p.Line {
			t.Errorf("unexpected problem %+v", p)
		}
		delete(wantProbs, p.File)
	}
	if len(wantProbs) != 0 {
		t.Errorf("problems missing for %v (got %+v)", wantProbs, g.Problems)
	}
	if st, etag3, _ := r.syncPack(etag); st != 304 || etag3 != etag {
		t.Fatalf("a refused import changed the pack: %d %s", st, etag3)
	}
	if _, err := r.Store.GuideRecord(t.Context(), "vpn-intro"); err == nil {
		t.Fatal("a guide of a refused import was stored")
	}
	for name, bad := range map[string][]byte{"not a zip": []byte("PK no"), "empty": nil} {
		if st, g := r.importZip(kim, bad); st != 422 || len(g.Problems) == 0 || g.Problems[0].File != "import.zip" {
			t.Errorf("%s: %d %+v", name, st, g)
		}
	}

	// The export imported into a fresh relay gives desktops the same pack.
	r2, _, _, kim2 := guideRelay(t)
	st, g = r2.importZip(kim2, body)
	if st != 200 || g.Imported != 2 || len(g.Problems) != 0 {
		t.Fatalf("import into a fresh relay: %d %+v", st, g)
	}
	_, _, after := r2.syncPack("")
	if !slices.Equal(after.Hidden, before.Hidden) || len(after.Variables) != 2 || after.Variables["wifi_name"] != "CorpNet" || len(after.Guides) != len(before.Guides) {
		t.Fatalf("round trip: %+v, want %+v", after, before)
	}
	for i := range after.Guides {
		if after.Guides[i].ID != before.Guides[i].ID || after.Guides[i].YAML != before.Guides[i].YAML {
			t.Fatalf("guide %d after the round trip: %+v, want %+v", i, after.Guides[i], before.Guides[i])
		}
	}
	wantAudit(t, r2, protocol.AuditGuideImport, "kim files=4 guides=2 changed=2 variables=true hidden=1")

	// A good zip of a new guide (no variables.yaml, no hidden.txt) leaves those alone.
	st, g = r.importZip(kim, makeZip(t, map[string]string{"vpn-intro.yaml": strings.NewReplacer("office-wifi", "vpn-intro", "Office Wi-Fi will not connect", "Start the VPN").Replace(wifi)}))
	if st != 200 || g.Imported != 1 {
		t.Fatalf("import one guide: %d %+v", st, g)
	}
	_, _, p := r.syncPack("")
	if _, ok := packGuide(p, "vpn-intro"); !ok || len(p.Guides) != 3 || len(p.Hidden) != 1 || len(p.Variables) != 2 {
		t.Fatalf("after a partial import: %+v", p)
	}
}
