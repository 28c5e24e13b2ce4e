package assist

// defaultSource prefers the XShm source and falls back to kbinani/screenshot.
func defaultSource(display int) (Source, error) {
	if s, err := NewXShmSource("", display); err == nil {
		return s, nil
	}
	return NewScreenshotSource(display)
}
