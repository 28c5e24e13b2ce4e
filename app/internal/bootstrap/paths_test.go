package bootstrap

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestWindowsLocalDir(t *testing.T) {
	tests := []struct {
		name, localAppData, userProfile, want string
	}{
		{"LOCALAPPDATA", `C:\Users\ana\AppData\Local`, `C:\Users\ana`, `C:\Users\ana\AppData\Local\Lifeline`},
		{"trailing backslash", `C:\Users\ana\AppData\Local\`, "", `C:\Users\ana\AppData\Local\Lifeline`},
		{"redirected to another drive", `D:\Profiles\ana\Local`, `C:\Users\ana`, `D:\Profiles\ana\Local\Lifeline`},
		{"UNC profile", `\\fs01\profiles$\ana\AppData\Local`, "", `\\fs01\profiles$\ana\AppData\Local\Lifeline`},
		{"only USERPROFILE", "", `C:\Users\ana`, `C:\Users\ana\AppData\Local\Lifeline`},
		{"relative LOCALAPPDATA is ignored", `AppData\Local`, `C:\Users\ana`, `C:\Users\ana\AppData\Local\Lifeline`},
		{"neither", "", "", ""},
		{"unix-looking path", "/home/ana/.local", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := windowsLocalDir(tt.localAppData, tt.userProfile); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDataDirs: where this build keeps the outbox and the index cache.
func TestDataDirs(t *testing.T) {
	root := t.TempDir()
	cache := t.TempDir()
	t.Setenv("LIFELINE_CACHE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", root)
	t.Setenv("LOCALAPPDATA", `C:\Users\ana\AppData\Local`)
	wantOutbox, wantIndex := filepath.Join(root, "outbox"), filepath.Join(cache, "lifeline", "index")
	if runtime.GOOS == "windows" {
		wantOutbox, wantIndex = `C:\Users\ana\AppData\Local\Lifeline\outbox`, `C:\Users\ana\AppData\Local\Lifeline\index`
	}
	if got := OutboxDir(root); got != wantOutbox {
		t.Errorf("outbox %q, want %q", got, wantOutbox)
	}
	wantPack := filepath.Join(root, "guides")
	if runtime.GOOS == "windows" {
		wantPack = `C:\Users\ana\AppData\Local\Lifeline\guides`
	}
	if got := GuidePackDir(root); got != wantPack {
		t.Errorf("guide pack %q, want %q", got, wantPack)
	}
	if got := IndexCacheDir(); got != wantIndex {
		t.Errorf("index cache %q, want %q", got, wantIndex)
	}
	t.Setenv("LIFELINE_CACHE_DIR", root)
	if got := IndexCacheDir(); got != filepath.Join(root, "index") {
		t.Errorf("LIFELINE_CACHE_DIR: index cache %q", got)
	}
}
