//go:build !windows && !linux

package assist

func displays() ([]Display, error) { return screenshotDisplays() }
