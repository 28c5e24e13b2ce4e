//go:build !windows

package assist

func displays() ([]Display, error) { return screenshotDisplays() }
