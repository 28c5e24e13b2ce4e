// Package ui is the Lifeline desktop window: self-help search and guides,
// escalation to the help desk, code entry, consent dialogs and the live
// session banner. It is the only package that touches Fyne widgets; work
// done on other goroutines comes back through fyne.Do.
package ui

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/app/internal/settings"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// CodeButtonLabel is the button (and tray entry) for a code read out by a
// technician. The technician console tells the caller to click it by these
// exact words; relay/console's wording test reads this declaration.
const CodeButtonLabel = "A technician gave me a code"

// WindowWidth is the window's width on every screen: the content wraps
// to it rather than widening the window when a screen or the chat opens.
const WindowWidth = 820

const windowHeight = 640

// fixedWidth gives its content one minimum width whatever the screen
// asks for, so switching screens never resizes the window.
type fixedWidth struct{ width float32 }

func (l fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.width, h)
}

func (l fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// Deps are the values the window works with.
type Deps struct {
	Index    *search.Index
	Diag     *diag.Runner
	Settings *settings.Settings
	Vars     guide.Vars
	Platform guide.Platform
	Version  string
	// Helpdesk reaches the relay; nil runs the app self-help only.
	Helpdesk Helpdesk
	// Feedback sends "Something wrong with this step?" (*helpdesk.Desk);
	// nil hides the link.
	Feedback FeedbackSender
	// Guides is where new guides come from; nil keeps Index and Vars.
	Guides GuideSource
}

// UI is the main window and its screens.
type UI struct {
	app  fyne.App
	win  fyne.Window
	deps Deps

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	main      *fyne.Container // everything in the window, inside the fixed width
	content   *fyne.Container // the current screen
	banner    *fyne.Container // the live-session banner, empty when none
	status    *widget.Label   // connection to the help desk
	home      *homeScreen
	guide     *guideScreen
	help      *helpScreen
	chatPanel *chatPanel
	// journey makes the insight events of self-help; nil without a
	// help desk.
	journey *helpdesk.Journey

	// screenShown and screens say which of the user's screens the
	// technician sees, and how many there are (the banner names it).
	screenShown, screens int
	// presenceNote: the technician lost the connection, or is back (reconnect.go).
	presenceNote presenceNote

	// set is the guides in use: Index and Vars, then each UpdateGuides.
	set atomic.Pointer[guideSet]

	// dispatch runs UI work handed over from other goroutines: fyne.Do in
	// the app; tests replace it to run that work on the test goroutine.
	dispatch func(func())

	// technician is who helps in the live session; transfers its files
	// under way, by id (files.go).
	technician string
	transfers  map[uint32]*transferRow
	lastFile   *fileDialog // the file question shown last
	// sharingClip: the person shares what they copy (the banner's check,
	// shareCheck); a new session starts without.
	sharingClip bool
	shareCheck  *widget.Check

	recording    bool                 // the live session is recorded (recording.go)
	lastConsent  *consentDialog       // the consent dialog shown last
	lastFollowup *followupDialog      // the follow-up dialog shown last (followup.go)
	onEvent      func(helpdesk.Event) // test hook: after an event is handled
	onGuides     func()               // test hook: after new guides are in use
	onFeedback   func()               // test hook: after feedback was kept
	lastFeedback *feedbackDialog      // the feedback dialog shown last
}

// New builds the main window; call ShowAndRun, or Window for tests.
func New(a fyne.App, deps Deps) *UI {
	if deps.Platform == "" {
		deps.Platform = guide.Current
	}
	u := &UI{app: a, deps: deps, dispatch: fyne.Do, transfers: map[uint32]*transferRow{}}
	u.set.Store(&guideSet{ix: deps.Index, vars: deps.Vars})
	if deps.Helpdesk != nil {
		u.journey = helpdesk.NewJourney(deps.Helpdesk.Track)
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	applyTheme(a, deps.Settings.Theme())
	icon := fyne.NewStaticResource("lifeline.png", assets.Icon())
	a.SetIcon(icon)
	u.win = a.NewWindow(lang.L("Lifeline — IT help"))
	u.win.Resize(fyne.NewSize(WindowWidth, windowHeight))
	u.win.SetMaster()

	u.content = container.NewStack()
	u.banner = container.NewVBox()
	u.home = newHomeScreen(u)
	u.guide = newGuideScreen(u)
	u.help = newHelpScreen(u)
	u.chatPanel = newChatPanel(u)

	liveHelp := widget.NewButtonWithIcon(lang.L("Get live help"), theme.HelpIcon(), func() { u.showHelp(nil, "") })
	liveHelp.Importance = widget.HighImportance
	settingsBtn := widget.NewButtonWithIcon("", theme.SettingsIcon(), u.showSettings)
	homeBtn := widget.NewButtonWithIcon(lang.L("Start"), theme.HomeIcon(), u.startOver)
	title := widget.NewLabelWithStyle(lang.L("Lifeline"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, container.NewHBox(homeBtn, title), container.NewHBox(liveHelp, settingsBtn))
	u.status = widget.NewLabel("")
	u.status.Wrapping = fyne.TextWrapWord
	u.status.Hide()
	u.main = container.NewBorder(container.NewVBox(u.banner, top, widget.NewSeparator()), u.status, nil, u.chatPanel.root, u.content)
	u.win.SetContent(container.New(fixedWidth{WindowWidth}, u.main))
	u.win.SetOnClosed(u.Close)
	u.showHome()
	u.watchHelpdesk()
	if d, ok := a.(desktop.App); !ok {
		// the test driver: no tray
	} else if !trayAvailable() {
		slog.Info("no D-Bus session bus: Lifeline runs without a tray icon")
	} else {
		show := func(f func()) func() {
			return func() {
				u.win.Show()
				u.win.RequestFocus()
				f()
			}
		}
		d.SetSystemTrayMenu(fyne.NewMenu(lang.L("Lifeline"),
			fyne.NewMenuItem(lang.L("Get help"), show(u.showHome)),
			fyne.NewMenuItem(lang.L("Get live help"), show(func() { u.showHelp(nil, "") })),
			fyne.NewMenuItem(lang.L(CodeButtonLabel), show(u.showCode)),
		))
		d.SetSystemTrayIcon(icon)
	}
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// ShowAndRun shows the window and runs the app until it quits.
func (u *UI) ShowAndRun() {
	u.win.Show()
	u.win.Canvas().Focus(u.home.entry)
	u.app.Run()
}

// Close stops background work and waits for it, then closes the guides'
// index the window owns (not Deps.Index, which is the caller's).
func (u *UI) Close() {
	u.journey.Leave() // a guide left open is abandoned
	u.cancel()
	u.wg.Wait()
	u.guides().retire()
}

// do runs fn on the UI thread.
func (u *UI) do(fn func()) { u.dispatch(fn) }

// goBackground runs fn on a goroutine owned by the UI.
func (u *UI) goBackground(fn func(ctx context.Context)) {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		fn(u.ctx)
	}()
}

func (u *UI) setScreen(o fyne.CanvasObject) {
	u.content.Objects = []fyne.CanvasObject{o}
	u.content.Refresh()
}

func (u *UI) showHome() {
	u.home.refreshLists()
	u.setScreen(u.home.root)
	u.win.Canvas().Focus(u.home.entry)
}

// startOver is "Start": home with an empty search box, so new words are
// not added to the last search.
func (u *UI) startOver() {
	u.journey.Restart()
	u.home.entry.SetText("")
	u.showHome()
}

func (u *UI) openGuide(id string) {
	g, ok := u.guides().ix.Library().Get(id)
	if !ok {
		return
	}
	u.deps.Settings.AddRecentGuide(id)
	if q := strings.TrimSpace(u.home.entry.Text); q != "" {
		u.journey.Searched(q, len(u.home.shown.Hits))
	}
	u.journey.Opened(id)
	u.guide.start(g, u.home.entry.Text)
	u.setScreen(u.guide.root)
}

func applyTheme(a fyne.App, t settings.Theme) { a.Settings().SetTheme(newTheme(t)) }

// watchHelpdesk turns help-desk events into screen changes.
func (u *UI) watchHelpdesk() {
	hd := u.deps.Helpdesk
	if hd == nil {
		return
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		var consent *consentDialog
		for {
			select {
			case <-u.ctx.Done():
				return
			case ev, ok := <-hd.Events():
				if !ok {
					return
				}
				u.do(func() {
					switch ev.Kind {
					case helpdesk.EventQueued:
						u.help.queued(ev.Position)
					case helpdesk.EventConsent:
						if consent != nil && !consent.answered {
							consent.answer(false)
						}
						consent = u.showConsent(ev.Consent)
					case helpdesk.EventTaken:
						u.help.taken(ev.Technician)
					case helpdesk.EventSession:
						u.technician = ev.Technician
						if ev.Session == helpdesk.SessionEnded {
							u.sharingClip = false
						}
						u.chatPanel.fileButton(ev.Session == helpdesk.SessionViewing || ev.Session == helpdesk.SessionControlling)
						u.setSharedScreen(ev.Shown, ev.Displays)
						u.recording = ev.Recording // recording.go
						u.setSession(ev.Session, ev.Technician)
						u.showSession(ev)
					case helpdesk.EventScreen:
						u.setSharedScreen(ev.Shown, ev.Displays)
						u.setSession(ev.Session, ev.Technician)
					case helpdesk.EventPresence:
						u.presence(ev)
					case helpdesk.EventChat:
						u.chat(ev.From, ev.Text, ev.At)
					case helpdesk.EventActivity:
						u.activity(ev.Activity, ev.At)
					case helpdesk.EventFileQuestion:
						u.askFile(ev.File)
					case helpdesk.EventFile:
						u.showTransfer(ev.Transfer)
					case helpdesk.EventFollowup:
						u.showFollowup(ev.Followup)
					case helpdesk.EventConnection:
						u.setOnline(ev.Online, ev.Text)
						if ev.Online && u.deps.Guides != nil {
							u.deps.Guides.Refresh() // new guides may have been published meanwhile
						}
					case helpdesk.EventGuidesChanged:
						if u.deps.Guides != nil {
							u.deps.Guides.Changed(ev.ETag)
						}
					case helpdesk.EventRequestClosed, helpdesk.EventError:
						if ev.Err != nil {
							u.notify(lang.L(plainerr.Message(ev.Err)))
						} else if ev.Text != "" {
							u.notify(lang.L(ev.Text))
						}
					}
					if u.onEvent != nil {
						u.onEvent(ev)
					}
				})
			}
		}
	}()
}

// setOnline shows the help desk connection state in the status line; it is
// hidden while all is well.
func (u *UI) setOnline(online bool, text string) {
	if online || text == "" {
		u.status.Hide()
		return
	}
	u.status.SetText(text)
	u.status.Show()
}

// notify shows a short message to the person.
func (u *UI) notify(text string) {
	u.app.SendNotification(fyne.NewNotification(lang.L("Lifeline"), text))
}

// Raise brings the window to the front (a second copy was started).
func (u *UI) Raise() {
	u.do(func() {
		u.win.Show()
		u.win.RequestFocus()
	})
}
