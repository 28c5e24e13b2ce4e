// Package cliflag is how Lifeline's binaries read their command lines:
// every flag can also be set by an environment variable (LIFELINE_ and the
// flag name in upper case with '-' as '_', so --turn-external-ip is
// LIFELINE_TURN_EXTERNAL_IP), a flag given on the command line wins over
// its variable, and List is the one repeatable flag type.
//
// Secrets are never flag values; read them from a file or a variable of
// their own.
package cliflag

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// EnvName is the environment variable that sets the flag named flagName.
func EnvName(flagName string) string {
	return "LIFELINE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ApplyEnv sets every flag of fs that was not given on the command line
// from its environment variable, when that is set. Call it after fs.Parse.
// rename maps a flag name to a variable other than EnvName's, for the few
// flags that share a variable with another (--clock-url reads
// LIFELINE_RELAY); it may be nil.
func ApplyEnv(fs *flag.FlagSet, rename map[string]string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := EnvName(f.Name)
		if r, ok := rename[f.Name]; ok {
			name = r
		}
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}

// Parse parses args with fs and then applies the environment (ApplyEnv).
func Parse(fs *flag.FlagSet, args []string, rename map[string]string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return ApplyEnv(fs, rename)
}

// List is a repeatable flag: each use adds a value. When Sep is set, one
// value — and so the environment variable — may hold several, separated
// by Sep; blank items are dropped.
type List struct {
	Values []string
	Sep    string
}

// String implements flag.Value.
func (l *List) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.Values, ",")
}

// Set implements flag.Value.
func (l *List) Set(v string) error {
	if l.Sep == "" {
		l.Values = append(l.Values, v)
		return nil
	}
	for _, s := range strings.Split(v, l.Sep) {
		if s = strings.TrimSpace(s); s != "" {
			l.Values = append(l.Values, s)
		}
	}
	return nil
}

// NewList defines a repeatable flag on fs (see List) and returns it.
func NewList(fs *flag.FlagSet, name, sep, usage string) *List {
	l := &List{Sep: sep}
	fs.Var(l, name, usage)
	return l
}
