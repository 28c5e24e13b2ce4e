package assist

// robotgoKey maps a browser KeyboardEvent.code (a physical key, layout
// independent) to robotgo's key name. Punctuation keys map to their
// unshifted US-layout character; the technician's Shift key is sent as
// its own key event, so the desktop's layout decides the final character.
func robotgoKey(code string) (string, bool) {
	if len(code) == 4 && code[:3] == "Key" && code[3] >= 'A' && code[3] <= 'Z' {
		return string(code[3] + 'a' - 'A'), true
	}
	if len(code) == 6 && code[:5] == "Digit" && code[5] >= '0' && code[5] <= '9' {
		return code[5:], true
	}
	if k, ok := keyNames[code]; ok {
		return k, true
	}
	k, ok := platformKeyNames[code]
	return k, ok
}

var keyNames = map[string]string{
	"Enter":        "enter",
	"NumpadEnter":  "enter",
	"Escape":       "esc",
	"Backspace":    "backspace",
	"Tab":          "tab",
	"Space":        "space",
	"ArrowUp":      "up",
	"ArrowDown":    "down",
	"ArrowLeft":    "left",
	"ArrowRight":   "right",
	"Home":         "home",
	"End":          "end",
	"PageUp":       "pageup",
	"PageDown":     "pagedown",
	"Delete":       "delete",
	"Insert":       "insert",
	"CapsLock":     "capslock",
	"PrintScreen":  "printscreen",
	"ShiftLeft":    "shift",
	"ShiftRight":   "right_shift",
	"ControlLeft":  "ctrl",
	"ControlRight": "ctrlr",
	"AltLeft":      "alt",
	"AltRight":     "altr",
	"MetaLeft":     "cmd",
	"MetaRight":    "cmdr",
	"Minus":        "-",
	"Equal":        "=",
	"BracketLeft":  "[",
	"BracketRight": "]",
	"Backslash":    "\\",
	"Semicolon":    ";",
	"Quote":        "'",
	"Backquote":    "`",
	"Comma":        ",",
	"Period":       ".",
	"Slash":        "/",
	"F1":           "f1",
	"F2":           "f2",
	"F3":           "f3",
	"F4":           "f4",
	"F5":           "f5",
	"F6":           "f6",
	"F7":           "f7",
	"F8":           "f8",
	"F9":           "f9",
	"F10":          "f10",
	"F11":          "f11",
	"F12":          "f12",
	"Numpad0":      "num0",
	"Numpad1":      "num1",
	"Numpad2":      "num2",
	"Numpad3":      "num3",
	"Numpad4":      "num4",
	"Numpad5":      "num5",
	"Numpad6":      "num6",
	"Numpad7":      "num7",
	"Numpad8":      "num8",
	"Numpad9":      "num9",

	"NumpadDecimal": "num.",
	"NumLock":       "num_lock",
	"ScrollLock":    "scroll_lock",
	"Pause":         "pause_break",
}
