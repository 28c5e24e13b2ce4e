package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// TestAdminUsers: an admin adds a technician, disables and re-enables
// them, sets a password and makes them admin; the relay enforces each.
func TestAdminUsers(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	tb.Click(`.tab[data-view="admin"]`)
	tb.Wait("the user list", `document.querySelectorAll('#users-table tbody tr').length === 2`, 10*time.Second)

	tb.TypeInto("#u-name", "sam")
	tb.TypeInto("#u-display", "Sam <from IT>")
	tb.TypeInto("#u-pass", "sam-first-password")
	tb.Click("#user-form button[type=submit]")
	tb.Wait("the new user", `document.querySelector('#users-table tr[data-user="sam"]')`, 10*time.Second)
	if got := tb.Text(`#users-table tr[data-user="sam"]`); !strings.Contains(got, "Sam <from IT>") || !strings.Contains(got, "technician") || !strings.Contains(got, "active") {
		t.Errorf("new user row = %q", got)
	}
	r.SignIn(t, "sam", "sam-first-password") // can sign in

	// Duplicate user name: a clear message.
	tb.TypeInto("#u-name", "sam")
	tb.TypeInto("#u-pass", "another-password")
	tb.Click("#user-form button[type=submit]")
	tb.Wait("the duplicate message", `document.querySelector('#users-msg').textContent.includes('is taken')`, 10*time.Second)

	consoletest.Eval[bool](tb, `(window.confirm = () => true, true)`)
	row := `#users-table tr[data-user="sam"]`
	clickButton(tb, row, "Disable")
	tb.Wait("disabled", fmt.Sprintf(`document.querySelector('%s')?.textContent.includes('disabled')`, row), 10*time.Second)
	if st := loginStatus(r, "sam", "sam-first-password"); st != http.StatusUnauthorized {
		t.Errorf("disabled user login = %d, want 401", st)
	}
	clickButton(tb, row, "Enable")
	tb.Wait("enabled", fmt.Sprintf(`document.querySelector('%s')?.textContent.includes('active')`, row), 10*time.Second)

	tb.TypeInto(row+` input[type=password]`, "sam-second-password\r")
	tb.Wait("password set", `document.querySelector('#users-msg').textContent.includes('Set password: done for sam')`, 10*time.Second)
	if st := loginStatus(r, "sam", "sam-second-password"); st != http.StatusOK {
		t.Errorf("login with the new password = %d", st)
	}
	clickButton(tb, row, "Make admin")
	tb.Wait("admin", fmt.Sprintf(`document.querySelector('%s')?.textContent.includes('administrator')`, row), 10*time.Second)
	// An admin cannot disable or demote themself from the console.
	if got := tb.Text(`#users-table tr[data-user="alex"] .actions`); strings.Contains(got, "Disable") || strings.Contains(got, "Make technician") {
		t.Errorf("own row offers %q", got)
	}
	tb.Screenshot(screenshots, "admin")
}

// TestAuditView: the audit log lists events oldest first, filters by
// action, and its export links carry the filters. Technicians cannot see it.
func TestAuditView(t *testing.T) {
	r := startRelay(t, nil)
	loginStatus(r, adminUser, "wrong-password-1")
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	tb.Click(`.tab[data-view="admin"]`)
	tb.Wait("audit rows", `document.querySelectorAll('#audit-table tbody tr').length >= 2`, 10*time.Second)
	// On screen in words and display names; the codes stay on the row.
	rows := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('#audit-table tbody tr')].map(tr => tr.cells[2].textContent + ' | ' + tr.cells[1].textContent)`)
	if len(rows) < 2 || rows[0] != "Failed sign-in as alex | Sign-in attempt" || rows[1] != "Alex from IT signed in | Alex from IT" {
		t.Errorf("audit rows = %q", rows)
	}
	codes := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('#audit-table tbody tr')].map(tr => tr.dataset.action + ' ' + tr.dataset.actor)`)
	if len(codes) < 2 || codes[0] != "login.failed login-attempt" || codes[1] != "login tech:alex" {
		t.Errorf("audit row codes = %q", codes)
	}
	tb.TypeInto("#a-action", "login\r")
	tb.Wait("the filtered list", `document.querySelectorAll('#audit-table tbody tr').length === 1`, 10*time.Second)
	if href := consoletest.Eval[string](tb, `document.querySelector('#a-csv').href`); !strings.Contains(href, "/api/audit/export?format=csv") || !strings.Contains(href, "action=login") {
		t.Errorf("audit CSV link = %q", href)
	}
	csvText := consoletest.Eval[string](tb, `fetch(document.querySelector('#a-csv').href).then(r => r.text())`)
	if !strings.HasPrefix(csvText, "id,at,actor,action") || !strings.Contains(csvText, "tech:alex,login") || strings.Contains(csvText, "login.failed") {
		t.Errorf("audit CSV = %q", csvText)
	}
	jsonText := consoletest.Eval[string](tb, `fetch(document.querySelector('#a-json').href).then(r => r.text())`)
	if !strings.Contains(jsonText, `"actor":"tech:alex"`) || !strings.Contains(jsonText, `"action":"login"`) || strings.Contains(jsonText, "signed in") {
		t.Errorf("audit JSON = %s", jsonText)
	}

	bea := consoletest.OpenTab(t, 60*time.Second)
	bea.SignIn(r.URL, techUser, techPass)
	if bea.Visible("#tab-admin") {
		t.Error("a technician sees the Admin tab")
	}
	if st := consoletest.Eval[int](bea, `fetch('/api/audit').then(r => r.status)`); st != http.StatusForbidden {
		t.Errorf("technician GET /api/audit = %d", st)
	}
}

func clickButton(tb *consoletest.Tab, scope, label string) {
	tb.T.Helper()
	ok := consoletest.Eval[bool](tb, fmt.Sprintf(`(() => { const b = [...document.querySelectorAll(%q)].find(b => b.textContent === %q); if (!b) return false; b.click(); return true })()`, scope+" button", label))
	if !ok {
		tb.T.Fatalf("no %q button in %s:\n%s", label, scope, tb.PageText())
	}
}

// loginStatus is the HTTP status of a sign-in attempt.
func loginStatus(r *relay, user, pass string) int {
	r.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pass})
	resp, err := http.Post(r.URL+"/api/login", "application/json", bytes.NewReader(b))
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
