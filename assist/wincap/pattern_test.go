package wincap

import (
	"image"
	"image/color"
)

// The screen TestUnderWine paints and TestWindowsCapture expects: red on
// the top left, green on the top right, blue across the bottom half.
const patternW, patternH = 1366, 768

var patternSamples = []struct {
	x, y int
	rgb  [3]byte
}{
	{10, 10, [3]byte{0xff, 0, 0}},
	{patternW - 10, 10, [3]byte{0, 0xff, 0}},
	{10, patternH - 10, [3]byte{0, 0, 0xff}},
	{patternW / 2, patternH / 2, [3]byte{0, 0, 0xff}},
}

func pattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{0xff, 0, 0, 0xff}
			switch {
			case y >= h/2:
				c = color.RGBA{0, 0, 0xff, 0xff}
			case x >= w/2:
				c = color.RGBA{0, 0xff, 0, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// rgbAt reads pixel (x, y) of f as R, G, B.
func rgbAt(f Frame, x, y int) [3]byte {
	p := f.Pix[y*f.Stride+x*4:]
	if f.Format == BGRA {
		return [3]byte{p[2], p[1], p[0]}
	}
	return [3]byte{p[0], p[1], p[2]}
}

// The monitor layout TestMonitorsUnderWine gives Wine: the primary
// monitor at the bottom right of the X screen, a smaller one left of it
// and one above it, which Windows places at negative x and negative y.
// In X root-window coordinates:
var (
	xPrimary = image.Rect(800, 600, 1824, 1368)
	xLeft    = image.Rect(0, 600, 800, 1200)
	xAbove   = image.Rect(800, 0, 1440, 600)
)

// What the Windows side must see: display 0 the primary at the origin,
// display 1 left of it, display 2 above it.
var (
	winPrimary = image.Rect(0, 0, 1024, 768)
	winLeft    = image.Rect(-800, 0, 0, 600)
	winAbove   = image.Rect(0, -600, 640, 0)
)

var (
	grey    = [3]byte{0x80, 0x80, 0x80}
	yellow  = [3]byte{0xff, 0xff, 0}
	cyan    = [3]byte{0, 0xff, 0xff}
	magenta = [3]byte{0xff, 0, 0xff}
	orange  = [3]byte{0xff, 0x80, 0}
	white   = [3]byte{0xff, 0xff, 0xff}
)

// monitorsPattern is the X screen of the monitor layout: the primary
// monitor grey; the left one yellow on its top left, cyan on its top
// right and magenta across its bottom half; the one above orange on its
// left half and white on its right; black outside the monitors.
func monitorsPattern() *image.RGBA {
	img := image.NewRGBA(xLeft.Union(xPrimary).Union(xAbove))
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			c := [3]byte{}
			p := image.Pt(x, y)
			switch {
			case p.In(xPrimary):
				c = grey
			case p.In(xLeft) && y >= xLeft.Min.Y+xLeft.Dy()/2:
				c = magenta
			case p.In(xLeft) && x >= xLeft.Min.X+xLeft.Dx()/2:
				c = cyan
			case p.In(xLeft):
				c = yellow
			case p.In(xAbove) && x >= xAbove.Min.X+xAbove.Dx()/2:
				c = white
			case p.In(xAbove):
				c = orange
			}
			img.SetRGBA(x, y, color.RGBA{c[0], c[1], c[2], 0xff})
		}
	}
	return img
}

// monitorSamples are pixels of each display's frame (frame coordinates)
// and the colour monitorsPattern gives them.
var monitorSamples = [][]struct {
	x, y int
	rgb  [3]byte
}{
	{{10, 10, grey}, {1013, 757, grey}, {512, 10, grey}, {0, 0, grey}, {1023, 767, grey}},
	{{10, 10, yellow}, {789, 10, cyan}, {10, 589, magenta}, {400, 300, magenta}, {400, 299, cyan}, {399, 299, yellow}, {0, 0, yellow}, {799, 599, magenta}},
	{{0, 0, orange}, {319, 599, orange}, {320, 0, white}, {639, 599, white}},
}

// The pointer's last stop in TestWindowsMonitors: normalised (¼, ¾) of
// display 1, which is virtual-screen (-600, 449) and X (200, 1049).
const lastNX, lastNY = 16384, 49152

var lastX = image.Pt(200, 1049)
