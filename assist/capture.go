package assist

import (
	"errors"
	"fmt"
	"image"

	"github.com/kbinani/screenshot"

	"github.com/lifeline-desk/lifeline/assist/vpx"
)

// Display is one monitor of the local desktop.
type Display struct {
	Index   int
	Bounds  image.Rectangle // in desktop coordinates: the X root window's; Windows' virtual screen (negative left of or above the primary monitor)
	Primary bool
	// Name is the RandR monitor name on X11 (xrandr's "DP-1", or M0…
	// for monitors set with --setmonitor), the device name on Windows
	// ("DISPLAY1"), else "Display N" (N = Index+1, as the user's banner
	// and the console number displays).
	Name string
}

// AllDisplays is the display index of the bounding rectangle of all
// displays, for Config.OpenDisplay and the capture sources.
const AllDisplays = -1

// Displays lists the active displays, primary first, for a monitor picker.
// Index is what Config's display number and the capture sources take;
// Bounds is where pointer coordinates map to.
func Displays() ([]Display, error) { return displays() }

// displayName is the name of display i when the system names none.
func displayName(i int) string { return fmt.Sprintf("Display %d", i+1) }

// unionBounds is the bounding rectangle of ds: what AllDisplays captures.
func unionBounds(ds []image.Rectangle) image.Rectangle {
	var u image.Rectangle
	for _, d := range ds {
		u = u.Union(d)
	}
	return u
}

// screenshotDisplays lists the displays kbinani/screenshot finds, in its
// order (on X11 Xinerama's, whose first head is the primary one).
func screenshotDisplays() ([]Display, error) {
	n := screenshot.NumActiveDisplays()
	if n == 0 {
		return nil, errors.New("no display found: is a graphical session running (DISPLAY set)?")
	}
	ds := make([]Display, n)
	for i := range ds {
		ds[i] = Display{Index: i, Bounds: screenshot.GetDisplayBounds(i), Primary: i == 0, Name: displayName(i)}
	}
	return ds, nil
}

// Frame is one captured screen image: 4 bytes per pixel in Format.
// Pix is only valid until the next Capture on the same Source.
type Frame struct {
	Pix           []byte
	Stride        int
	Width, Height int
	Format        vpx.PixelFormat
}

// Source captures one display. Sources are used by one goroutine at a time.
type Source interface {
	// Capture grabs the display. The frame is valid until the next call.
	Capture() (Frame, error)
	// Bounds is the captured area in desktop coordinates (for mapping
	// the technician's pointer).
	Bounds() image.Rectangle
	Close() error
}

// ScreenshotSource captures with github.com/kbinani/screenshot. It is
// portable but allocates and converts every frame in Go; on X11 the
// XShm source (NewXShmSource) is several times cheaper, see BENCHMARKS.md.
type ScreenshotSource struct {
	bounds image.Rectangle
}

// NewScreenshotSource captures display index i (0 is the primary), or
// with AllDisplays the bounding rectangle of all of them.
func NewScreenshotSource(i int) (*ScreenshotSource, error) {
	n := screenshot.NumActiveDisplays()
	if i == AllDisplays && n > 0 {
		var bs []image.Rectangle
		for j := range n {
			bs = append(bs, screenshot.GetDisplayBounds(j))
		}
		return &ScreenshotSource{bounds: unionBounds(bs)}, nil
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("display %d not found (%d active)", i, n)
	}
	return &ScreenshotSource{bounds: screenshot.GetDisplayBounds(i)}, nil
}

// Capture implements Source.
func (s *ScreenshotSource) Capture() (Frame, error) {
	img, err := screenshot.CaptureRect(s.bounds)
	if err != nil {
		return Frame{}, fmt.Errorf("capture screen: %w", err)
	}
	return Frame{Pix: img.Pix, Stride: img.Stride, Width: s.bounds.Dx(), Height: s.bounds.Dy(), Format: vpx.RGBA}, nil
}

// Bounds implements Source.
func (s *ScreenshotSource) Bounds() image.Rectangle { return s.bounds }

// Close implements Source.
func (s *ScreenshotSource) Close() error { return nil }
