//go:build linux

package xtest

import (
	"bytes"
	"image"
	"testing"

	"github.com/jezek/xgb/xproto"
)

// TestAnimatorKinds: each kind changes the X screen where it says it
// does (static nowhere), frame after frame.
func TestAnimatorKinds(t *testing.T) {
	const w, h = 640, 360
	d := Start(t, w, h)
	c := Conn(t, d)
	root := xproto.Setup(c).DefaultScreen(c).Root
	grab := func(r image.Rectangle) []byte {
		t.Helper()
		img, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root),
			int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), 0xffffffff).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return img.Data
	}
	_, edit := DesktopImage(w, h, 1)
	photo := PhotoArea(w, h)
	for _, tc := range []struct {
		kind    string
		steps   int // frames between the two looks
		changed image.Rectangle
	}{
		{"static", 30, image.Rectangle{}},
		{"office", 4, edit},
		{"scroll", 1, edit},
		{"video", 1, photo},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			a := NewAnimator(t, d, tc.kind, w, h)
			if err := a.Step(); err != nil { // the video's first frame replaces the still picture
				t.Fatal(err)
			}
			whole := image.Rect(0, 0, w, h)
			before, beforePhoto, beforeEdit := grab(whole), grab(photo), grab(edit)
			for range tc.steps {
				if err := a.Step(); err != nil {
					t.Fatal(err)
				}
			}
			switch tc.changed {
			case image.Rectangle{}:
				if !bytes.Equal(before, grab(whole)) {
					t.Error("the static screen changed")
				}
				if a.Changes() != 0 {
					t.Errorf("Changes() = %d, want 0", a.Changes())
				}
				return
			case photo:
				if !bytes.Equal(beforeEdit, grab(edit)) {
					t.Error("the video changed the editor")
				}
				after := grab(photo)
				same := 0
				for i := 0; i+3 < len(after); i += 4 {
					if bytes.Equal(after[i:i+3], beforePhoto[i:i+3]) {
						same++
					}
				}
				if n := len(after) / 4; same > n/4 {
					t.Errorf("%d of %d pixels of the video kept their colour from one frame to the next", same, n)
				}
			case edit:
				if bytes.Equal(beforeEdit, grab(edit)) {
					t.Error("the editor did not change")
				}
				if !bytes.Equal(beforePhoto, grab(photo)) {
					t.Error("the photo viewer changed")
				}
			}
			if a.Changes() == 0 {
				t.Error("Changes() = 0 after a change")
			}
		})
	}
}
