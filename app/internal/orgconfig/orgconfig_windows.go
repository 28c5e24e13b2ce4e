package orgconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// PolicyKey is the registry key under HKEY_LOCAL_MACHINE that holds the
// organisation's values, one REG_SZ per name.
const PolicyKey = `SOFTWARE\Policies\Lifeline`

// Load reads the organisation's configuration: %ProgramData%\Lifeline\config.yaml
// if present, then the values under HKLM\SOFTWARE\Policies\Lifeline over it.
// It returns what it could read even with an error.
func Load() (Config, error) {
	var errs []error
	cfg, err := ReadFile(filepath.Join(programData(), "Lifeline", FileName))
	errs = append(errs, err)
	reg, err := ReadRegistry(registry.LOCAL_MACHINE, PolicyKey)
	errs = append(errs, err)
	cfg.merge(reg)
	return cfg, errors.Join(errs...)
}

// LoadDir reads dir\config.yaml only (tests pass their own folder).
func LoadDir(dir string) (Config, error) { return ReadFile(filepath.Join(dir, FileName)) }

// ReadRegistry reads the values under root\path, always in the 64-bit view
// (where the x64 MSI writes them). A missing key sets nothing. A value of a
// known name that is not text, or an unknown name, is reported; the rest
// applies.
func ReadRegistry(root registry.Key, path string) (Config, error) {
	where := rootName(root) + `\` + path
	k, err := registry.OpenKey(root, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("read the organisation's configuration %s: %w", where, err)
	}
	defer k.Close()
	names, err := k.ReadValueNames(0)
	if err != nil {
		return Config{}, fmt.Errorf("read the organisation's configuration %s: %w", where, err)
	}
	cfg := Config{Sources: []string{where}}
	var errs []error
	for _, name := range names {
		if name == "" {
			continue // the key's default value: not one of ours, and the MSI writes none
		}
		at := where + `\` + name
		v, typ, err := k.GetStringValue(name)
		if errors.Is(err, registry.ErrUnexpectedType) {
			errs = append(errs, fmt.Errorf("%s: the value should be text (REG_SZ), not %s", at, typeName(typ)))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", at, err))
			continue
		}
		if typ == registry.EXPAND_SZ {
			if x, err := registry.ExpandString(v); err == nil {
				v = x
			}
		}
		// Registry names are case-insensitive, as Windows treats them.
		if err := cfg.set(strings.ToLower(name), v, at); err != nil {
			errs = append(errs, err)
		}
	}
	return cfg, errors.Join(errs...)
}

func programData() string {
	if d := os.Getenv("ProgramData"); d != "" {
		return d
	}
	if d, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0); err == nil {
		return d
	}
	return `C:\ProgramData`
}

func rootName(k registry.Key) string {
	switch k {
	case registry.LOCAL_MACHINE:
		return "HKLM"
	case registry.CURRENT_USER:
		return "HKCU"
	}
	return fmt.Sprintf("HKEY(%#x)", uintptr(k))
}

func typeName(t uint32) string {
	switch t {
	case registry.DWORD:
		return "a number (REG_DWORD)"
	case registry.QWORD:
		return "a number (REG_QWORD)"
	case registry.MULTI_SZ:
		return "a list (REG_MULTI_SZ)"
	case registry.BINARY:
		return "binary data (REG_BINARY)"
	}
	return fmt.Sprintf("type %d", t)
}
