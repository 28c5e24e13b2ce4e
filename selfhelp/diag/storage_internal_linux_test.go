package diag

import (
	"context"
	"slices"
	"testing"
)

// TestDiskMounts reads the mount table captured from this machine and a
// laptop's: only filesystems holding files are kept, without snaps and the
// EFI partition; spaces in mount points are decoded.
func TestDiskMounts(t *testing.T) {
	tests := []struct {
		dir  string
		want []string // device mount
	}{
		{"host", []string{"/dev/vda /"}},
		{"laptop-mounts", []string{"/dev/nvme0n1p2 /", "/dev/nvme0n1p3 /home", "/dev/nvme0n1p3 /srv/shared", "/dev/sdb1 /media/alex/USB Stick"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			var got []string
			for _, p := range diskMounts(context.Background(), &Config{ProcRoot: "testdata/" + tt.dir + "/proc"}) {
				got = append(got, p.Device+" "+p.Mountpoint)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDiskResult(t *testing.T) {
	const gib = 1 << 30
	vol := func(mount string, free, total uint64) Volume {
		return Volume{Mount: mount, TotalBytes: total, FreeBytes: free, FreePercent: 100 * float64(free) / float64(total)}
	}
	cfg := &Config{DiskWarnPercent: 10, DiskFailPercent: 3}
	tests := []struct {
		name   string
		vols   []Volume
		status Status
		detail string
	}{
		{"none", nil, Unknown, "Lifeline could not read the disks on this computer."},
		{"roomy", []Volume{vol("/", 200*gib, 500*gib)}, OK, "/: 200 GB free of 500 GB (40%)."},
		{"getting full", []Volume{vol("/", 40*gib, 500*gib), vol("/home", 300*gib, 1000*gib)}, Warn,
			"A disk is getting full. /: 40 GB free of 500 GB (8%); /home: 300 GB free of 1000 GB (30%)."},
		{"almost full", []Volume{vol("/", 5*gib, 500*gib), vol("/media/USB Stick", 1*gib, 4*gib)}, Fail,
			"A disk is almost full. /: 5.0 GB free of 500 GB (1%); /media/USB Stick: 1.0 GB free of 4.0 GB (25%). Programs may stop working until you free some space."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diskResult(tt.vols, cfg)
			if got.Status != tt.status || got.Detail != tt.detail {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Detail, tt.status, tt.detail)
			}
		})
	}
}

// TestDiskCheckOnThisMachine measures the real root filesystem: it is
// always mounted, so the check must find it.
func TestDiskCheckOnThisMachine(t *testing.T) {
	cfg := &Config{ProcRoot: "/proc", DiskWarnPercent: 10, DiskFailPercent: 3}
	vols := volumes(context.Background(), cfg)
	if !slices.ContainsFunc(vols, func(v Volume) bool { return v.Mount == "/" && v.TotalBytes > 0 && v.FreeBytes <= v.TotalBytes }) {
		t.Errorf("no sensible / among %+v", vols)
	}
}
