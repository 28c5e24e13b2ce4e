// Package protocol defines version 1 of the Lifeline relay wire protocol: the
// JSON messages exchanged over WebSocket between the relay and a desktop
// client (endpoint /ws/client) and between the relay and a technician's
// browser console (endpoint /ws/tech).
//
// # Transport
//
// Every message is one WebSocket text frame holding one JSON object. A frame
// larger than [MaxMessageSize] (64 KiB) is refused before it is read: the
// relay closes the socket with status 1009 (message too big). Binary frames
// are refused. Clients must apply the same limit to what they read.
//
// The relay sends WebSocket pings; clients must answer them (every WebSocket
// library does). There is no application-level keep-alive.
//
// # Envelope
//
//		{"v":1, "type":"request.submit", "id":"c1", "session":"s-…", "data":{…}}
//
//	  - v (int, required): protocol version, always [Version] (1). Any other
//	    value is answered with error "unsupported_version".
//	  - type (string, required): one of the types listed below; anything else is
//	    answered with error "unknown_type".
//	  - id (string, optional, ≤ 64 bytes): chosen by the sender. The relay copies
//	    the id of a request into its direct reply (request.accepted, error, ack)
//	    so a client can match them.
//	  - session (string, optional, ≤ 64 bytes): the session a session message
//	    belongs to. Required on session messages sent by a technician (one
//	    console may run several sessions); optional from a desktop client (it has
//	    at most one); always set by the relay on session messages it sends.
//	  - data (object, optional): the payload, whose shape depends on type.
//	    Unknown fields inside data are ignored; unknown fields in the envelope
//	    are an error. The relay never forwards raw bytes: it decodes the payload
//	    into the typed struct and re-encodes it, so only documented fields pass.
//
// A malformed message (not JSON, wrong field types, missing required fields,
// over a field limit) is answered with an error message and the socket is
// closed with status 1008 (policy violation) for decoding errors. Errors about
// state ("not_allowed", "bad_code", "rate_limited", "not_found") leave the
// socket open.
//
// # Message types
//
// Direction: C = desktop client, T = technician console, R = relay.
//
//	type                     direction   data
//	request.submit           C→R         RequestSubmit
//	request.resume           C→R         RequestResume
//	request.cancel           C→R         (none)
//	request.accepted         R→C         RequestAccepted (reply to submit/resume)
//	request.position         R→C         QueuePosition (sent when it changes)
//	request.taken            R→C         RequestTaken (a technician took it; session.start follows)
//	request.cancelled        R→C         RequestCancelled
//	code.redeem              C→R         CodeRedeem
//	outcome.report           C→R         OutcomeReport (reply: ack; older desktops — stored as insight events)
//	insight.events           C→R         InsightEvents (reply: ack)
//	welcome                  R→C         Welcome (the first message on every /ws/client connection)
//	guide.feedback           C→R         GuideFeedback (reply: ack)
//	guides.changed           R→C         GuidesChanged (the guide pack changed; no reply)
//	ack                      R→C         (none)
//	queue.snapshot           R→T         QueueSnapshot (sent on connect, in parts 1 … n)
//	queue.added              R→T         QueueItem
//	queue.updated            R→T         QueueItem (state or presence changed; state ≠ waiting means: remove from queue)
//	session.start            R→C, R→T    SessionStart
//	session.end              C→R, T→R, R→C, R→T   SessionEnd
//	consent.view.request     T→R→C       Consent
//	consent.view.grant       C→R→T       Consent
//	consent.view.deny        C→R→T       Consent
//	consent.control.request  T→R→C       Consent
//	consent.control.grant    C→R→T       Consent
//	consent.control.deny     C→R→T       Consent
//	consent.control.revoke   C→R→T       Consent
//	signal.offer             C→R→T       SDP
//	signal.answer            T→R→C       SDP
//	signal.candidate         C→R→T, T→R→C  Candidate
//	chat                     C→R→T, T→R→C  Chat (relay fills from and at)
//	session.activity         C→R→T       SessionActivity (relay fills by; only while control is granted, audited)
//	error                    R→C, R→T    Error
//	followup.claim           C→R         FollowupClaim (reply: ack)
//	followup.offer           R→C         FollowupOffer
//	followup.answer          C→R         FollowupAnswer (reply: ack)
//	session.away             R→C         SessionAway (the technician's consoles are all gone; see Reconnecting)
//	session.resume           R→C         SessionResume (a console of the technician is back)
//	signal.restart           T→R→C       (none) (send a new offer; only once viewing was granted)
//
// A message whose direction does not match the sender (for example a client
// sending consent.view.request, or a technician sending signal.offer) is
// answered with error "not_allowed" and dropped.
//
// # Help request life cycle
//
//	waiting ──take──▶ taken ──session.start──▶ in_session ──session.end──▶ resolved
//	   │                 │                        │
//	   └──cancel─────────┴──▶ cancelled           └─ (relay restart) ─▶ waiting again
//
// A desktop client sends request.submit. The relay persists the request and
// only then answers request.accepted with request_id, resume_token and the
// queue position (1 = next). The request appears on every connected console
// (queue.added). Position changes are pushed as request.position.
//
// A client that may send the same request twice (it kept it while the relay
// was unreachable and cannot tell whether an earlier submit arrived) sets
// idempotency_key (≤ 64 bytes, e.g. 32 random hex digits, chosen once per
// request). A request.submit whose key the relay already holds creates
// nothing: the relay answers request.accepted for the original request, with
// a fresh resume_token (the earlier one stops working), and attaches the
// connection to it as request.resume would; error "not_found" if it is no
// longer open.
//
// If the socket drops, the request stays waiting. The client reconnects and
// sends request.resume with request_id and resume_token (also after a relay
// restart, since requests are persisted); the relay answers request.accepted
// (or error "not_found" if it was cancelled/resolved). While the client is
// disconnected the console shows the request as offline (online=false); a
// technician may still take it, and the session starts (request.taken,
// session.start) when the client resumes.
//
// A technician takes a request through the HTTP API (POST
// /api/requests/{id}/take). Taking is atomic: of two racing technicians
// exactly one wins, the other gets HTTP 409. The relay creates a session and
// sends request.taken then session.start to the client and session.start to
// every console socket of that technician.
//
// request.cancel (client) cancels a waiting request (reply:
// request.cancelled); once taken, the session is ended by session.end instead.
//
// # One-time codes
//
// Instead of a request, a client may send code.redeem with the code a
// technician read out (digits; spaces and dashes are ignored). On success the
// relay creates a request (already taken by the code's technician) and a
// session, replies request.accepted (state in_session, with a resume token),
// then sends request.taken and session.start to the client and session.start
// to the technician. On failure it answers error
// "bad_code" (wrong, expired or used — not distinguished) or "rate_limited"
// with retry_after_ms; failed attempts back off exponentially per address and
// globally.
//
// # Session, consent and signaling
//
// session.start carries the session id, the peer's display name, the WebRTC
// role of the receiver and the ICE servers to use (TURN URL with time-limited
// credentials; no public STUN server is ever configured), and recording:
// true when the organisation records sessions (the relay's setting; absent
// means false). A desktop must then tell the user that the session will be
// recorded before it asks to allow viewing, and show it while sharing; the
// console records the decoded screen and uploads it to the relay over the
// HTTP API (relay/API.md, "Session recordings"), never over this socket.
// Then:
//
//  1. T sends consent.view.request. C shows "NAME wants to see your screen"
//     and answers consent.view.grant or consent.view.deny (the client treats
//     60 s without an answer as a deny and sends consent.view.deny with
//     reason "no_answer"). A deny does not end the session: chat goes on and
//     T may send consent.view.request again.
//  2. After consent.view.grant, C (the offerer: it owns the video track)
//     creates the PeerConnection and sends signal.offer; T answers with
//     signal.answer; both trickle signal.candidate. The relay refuses
//     signal.* before view consent was granted (error "not_allowed").
//  3. T may send consent.control.request; C answers consent.control.grant or
//     consent.control.deny, and may send consent.control.revoke at any time.
//  4. Either side sends session.end; the relay forwards it to the other side,
//     records the session end and marks the request resolved. A dropped client
//     socket ends the session (reason "client_disconnected"). A relay restart
//     ends every running session (reason "relay_restart") and puts their
//     requests back in the queue.
//
// # Reconnecting
//
// A session outlives its technician's console socket (a reloaded tab, a
// dropped network path). When the technician's last console socket
// closes, the relay sends C session.away with grace_seconds (the relay
// setting --tech-grace, default 60) and keeps the session. If no console
// of that technician connects within the grace period, the relay ends
// the session for both sides with reason "technician_lost".
//
// A console that connects gets queue.snapshot, then session.start again
// for each of its technician's running sessions, now with view_granted
// and control_granted saying what the user already allowed in the
// session: the console resumes with those and does not ask again (a
// repeated consent.view.request is refused as before). C gets
// session.resume (away_seconds: how long no console was connected, 0 or
// absent when another console was still connected), which the relay
// audits as "session.reconnected" (detail "away=3.2s"). Consent is
// unchanged by the absence.
//
// The old console's PeerConnection is gone, so a console with
// view_granted sends signal.restart; C (the offerer) then closes its
// PeerConnection (releasing any keys the technician held; capture stops
// until the new connection is up) and makes a fresh one, with the same
// track and data channels, and sends signal.offer; the console answers it
// with a new RTCPeerConnection. Control granted stays granted. The console
// also sends signal.restart when its RTCPeerConnection has been
// "disconnected" or "failed" for a few seconds while the session runs (a
// dropped and restored network path), and sends it again every few seconds
// until the picture is back. The relay refuses signal.restart
// before viewing was granted ("not_allowed"). C, for its part, no longer
// ends the session when a PeerConnection that had connected fails: it
// waits for signal.restart; one that fails without ever connecting, three
// times in a row, ends the session ("connection_failed").
//
//	{"v":1,"type":"session.away","session":"s-…","data":{"grace_seconds":60}}        R→C
//	{"v":1,"type":"session.start","session":"s-…","data":{…,"view_granted":true,"control_granted":true}}  R→T
//	{"v":1,"type":"session.resume","session":"s-…","data":{"away_seconds":2}}        R→C
//	{"v":1,"type":"signal.restart","session":"s-…"}                                  T→R→C
//
// While control is granted, C reports with session.activity what the
// technician did beyond mouse and keyboard once it has happened on the
// user's computer (text put on the clipboard, the clipboard's text sent,
// text typed: the kinds of ActivityKinds), with a count of characters and
// never the text itself; the relay refuses it otherwise ("not_allowed").
// The text travels on the session's data channels (assist/inputproto).
//
// Every consent.* message and session.start/session.end is written to the
// audit log with actor, time and address, and so is every
// session.activity (action = its kind, detail "chars=N"). chat messages are stored in the
// session transcript.
//
// Session messages are relayed only between the two parties of one session:
// a technician may only address sessions it owns, a client only its own, and
// a session message is refused with "not_allowed" when no session is running
// or the session id does not match.
//
// # Follow-up and recurring requests
//
// A desktop keeps the request_id and resume_token of requests that ended
// in a session and, on every connection, names them in followup.claim (at
// most 8; the relay answers ack and ignores a token that does not match).
// Once a claimed request's session has been over for the relay's
// follow-up delay (default 24 h), the relay sends followup.offer on that
// connection — again on a later connection while it is unanswered, at most
// 3 times, never after an answer. The person answers followup.answer:
// working, rating (1 … 5, 0 for none) and comment (≤ 1000 bytes); the relay
// stores it (audit action followup.answer) and replies ack. An answer for
// a request this connection has not claimed (or made) is refused with
// "not_found", one for an answered request with "not_allowed". working=false
// puts the request back in the queue: state waiting, "reopened" on its
// QueueItem with the session that had resolved it (audit action
// request.reopened), and the relay sends request.accepted for it with a
// fresh resume token, as for a new request, when the connection holds no
// other request.
//
//	{"v":1,"type":"followup.claim","id":"c2","data":{"requests":[{"request_id":"r-…","resume_token":"…"}]}}
//	{"v":1,"type":"followup.offer","data":{"request_id":"r-…","session_id":"s-…","technician":"Alex from IT",
//	  "ended_at":"2026-03-02T09:40:00Z","description":"printer says offline"}}
//	{"v":1,"type":"followup.answer","id":"c3","data":{"request_id":"r-…","working":false,"rating":2,"comment":"offline again"}}
//
// request.submit may carry install_id, a random id the desktop chooses once
// per installation (16 … 64 letters, digits, '-', '_'). A QueueItem carries
// "recurring":{"count":3,"window_days":14,"previous":["r-…","r-…"]} when the
// same person (name and contact, compared without case and spacing) or the
// same install_id asked within the last 14 days (previous: newest first, at
// most 20), and "reopened":{"at","session_id","rating","comment"} once a
// follow-up reopened it.
//
// # Examples
//
// A desktop client escalating after a guide (C→R), and the reply (R→C):
//
//	{"v":1,"type":"request.submit","id":"c1","data":{
//	  "name":"Ana Silva","contact":"ext 4411","os":"linux/amd64 Debian 12","app_version":"0.3.0",
//	  "description":"printer says offline",
//	  "guide":{"guide_id":"printer-offline","guide_title":"Printer is offline","steps":[
//	    {"step_id":"power","title":"Is the printer on?","answer":"yes",
//	     "check":{"name":"print-queue","status":"warn","detail":"3 jobs stuck"}}]},
//	  "diagnostics":[{"name":"network","status":"ok","detail":"default route via 10.0.0.1"}],
//	  "idempotency_key":"5f0c9a7e2b4d4e61a3c8f1d2e9b07a54"}}
//	{"v":1,"type":"request.accepted","id":"c1","data":{"request_id":"r-…","resume_token":"…","state":"waiting","position":2}}
//
// A guide answer that opened another guide shows on its step as "opened";
// the steps of that guide carry their own guide_id and guide_title (both
// optional, added within v1), and outcome.report then names the guide the
// person ended in, with from_guide_id the one they started in:
//
//	"steps":[{"step_id":"internet","answer":"No website opens",
//	          "opened":{"guide_id":"no-internet","guide_title":"No internet connection"}},
//	         {"guide_id":"no-internet","guide_title":"No internet connection","step_id":"router"}]
//	{"v":1,"type":"outcome.report","data":{"kind":"fixed","guide_id":"no-internet","step_id":"router","from_guide_id":"vpn-wont-connect"}}
//
// Session start as the client sees it (the console gets role "answerer" and
// the request context as well):
//
//	{"v":1,"type":"session.start","session":"s-…","data":{"session_id":"s-…","request_id":"r-…",
//	  "peer":"Alex from IT","role":"offerer","recording":true,
//	  "ice_servers":[{"urls":["turn:relay.example.org:3478?transport=udp"],
//	                  "username":"1767225600:s-…","credential":"base64…"}]}}
//
// Consent and signaling:
//
//	{"v":1,"type":"consent.view.request","session":"s-…","data":{"by":"Alex from IT"}}   R→C
//	{"v":1,"type":"consent.view.grant"}                                                  C→R
//	{"v":1,"type":"signal.offer","data":{"sdp":"v=0…"}}                                  C→R
//	{"v":1,"type":"signal.candidate","data":{"candidate":"candidate:…","sdpMid":"0","sdpMLineIndex":0}}
//	{"v":1,"type":"error","id":"c7","data":{"code":"not_allowed","message":"no media before the user allowed viewing"}}
//
// ICE servers contain only the relay's TURN server (embedded, or an external
// coturn sharing the secret) with credentials valid for the session's
// duration (default 12 h): username "<unix expiry>:<session id>/<party>"
// (party "user" for the desktop, "tech" for the console: each party has its
// own, which relays only to the other party's addresses), password
// base64(HMAC-SHA1(secret, username)). An empty list means host candidates
// only.
//
// # Insight events
//
// The relay's first message on every /ws/client connection is welcome; its
// insights.search_text says whether the organisation lets desktops report
// what people typed. Desktops ignore welcome fields they do not know, and a
// desktop that gets no welcome (an older relay) may assume true. (Older
// desktops log the unknown welcome and go on.)
//
//	{"v":1,"type":"welcome","data":{"insights":{"search_text":true}}}
//
// A desktop reports self-help as insight.events, from its outbox, in
// batches of at most 100 events (and within the message cap); the relay
// stores them and replies ack. Each event is an object like
//
//	{"kind":"guide.opened","at":"2026-01-05T09:12:03Z","journey":"9f0c…(16–64 hex)",
//	 "guide_id":"printer-offline","os":"windows/amd64 10.0.19045","app_version":"0.4.0"}
//
// with these fields:
//
//   - kind (required): search (a search that found guides), search.no_results,
//     guide.opened, step.reached, guide.fixed, guide.not_working (ended
//     without a fix), guide.abandoned (closed mid-guide), check.result,
//     escalated (asked for live help).
//   - at (required, RFC 3339): the desktop's clock; the relay clamps it to
//     its own receive time ± 1 day.
//   - journey (required): a random id the desktop gives one search → guide →
//     outcome or escalation journey.
//   - query (search kinds, ≤ 200 bytes): the text typed, only when
//     search_text is true; the relay drops it otherwise.
//   - guide_id (required on guide.* and step.reached), step_id (required on
//     step.reached; on the outcome kinds the step where the guide ended),
//     from_guide_id (on the outcome kinds and escalated, ≤ 200 bytes: the
//     guide the person started in when an answer led them on to guide_id),
//     check and status (required on check.result; status one of ok, warn,
//     fail, unknown, skipped), request_id (on escalated: the help request it
//     became, ≤ 64 bytes), os, app_version.
//
// No name and no machine id: events are anonymous unless an escalated
// event links its journey to a request. An unknown kind, a missing required
// field or a field over its limit refuses the whole message (bad_message).
// insight.events shares outcome.report's per-address rate (one message a
// second, burst 30, by default).
//
//	{"v":1,"type":"insight.events","id":"c9","data":{"events":[
//	  {"kind":"search.no_results","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","query":"outlok wont open"},
//	  {"kind":"escalated","at":"2026-01-05T09:13:02Z","journey":"9f0c2a7e5b4d4e61","request_id":"r-…"}]}}
//	{"v":1,"type":"ack","id":"c9"}
//
// outcome.report (from desktops before insight.events) is kept: the relay
// stores it as the matching insight event with no journey (fixed →
// guide.fixed, escalated → escalated, no_results → search.no_results,
// abandoned → guide.abandoned).
//
// # Error codes
//
//	bad_message          malformed JSON, wrong types, field over its limit (socket then closed, 1008)
//	unsupported_version  v is not 1 (socket then closed, 1008)
//	unknown_type         type is not in the table (socket then closed, 1008)
//	not_allowed          wrong direction, wrong party, wrong state
//	not_found            unknown request/session, or resume token mismatch
//	bad_code             one-time code wrong, expired or already used
//	rate_limited         too many attempts; data.retry_after_ms says when to retry
//	internal             the relay failed (storage); retry later
//	too_large            the help request would be stored larger than MaxQueueItemSize (socket stays open)
//	queue_incomplete     R→T: part of the queue could not be sent; load it with GET /api/requests
//	queue_full           request.submit refused: the waiting cap (all, or this address's share) is reached; nothing stored, socket stays open
//
// # A busy queue
//
// queue.snapshot comes in parts that each fit one message: part 1 of n
// replaces the console's queue, parts 2 … n add to it, and nothing else is
// sent between them. A request is refused at request.submit with error
// "too_large" (socket left open) when its QueueItem would encode over
// [MaxQueueItemSize]: escaping can make it several times what the desktop
// sent. Should the relay ever fail to encode a queue message, consoles get
// error "queue_incomplete" (no id) and reload the queue over HTTP
// (GET /api/requests); the relay logs and counts it
// (lifeline_ws_send_failures_total).
//
// # Rates
//
// The relay caps the sockets one address may hold open on each endpoint
// (more are answered HTTP 429), the messages one socket may send (past the
// rate: error "rate_limited", then the socket is closed with 1008), and per
// address the request.submit / request.cancel and outcome.report / insight.events (with
// guide.feedback, which shares their rate) messages
// (past the rate: error "rate_limited" with retry_after_ms, socket left
// open, nothing stored). It also caps the help requests waiting at once, in
// all and per address (defaults 500 and 3): past either, request.submit is
// answered error "queue_full", nothing is stored and the socket stays open
// (a resubmit of a request the relay holds, by idempotency_key, is not
// counted again).
//
// # Limits
//
// Message ≤ 64 KiB. Envelope id and session ≤ 64 bytes. Name, contact,
// os, app_version ≤ 200 bytes; idempotency_key ≤ 64 bytes; description ≤ 8000 bytes; guide steps ≤ 200;
// diagnostics ≤ 200; each step/check text field ≤ 2000 bytes; SDP ≤ 48 KiB;
// candidate ≤ 1000 bytes; chat text ≤ 4000 bytes; code ≤ 32 characters;
// follow-up comment ≤ 1000 bytes; followup.claim requests ≤ 8; install_id 16 … 64 characters;
// a help request as stored (its encoded QueueItem) ≤ 60 KiB; insight.events
// ≤ 100 events, query ≤ 200 bytes, journey 16–64 hex digits.
//
// # Guide feedback
//
// A person following a guide may tell the help desk that a step is wrong
// ("Something wrong with this step?"). guide.feedback carries the guide id
// (required, ≤ 64 bytes, a guide the relay knows: built-in or the
// organisation's), the step id (≤ 64 bytes), the comment (≤ 1000 bytes,
// may be empty), os and app_version (≤ 200 bytes). The relay stores it,
// listed for editors by GET /api/guides/{id}/feedback, and replies ack;
// an unknown guide id is answered error not_found and nothing is stored.
//
//	{"v":1,"type":"guide.feedback","id":"c3","data":{"guide_id":"printer-offline","step_id":"power",
//	  "comment":"The power button is on the back.","os":"linux","app_version":"0.4.0"}}
//	{"v":1,"type":"ack","id":"c3"}
//
// The guide pack itself is not on the socket: desktops fetch it from
// GET /api/client/guides (relay/API.md; package selfhelp/guide/pack).
//
// # Guides changed
//
// After every change to the desktops' guide pack (a guide published,
// unpublished, hidden or shown again, a revert that publishes, the
// organisation's variables, an import) the relay sends guides.changed to
// every connected desktop, with the new pack's ETag (required, ≤ 64
// bytes, the same string as GET /api/client/guides's ETag without
// quotes). It has no id, no session and no reply. Bursts are coalesced:
// at most one a second, carrying the latest ETag. A desktop whose pack
// already has that ETag does nothing; others fetch the pack after a
// random delay of up to 5 s, so that many desktops do not ask at once.
// Desktops may only receive it: one sent to the relay is answered error
// not_allowed (the socket stays open).
//
//	{"v":1,"type":"guides.changed","data":{"etag":"5d41402abc4b2a76b9719d911017c592"}}
//
// Desktops built before guides.changed existed ignore it: their client
// (relay/client) logs a message it cannot decode (unknown_type) and goes on
// reading; they still find the new pack at their next periodic check or
// reconnect.
package protocol
