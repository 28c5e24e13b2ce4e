// Package console holds the technician web console, embedded in the relay
// and served at "/": plain JavaScript modules and CSS, no build step and
// no network access beyond the relay itself.
//
// Layout of static/:
//
//	index.html        the single page (no inline script or style: strict CSP)
//	console.css       all styling
//	js/main.js        sign-in, navigation, the live queue, one-time codes, the status bar
//	js/api.js         JSON API client (cookie + X-CSRF-Token), error mapping
//	js/socket.js      /ws/tech with automatic reconnect (relay/client.Backoff: exponential, equal jitter)
//	js/session.js     a live session: consent, WebRTC answerer, screen, remote control, chat, close-out
//	js/inputproto.js  the data-channel input encoding (see assist/inputproto)
//	js/context.js     rendering of a request's context: what the person wrote apart from
//	                  the guide's note, guide steps, checks, diagnostics
//	js/quality.js     when the live picture is reduced (smaller or slower) and why
//	js/history.js     past sessions, search, export
//	js/recorder.js    recording a live session's screen (MediaRecorder, WebM) and uploading it in chunks
//	js/playback.js    a recorded session's playback on its History page, with its timeline beside it
//	js/insights.js    the Insights page: deflection funnel, guides and their steps, content gaps,
//	                  categories, answer times, technicians; a table and CSV link per chart
//	insights.css      its styling
//	vendor/uplot/     uPlot (MIT), the charts: vendored from npm unchanged (see its README.md)
//	js/session-tools.js  with control: special keys, the clipboard both ways, typed text
//	js/session-files.js  file transfers both ways (js/fileproto.js on the "file" data channel)
//	js/session-pointer.js  the user's mouse pointer drawn over the video (PointerPosition/PointerShape)
//	js/session-reconnect.js  a running session resumes after a reload or a dropped connection (signal.restart)
//	vendor/noble-hashes/ @noble/hashes (MIT), streaming SHA-256 of a file (see its README.md)
//	js/admin.js       technician accounts and the audit log
//	js/words.js       plain words for audit actors, actions, end reasons and details
//	                  (the raw codes stay in the exports)
//	js/account.js     password and TOTP second factor
//	js/dom.js         element helpers (text only, never HTML), the in-page confirm dialog
//	js/vocab.js       end reasons, consent reasons, audit actions, error codes, insight kinds:
//	                  generated from relay/protocol/vocab.go (go generate ./relay/console)
//
// Every text that comes from a user or the relay is set with textContent.
// The console talks only to the JSON API and /ws/tech documented in
// relay/API.md. The browser tests live in relay/console/e2e.
package console

//go:generate go run ./internal/genvocab

import (
	"embed"
	"io/fs"
)

// all: so that the vendored files whose names start with "_" are kept.
//
//go:embed all:static
var static embed.FS

// FS returns the console's static files, rooted at the directory holding index.html.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}
