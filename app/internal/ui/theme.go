package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/lifeline-desk/lifeline/app/internal/settings"
)

// lifelineTheme is Fyne's default theme with the coloured buttons ("That
// fixed it", "Still not working", "Get live help") in colours whose text
// passes WCAG AA contrast (4.5:1) in light and dark variants; Fyne's own
// white on bright green is 1.7:1.
type lifelineTheme struct {
	fyne.Theme
	// variant, when forced, pins light or dark instead of the system's.
	variant fyne.ThemeVariant
	forced  bool
}

func newTheme(t settings.Theme) fyne.Theme {
	lt := lifelineTheme{Theme: theme.DefaultTheme()}
	switch t {
	case settings.ThemeDark:
		lt.variant, lt.forced = theme.VariantDark, true
	case settings.ThemeLight:
		lt.variant, lt.forced = theme.VariantLight, true
	}
	return lt
}

func (t lifelineTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.forced {
		v = t.variant
	}
	if c, ok := accessibleColors[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

var (
	white    = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	nearDark = color.NRGBA{R: 0x17, G: 0x17, B: 0x18, A: 0xff} // Fyne's dark background
)

// accessibleColors replace Fyne's accent colours: dark accents under white
// text in the light variant, light accents under dark text in the dark one.
var accessibleColors = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNameSuccess:             color.NRGBA{R: 0x1b, G: 0x6e, B: 0x20, A: 0xff},
		theme.ColorNameForegroundOnSuccess: white,
		theme.ColorNameWarning:             color.NRGBA{R: 0xa8, G: 0x4a, B: 0x00, A: 0xff},
		theme.ColorNameForegroundOnWarning: white,
		theme.ColorNameError:               color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNameForegroundOnError:   white,
		theme.ColorNamePrimary:             color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff},
		theme.ColorNameForegroundOnPrimary: white,
	},
	theme.VariantDark: {
		theme.ColorNameSuccess:             color.NRGBA{R: 0x66, G: 0xbb, B: 0x6a, A: 0xff},
		theme.ColorNameForegroundOnSuccess: nearDark,
		theme.ColorNameWarning:             color.NRGBA{R: 0xff, G: 0xb7, B: 0x4d, A: 0xff},
		theme.ColorNameForegroundOnWarning: nearDark,
		theme.ColorNameError:               color.NRGBA{R: 0xef, G: 0x9a, B: 0x9a, A: 0xff},
		theme.ColorNameForegroundOnError:   nearDark,
		theme.ColorNamePrimary:             color.NRGBA{R: 0x64, G: 0xb5, B: 0xf6, A: 0xff},
		theme.ColorNameForegroundOnPrimary: nearDark,
	},
}
