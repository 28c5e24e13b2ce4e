// Package bootstrap is what the window and the headless commands both
// start from: the build's version and the guide library with its search
// index. It never imports Fyne.
package bootstrap

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// Version is set at build time with
// -ldflags "-X github.com/lifeline-desk/lifeline/app/internal/bootstrap.Version=v1.2.3".
var Version = "dev"

// BuildVersion is Version, or the module version `go install` recorded
// when no version was set at build time.
func BuildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

// Known is what guides may refer to: the checks, fixes and variables this
// build has.
func Known() guide.Known {
	return guide.Known{Checks: diag.CheckNames(), Fixes: diag.FixNames(), Vars: guide.DefaultVars()}
}

// IndexCacheDir is where the search index is cached:
// $LIFELINE_CACHE_DIR/index, else LocalDataDir's index (Windows:
// %LOCALAPPDATA%\Lifeline\index), else the user's cache folder's
// lifeline/index (~/.cache/lifeline/index on Linux), else one under the
// temporary folder.
func IndexCacheDir() string {
	if d := os.Getenv("LIFELINE_CACHE_DIR"); d != "" {
		return filepath.Join(d, "index")
	}
	if d := LocalDataDir(); d != "" {
		return filepath.Join(d, "index")
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "lifeline", "index")
}

// OpenIndex loads the built-in guides plus extra folders and opens the
// search index, cached on disk in IndexCacheDir when cache is true. Guide
// problems are written to warn; the rest still loads.
func OpenIndex(ctx context.Context, extraDirs []string, cache bool, warn io.Writer) (*search.Index, error) {
	lib, probs, err := guide.Load(assets.Guides(), extraDirs, Known())
	if err != nil {
		return nil, err
	}
	for _, p := range probs {
		fmt.Fprintf(warn, "warning: %s (guide skipped)\n", p)
	}
	opts := search.Options{}
	if cache {
		opts.CacheDir = IndexCacheDir()
	}
	return search.Open(ctx, lib, opts)
}
