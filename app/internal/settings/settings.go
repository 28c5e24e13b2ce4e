// Package settings is the desktop app's typed configuration: every key and
// default in one place, read and written through fyne.Preferences.
package settings

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
)

// Keys and defaults.
const (
	keyRelayURL     = "relay.url"
	keyName         = "user.name"
	keyContact      = "user.contact"
	keyTheme        = "ui.theme"
	keyGuideDirs    = "guides.dirs"
	keyRecentGuides = "guides.recent"
	keyPending      = "escalation.pending"

	// DefaultRelayURL is the relay the quick start runs.
	DefaultRelayURL = "http://127.0.0.1:8080"

	maxRecent = 6
)

// Theme is the colour scheme choice.
type Theme string

// Themes.
const (
	ThemeSystem Theme = "system"
	ThemeLight  Theme = "light"
	ThemeDark   Theme = "dark"
)

// Settings wraps an app's preferences.
type Settings struct {
	p fyne.Preferences
	// orgRelay is the help desk address the organisation set for this
	// computer (see app/internal/orgconfig); "" when it set none. It is
	// read at every start, never saved.
	orgRelay string
}

// New reads and writes p.
func New(p fyne.Preferences) *Settings { return &Settings{p: p} }

// RelayURL is the help desk server's address: the organisation's when it
// set one, else the saved one, else DefaultRelayURL.
func (s *Settings) RelayURL() string {
	if s.orgRelay != "" {
		return s.orgRelay
	}
	return s.p.StringWithFallback(keyRelayURL, DefaultRelayURL)
}

// SetRelayURL changes the saved help desk address. It reports false, and
// changes nothing, when the organisation set the address.
func (s *Settings) SetRelayURL(u string) bool {
	if s.orgRelay != "" {
		return false
	}
	s.p.SetString(keyRelayURL, strings.TrimSpace(u))
	return true
}

// LockRelayURL makes u, the address the organisation set, the help desk
// address for this run: RelayURL returns it and SetRelayURL no longer
// changes anything. The saved address is kept for when the organisation
// no longer sets one. "" does nothing.
func (s *Settings) LockRelayURL(u string) { s.orgRelay = strings.TrimSpace(u) }

// RelayURLLocked reports whether the organisation set the help desk
// address, which Settings then shows but does not let the user change.
func (s *Settings) RelayURLLocked() bool { return s.orgRelay != "" }

// Name is the user's name as the help desk should see it.
func (s *Settings) Name() string { return s.p.String(keyName) }

// SetName remembers the user's name.
func (s *Settings) SetName(v string) { s.p.SetString(keyName, strings.TrimSpace(v)) }

// Contact is how the help desk can reach the user (phone or email).
func (s *Settings) Contact() string { return s.p.String(keyContact) }

// SetContact remembers the user's contact details.
func (s *Settings) SetContact(v string) { s.p.SetString(keyContact, strings.TrimSpace(v)) }

// Theme is the chosen colour scheme.
func (s *Settings) Theme() Theme {
	switch t := Theme(s.p.StringWithFallback(keyTheme, string(ThemeSystem))); t {
	case ThemeLight, ThemeDark:
		return t
	}
	return ThemeSystem
}

// SetTheme changes the colour scheme.
func (s *Settings) SetTheme(t Theme) { s.p.SetString(keyTheme, string(t)) }

// GuideDirs are the organisation's extra guide folders.
func (s *Settings) GuideDirs() []string { return nonEmpty(s.p.StringList(keyGuideDirs)) }

// SetGuideDirs replaces the extra guide folders.
func (s *Settings) SetGuideDirs(dirs []string) { s.p.SetStringList(keyGuideDirs, nonEmpty(dirs)) }

// RecentGuides are the ids of the guides opened last, newest first.
func (s *Settings) RecentGuides() []string { return s.p.StringList(keyRecentGuides) }

// AddRecentGuide puts id first in the recent list.
func (s *Settings) AddRecentGuide(id string) {
	recent := slices.DeleteFunc(s.RecentGuides(), func(r string) bool { return r == id })
	recent = append([]string{id}, recent...)
	s.p.SetStringList(keyRecentGuides, recent[:min(len(recent), maxRecent)])
}

// PendingEscalation is the id and resume token (JSON) of the help request
// the relay accepted and still holds open, so a restarted app re-attaches
// to it; empty when there is none. Requests not yet accepted wait in the
// help desk's outbox folder, not here.
func (s *Settings) PendingEscalation() string { return s.p.String(keyPending) }

// SetPendingEscalation stores (or, with "", clears) the open request.
func (s *Settings) SetPendingEscalation(v string) { s.p.SetString(keyPending, v) }

func nonEmpty(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
