//go:build !linux && !windows && !darwin

package guide

// Current is the platform Lifeline is running on: other Unix desktops follow
// the Linux variants.
const Current = Linux
