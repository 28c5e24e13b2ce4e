package ui

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// TestDiagnosticsPreviewInPlainWords: the check results the person sees
// before sending, on a captured machine (selfhelp/diag/testdata/host) with
// the help desk on plain HTTP: plain words, no bare symbols, no adapter
// names or addresses, no VPN warning when none is expected, and the HTTPS
// check named for what it checked.
func TestDiagnosticsPreviewInPlainWords(t *testing.T) {
	desk := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer desk.Close()
	u := newTestUI(t, nil)
	host := filepath.Join("..", "..", "..", "selfhelp", "diag", "testdata", "host")
	u.deps.Diag = diag.New(diag.Config{HTTPSURL: desk.URL, Timeout: 2 * time.Second,
		ProcRoot: filepath.Join(host, "proc"), SysRoot: filepath.Join(host, "sys"), Root: t.TempDir()})
	snap := make(chan struct{}, 1)
	u.help.onSnapshot = func() { snap <- struct{}{} }
	u.showHelp(nil, "")
	waitFor(t, u, snap)

	var lines []string
	for _, o := range u.help.diagDetail.Objects {
		lines = append(lines, o.(*widget.Label).Text)
	}
	text := strings.Join(lines, "\n")
	for _, bad := range []string{"?", "DNS", "gateway", "eth0", "192.0.2", "Secure web connection", "No VPN connection is active", "lifeline-", "memfd:"} {
		if strings.Contains(text, bad) {
			t.Errorf("the preview says %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{
		"✓ Fine · Connection to the help desk: The help desk answered.",
		"✓ Fine · VPN: No VPN is in use.",
		"✓ Fine · Router: The router answers.",
		"Not checked · Wi-Fi:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the preview lacks %q:\n%s", want, text)
		}
	}
	// What is sent keeps the technical detail for the technician.
	for _, r := range u.help.snapshot {
		if r.Name == diag.CheckHTTPS && !strings.Contains(r.ForTechnician(), "plain HTTP, not encrypted") {
			t.Errorf("the technician's detail of the help desk check is %q", r.ForTechnician())
		}
	}
}
