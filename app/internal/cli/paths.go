package cli

import (
	"os"
	"path/filepath"
)

// IndexCacheDir is where the search index is cached: $XDG_CACHE_HOME
// /lifeline/index, or a temporary folder when there is no cache home.
func IndexCacheDir() string {
	if d := os.Getenv("LIFELINE_CACHE_DIR"); d != "" {
		return filepath.Join(d, "index")
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "lifeline", "index")
}

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}
