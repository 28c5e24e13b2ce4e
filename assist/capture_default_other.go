//go:build !linux

package assist

func defaultSource(display int) (Source, error) { return NewScreenshotSource(display) }
