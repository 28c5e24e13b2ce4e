//go:build !linux && !windows

package assist

import "log/slog"

func defaultSource(display int, log *slog.Logger) (Source, error) {
	s, err := NewScreenshotSource(display)
	if err != nil {
		return nil, err
	}
	log.Info("screen capture", "display", display, "path", "screenshot", "bounds", s.Bounds().String())
	return s, nil
}
