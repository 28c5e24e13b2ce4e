package diag

import (
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"
)

// Volume is one mounted disk's space.
type Volume struct {
	Mount       string  `json:"mount"`
	TotalBytes  uint64  `json:"total_bytes"`
	FreeBytes   uint64  `json:"free_bytes"`
	FreePercent float64 `json:"free_percent"`
}

// diskResult judges the volumes against the configured free-space
// thresholds; the fullest disk sets the status.
func diskResult(vols []Volume, cfg *Config) Result {
	if len(vols) == 0 {
		return result(Unknown, "Lifeline could not read the disks on this computer.")
	}
	status := OK
	var parts []string
	for _, v := range vols {
		s := OK
		switch {
		case v.FreePercent < cfg.DiskFailPercent:
			s = Fail
		case v.FreePercent < cfg.DiskWarnPercent:
			s = Warn
		}
		status = worse(status, s)
		parts = append(parts, fmt.Sprintf("%s %s free of %s (%.0f%%)", volumeLabel(v.Mount), sizeText(v.FreeBytes), sizeText(v.TotalBytes), v.FreePercent))
	}
	detail := strings.Join(parts, "; ") + "."
	switch status {
	case Fail:
		detail = "A disk is almost full. " + detail + " Programs may stop working until you free some space."
	case Warn:
		detail = "A disk is getting full. " + detail
	}
	return Result{Status: status, Detail: detail, Data: vols}
}

// volumeLabel names a volume in a sentence: "/home:", or "Drive C:" for
// a Windows drive letter.
func volumeLabel(mount string) string {
	if len(mount) == 2 && mount[1] == ':' {
		return "Drive " + mount
	}
	return mount + ":"
}

// worse is the more serious of two statuses.
func worse(a, b Status) Status {
	rank := func(s Status) int {
		switch s {
		case Unknown:
			return 1
		case Warn:
			return 2
		case Fail:
			return 3
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// sizeText writes a size as people read it on their own computer: binary
// units labelled GB and MB, as Windows Explorer and most file managers do
// ("23 GB", not "23 GiB" or the decimal "25 GB").
func sizeText(n uint64) string {
	return strings.Replace(humanize.IBytes(n), "iB", "B", 1)
}
