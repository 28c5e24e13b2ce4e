// Package orgconfig reads the organisation's machine-wide configuration:
// the values IT sets once per computer (the help desk address and the
// guides' organisation variables) that the desktop app takes as defaults a
// user cannot change.
//
// Where it lives:
//
//   - Windows: REG_SZ values under HKLM\SOFTWARE\Policies\Lifeline, one per
//     name (relay_url, helpdesk_phone, …), as the MSI writes them from its
//     public properties (msiexec /i lifeline.msi RELAY_URL=… HELPDESK_PHONE=…)
//     and as Group Policy or Intune can; and, optionally, the file
//     %ProgramData%\Lifeline\config.yaml. A registry value wins over the same
//     name in the file.
//   - Linux and other unix: the file /etc/lifeline/config.yaml.
//
// The file is YAML with one flat mapping of the same names:
//
//	relay_url: https://help.example.org
//	helpdesk_name: Example IT Service Desk
//	helpdesk_phone: "+44 20 7946 0000"
//
// Names are relay_url and the organisation variables of
// assets/guides/README.md. A mistake (an unknown name, a value that is not
// text, a help desk address that is not a web address, a file that is not
// YAML) is reported with the file and line; every other value still
// applies, so the app starts with what it could read and warns.
//
// The help desk's guide pack (app/internal/guidesync) carries organisation
// variables too. A variable set here wins over the pack's, as does a --var
// flag for one not set here; the pack fills the rest, and the neutral
// defaults what nobody set.
package orgconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// FileName is the configuration file's name inside its folder.
const FileName = "config.yaml"

// KeyRelayURL names the help desk (relay) address.
const KeyRelayURL = "relay_url"

// maxFileSize caps the file read: a configuration is a few hundred bytes.
const maxFileSize = 64 << 10

// Config is what the organisation set. Zero values mean "not set".
type Config struct {
	// RelayURL is the help desk server's address, "" when not set.
	RelayURL string
	// Vars are the organisation variables that were set, by name; never
	// the neutral defaults.
	Vars guide.Vars
	// Sources lists where values were read from (a file path, a registry
	// key), for logs.
	Sources []string
}

// Names are the names the configuration may set: relay_url and every
// organisation variable, sorted.
func Names() []string {
	names := []string{KeyRelayURL}
	for k := range guide.DefaultVars() {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// IsZero reports whether the organisation set nothing.
func (c Config) IsZero() bool { return c.RelayURL == "" && len(c.Vars) == 0 }

// RelayLocked reports whether the organisation set the help desk address,
// which then cannot be changed on this computer.
func (c Config) RelayLocked() bool { return c.RelayURL != "" }

// Relay returns the help desk address to use: the organisation's when set,
// else user (a flag or the saved setting).
func (c Config) Relay(user string) string {
	if c.RelayURL != "" {
		return c.RelayURL
	}
	return user
}

// ApplyVars returns user (the --var flags) with every variable the
// organisation set put over it: the user fills only what the organisation
// left unset. user is not modified.
func (c Config) ApplyVars(user guide.Vars) guide.Vars {
	out := make(guide.Vars, len(user)+len(c.Vars))
	for k, v := range user {
		out[k] = v
	}
	for k, v := range c.Vars {
		out[k] = v
	}
	return out
}

// set records one value; problems name where it came from (at).
func (c *Config) set(name, value, at string) error {
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return nil // an empty value sets nothing (the MSI writes none for unset properties)
	case name == KeyRelayURL:
		if _, err := client.URLFor(value); err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		c.RelayURL = value
	case isVar(name):
		if c.Vars == nil {
			c.Vars = guide.Vars{}
		}
		c.Vars[name] = value
	default:
		return fmt.Errorf("%s: unknown name %q (known: %s)", at, name, strings.Join(Names(), ", "))
	}
	return nil
}

func isVar(name string) bool {
	_, ok := guide.DefaultVars()[name]
	return ok
}

// merge puts over's values over c's.
func (c *Config) merge(over Config) {
	if over.RelayURL != "" {
		c.RelayURL = over.RelayURL
	}
	for k, v := range over.Vars {
		if c.Vars == nil {
			c.Vars = guide.Vars{}
		}
		c.Vars[k] = v
	}
	c.Sources = append(c.Sources, over.Sources...)
}

// ReadFile reads a configuration file. A missing file is no error and sets
// nothing. Other problems come back joined, each "path:line: …", together
// with every value that could be read.
func ReadFile(path string) (Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("read the organisation's configuration: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxFileSize+1)); err != nil {
		return Config{}, fmt.Errorf("read the organisation's configuration %s: %w", path, err)
	}
	if buf.Len() > maxFileSize {
		return Config{}, fmt.Errorf("%s: the file is larger than %d KiB; it should hold a few lines", path, maxFileSize>>10)
	}
	return Parse(path, buf.Bytes())
}

// Parse reads a configuration file's contents; name is the file's path in
// messages.
func Parse(name string, data []byte) (Config, error) {
	cfg := Config{Sources: []string{name}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, fmt.Errorf("%s%s", name, yamlMessage(err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return cfg, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return Config{}, fmt.Errorf("%s:%d: expected lines of the form name: value, such as relay_url: https://help.example.org", name, root.Line)
	}
	var errs []error
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := fmt.Sprintf("%s:%d", name, k.Line)
		if line, dup := seen[k.Value]; dup {
			errs = append(errs, fmt.Errorf("%s: %s is set twice (first on line %d); the later value is used", at, k.Value, line))
		}
		seen[k.Value] = k.Line
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			errs = append(errs, fmt.Errorf("%s: the value of %s should be text on the same line", at, k.Value))
			continue
		}
		if err := cfg.set(k.Value, v.Value, at); err != nil {
			errs = append(errs, err)
		}
	}
	return cfg, errors.Join(errs...)
}

// yamlMessage turns yaml.v3's "yaml: line 3: found …" into
// ":3: this is not valid YAML (found …)", to follow the file's path.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := ""
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, m, ok := strings.Cut(rest, ": "); ok {
			line, msg = ":"+n, m
		}
	}
	return fmt.Sprintf("%s: this is not valid YAML (%s); write one name: value per line", line, msg)
}
