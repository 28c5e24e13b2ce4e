// Command genvocab writes the console's static/js/vocab.js from the Go
// vocabularies in relay/protocol (see package vocabjs). It runs from
// relay/console: go generate ./relay/console.
package main

import (
	"fmt"
	"os"

	"github.com/lifeline-desk/lifeline/relay/console/internal/vocabjs"
)

const out = "static/js/vocab.js"

func main() {
	src, err := vocabjs.Source()
	if err == nil {
		err = os.WriteFile(out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genvocab:", err)
		os.Exit(1)
	}
}
