package diag

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	gopsutil "github.com/shirou/gopsutil/v4/common"
)

// procPath is a file under the configured procfs root.
func (cfg *Config) procPath(parts ...string) string {
	return filepath.Join(append([]string{cfg.ProcRoot}, parts...)...)
}

// sysPath is a file under the configured sysfs root.
func (cfg *Config) sysPath(parts ...string) string {
	return filepath.Join(append([]string{cfg.SysRoot}, parts...)...)
}

// readSys reads one sysfs attribute without its trailing newline; "" when
// it cannot be read.
func (cfg *Config) readSys(parts ...string) string {
	b, err := os.ReadFile(cfg.sysPath(parts...))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// hostContext hands the configured roots to gopsutil, which takes them from
// the context rather than from HOST_PROC and HOST_SYS.
func (cfg *Config) hostContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, gopsutil.EnvKey, gopsutil.EnvMap{
		gopsutil.HostProcEnvKey: cfg.ProcRoot,
		gopsutil.HostSysEnvKey:  cfg.SysRoot,
	})
}
