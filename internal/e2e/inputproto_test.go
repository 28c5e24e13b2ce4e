package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// TestInputProtoJSMatchesGo runs the console's JavaScript encoder in
// Chromium and decodes every message with the Go decoder the desktop uses;
// the bytes must also equal Go's own encoding.
func TestInputProtoJSMatchesGo(t *testing.T) {
	r := relaytest.Start(t)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	cases := []struct {
		js   string
		want inputproto.Message
	}{
		{`ip.pointerMove(0, 0, 0)`, inputproto.Message{Type: inputproto.TypePointerMove}},
		{`ip.pointerMove(7, 32768, 16384)`, inputproto.Message{Type: inputproto.TypePointerMove, Seq: 7, X: 32768, Y: 16384}},
		{`ip.pointerMove(2 ** 32 + 5, 65535, 65535)`, inputproto.Message{Type: inputproto.TypePointerMove, Seq: 5, X: 65535, Y: 65535}},  // seq wraps
		{`ip.pointerMove(4294967295, 70000, -3)`, inputproto.Message{Type: inputproto.TypePointerMove, Seq: 4294967295, X: 65535, Y: 0}}, // clamped
		{`ip.pointerMove(1, ip.normalise(0.25), ip.normalise(1))`, inputproto.Message{Type: inputproto.TypePointerMove, Seq: 1, X: 16384, Y: 65535}},
		{`ip.mouseButton(0, true, 100, 200)`, inputproto.Message{Type: inputproto.TypeMouseButton, Button: inputproto.ButtonLeft, Down: true, X: 100, Y: 200}},
		{`ip.mouseButton(1, false, 65535, 0)`, inputproto.Message{Type: inputproto.TypeMouseButton, Button: inputproto.ButtonMiddle, X: 65535}},
		{`ip.mouseButton(2, true, 1, 65534)`, inputproto.Message{Type: inputproto.TypeMouseButton, Button: inputproto.ButtonRight, Down: true, X: 1, Y: 65534}},
		{`ip.wheel(0, 3)`, inputproto.Message{Type: inputproto.TypeWheel, DY: 3}},
		{`ip.wheel(-2, -1)`, inputproto.Message{Type: inputproto.TypeWheel, DX: -2, DY: -1}},
		{`ip.wheel(40000, -40000)`, inputproto.Message{Type: inputproto.TypeWheel, DX: 32767, DY: -32768}},
		{`ip.key('KeyA', true)`, inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyA"}},
		{`ip.key('ControlLeft', true)`, inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "ControlLeft"}},
		{`ip.key('Enter', false)`, inputproto.Message{Type: inputproto.TypeKey, Code: "Enter"}},
		{`ip.key('F12', true)`, inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "F12"}},
		{`ip.key('ArrowUp', false)`, inputproto.Message{Type: inputproto.TypeKey, Code: "ArrowUp"}},
		{`ip.key('MetaLeft', true)`, inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "MetaLeft"}},
		{`ip.key('A'.repeat(32), true)`, inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		{`ip.typeText('Grüße, 世界\tok\n')`, inputproto.Message{Type: inputproto.TypeText, Text: "Grüße, 世界\tok\n"}},
		{`ip.typeText('x'.repeat(2048))`, inputproto.Message{Type: inputproto.TypeText, Text: strings.Repeat("x", 2048)}},
		{`ip.clipboard('')`, inputproto.Message{Type: inputproto.TypeClipboard}},
		{`ip.clipboard('line 1\r\nline 2 — ✓')`, inputproto.Message{Type: inputproto.TypeClipboard, Text: "line 1\r\nline 2 — ✓"}},
		{`ip.clipboard('é'.repeat(16384))`, inputproto.Message{Type: inputproto.TypeClipboard, Text: strings.Repeat("é", 16384)}},
		{`ip.clipboardRequest()`, inputproto.Message{Type: inputproto.TypeClipRequest}},
		{`ip.selectDisplay(1)`, inputproto.Message{Type: inputproto.TypeSelectDisplay, Display: 1}},
		{`ip.fullResolution(true)`, inputproto.Message{Type: inputproto.TypeFullResolution, Full: true}},
		{`ip.fullResolution(false)`, inputproto.Message{Type: inputproto.TypeFullResolution}},
		{`ip.selectDisplay(ip.DISPLAY.All)`, inputproto.Message{Type: inputproto.TypeSelectDisplay, Display: inputproto.AllDisplays}},
		{`ip.drawPointer(true)`, inputproto.Message{Type: inputproto.TypeDrawPointer, Draw: true}},
		{`ip.drawPointer(false)`, inputproto.Message{Type: inputproto.TypeDrawPointer}},
	}
	var exprs []string
	for _, c := range cases {
		exprs = append(exprs, c.js)
	}
	// The page's CSP forbids eval, so the calls are part of the evaluated expression.
	script := fmt.Sprintf(`import('/js/inputproto.js').then(ip => [%s].map(buf => Array.from(new Uint8Array(buf))))`, strings.Join(exprs, ",\n"))
	got := consoletest.Eval[[][]int](tb, script)
	if len(got) != len(cases) {
		t.Fatalf("got %d encodings for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		b := make([]byte, len(got[i]))
		for j, v := range got[i] {
			b[j] = byte(v)
		}
		m, err := inputproto.Decode(b)
		if err != nil {
			t.Errorf("%s: Go cannot decode % x: %v", c.js, b, err)
			continue
		}
		if m != c.want {
			t.Errorf("%s decodes to %+v, want %+v", c.js, m, c.want)
		}
		if want, _ := inputproto.Marshal(c.want); !bytes.Equal(b, want) {
			t.Errorf("%s = % x, Go encodes % x", c.js, b, want)
		}
	}

	// Invalid input is refused by the encoder, as by the Go side.
	refused := consoletest.Eval[[]bool](tb, `import('/js/inputproto.js').then(ip => [
		() => ip.key('', true), () => ip.key('Key-A', true), () => ip.key('A'.repeat(33), true), () => ip.key('Ä', true),
		() => ip.mouseButton(3, true, 0, 0), () => ip.mouseButton(-1, true, 0, 0),
		() => ip.typeText(''), () => ip.typeText('\x1b[2J'), () => ip.typeText('é'.repeat(1025)),
		() => ip.clipboard('a'.repeat(32769)), () => ip.clipboard('a\0b'),
		() => ip.selectDisplay(16), () => ip.selectDisplay(-1), () => ip.selectDisplay(1.5),
	].map(f => { try { f(); return false } catch { return true } }))`)
	for i, ok := range refused {
		if !ok {
			t.Errorf("invalid case %d was encoded", i)
		}
	}
	// The desktop's permission message decodes in JS.
	perm, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePermission, View: true, Control: true})
	ints := make([]int, len(perm))
	for i, b := range perm {
		ints[i] = int(b)
	}
	arr, _ := json.Marshal(ints)
	if got := consoletest.Eval[string](tb, fmt.Sprintf(`import('/js/inputproto.js').then(ip => JSON.stringify(ip.decode(new Uint8Array(%s).buffer)))`, arr)); got != `{"type":"permission","view":true,"control":true}` {
		t.Errorf("JS decode of permission = %s", got)
	}
	// And the desktop's clipboard text, exactly.
	const clip = "Ticket #4711 — Grüße ✓\r\nsecond line"
	cb, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeClipboard, Text: clip})
	ints = make([]int, len(cb))
	for i, b := range cb {
		ints[i] = int(b)
	}
	arr, _ = json.Marshal(ints)
	want, _ := json.Marshal(struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}{"clipboard", clip})
	if got := consoletest.Eval[string](tb, fmt.Sprintf(`import('/js/inputproto.js').then(ip => JSON.stringify(ip.decode(new Uint8Array(%s).buffer)))`, arr)); got != string(want) {
		t.Errorf("JS decode of clipboard = %s, want %s", got, want)
	}
	checkDisplaysJS(t, tb)
	checkPointerJS(t, tb)
}

