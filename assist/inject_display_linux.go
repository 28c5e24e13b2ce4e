package assist

import (
	"fmt"
	"os"

	"github.com/go-vgo/robotgo"
)

// selectDisplay points robotgo's X connection at display ("" keeps
// $DISPLAY).
func selectDisplay(display string) error {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return nil
	}
	// Makes robotgo close its cached connection and open display.
	if err := robotgo.SetXDisplayName(display); err != nil {
		return fmt.Errorf("select X display %s: %w", display, err)
	}
	return nil
}
