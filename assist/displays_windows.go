package assist

import (
	"strings"

	"github.com/lifeline-desk/lifeline/assist/wincap"
)

// displays lists the monitors of the virtual screen as wincap numbers
// them (display 0 the primary monitor: EnumDisplayMonitors, and so
// kbinani/screenshot, promise no order), at their virtual-screen
// rectangles, named after their devices (\\.\DISPLAY1 is "DISPLAY1").
func displays() ([]Display, error) {
	ms, err := wincap.Monitors()
	if err != nil {
		return nil, err
	}
	ds := make([]Display, len(ms))
	for i, m := range ms {
		ds[i] = Display{Index: i, Bounds: m.Bounds, Primary: m.Primary, Name: strings.TrimPrefix(m.Device, `\\.\`)}
		if ds[i].Name == "" {
			ds[i].Name = displayName(i)
		}
	}
	return ds, nil
}
