package bootstrap

import "os"

// LocalDataDir is the folder for data that belongs to this computer and
// this user and should not roam with the profile (the outbox, the index
// cache): %LOCALAPPDATA%\Lifeline.
func LocalDataDir() string {
	return windowsLocalDir(os.Getenv("LOCALAPPDATA"), os.Getenv("USERPROFILE"))
}
