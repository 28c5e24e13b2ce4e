package assist

import "log/slog"

// defaultSource prefers the XShm source and falls back to kbinani/screenshot.
func defaultSource(display int, log *slog.Logger) (Source, error) {
	s, err := NewXShmSource("", display)
	if err == nil {
		log.Info("screen capture", "display", display, "path", "xshm", "bounds", s.Bounds().String())
		return s, nil
	}
	log.Warn("screen capture path unavailable, falling back", "display", display, "path", "xshm", "err", err)
	sc, err := NewScreenshotSource(display)
	if err != nil {
		return nil, err
	}
	log.Info("screen capture", "display", display, "path", "screenshot", "bounds", sc.Bounds().String())
	return sc, nil
}
