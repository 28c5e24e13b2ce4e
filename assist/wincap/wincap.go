// Package wincap captures a Windows display: through DXGI Desktop
// Duplication where the system offers it (the efficient path: the desktop
// compositor hands over the new image and which rectangles changed), and
// through GDI BitBlt into one long-lived DIB section where it does not
// (Wine, remote sessions without a GPU, old drivers), with
// github.com/kbinani/screenshot as the last resort. Open picks the path at
// run time and logs which one it took and why the better ones were not.
//
// The package is cgo-free so that its tests cross-build with
// CGO_ENABLED=0 and run under Wine (see wine_linux_test.go); package
// assist adapts it to its Source.
package wincap

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
)

// Format is the byte order of a Frame's 4-byte pixels.
type Format int

const (
	// BGRA is what DXGI delivers (alpha undefined).
	BGRA Format = iota
	// RGBA is what kbinani/screenshot delivers.
	RGBA
)

func (f Format) String() string {
	if f == RGBA {
		return "RGBA"
	}
	return "BGRA"
}

// Frame is one captured image of a display. Pix is only valid until the
// next Capture on the same Source.
type Frame struct {
	Pix           []byte
	Stride        int
	Width, Height int
	Format        Format
	// Dirty lists the rectangles (in frame coordinates, clamped to it)
	// that changed since the previous Capture. Nil means unknown: treat
	// the whole frame as changed. Empty (not nil) means nothing changed.
	// Like Pix, it is only valid until the next Capture.
	Dirty []image.Rectangle
}

// Source captures one display. A Source is used by one goroutine at a time.
type Source interface {
	Capture() (Frame, error)
	// Bounds is the captured area in virtual-screen coordinates (which
	// may be negative for monitors left of or above the primary one).
	Bounds() image.Rectangle
	// Path names the capture method: "dxgi", "gdi" or "gdi-screenshot".
	Path() string
	Close() error
}

// opener is one capture path Open may take.
type opener struct {
	path string
	open func() (Source, error)
}

// CaptureEnv names the environment variable that makes Open start from
// a given path, skipping the better ones: LIFELINE_CAPTURE=gdi for a
// machine whose graphics driver gives DXGI black or stale images.
const CaptureEnv = "LIFELINE_CAPTURE"

// startAt drops the paths before the one named want ("" keeps all). An
// unknown name keeps all and is logged.
func startAt(log *slog.Logger, want string, paths []opener) []opener {
	if want == "" {
		return paths
	}
	for i, p := range paths {
		if p.path == want {
			if i > 0 {
				log.Info("screen capture: starting from the path "+CaptureEnv+" names", "path", want)
			}
			return paths[i:]
		}
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = p.path
	}
	log.Warn("screen capture: unknown path in "+CaptureEnv+", ignored", "path", want, "known", names)
	return paths
}

// pick opens the first path that works, logging why each earlier one did
// not and which one was taken.
func pick(log *slog.Logger, display int, paths ...opener) (Source, error) {
	var errs []error
	for _, p := range paths {
		s, err := p.open()
		if err == nil {
			log.Info("screen capture", "display", display, "path", p.path, "bounds", s.Bounds().String())
			return s, nil
		}
		log.Warn("screen capture path unavailable, falling back", "display", display, "path", p.path, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", p.path, err))
	}
	return nil, fmt.Errorf("cannot capture display %d: %w", display, errors.Join(errs...))
}
