package guidesync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lifeline-desk/lifeline/internal/atomicfile"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// cacheFile is the accepted pack's name in Config.CacheDir: the body the
// relay sent, as it sent it.
const cacheFile = "pack.json"

// readCache returns the pack last accepted, nil when there is none. A file
// that cannot be read or decoded is an error; the caller goes on without.
func readCache(dir string) (*pack.Pack, error) {
	f, err := os.Open(filepath.Join(dir, cacheFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved guide pack: %w", err)
	}
	defer f.Close()
	p, err := pack.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("read saved guide pack %s: %w", f.Name(), err)
	}
	return &p, nil
}

// writeCache keeps raw, an accepted pack's body, for the next start.
func writeCache(dir string, raw []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save guide pack: %w", err)
	}
	if err := atomicfile.Write(dir, cacheFile, raw); err != nil {
		return fmt.Errorf("save guide pack: %w", err)
	}
	return nil
}
