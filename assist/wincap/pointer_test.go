package wincap

import (
	"bytes"
	"image"
	"testing"
)

// TestPointer draws each DXGI pointer shape type into a grey frame and
// checks the blended pixels, the clipping at the frame's edges, and that
// restore gives back the frame exactly.
func TestPointer(t *testing.T) {
	const w, h = 8, 6
	grey := []byte{0x40, 0x80, 0xc0, 0xff} // B, G, R, A
	px := func(b, g, r byte) [3]byte { return [3]byte{b, g, r} }
	// A 2×2 colour shape: opaque white, transparent, half-transparent black, opaque red.
	color := shapeInfo{Type: shapeColor, Width: 2, Height: 2, Pitch: 12}
	colorBits := []byte{
		0xff, 0xff, 0xff, 0xff, 1, 2, 3, 0, 9, 9, 9, 9,
		0, 0, 0, 0x80, 0, 0, 0xff, 0xff, 9, 9, 9, 9,
	}
	// Masked colour: alpha 0 replaces, alpha 0xFF XORs.
	masked := shapeInfo{Type: shapeMaskedColor, Width: 2, Height: 1, Pitch: 8}
	maskedBits := []byte{0x11, 0x22, 0x33, 0, 0xff, 0xff, 0xff, 0xff}
	// Monochrome 4×1 (Height 2: AND row, XOR row): black, white, transparent, invert.
	mono := shapeInfo{Type: shapeMonochrome, Width: 4, Height: 2, Pitch: 2}
	monoBits := []byte{0b0011_0000, 0, 0b0101_0000, 0}

	for _, tc := range []struct {
		name  string
		info  shapeInfo
		bits  []byte
		pos   image.Point
		rect  image.Rectangle
		check map[image.Point][3]byte
	}{
		{"color", color, colorBits, image.Pt(1, 1), image.Rect(1, 1, 3, 3), map[image.Point][3]byte{
			{1, 1}: px(0xff, 0xff, 0xff), {2, 1}: px(0x40, 0x80, 0xc0), {1, 2}: px(0x20, 0x40, 0x60), {2, 2}: px(0, 0, 0xff),
			{3, 3}: px(0x40, 0x80, 0xc0),
		}},
		{"masked color", masked, maskedBits, image.Pt(5, 0), image.Rect(5, 0, 7, 1), map[image.Point][3]byte{
			{5, 0}: px(0x11, 0x22, 0x33), {6, 0}: px(0xbf, 0x7f, 0x3f),
		}},
		{"monochrome", mono, monoBits, image.Pt(2, 4), image.Rect(2, 4, 6, 5), map[image.Point][3]byte{
			{2, 4}: px(0, 0, 0), {3, 4}: px(0xff, 0xff, 0xff), {4, 4}: px(0x40, 0x80, 0xc0), {5, 4}: px(0xbf, 0x7f, 0x3f),
		}},
		{"clipped right and bottom", color, colorBits, image.Pt(7, 5), image.Rect(7, 5, 8, 6), map[image.Point][3]byte{
			{7, 5}: px(0xff, 0xff, 0xff),
		}},
		{"clipped left and top", color, colorBits, image.Pt(-1, -1), image.Rect(0, 0, 1, 1), map[image.Point][3]byte{
			{0, 0}: px(0, 0, 0xff),
		}},
		{"outside", color, colorBits, image.Pt(20, 2), image.Rectangle{}, nil},
		{"short buffer", color, colorBits[:20], image.Pt(1, 1), image.Rectangle{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pix := bytes.Repeat(grey, w*h)
			orig := bytes.Clone(pix)
			p := pointer{shape: tc.bits, info: tc.info, pos: tc.pos, visible: true}
			if got := p.draw(pix, w*4, w, h); got != tc.rect {
				t.Fatalf("draw = %v, want %v", got, tc.rect)
			}
			f := Frame{Pix: pix, Stride: w * 4, Format: BGRA}
			for pt, want := range tc.check {
				// rgbAt gives R, G, B; want is written B, G, R.
				got := rgbAt(f, pt.X, pt.Y)
				if got != [3]byte{want[2], want[1], want[0]} {
					t.Errorf("pixel %v = R,G,B %v, want B,G,R %v", pt, got, want)
				}
			}
			for y := range h {
				for x := range w {
					if !image.Pt(x, y).In(tc.rect) && !bytes.Equal(pix[(y*w+x)*4:(y*w+x)*4+4], grey) {
						t.Errorf("pixel (%d,%d) outside the pointer changed", x, y)
					}
				}
			}
			if got := p.restore(pix, w*4); got != tc.rect {
				t.Errorf("restore = %v, want %v", got, tc.rect)
			}
			if !bytes.Equal(pix, orig) {
				t.Error("restore did not give back the frame")
			}
		})
	}
	t.Run("hidden", func(t *testing.T) {
		pix := bytes.Repeat(grey, w*h)
		p := pointer{shape: colorBits, info: color, pos: image.Pt(1, 1)}
		if r := p.draw(pix, w*4, w, h); !r.Empty() {
			t.Errorf("a hidden pointer was drawn at %v", r)
		}
	})
}
