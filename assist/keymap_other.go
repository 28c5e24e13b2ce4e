//go:build !windows

package assist

// platformKeyNames is empty off Windows: robotgo v1.1.0's X11 values for
// the numpad operators are raw keycodes it then uses as keysyms (its
// "num+" presses N), and it has no X11 key for "menu". Those codes stay
// unmapped (dropped, counted as failed input) until it does.
var platformKeyNames = map[string]string{}
