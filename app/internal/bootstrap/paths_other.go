//go:build !windows

package bootstrap

// LocalDataDir is the folder for data that belongs to this computer and
// this user, where the platform has one apart from the app's storage; ""
// here, so the outbox stays in Fyne's storage folder and the index in the
// user's cache folder, as XDG has it.
func LocalDataDir() string { return "" }
