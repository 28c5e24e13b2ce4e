//go:build !windows

package assist

// platformKeyNames is empty off Windows: robotgo v1.1.0's X11 values for
// the numpad operators are keycodes it then uses as keysyms (on Xvfb its
// "num+" types n, "num-" j, "num*" 7 and "num/" b), and "menu" is no X11
// key at all. Those codes stay unmapped (dropped, counted as failed input)
// until robotgo maps them.
var platformKeyNames = map[string]string{}
