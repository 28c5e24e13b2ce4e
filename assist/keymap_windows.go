package assist

// platformKeyNames are the keys robotgo maps right on Windows only: the
// numpad operators (VK_ADD, VK_SUBTRACT, VK_MULTIPLY, VK_DIVIDE) and the
// context-menu key (VK_APPS).
var platformKeyNames = map[string]string{
	"NumpadAdd":      "num+",
	"NumpadSubtract": "num-",
	"NumpadMultiply": "num*",
	"NumpadDivide":   "num/",
	"ContextMenu":    "menu",
}
