//go:build !windows

package atomicfile

import "os"

// SyncDir flushes dir's entries (a rename or removal) to disk.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
