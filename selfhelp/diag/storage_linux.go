package diag

import (
	"context"
	"sort"
	"strings"

	"github.com/shirou/gopsutil/v4/disk"
)

// realFS reports whether a filesystem type holds the user's files (as
// opposed to procfs, tmpfs, squashfs snaps and the like).
func realFS(typ string) bool {
	switch typ {
	case "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "zfs", "f2fs",
		"hfsplus", "apfs", "jfs", "reiserfs":
		return true
	}
	return false
}

// diskMounts lists the mounted filesystems worth reporting, from the mount
// table under the procfs root.
func diskMounts(ctx context.Context, cfg *Config) []disk.PartitionStat {
	parts, err := disk.PartitionsWithContext(cfg.hostContext(ctx), true)
	if err != nil {
		return nil
	}
	var out []disk.PartitionStat
	for _, p := range parts {
		if !realFS(p.Fstype) && p.Mountpoint != "/" {
			continue
		}
		if strings.HasPrefix(p.Mountpoint, "/snap/") || strings.HasPrefix(p.Mountpoint, "/boot/efi") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// volumes measures the free space of every mounted disk, one mount per
// device, sorted by mount point.
func volumes(ctx context.Context, cfg *Config) []Volume {
	seen := map[string]bool{}
	var out []Volume
	for _, p := range diskMounts(ctx, cfg) {
		if seen[p.Device] {
			continue
		}
		u, err := disk.UsageWithContext(ctx, p.Mountpoint)
		if err != nil || u.Total == 0 {
			continue
		}
		seen[p.Device] = true
		out = append(out, Volume{Mount: p.Mountpoint, TotalBytes: u.Total, FreeBytes: u.Free, FreePercent: 100 * float64(u.Free) / float64(u.Total)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mount < out[j].Mount })
	return out
}

func checkDisk(ctx context.Context, cfg *Config) Result {
	return diskResult(volumes(ctx, cfg), cfg)
}