// checkPointerJS decodes the desktop's PointerPosition and PointerShape
// in JS, and refuses malformed ones.
func checkPointerJS(t *testing.T, tb *consoletest.Tab) {
	t.Helper()
	js := func(b []byte) string {
		ints := make([]int, len(b))
		for i, c := range b {
			ints[i] = int(c)
		}
		arr, _ := json.Marshal(ints)
		return consoletest.Eval[string](tb, fmt.Sprintf(`import('/js/inputproto.js').then(ip => { const p = ip.decode(new Uint8Array(%s).buffer);
			if (p && p.pix) p.pix = p.pix.length + ':' + Array.from(p.pix.slice(0, 4)).join(',') + ':' + p.pix[p.pix.length - 1];
			return JSON.stringify(p); })`, arr))
	}
	pos, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePointerPosition, X: 40000, Y: 65535, Visible: true, ShapeID: 0xfffffffe})
	if got, want := js(pos), `{"type":"pointer","x":40000,"y":65535,"visible":true,"shape":4294967294}`; got != want {
		t.Errorf("JS decode of PointerPosition = %s, want %s", got, want)
	}
	pix := make([]byte, 64*64*4)
	for i := range pix {
		pix[i] = byte(i)
	}
	big := &inputproto.PointerImage{ID: 9, W: 64, H: 64, HotX: 63, HotY: 1, Pix: pix}
	shape, err := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePointerShape, Shape: big})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := js(shape), `{"type":"pointerShape","id":9,"w":64,"h":64,"hotX":63,"hotY":1,"pix":"16384:0,1,2,3:255"}`; got != want {
		t.Errorf("JS decode of the largest PointerShape = %s, want %s", got, want)
	}
	for name, bad := range map[string][]byte{
		"position bad visible":  {1, 0x12, 0, 0, 0, 0, 2, 0, 0, 0, 1},
		"position short":        pos[:len(pos)-1],
		"shape cut short":       shape[:len(shape)-1],
		"shape hotspot outside": {1, 0x13, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		"shape over the cap":    append(bytes.Clone(shape), 0),
	} {
		if got := js(bad); got != "null" {
			t.Errorf("JS decode of %s = %s, want null", name, got)
		}
	}
}

