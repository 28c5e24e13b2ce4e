package diag

import "io/fs"

// On Windows the temp folder is per user already.
func ownedBy(fs.FileInfo, int) bool { return true }
