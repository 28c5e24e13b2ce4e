package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/settings"
)

// settingsForm is what Settings shows: the person's own details and
// appearance, and, folded away under "Advanced", what the organisation's
// IT team sets up (the help desk address and extra guide folders). An
// address the organisation set for the computer (orgconfig) is shown as
// text with "Set by your organisation.", not as a field. save stores what
// is on screen.
type settingsForm struct {
	root     fyne.CanvasObject
	advanced *widget.Accordion
	guides   *widget.Label // which guides are in use; nil without a GuideSource
	save     func()
}

func newSettingsForm(u *UI) *settingsForm {
	st := u.deps.Settings
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

	relay := widget.NewEntry()
	relay.SetText(st.RelayURL())
	var relayField fyne.CanvasObject = relay
	if st.RelayURLLocked() {
		// Shown, selectable to copy into an email, but not editable.
		addr := widget.NewLabel(st.RelayURL())
		addr.Selectable = true
		addr.Wrapping = fyne.TextWrapBreak
		locked := widget.NewLabel(lang.L("Set by your organisation."))
		locked.Wrapping = fyne.TextWrapWord
		relayField = container.NewVBox(addr, locked)
	}
	dirs := widget.NewMultiLineEntry()
	dirs.SetText(strings.Join(st.GuideDirs(), "\n"))
	dirs.SetPlaceHolder(lang.L("One folder per line"))
	note := widget.NewLabel(lang.L("Your IT team sets these up. You don't need to change them."))
	note.Wrapping = fyne.TextWrapWord
	org := container.NewVBox(note, widget.NewForm(
		widget.NewFormItem(lang.L("Help desk address"), relayField),
		widget.NewFormItem(lang.L("More guide folders"), dirs),
	))
	f := &settingsForm{advanced: widget.NewAccordion(widget.NewAccordionItem(lang.L("Advanced (for your IT team)"), org))}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Your name"), name),
		widget.NewFormItem(lang.L("Phone or email"), contact),
		widget.NewFormItem(lang.L("Appearance"), themeSel),
	)
	if u.deps.Guides != nil {
		// Which guides are in use, and a plain word when the help desk's
		// newest could not be used (never a dialog).
		f.guides = widget.NewLabel(lang.L(u.deps.Guides.Status().Text))
		f.guides.Wrapping = fyne.TextWrapWord
		form.Append(lang.L("Guides"), f.guides)
	}
	f.root = container.NewVBox(form, f.advanced)
	f.save = func() {
		if !st.RelayURLLocked() {
			st.SetRelayURL(relay.Text)
		}
		st.SetName(name.Text)
		st.SetContact(contact.Text)
		st.SetTheme(themes[themeSel.Selected])
		st.SetGuideDirs(strings.Split(dirs.Text, "\n"))
		applyTheme(u.app, st.Theme())
	}
	return f
}

// showSettings edits the name and contact, theme and, under Advanced, the
// help desk address and extra guide folders.
func (u *UI) showSettings() {
	f := newSettingsForm(u)
	d := dialog.NewCustomConfirm(lang.L("Settings"), lang.L("Save"), lang.L("Cancel"), container.NewVScroll(f.root), func(ok bool) {
		if !ok {
			return
		}
		f.save()
		dialog.ShowInformation(lang.L("Settings saved"), lang.L("A new help desk address or guide folder is used from the next start of Lifeline."), u.win)
	}, u.win)
	d.Resize(fyne.NewSize(560, 480))
	d.Show()
}
