// Package assets holds Lifeline's embedded data: the built-in guide library
// and icons.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed guides/*.yaml
var guides embed.FS

// Guides is the built-in guide library, one YAML file per guide at its root.
func Guides() fs.FS {
	sub, err := fs.Sub(guides, "guides")
	if err != nil {
		panic(err) // unreachable: the directory is embedded above
	}
	return sub
}

//go:embed icons/lifeline.png
var icon []byte

// Icon is Lifeline's application icon (256×256 PNG).
func Icon() []byte { return icon }
