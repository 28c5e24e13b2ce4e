package assist

import (
	"image"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// Input is one input event in desktop coordinates, ready to inject.
type Input struct {
	Kind   InputKind
	X, Y   int    // Move, Button: absolute desktop position
	Button int    // Button: inputproto.ButtonLeft/Middle/Right
	Down   bool   // Button, Key
	DX, DY int    // Wheel: steps, positive = right/down
	Code   string // Key: KeyboardEvent.code
	Text   string // Text: one character to type, whatever the keyboard layout
}

// InputKind says which fields of Input are set.
type InputKind int

// Input kinds.
const (
	InputMove InputKind = iota + 1
	InputButton
	InputWheel
	InputKey
	InputText
)

// Injector delivers input to the desktop. The session only calls it while
// the user allows control, from one goroutine at a time.
type Injector interface {
	Inject(Input) error
}

// toDesktop maps a normalised coordinate pair (0..65535) to a position
// on the captured display.
func toDesktop(b image.Rectangle, nx, ny uint16) (x, y int) {
	return inputproto.ToRect(b, nx, ny)
}

// inputFor converts a decoded data-channel message into an Input, or
// reports false if the message carries no input.
func inputFor(b image.Rectangle, m inputproto.Message) (Input, bool) {
	switch m.Type {
	case inputproto.TypePointerMove:
		x, y := toDesktop(b, m.X, m.Y)
		return Input{Kind: InputMove, X: x, Y: y}, true
	case inputproto.TypeMouseButton:
		x, y := toDesktop(b, m.X, m.Y)
		return Input{Kind: InputButton, X: x, Y: y, Button: int(m.Button), Down: m.Down}, true
	case inputproto.TypeWheel:
		return Input{Kind: InputWheel, DX: int(m.DX), DY: int(m.DY)}, true
	case inputproto.TypeKey:
		return Input{Kind: InputKey, Code: m.Code, Down: m.Down}, true
	}
	return Input{}, false
}
