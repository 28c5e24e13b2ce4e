package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/settings"
)

// showSettings edits the relay address, name and contact, theme and extra
// guide folders.
func (u *UI) showSettings() {
	st := u.deps.Settings
	relay := widget.NewEntry()
	relay.SetText(st.RelayURL())
	name := widget.NewEntry()
	name.SetText(st.Name())
	contact := widget.NewEntry()
	contact.SetText(st.Contact())
	themes := map[string]settings.Theme{lang.L("Same as the system"): settings.ThemeSystem, lang.L("Light"): settings.ThemeLight, lang.L("Dark"): settings.ThemeDark}
	var current string
	var names []string
	for _, n := range []string{lang.L("Same as the system"), lang.L("Light"), lang.L("Dark")} {
		names = append(names, n)
		if themes[n] == st.Theme() {
			current = n
		}
	}
	themeSel := widget.NewRadioGroup(names, nil)
	themeSel.SetSelected(current)
	dirs := widget.NewMultiLineEntry()
	dirs.SetText(strings.Join(st.GuideDirs(), "\n"))
	dirs.SetPlaceHolder(lang.L("One folder per line"))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Help desk server"), relay),
		widget.NewFormItem(lang.L("Your name"), name),
		widget.NewFormItem(lang.L("Phone or email"), contact),
		widget.NewFormItem(lang.L("Appearance"), themeSel),
		widget.NewFormItem(lang.L("Extra guide folders"), dirs),
	}
	d := dialog.NewForm(lang.L("Settings"), lang.L("Save"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		st.SetRelayURL(relay.Text)
		st.SetName(name.Text)
		st.SetContact(contact.Text)
		st.SetTheme(themes[themeSel.Selected])
		st.SetGuideDirs(strings.Split(dirs.Text, "\n"))
		applyTheme(u.app, st.Theme())
		dialog.ShowInformation(lang.L("Settings saved"), lang.L("A new help desk server or guide folder is used from the next start of Lifeline."), u.win)
	}, u.win)
	d.Resize(fyne.NewSize(560, 480))
	d.Show()
}
