package assist

import (
	"fmt"
	"image"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// displays lists the X screen's monitors of $DISPLAY as the XShm source
// numbers them (Xinerama's heads, the first one primary), named after
// their RandR monitors.
func displays() ([]Display, error) {
	c, err := xgb.NewConn()
	if err != nil {
		return nil, fmt.Errorf("connect to the X display: %w", err)
	}
	defer c.Close()
	return xDisplays(c), nil
}

func xDisplays(c *xgb.Conn) []Display {
	screen := xproto.Setup(c).DefaultScreen(c)
	names := randrNames(c, screen.Root)
	heads := xHeads(c, screen)
	ds := make([]Display, len(heads))
	for i, b := range heads {
		ds[i] = Display{Index: i, Bounds: b, Primary: i == 0, Name: names[b]}
		if ds[i].Name == "" {
			ds[i].Name = displayName(i)
		}
	}
	return ds
}

// randrNames maps the rectangles of the RandR monitors (RandR 1.5) to
// their names; without RandR 1.5 it is empty.
func randrNames(c *xgb.Conn, root xproto.Window) map[image.Rectangle]string {
	names := map[image.Rectangle]string{}
	if randr.Init(c) != nil {
		return names
	}
	if v, err := randr.QueryVersion(c, 1, 5).Reply(); err != nil || v.MajorVersion < 1 || v.MajorVersion == 1 && v.MinorVersion < 5 {
		return names
	}
	r, err := randr.GetMonitors(c, root, true).Reply()
	if err != nil {
		return names
	}
	for _, m := range r.Monitors {
		a, err := xproto.GetAtomName(c, m.Name).Reply()
		if err != nil {
			continue
		}
		names[image.Rect(int(m.X), int(m.Y), int(m.X)+int(m.Width), int(m.Y)+int(m.Height))] = a.Name
	}
	return names
}
