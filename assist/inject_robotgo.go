package assist

import (
	"errors"
	"fmt"
	"sync"

	"github.com/go-vgo/robotgo"
)

// RobotgoInjector injects input with github.com/go-vgo/robotgo (XTest on
// X11).
//
// robotgo keeps one X connection per process and reads its delays from
// package variables; NewRobotgoInjector points that connection at the
// given display and sets the delays to zero (robotgo would otherwise
// sleep 10 ms after every key). Use one RobotgoInjector at a time, and
// Close it before its X server goes away.
type RobotgoInjector struct{}

var robotgoMu sync.Mutex

// NewRobotgoInjector prepares robotgo for display (an X display name such
// as ":0"; "" keeps $DISPLAY). Only Linux has an X display to select: on
// Windows robotgo injects with SendInput, and $DISPLAY (which Wine sets)
// is not used.
func NewRobotgoInjector(display string) (*RobotgoInjector, error) {
	robotgoMu.Lock()
	defer robotgoMu.Unlock()
	if err := selectDisplay(display); err != nil {
		return nil, err
	}
	robotgo.MouseSleep = 0
	robotgo.KeySleep = 0
	return &RobotgoInjector{}, nil
}

// Close closes robotgo's X connection. Call it before the X server goes
// away: Xlib exits the process when a connection it still holds breaks.
func (r *RobotgoInjector) Close() error {
	robotgoMu.Lock()
	defer robotgoMu.Unlock()
	robotgo.CloseMainDisplay()
	return nil
}

// ErrUnknownKey is returned for a KeyboardEvent.code without mapping.
var ErrUnknownKey = errors.New("unknown key code")

var buttonNames = [...]string{"left", "center", "right"}

// Inject implements Injector.
func (r *RobotgoInjector) Inject(in Input) error {
	robotgoMu.Lock()
	defer robotgoMu.Unlock()
	switch in.Kind {
	case InputMove:
		return movePointer(in.X, in.Y)
	case InputButton:
		if in.Button < 0 || in.Button >= len(buttonNames) {
			return fmt.Errorf("unknown mouse button %d", in.Button)
		}
		if err := movePointer(in.X, in.Y); err != nil {
			return err
		}
		dir := "down"
		if !in.Down {
			dir = "up"
		}
		return robotgo.Toggle(buttonNames[in.Button], dir)
	case InputWheel:
		// robotgo: positive y scrolls up, positive x scrolls right.
		robotgo.Scroll(in.DX, -in.DY, 0)
	case InputKey:
		name, ok := robotgoKey(in.Code)
		if !ok {
			return fmt.Errorf("%w %q", ErrUnknownKey, in.Code)
		}
		dir := "down"
		if !in.Down {
			dir = "up"
		}
		return robotgo.KeyToggle(name, dir)
	case InputText:
		robotgo.Type(in.Text)
	default:
		return fmt.Errorf("unknown input kind %d", in.Kind)
	}
	return nil
}
