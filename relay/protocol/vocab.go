package protocol

// The typed vocabularies shared by the relay, the desktop and the console:
// why a session ended, what qualifies a consent step, what the relay
// records in its audit log, and the error codes it answers with. Each is
// defined here once; the console's copy (relay/console/static/js/vocab.js)
// is generated from these lists by `go generate ./relay/console` and a test
// fails when the two differ.

// EndReason says why a session ended: the reason of session.end, of the
// desktop's Ended state event and of a stored session record.
type EndReason string

// End reasons.
const (
	EndUser               EndReason = "user"                // the user ended the session
	EndTechnician         EndReason = "technician"          // the technician ended it
	EndViewDenied         EndReason = "view_denied"         // the user declined viewing
	EndNoAnswer           EndReason = "no_answer"           // no answer to the view request in time
	EndConnectionFailed   EndReason = "connection_failed"   // the WebRTC connection failed
	EndCaptureFailed      EndReason = "capture_failed"      // the screen could not be captured
	EndSignalingLost      EndReason = "signaling_lost"      // the desktop lost the relay connection
	EndConnectionLost     EndReason = "connection_lost"     // the relay client's connection dropped mid-session
	EndClientDisconnected EndReason = "client_disconnected" // the relay saw the desktop disconnect
	EndRelayRestart       EndReason = "relay_restart"       // the relay restarted under a running session
	EndRelayShutdown      EndReason = "relay_shutdown"      // the relay shut down
	EndAccessRevoked      EndReason = "access_revoked"      // the technician logged out, was disabled or demoted, or changed the password
	EndTechnicianLost     EndReason = "technician_lost"     // the technician's console went away and did not come back in time
)

// EndReasons lists every end reason, in the order above.
func EndReasons() []EndReason {
	return []EndReason{EndUser, EndTechnician, EndViewDenied, EndNoAnswer, EndConnectionFailed,
		EndCaptureFailed, EndSignalingLost, EndConnectionLost, EndClientDisconnected, EndRelayRestart, EndRelayShutdown, EndAccessRevoked,
		EndTechnicianLost}
}

// ConsentReason qualifies a consent step: the reason of a consent.* payload
// and of the desktop's state events.
type ConsentReason string

// Consent reasons.
const (
	ConsentNoAnswer      ConsentReason = "no_answer"         // the question timed out, which is a decline
	ConsentRevoked       ConsentReason = "revoked"           // the user took back control
	ConsentReleased      ConsentReason = "released"          // the technician gave control back
	ConsentControlDenied ConsentReason = "control_denied"    // the user declined control
	ConsentUnavailable   ConsentReason = "input_unavailable" // control cannot be given on this computer
)

// ConsentReasons lists every consent reason, in the order above.
func ConsentReasons() []ConsentReason {
	return []ConsentReason{ConsentNoAnswer, ConsentRevoked, ConsentReleased, ConsentControlDenied, ConsentUnavailable}
}

// AuditAction names one kind of audit event.
type AuditAction string

