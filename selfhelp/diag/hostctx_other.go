//go:build !linux

package diag

import "context"

// hostContext needs no procfs or sysfs roots outside Linux: gopsutil asks
// the system itself.
func (cfg *Config) hostContext(ctx context.Context) context.Context { return ctx }
