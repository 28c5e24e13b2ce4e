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
