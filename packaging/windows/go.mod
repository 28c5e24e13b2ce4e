// The Windows build's tests, run by `make test-windows` (they need
// dist/windows/lifeline.exe, Wine and Xvfb). A module of its own so that
// `go test ./...` at the top (make test) does not run them yet.
module github.com/lifeline-desk/lifeline/packaging/windows

go 1.26.8

require github.com/lifeline-desk/lifeline v0.0.0

require github.com/jezek/xgb v1.3.1 // indirect

replace github.com/lifeline-desk/lifeline => ../..