// Audit actions. The consent actions are the consent.* message types.
const (
	AuditLogin          AuditAction = "login"
	AuditLoginFailed    AuditAction = "login.failed"
	AuditLoginLocked    AuditAction = "login.locked"
	AuditLogout         AuditAction = "logout"
	AuditUserCreated    AuditAction = "user.created"
	AuditUserUpdated    AuditAction = "user.updated"
	AuditUserPassword   AuditAction = "user.password"
	AuditTOTPEnabled    AuditAction = "user.totp_enabled"
	AuditTOTPDisabled   AuditAction = "user.totp_disabled"
	AuditRequestCreated AuditAction = "request.created"
	AuditRequestTaken   AuditAction = "request.taken"
	AuditRequestCancel  AuditAction = "request.cancelled"
	AuditRequestExpired AuditAction = "request.expired" // waited past the retention period; the relay dropped it
	AuditCodeCreated    AuditAction = "code.created"
	AuditCodeCancelled  AuditAction = "code.cancelled"
	AuditCodeUsed       AuditAction = "code.used"
	AuditCodeFailed     AuditAction = "code.failed"
	AuditSessionStart   AuditAction = "session.start"
	AuditSessionEnd     AuditAction = "session.end"
	AuditSessionNotes   AuditAction = "session.notes"
	AuditViewRequest    AuditAction = AuditAction(TypeViewRequest)
	AuditViewGrant      AuditAction = AuditAction(TypeViewGrant)
	AuditViewDeny       AuditAction = AuditAction(TypeViewDeny)
	AuditControlRequest AuditAction = AuditAction(TypeControlRequest)
	AuditControlGrant   AuditAction = AuditAction(TypeControlGrant)
	AuditControlDeny    AuditAction = AuditAction(TypeControlDeny)
	AuditControlRevoke  AuditAction = AuditAction(TypeControlRevoke)
	AuditGuideDraft     AuditAction = "guide.draft"
	AuditGuidePublish   AuditAction = "guide.publish"
	AuditGuideUnpublish AuditAction = "guide.unpublish"
	AuditGuideHide      AuditAction = "guide.hide"
	AuditGuideUnhide    AuditAction = "guide.unhide"
	AuditGuideRevert    AuditAction = "guide.revert"
	AuditGuideVariables AuditAction = "guide.variables"
	AuditGuideImport    AuditAction = "guide.import"
	AuditFollowupAnswer AuditAction = AuditAction(TypeFollowupAnswer) // the person answered a follow-up
	AuditReopened       AuditAction = "request.reopened"              // a follow-up "not working" put the request back in the queue
	// What the technician did with control, as the desktop reported it
	// (session.activity): the kind of activity is the action.
	AuditClipboardToUser   AuditAction = AuditAction(ActivityClipboardToUser)
	AuditClipboardFromUser AuditAction = AuditAction(ActivityClipboardFromUser)
	AuditTextTyped         AuditAction = AuditAction(ActivityTextTyped)
	AuditFileToUser        AuditAction = AuditAction(ActivityFileToUser)
	AuditFileFromUser      AuditAction = AuditAction(ActivityFileFromUser)
	AuditDisplayShown      AuditAction = AuditAction(ActivityDisplayShown)
	// Session recordings (relay/API.md): the first chunk the console
	// uploaded, and each playback or download of a recording.
	AuditRecordingStarted    AuditAction = "recording.started"
	AuditRecordingDownloaded AuditAction = "recording.downloaded"
)

// AuditSessionReconnected: a console of the session's technician connected
// again while the session ran (a reloaded tab, a new network path).
const AuditSessionReconnected AuditAction = "session.reconnected"

// AuditActions lists every audit action, in the order above.
func AuditActions() []AuditAction {
	return []AuditAction{AuditLogin, AuditLoginFailed, AuditLoginLocked, AuditLogout, AuditUserCreated,
		AuditUserUpdated, AuditUserPassword, AuditTOTPEnabled, AuditTOTPDisabled, AuditRequestCreated,
		AuditRequestTaken, AuditRequestCancel, AuditRequestExpired, AuditCodeCreated, AuditCodeCancelled, AuditCodeUsed,
		AuditCodeFailed, AuditSessionStart, AuditSessionEnd, AuditSessionNotes, AuditSessionReconnected, AuditViewRequest,
		AuditViewGrant, AuditViewDeny, AuditControlRequest, AuditControlGrant, AuditControlDeny, AuditControlRevoke,
		AuditGuideDraft, AuditGuidePublish, AuditGuideUnpublish, AuditGuideHide, AuditGuideUnhide, AuditGuideRevert,
		AuditGuideVariables, AuditGuideImport,
		AuditFollowupAnswer, AuditReopened, AuditClipboardToUser, AuditClipboardFromUser, AuditTextTyped,
		AuditFileToUser, AuditFileFromUser, AuditDisplayShown, AuditRecordingStarted, AuditRecordingDownloaded}
}

// ActivityKind names what a technician did on the user's computer beyond
// mouse and keyboard, as the desktop reports it (session.activity) once it
// has happened: the relay audits it and tells the console. The clipboard
// and typed text need control; a file transfer needs viewing and the
// user's yes to that file.
type ActivityKind string

// Activity kinds.
const (
	ActivityClipboardToUser   ActivityKind = "clipboard.to_user"   // the technician's text was put on the user's clipboard
	ActivityClipboardFromUser ActivityKind = "clipboard.from_user" // the user's clipboard text was sent to the technician
	ActivityTextTyped         ActivityKind = "text.typed"          // the technician's text was typed on the user's keyboard
	ActivityFileToUser        ActivityKind = "file.to_user"        // the user saved a file the technician sent
	ActivityFileFromUser      ActivityKind = "file.from_user"      // a file the user chose reached the technician
	ActivityDisplayShown      ActivityKind = "display.shown"       // the technician switched to another of the user's screens
)

// ActivityKinds lists every activity kind, in the order above.
func ActivityKinds() []ActivityKind {
	return []ActivityKind{ActivityClipboardToUser, ActivityClipboardFromUser, ActivityTextTyped, ActivityFileToUser, ActivityFileFromUser,
		ActivityDisplayShown}
}

// NeedsControl reports whether k happens only while the technician has
// control (the clipboard, typed text); the others need viewing.
func (k ActivityKind) NeedsControl() bool {
	return k == ActivityClipboardToUser || k == ActivityClipboardFromUser || k == ActivityTextTyped
}

