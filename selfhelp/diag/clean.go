package diag

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// tempAge is how old a temporary file must be before the clean-up removes
// it, so files that running programs are using are left alone.
const tempAge = 24 * time.Hour

// fixCleanTemp empties the user's trash and removes the user's own
// temporary files older than a day.
func fixCleanTemp(ctx context.Context, cfg *Config) (string, error) {
	return cleanTemp(ctx, cfg, emptyTrashDirs, "trash")
}

// trashEmptier empties the user's trash (home is the user's home folder)
// and says how many items and bytes it removed; err is the first thing it
// could not remove.
type trashEmptier func(ctx context.Context, home string) (items int, freed int64, err error)

// emptyTrashDirs empties the freedesktop and macOS trash folders.
func emptyTrashDirs(ctx context.Context, home string) (items int, freed int64, firstErr error) {
	for _, dir := range trashDirs(home) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if ctx.Err() != nil {
				return items, freed, ctx.Err()
			}
			p := filepath.Join(dir, e.Name())
			size := dirSize(p)
			if err := os.RemoveAll(p); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			freed += size
			items++
		}
	}
	return items, freed, firstErr
}

// cleanTemp empties the trash (called trashName in the message) and
// removes the user's temporary files older than a day.
func cleanTemp(ctx context.Context, cfg *Config, emptyTrash trashEmptier, trashName string) (string, error) {
	home := cfg.Home
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("find your home folder: %w", err)
		}
	}
	tmp := cfg.TempDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	files, freed, firstErr := emptyTrash(ctx, home)
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	remove := func(path string, info fs.FileInfo) {
		if err := os.RemoveAll(path); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		freed += info.Size()
		files++
	}
	uid := os.Getuid()
	cutoff := time.Now().Add(-tempAge)
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		info, err := e.Info()
		if err != nil || !ownedBy(info, uid) || info.ModTime().After(cutoff) {
			continue
		}
		if info.IsDir() && newestIn(filepath.Join(tmp, e.Name())).After(cutoff) {
			continue
		}
		p := filepath.Join(tmp, e.Name())
		if info.IsDir() {
			info = sizedInfo{info, dirSize(p)}
		}
		remove(p, info)
	}
	if files == 0 && firstErr != nil {
		return "", fmt.Errorf("nothing could be deleted: %w", firstErr)
	}
	msg := fmt.Sprintf("Deleted %d item(s) and freed %s.", files, sizeText(uint64(freed)))
	if files == 0 {
		msg = fmt.Sprintf("The %s was already empty and there were no old temporary files.", trashName)
	}
	if firstErr != nil {
		msg += " Some files were in use or protected and were left alone."
	}
	return msg, nil
}

func trashDirs(home string) []string {
	return []string{
		filepath.Join(home, ".local/share/Trash/files"),
		filepath.Join(home, ".local/share/Trash/info"),
		filepath.Join(home, ".Trash"), // macOS
	}
}

type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (s sizedInfo) Size() int64 { return s.size }

func dirSize(p string) int64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func newestIn(p string) time.Time {
	var newest time.Time
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil {
			if info, err := d.Info(); err == nil && info.ModTime().After(newest) {
				newest = info.ModTime()
			}
		}
		return nil
	})
	return newest
}
