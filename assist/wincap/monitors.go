package wincap

import (
	"image"
	"slices"
)

// Monitor is one monitor of the Windows virtual screen.
type Monitor struct {
	// Bounds is the monitor's rectangle in virtual-screen coordinates:
	// the primary monitor's top-left corner is (0,0), so a monitor left
	// of or above it has negative coordinates.
	Bounds  image.Rectangle
	Primary bool
	Device  string // \\.\DISPLAY1 …
}

// AllDisplays is the display number of the bounding rectangle of all
// monitors (Open captures it through GDI: DXGI duplicates one output).
const AllDisplays = -1

// unionBounds is the bounding rectangle of ms.
func unionBounds(ms []Monitor) image.Rectangle {
	var u image.Rectangle
	for _, m := range ms {
		u = u.Union(m.Bounds)
	}
	return u
}

// primaryFirst orders monitors as Lifeline numbers its displays: the
// primary monitor is display 0 and the others follow in the order the
// system enumerated them. EnumDisplayMonitors promises no order (and
// kbinani/screenshot numbers displays in whatever order it gets), so
// display 0 would otherwise be whichever monitor came first.
func primaryFirst(ms []Monitor) []Monitor {
	out := slices.Clone(ms)
	slices.SortStableFunc(out, func(a, b Monitor) int {
		switch {
		case a.Primary == b.Primary:
			return 0
		case a.Primary:
			return -1
		}
		return 1
	})
	return out
}
