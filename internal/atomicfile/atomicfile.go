// Package atomicfile writes a file so that a crash or power cut leaves
// either the whole new content or the old file, never a mix: the data goes
// to a temporary file in the same folder, is synced, renamed over the name
// and the folder is synced.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write stores data as dir/name atomically and durably. The temporary file
// is named ".tmp-*", which readers of dir should skip.
func Write(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return SyncDir(dir)
}
