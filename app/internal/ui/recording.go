package ui

// Session recording as the user sees it: when the organisation records
// sessions, the question to allow viewing says so first, and the banner
// carries a recording mark while the screen is shared.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// recordingNotice is the sentence that opens the view question of a
// recorded session ("" when it is not recorded).
func recordingNotice(recorded bool) string {
	if !recorded {
		return ""
	}
	return lang.L("This session will be recorded.") + " "
}

// recordingMark is the banner's "● Recording" while a recorded session
// shares the screen, or nil.
func (u *UI) recordingMark() fyne.CanvasObject {
	if !u.recording {
		return nil
	}
	mark := widget.NewLabelWithStyle(lang.L("● Recording"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	mark.Importance = widget.DangerImportance
	return mark
}