// checkDisplaysJS decodes the desktop's Displays messages in JS: a list
// with a negative offset and a UTF-8 name, the longest one, and refuses
// malformed ones.
func checkDisplaysJS(t *testing.T, tb *consoletest.Tab) {
	t.Helper()
	js := func(b []byte) string {
		ints := make([]int, len(b))
		for i, c := range b {
			ints[i] = int(c)
		}
		arr, _ := json.Marshal(ints)
		return consoletest.Eval[string](tb, fmt.Sprintf(`import('/js/inputproto.js').then(ip => JSON.stringify(ip.decode(new Uint8Array(%s).buffer)))`, arr))
	}
	two := &inputproto.DisplayList{Shown: 1, Displays: []inputproto.DisplayInfo{
		{W: 1920, H: 1080, Primary: true, Name: "M0"}, {X: -1280, Y: -200, W: 1280, H: 1024, Name: "Écran 2"}}}
	b, err := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeDisplays, Displays: two})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := js(b), `{"type":"displays","shown":1,"displays":[{"x":0,"y":0,"w":1920,"h":1080,"name":"M0","primary":true},{"x":-1280,"y":-200,"w":1280,"h":1024,"name":"Écran 2","primary":false}]}`; got != want {
		t.Errorf("JS decode of Displays = %s, want %s", got, want)
	}
	all := &inputproto.DisplayList{Shown: inputproto.AllDisplays}
	for range inputproto.MaxDisplays {
		all.Displays = append(all.Displays, inputproto.DisplayInfo{W: 1, H: 1, Name: strings.Repeat("n", inputproto.MaxNameLen)})
	}
	longest, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeDisplays, Displays: all})
	if got := js(longest); !strings.HasPrefix(got, `{"type":"displays","shown":"all","displays":[{`) || strings.Count(got, `"primary"`) != 16 {
		t.Errorf("JS decode of the longest Displays (%d bytes) = %s", len(longest), got)
	}
	for name, bad := range map[string][]byte{
		"cut short":     b[:len(b)-1],
		"trailing byte": append(bytes.Clone(b), 0),
		"shown 2 of 2":  append([]byte{1, 0x11, 2, 2}, b[4:]...),
		"no displays":   {1, 0x11, 0, 0xff},
		"over the cap":  append(bytes.Clone(longest), 0),
		"bad UTF-8":     {1, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0xff},
	} {
		if got := js(bad); got != "null" {
			t.Errorf("JS decode of Displays %s = %s, want null", name, got)
		}
	}
}
