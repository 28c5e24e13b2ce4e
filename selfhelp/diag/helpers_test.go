package diag_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// fakeCommands stands in for the programs the checks run. Each command line
// ("lpstat -o") has its replies in order, the last one repeating; a command
// with no replies is not installed. It records every command it was asked
// to run.
type fakeCommands struct {
	mu      sync.Mutex
	replies map[string][]reply
	calls   []string
}

// newFakeCommands answers with copies of replies, so a table can be reused.
func newFakeCommands(replies map[string][]reply) *fakeCommands {
	f := &fakeCommands{replies: map[string][]reply{}}
	for k, v := range replies {
		f.replies[k] = slices.Clone(v)
	}
	return f
}

type reply struct {
	out string
	err error
}

// exitError is how a program that ran and failed looks.
type exitError string

func (e exitError) Error() string { return string(e) }

const exitStatus1 = exitError("exit status 1")

func (f *fakeCommands) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	line := strings.Join(append([]string{name}, args...), " ")
	f.calls = append(f.calls, line)
	rs := f.replies[line]
	if len(rs) == 0 {
		return nil, &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
	r := rs[0]
	if len(rs) > 1 {
		f.replies[line] = rs[1:]
	}
	return []byte(r.out), r.err
}

func (f *fakeCommands) ran() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// checkCase is one check on one captured or hand-made machine.
type checkCase struct {
	name  string
	check string
	// dir is the folder under testdata holding the machine's proc and sys.
	dir string
	// replies are the programs' answers; installed are files created under
	// Config.Root (such as /usr/sbin/cupsd).
	replies   map[string][]reply
	installed []string
	env       map[string]string
	status    diag.Status
	detail    string
	// technical is what the technician is sent ("" when only detail).
	technical string
	// vpnExpected sets Config.VPNExpected.
	vpnExpected bool
}

// config is a diag.Config for the case's machine.
func (c checkCase) config(t *testing.T) (diag.Config, *fakeCommands) {
	t.Helper()
	for k, v := range c.env {
		t.Setenv(k, v)
	}
	root := t.TempDir()
	for _, p := range c.installed {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmds := newFakeCommands(c.replies)
	dir := filepath.Join("testdata", c.dir)
	return diag.Config{ProcRoot: filepath.Join(dir, "proc"), SysRoot: filepath.Join(dir, "sys"), Root: root, Commands: cmds, VPNExpected: c.vpnExpected}, cmds
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, _ := c.config(t)
			res := diag.New(cfg).Check(context.Background(), c.check)
			if res.Status != c.status || res.Detail != c.detail || res.Technical != c.technical {
				t.Errorf("got %s %q (technical %q)\nwant %s %q (technical %q)", res.Status, res.Detail, res.Technical, c.status, c.detail, c.technical)
			}
		})
	}
}

// fixture reads a captured program output under testdata.
func fixture(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fixCase is one run of a fix against fake programs.
type fixCase struct {
	name    string
	replies map[string][]reply
	dirs    []string // folders created under Config.Root
	calls   []string // the command lines the fix must run, in order
	msg     string
	err     string
}

func runFixCases(t *testing.T, fix string, cases []fixCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range c.dirs {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmds := newFakeCommands(c.replies)
			msg, err := diag.New(diag.Config{Root: root, Commands: cmds}).RunFix(context.Background(), fix)
			if got := cmds.ran(); !slices.Equal(got, c.calls) {
				t.Errorf("ran %q, want %q", got, c.calls)
			}
			if msg != c.msg {
				t.Errorf("message %q, want %q", msg, c.msg)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != c.err {
				t.Errorf("error %q, want %q", gotErr, c.err)
			}
		})
	}
}
