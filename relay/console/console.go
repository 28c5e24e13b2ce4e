// Package console holds the technician web console, embedded in the relay
// and served at "/". The console itself is a later issue; until then a
// placeholder page is served. A browser app can do everything through the
// JSON API and /ws/tech documented in relay/API.md.
package console

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the console's static files, rooted at the directory holding index.html.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}
