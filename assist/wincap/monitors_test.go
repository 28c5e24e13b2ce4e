package wincap

import (
	"image"
	"slices"
	"testing"
)

func TestPrimaryFirst(t *testing.T) {
	left := Monitor{Bounds: image.Rect(-800, 0, 0, 600), Device: `\\.\DISPLAY2`}
	prim := Monitor{Bounds: image.Rect(0, 0, 1024, 768), Primary: true, Device: `\\.\DISPLAY1`}
	above := Monitor{Bounds: image.Rect(0, -1080, 1920, 0), Device: `\\.\DISPLAY3`}
	for _, tc := range []struct {
		name string
		in   []Monitor
		want []Monitor
	}{
		{"primary enumerated first", []Monitor{prim, left}, []Monitor{prim, left}},
		{"primary enumerated last", []Monitor{left, above, prim}, []Monitor{prim, left, above}},
		{"primary in the middle", []Monitor{above, prim, left}, []Monitor{prim, above, left}},
		{"one monitor", []Monitor{prim}, []Monitor{prim}},
		{"no primary flagged", []Monitor{left, above}, []Monitor{left, above}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			if got := primaryFirst(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("primaryFirst = %v, want %v", got, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Errorf("primaryFirst changed its argument")
			}
		})
	}
}

func TestUnionBounds(t *testing.T) {
	left := Monitor{Bounds: image.Rect(-800, 100, 0, 700)}
	prim := Monitor{Bounds: image.Rect(0, 0, 1024, 768), Primary: true}
	above := Monitor{Bounds: image.Rect(0, -1080, 1920, 0)}
	if got, want := unionBounds([]Monitor{prim, left, above}), image.Rect(-800, -1080, 1920, 768); got != want {
		t.Errorf("unionBounds = %v, want %v", got, want)
	}
	if got := unionBounds([]Monitor{prim}); got != prim.Bounds {
		t.Errorf("one monitor: %v, want %v", got, prim.Bounds)
	}
}
