//go:build !linux

package main

// noDesktop is false where a desktop session always exists.
func noDesktop() bool { return false }
