// Package quietinit hides one harmless start-up message: under the C.UTF-8
// locale (Debian's default in containers) Fyne's lang package logs "Error
// parsing user locale C" while it initialises, before main can run, and
// the headless commands would print it on every call.
//
// Go initialises packages in import-path order as soon as their
// dependencies are ready (Go spec, "Package initialization"); this package
// depends only on the standard library and sorts before Fyne's go-i18n
// dependency, so its init runs before Fyne's lang package and can silence
// the standard logger, which main then restores with Restore.
package quietinit

import (
	"io"
	"log"
	"os"
	"strings"
)

var silenced bool

func init() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			if strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.") {
				log.SetOutput(io.Discard)
				silenced = true
			}
			return
		}
	}
}

// Restore gives the standard logger its output back.
func Restore() {
	if silenced {
		log.SetOutput(os.Stderr)
	}
}
