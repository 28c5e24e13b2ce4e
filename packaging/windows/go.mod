// The Windows build's tests, run by `make test-windows` (and so by `make
// test`) once `make windows` has built dist/windows/lifeline.exe; they need
// Wine and Xvfb. A module of its own so that `go test ./...` at the top does
// not need the cross-built executable.
module github.com/lifeline-desk/lifeline/packaging/windows

go 1.26.8

require github.com/lifeline-desk/lifeline v0.0.0

require github.com/jezek/xgb v1.3.1 // indirect

replace github.com/lifeline-desk/lifeline => ../..
