package bootstrap

import (
	"path/filepath"
	"strings"
)

// OutboxDir is where help requests wait for the relay, surviving a
// restart: LocalDataDir's outbox (Windows: %LOCALAPPDATA%\Lifeline\outbox,
// which stays on this computer rather than roaming with the profile), else
// storageRoot's outbox, storageRoot being the app's Fyne storage folder
// (~/.config/fyne/<app id> on Linux).
func OutboxDir(storageRoot string) string {
	if d := LocalDataDir(); d != "" {
		return filepath.Join(d, "outbox")
	}
	return filepath.Join(storageRoot, "outbox")
}

// GuidePackDir is where the help desk's guide pack is kept between
// starts (guidesync): LocalDataDir's guides (Windows:
// %LOCALAPPDATA%\Lifeline\guides), else storageRoot's guides.
func GuidePackDir(storageRoot string) string {
	if d := LocalDataDir(); d != "" {
		return filepath.Join(d, "guides")
	}
	return filepath.Join(storageRoot, "guides")
}

// windowsLocalDir is %LOCALAPPDATA%\Lifeline given the environment's
// LOCALAPPDATA and USERPROFILE (whose AppData\Local it is when LOCALAPPDATA
// is unset); "" when neither is an absolute Windows path, so the caller
// falls back to its portable folder. Written with backslashes whatever the
// build, so it is tested on Linux.
func windowsLocalDir(localAppData, userProfile string) string {
	abs := func(p string) bool {
		return (len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')) || strings.HasPrefix(p, `\\`)
	}
	trim := func(p string) string { return strings.TrimRight(p, `\/`) }
	switch {
	case abs(localAppData):
		return trim(localAppData) + `\Lifeline`
	case abs(userProfile):
		return trim(userProfile) + `\AppData\Local\Lifeline`
	}
	return ""
}
