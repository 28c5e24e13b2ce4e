package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/lifeline-desk/lifeline/app/internal/settings"
)

// contrastRatio is the WCAG 2 contrast ratio of two opaque colours, from
// 1 (same) to 21 (black on white).
func contrastRatio(a, b color.Color) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func relativeLuminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// TestThemeContrast: every text-on-colour pair the window uses passes WCAG
// AA (4.5:1) in the light and the dark variant, whether the person picked
// one or follows the system.
func TestThemeContrast(t *testing.T) {
	if got := contrastRatio(color.White, color.Black); math.Abs(got-21) > 0.01 {
		t.Fatalf("white on black is %.2f:1, want 21:1", got)
	}
	// Fyne's own white on bright green, the colour people reported.
	if got := contrastRatio(color.White, theme.DefaultTheme().Color(theme.ColorNameSuccess, theme.VariantLight)); got >= 4.5 {
		t.Fatalf("Fyne's white on green measures %.2f:1; the measure is wrong", got)
	}
	pairs := []struct{ text, back fyne.ThemeColorName }{
		{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
		{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
		{theme.ColorNameForegroundOnError, theme.ColorNameError},
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
		{theme.ColorNameForeground, theme.ColorNameBackground},
		{theme.ColorNameForeground, theme.ColorNameButton},
		{theme.ColorNameForeground, theme.ColorNameInputBackground},
		{theme.ColorNamePrimary, theme.ColorNameBackground}, // links
	}
	for _, choice := range []settings.Theme{settings.ThemeSystem, settings.ThemeLight, settings.ThemeDark} {
		th := newTheme(choice)
		for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
			for _, p := range pairs {
				if got := contrastRatio(th.Color(p.text, v), th.Color(p.back, v)); got < 4.5 {
					t.Errorf("theme %q, variant %d: %s on %s is %.2f:1, want at least 4.5:1", choice, v, p.text, p.back, got)
				}
			}
		}
	}
}
