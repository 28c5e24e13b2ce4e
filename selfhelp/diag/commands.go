package diag

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
)

// CommandRunner runs a program and returns its combined output. A program
// that is not installed is reported as an error wrapping exec.ErrNotFound,
// as os/exec does.
type CommandRunner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// execCommands runs programs with os/exec.
type execCommands struct{}

func (execCommands) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

// run runs a program through cfg.Commands.
func (cfg *Config) run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := cfg.Commands.Run(ctx, name, args...)
	return string(out), err
}

// toolMissing reports whether err says a program is not installed.
func toolMissing(err error) bool { return errors.Is(err, exec.ErrNotFound) }

// hostPath is a fixed path (such as /usr/sbin/cupsd) under cfg.Root.
func (cfg *Config) hostPath(path string) string { return filepath.Join(cfg.Root, path) }
