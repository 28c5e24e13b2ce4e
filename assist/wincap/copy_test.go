package wincap

import (
	"bytes"
	"errors"
	"image"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestClampRects(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []image.Rectangle
		want []image.Rectangle
	}{
		{"inside", []image.Rectangle{image.Rect(1, 2, 3, 4)}, []image.Rectangle{image.Rect(1, 2, 3, 4)}},
		{"past right and bottom", []image.Rectangle{image.Rect(90, 40, 200, 90)}, []image.Rectangle{image.Rect(90, 40, 100, 50)}},
		{"negative origin", []image.Rectangle{image.Rect(-5, -5, 5, 5)}, []image.Rectangle{image.Rect(0, 0, 5, 5)}},
		{"outside dropped", []image.Rectangle{image.Rect(100, 0, 120, 10), image.Rect(0, 50, 10, 60)}, []image.Rectangle{}},
		{"empty dropped", []image.Rectangle{image.Rect(3, 3, 3, 9)}, []image.Rectangle{}},
		{"inverted made canonical", []image.Rectangle{{Min: image.Pt(8, 8), Max: image.Pt(2, 2)}}, []image.Rectangle{image.Rect(2, 2, 8, 8)}},
		{"order kept", []image.Rectangle{image.Rect(5, 5, 6, 6), image.Rect(0, 0, 1, 1)}, []image.Rectangle{image.Rect(5, 5, 6, 6), image.Rect(0, 0, 1, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]image.Rectangle, 0, 1)
			if got := clampRects(buf, tc.in, 100, 50); !slices.Equal(got, tc.want) {
				t.Errorf("clampRects(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestCopyRects copies from a source with padded rows (as a mapped GPU
// texture has) into a tight frame: only the given rectangles change, and
// the padding never lands in the frame.
func TestCopyRects(t *testing.T) {
	const w, h, pitch = 5, 4, 5*4 + 12
	src := make([]byte, pitch*h)
	for y := range h {
		for x := range pitch {
			src[y*pitch+x] = byte(y*pitch + x)
			if x >= w*4 {
				src[y*pitch+x] = 0xEE // padding
			}
		}
	}
	pixel := func(b []byte, stride, x, y int) []byte { return b[y*stride+x*4 : y*stride+x*4+4] }
	for _, tc := range []struct {
		name  string
		rects []image.Rectangle
	}{
		{"whole", []image.Rectangle{image.Rect(0, 0, w, h)}},
		{"one pixel", []image.Rectangle{image.Rect(4, 3, 5, 4)}},
		{"two", []image.Rectangle{image.Rect(0, 0, 2, 1), image.Rect(1, 2, 4, 4)}},
		{"none", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := bytes.Repeat([]byte{0x11}, w*4*h)
			copyRects(dst, w*4, src, pitch, tc.rects)
			for y := range h {
				for x := range w {
					want := []byte{0x11, 0x11, 0x11, 0x11}
					for _, r := range tc.rects {
						if image.Pt(x, y).In(r) {
							want = pixel(src, pitch, x, y)
						}
					}
					if got := pixel(dst, w*4, x, y); !bytes.Equal(got, want) {
						t.Errorf("pixel (%d,%d) = %x, want %x", x, y, got, want)
					}
				}
			}
			if bytes.Contains(dst, []byte{0xEE}) {
				t.Error("row padding copied into the frame")
			}
		})
	}
}

type fakeSource struct {
	path string
	b    image.Rectangle
}

func (f *fakeSource) Capture() (Frame, error) { return Frame{}, nil }
func (f *fakeSource) Bounds() image.Rectangle { return f.b }
func (f *fakeSource) Path() string            { return f.path }
func (f *fakeSource) Close() error            { return nil }

// TestPick is the fallback decision: the first path that opens wins; each
// one that fails is logged with its reason before the next is tried, and
// the one taken is logged by name.
func TestPick(t *testing.T) {
	ok := func(name string) opener {
		return opener{name, func() (Source, error) { return &fakeSource{path: name, b: image.Rect(0, 0, 8, 8)}, nil }}
	}
	bad := func(name, why string) opener {
		return opener{name, func() (Source, error) { return nil, errors.New(why) }}
	}
	for _, tc := range []struct {
		name     string
		paths    []opener
		want     string // path taken; "" for an error
		logHas   []string
		errHas   []string
		logLacks []string
	}{
		{"dxgi works", []opener{ok("dxgi"), ok("gdi")}, "dxgi",
			[]string{"level=INFO", "path=dxgi"}, nil, []string{"path=gdi", "WARN"}},
		{"dxgi fails", []opener{bad("dxgi", "IDXGIOutput1::DuplicateOutput: E_NOTIMPL"), ok("gdi")}, "gdi",
			[]string{"level=WARN", "path=dxgi", "E_NOTIMPL", "level=INFO", "path=gdi"}, nil, nil},
		{"both fail", []opener{bad("dxgi", "no dxgi"), bad("gdi", "no gdi")}, "",
			[]string{"no dxgi", "no gdi"}, []string{"cannot capture display 2", "dxgi: no dxgi", "gdi: no gdi"}, []string{"level=INFO"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			s, err := pick(slog.New(slog.NewTextHandler(&buf, nil)), 2, tc.paths...)
			log := buf.String()
			switch {
			case tc.want == "" && err == nil:
				t.Fatalf("pick took %s, want an error", s.Path())
			case tc.want != "" && err != nil:
				t.Fatalf("pick: %v", err)
			case tc.want != "" && s.Path() != tc.want:
				t.Fatalf("pick took %s, want %s", s.Path(), tc.want)
			}
			for _, w := range tc.logHas {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			for _, w := range tc.logLacks {
				if strings.Contains(log, w) {
					t.Errorf("log has %q:\n%s", w, log)
				}
			}
			for _, w := range tc.errHas {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
		})
	}
}

func TestHresultError(t *testing.T) {
	for _, tc := range []struct {
		hr   uint32
		want string // "" for nil
	}{
		{0, ""},
		{1, ""}, // S_FALSE is a success
		{hrDXGIAccessLost, "op: DXGI_ERROR_ACCESS_LOST (0x887A0026)"},
		{hrENotImpl, "op: E_NOTIMPL (0x80004001)"},
		{0x8000FFFF, "op: HRESULT 0x8000FFFF"},
	} {
		err := check("op", tc.hr)
		if got := ""; err != nil {
			got = err.Error()
			if got != tc.want {
				t.Errorf("check(0x%X) = %q, want %q", tc.hr, got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("check(0x%X) = nil, want %q", tc.hr, tc.want)
		}
	}
}

func TestStartAt(t *testing.T) {
	all := []opener{{path: "dxgi"}, {path: "gdi"}, {path: "gdi-screenshot"}}
	for _, tc := range []struct {
		env    string
		want   []string
		logHas string
	}{
		{"", []string{"dxgi", "gdi", "gdi-screenshot"}, ""},
		{"dxgi", []string{"dxgi", "gdi", "gdi-screenshot"}, ""},
		{"gdi", []string{"gdi", "gdi-screenshot"}, "level=INFO"},
		{"gdi-screenshot", []string{"gdi-screenshot"}, "path=gdi-screenshot"},
		{"opengl", []string{"dxgi", "gdi", "gdi-screenshot"}, "level=WARN"},
	} {
		var buf bytes.Buffer
		got := startAt(slog.New(slog.NewTextHandler(&buf, nil)), tc.env, all)
		var names []string
		for _, p := range got {
			names = append(names, p.path)
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("%s=%q: paths %v, want %v", CaptureEnv, tc.env, names, tc.want)
		}
		if log := buf.String(); (tc.logHas == "") != (log == "") || !strings.Contains(log, tc.logHas) {
			t.Errorf("%s=%q: log %q, want one with %q", CaptureEnv, tc.env, log, tc.logHas)
		}
	}
}