// IsFileActivity reports whether k is a file transfer (which needs viewing,
// not control).
func (k ActivityKind) IsFileActivity() bool {
	return k == ActivityFileToUser || k == ActivityFileFromUser
}

// ErrorCode is the code of an error message.
type ErrorCode string

// Error codes.
const (
	CodeBadMessage         ErrorCode = "bad_message"         // the message is malformed or over a limit
	CodeUnsupportedVersion ErrorCode = "unsupported_version" // the envelope's version is not spoken here
	CodeUnknownType        ErrorCode = "unknown_type"        // the message type is not in the closed set
	CodeNotAllowed         ErrorCode = "not_allowed"         // this party may not send this now
	CodeNotFound           ErrorCode = "not_found"           // no such request or session
	CodeBadCode            ErrorCode = "bad_code"            // the one-time code is wrong, used or expired
	CodeRateLimited        ErrorCode = "rate_limited"        // too many attempts; retry_after_ms says when
	CodeInternal           ErrorCode = "internal"            // the relay failed; try again later
	CodeTooLarge           ErrorCode = "too_large"           // the help request is too large to keep; send a shorter one
	CodeQueueIncomplete    ErrorCode = "queue_incomplete"    // part of the queue could not be sent; load it with GET /api/requests
	CodeQueueFull          ErrorCode = "queue_full"          // too many requests are waiting (in all, or from this address); try again later
)

// ErrorCodes lists every error code, in the order above.
func ErrorCodes() []ErrorCode {
	return []ErrorCode{CodeBadMessage, CodeUnsupportedVersion, CodeUnknownType, CodeNotAllowed,
		CodeNotFound, CodeBadCode, CodeRateLimited, CodeInternal, CodeTooLarge, CodeQueueIncomplete, CodeQueueFull}
}

// Actor is who did something, as the audit log and chat transcripts record
// it: a technician ("tech:alex"), a desktop user ("user" or "user:Maria
// Lopez") or the relay itself.
type Actor string

// ActorRelay is the relay itself; ActorUser a desktop user with no name;
// ActorLoginAttempt a console login attempt that failed or was refused:
// the name as typed is not yet verified, so it goes (bounded and quoted)
// into the event's detail, never into the actor, where it could read
// "tech:alex".
const (
	ActorRelay        Actor = "relay"
	ActorUser         Actor = "user"
	ActorLoginAttempt Actor = "login-attempt"
)

// TechActor is the actor of a technician's own action.
func TechActor(username string) Actor { return Actor("tech:" + username) }

// UserActor is the actor of a desktop user's action; name may be empty.
func UserActor(name string) Actor {
	if name == "" {
		return ActorUser
	}
	return Actor("user:" + name)
}

// InsightKind names one kind of insight event a desktop reports
// (insight.events): what people searched, which guide they opened, how far
// they got and how it ended.
type InsightKind string

// Insight kinds.
const (
	InsightSearch      InsightKind = "search"            // a search that found guides
	InsightNoResults   InsightKind = "search.no_results" // a search that found nothing
	InsightGuideOpened InsightKind = "guide.opened"      // a guide was opened
	InsightStepReached InsightKind = "step.reached"      // a step of a guide was shown
	InsightFixed       InsightKind = "guide.fixed"       // the person said the guide fixed it
	InsightNotWorking  InsightKind = "guide.not_working" // the guide ended without a fix ("still not working")
	InsightAbandoned   InsightKind = "guide.abandoned"   // the guide was closed mid-way
	InsightCheckResult InsightKind = "check.result"      // an automatic check ran
	InsightEscalated   InsightKind = "escalated"         // the person asked for live help
)

// InsightKinds lists every insight kind, in the order above.
func InsightKinds() []InsightKind {
	return []InsightKind{InsightSearch, InsightNoResults, InsightGuideOpened, InsightStepReached, InsightFixed,
		InsightNotWorking, InsightAbandoned, InsightCheckResult, InsightEscalated}
}

// CheckStatus is the result of an automatic check (selfhelp/diag uses the
// same words); "skipped" is a check the desktop did not run.
type CheckStatus string

// Check statuses.
const (
	CheckOK      CheckStatus = "ok"
	CheckWarn    CheckStatus = "warn"
	CheckFail    CheckStatus = "fail"
	CheckUnknown CheckStatus = "unknown"
	CheckSkipped CheckStatus = "skipped"
)

// CheckStatuses lists every check status, in the order above.
func CheckStatuses() []CheckStatus {
	return []CheckStatus{CheckOK, CheckWarn, CheckFail, CheckUnknown, CheckSkipped}
}
