//go:build !windows

package orgconfig

import "path/filepath"

// SystemDir is the folder of the organisation's configuration file.
const SystemDir = "/etc/lifeline"

// Load reads the organisation's configuration, /etc/lifeline/config.yaml.
// It returns what it could read even with an error; see ReadFile.
func Load() (Config, error) { return LoadDir(SystemDir) }

// LoadDir reads dir/config.yaml (tests pass their own folder).
func LoadDir(dir string) (Config, error) { return ReadFile(filepath.Join(dir, FileName)) }
