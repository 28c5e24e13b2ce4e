package wincap

import "image"

// DXGI_OUTDUPL_POINTER_SHAPE_TYPE values.
const (
	shapeMonochrome  = 1
	shapeColor       = 2
	shapeMaskedColor = 4
)

// shapeInfo is a DXGI_OUTDUPL_POINTER_SHAPE_INFO.
type shapeInfo struct {
	Type, Width, Height, Pitch uint32
	HotX, HotY                 int32
}

// pointer draws the mouse pointer, which Desktop Duplication delivers
// apart from the desktop image, into a BGRA frame that persists between
// captures. It keeps the pixels it covered so that they can be put back
// before the next update: the frame stays a clean desktop image for the
// dirty-rectangle copies.
type pointer struct {
	shape   []byte
	info    shapeInfo
	pos     image.Point // top left of the shape, in frame coordinates
	visible bool

	saved []byte
	at    image.Rectangle // where the pointer is drawn; empty if nowhere
}

// size is the pointer's size in pixels (a monochrome shape stacks an AND
// and an XOR mask, so it is twice as tall as the pointer).
func (p *pointer) size() image.Point {
	h := int(p.info.Height)
	if p.info.Type == shapeMonochrome {
		h /= 2
	}
	return image.Pt(int(p.info.Width), h)
}

// restore puts back the pixels under the drawn pointer and returns the
// rectangle it restored (empty if the pointer was not drawn).
func (p *pointer) restore(pix []byte, stride int) image.Rectangle {
	r := p.at
	if r.Empty() {
		return r
	}
	w := r.Dx() * 4
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := (y - r.Min.Y) * w
		copy(pix[y*stride+r.Min.X*4:y*stride+r.Max.X*4], p.saved[o:o+w])
	}
	p.at = image.Rectangle{}
	return r
}

// draw saves the pixels under the pointer and draws it into the w×h
// frame pix, clipped to the frame. It returns the rectangle drawn.
func (p *pointer) draw(pix []byte, stride, w, h int) image.Rectangle {
	sz := p.size()
	if !p.visible || sz.X <= 0 || sz.Y <= 0 || !p.shapeFits() {
		return image.Rectangle{}
	}
	r := image.Rectangle{Min: p.pos, Max: p.pos.Add(sz)}.Intersect(image.Rect(0, 0, w, h))
	if r.Empty() {
		return r
	}
	rw := r.Dx() * 4
	if need := rw * r.Dy(); cap(p.saved) < need {
		p.saved = make([]byte, need)
	} else {
		p.saved = p.saved[:need]
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(p.saved[(y-r.Min.Y)*rw:], pix[y*stride+r.Min.X*4:y*stride+r.Max.X*4])
	}
	pitch := int(p.info.Pitch)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		sy := y - p.pos.Y
		for x := r.Min.X; x < r.Max.X; x++ {
			sx := x - p.pos.X
			d := pix[y*stride+x*4 : y*stride+x*4+3]
			switch p.info.Type {
			case shapeColor: // BGRA with straight alpha
				s := p.shape[sy*pitch+sx*4 : sy*pitch+sx*4+4]
				a := uint32(s[3])
				for i := range 3 {
					d[i] = byte((uint32(s[i])*a + uint32(d[i])*(255-a) + 127) / 255)
				}
			case shapeMaskedColor: // alpha 0: take the colour; 0xFF: XOR it
				s := p.shape[sy*pitch+sx*4 : sy*pitch+sx*4+4]
				for i := range 3 {
					if s[3] == 0 {
						d[i] = s[i]
					} else {
						d[i] ^= s[i]
					}
				}
			case shapeMonochrome: // AND mask above the XOR mask, 1 bit per pixel
				bit := byte(0x80) >> (sx % 8)
				and := p.shape[sy*pitch+sx/8]&bit != 0
				xor := p.shape[(sy+sz.Y)*pitch+sx/8]&bit != 0
				for i := range 3 {
					v := d[i]
					if !and {
						v = 0
					}
					if xor {
						v ^= 0xff
					}
					d[i] = v
				}
			}
		}
	}
	p.at = r
	return r
}

// shapeFits reports whether the shape buffer holds what info describes.
func (p *pointer) shapeFits() bool {
	w, h, pitch := int(p.info.Width), int(p.info.Height), int(p.info.Pitch)
	switch p.info.Type {
	case shapeColor, shapeMaskedColor:
		return pitch >= w*4 && len(p.shape) >= pitch*h
	case shapeMonochrome:
		return pitch*8 >= w && len(p.shape) >= pitch*h
	}
	return false
}
