package main

import (
	"context"
	"errors"

	"github.com/lifeline-desk/lifeline/app/internal/settings"
	"github.com/lifeline-desk/lifeline/app/internal/ui"
)

// desk is the window's connection to the help desk.
type desk interface {
	ui.Helpdesk
	Close() error
}

// newHelpdesk connects the window to the relay.
func newHelpdesk(ctx context.Context, st *settings.Settings) (desk, error) {
	return nil, errors.New("live help is not wired yet")
}
