package main

import (
	"context"
	"log/slog"

	"github.com/lifeline-desk/lifeline/app/internal/cli"
	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/settings"
	"github.com/lifeline-desk/lifeline/app/internal/ui"
)

// desk is the window's connection to the help desk.
type desk interface {
	ui.Helpdesk
	Close() error
}

// newHelpdesk connects the window to the relay in the background.
func newHelpdesk(_ context.Context, st *settings.Settings) (desk, error) {
	return helpdesk.New(helpdesk.Config{RelayURL: st.RelayURL(), AppVersion: cli.Version, Store: st}, slog.Default())
}
