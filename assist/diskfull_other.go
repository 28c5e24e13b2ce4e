//go:build !windows

package assist

// isDiskFull reports errors other than ENOSPC that mean a full disk:
// none outside Windows.
func isDiskFull(error) bool { return false }
