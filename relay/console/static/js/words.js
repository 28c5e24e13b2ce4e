// Plain words for what the relay records in codes: who did something (the
// audit actor strings of relay/API.md), what they did (AuditAction), why a
// session ended (EndReason) and the details of an audit event. The raw
// codes stay in the CSV and JSON exports; the console shows these words.
import { get } from './api.js';
import { AuditAction, ConsentReason, EndReason } from './vocab.js';

const names = new Map(); // technician user name → display name
let namesLoaded = Promise.resolve();

/**
 * learnNames remembers the signed-in technician's display name and, for an
 * admin, every technician's (GET /api/admin/users). It returns a promise
 * that settles when the names are known (or could not be loaded).
 */
export function learnNames(me) {
  names.clear();
  if (!me) return namesLoaded;
  names.set(me.username, me.display_name || me.username);
  namesLoaded = me.admin ? get('/api/admin/users').then(rememberUsers, () => {}) : Promise.resolve();
  return namesLoaded;
}

/** rememberUsers takes the display names of a /api/admin/users list. */
export function rememberUsers(users) {
  for (const u of users || []) names.set(u.username, u.display_name || u.username);
}

/** namesReady settles once learnNames has the names it asked for. */
export function namesReady() { return namesLoaded; }

/**
 * actorName shows an audit actor as a person: "tech:NAME" as the
 * technician's display name when known (else NAME), "user:NAME" as NAME,
 * "relay" as Lifeline relay. Anything else is the user name typed at a
 * failed sign-in, shown as typed.
 */
export function actorName(actor) {
  const a = String(actor || '');
  if (a.startsWith('tech:')) return names.get(a.slice(5)) || a.slice(5);
  if (a.startsWith('user:')) return a.slice(5) || 'The user';
  if (a === 'user') return 'The user';
  if (a === 'relay') return 'Lifeline relay';
  if (a === 'login-attempt') return 'Sign-in attempt';
  return a;
}

// typedName is the user name a sign-in attempt typed, from its detail
// (name="..." as the relay quotes it), or ''.
function typedName(detail) {
  const m = /^name=("(?:[^"\\]|\\.)*")/.exec(String(detail || ''));
  if (!m) return '';
  try { return JSON.parse(m[1]); } catch { return m[1].slice(1, -1); }
}

// endWords names every EndReason in a few words (console_test.go checks
// that none is missing).
export const endWords = {
  [EndReason.User]: 'user ended',
  [EndReason.Technician]: 'technician ended',
  [EndReason.ViewDenied]: 'viewing declined',
  [EndReason.NoAnswer]: 'no answer',
  [EndReason.ConnectionFailed]: 'connection failed',
  [EndReason.CaptureFailed]: 'screen sharing failed',
  [EndReason.SignalingLost]: 'user disconnected',
  [EndReason.ConnectionLost]: 'user disconnected',
  [EndReason.ClientDisconnected]: 'user disconnected',
  [EndReason.RelayRestart]: 'relay restart',
  [EndReason.RelayShutdown]: 'relay shutdown',
  [EndReason.AccessRevoked]: 'sign-in revoked',
  [EndReason.TechnicianLost]: 'technician did not come back',
};

// consentWords names every ConsentReason, the detail of a consent event.
const consentWords = {
  [ConsentReason.NoAnswer]: 'no answer in time',
  [ConsentReason.Revoked]: 'taken back',
  [ConsentReason.Released]: 'handed back by the technician',
  [ConsentReason.ControlDenied]: 'control declined',
  [ConsentReason.InputUnavailable]: 'their computer cannot be controlled',
};

// auditWords says every AuditAction as a sentence about who (a name from
// actorName); console_test.go checks that none is missing.
const auditWords = {
  [AuditAction.Login]: (who) => `${who} signed in`,
  [AuditAction.LoginFailed]: (who) => `Failed sign-in as ${who}`,
  [AuditAction.LoginLocked]: (who) => `Sign-in as ${who} refused: too many failures`,
  [AuditAction.Logout]: (who) => `${who} signed out`,
  [AuditAction.UserCreated]: (who) => `${who} added a technician`,
  [AuditAction.UserUpdated]: (who) => `${who} changed a technician's account`,
  [AuditAction.UserPassword]: (who) => `${who} changed their password`,
  [AuditAction.UserTotpEnabled]: (who) => `${who} turned on their second factor`,
  [AuditAction.UserTotpDisabled]: (who) => `${who} turned off their second factor`,
  [AuditAction.RequestCreated]: (who) => `${who} asked for help`,
  [AuditAction.RequestTaken]: (who) => `${who} took the request`,
  [AuditAction.RequestCancelled]: (who) => `${who} cancelled the request`,
  [AuditAction.RequestExpired]: (who) => `${who} closed the request: no technician took it in time`,
  [AuditAction.CodeCreated]: (who) => `${who} created a one-time code`,
  [AuditAction.CodeCancelled]: (who) => `${who} cancelled a one-time code`,
  [AuditAction.CodeUsed]: (who) => `${who} typed in a one-time code`,
  [AuditAction.CodeFailed]: (who) => `${who} typed a wrong one-time code`,
  [AuditAction.SessionStart]: (who) => `${who} started the session`,
  [AuditAction.SessionEnd]: (who) => `${who} ended the session`,
  [AuditAction.SessionNotes]: (who) => `${who} wrote the resolution notes`,
  [AuditAction.SessionReconnected]: (who) => `${who} reconnected to the session`,
  [AuditAction.ConsentViewRequest]: (who) => `${who} asked to see the screen`,
  [AuditAction.ConsentViewGrant]: (who) => `${who} allowed viewing`,
  [AuditAction.ConsentViewDeny]: (who) => `${who} declined viewing`,
  [AuditAction.ConsentControlRequest]: (who) => `${who} asked for control`,
  [AuditAction.ConsentControlGrant]: (who) => `${who} allowed control`,
  [AuditAction.ConsentControlDeny]: (who) => `${who} declined control`,
  [AuditAction.ConsentControlRevoke]: (who) => `${who} took back control`,
  [AuditAction.GuideDraft]: (who) => `${who} saved a guide draft`,
  [AuditAction.GuidePublish]: (who) => `${who} published a guide`,
  [AuditAction.GuideUnpublish]: (who) => `${who} unpublished a guide`,
  [AuditAction.GuideHide]: (who) => `${who} hid a built-in guide`,
  [AuditAction.GuideUnhide]: (who) => `${who} showed a built-in guide again`,
  [AuditAction.GuideRevert]: (who) => `${who} went back to an earlier version of a guide`,
  [AuditAction.GuideVariables]: (who) => `${who} changed the organisation's guide details`,
  [AuditAction.GuideImport]: (who) => `${who} imported guides`,
  [AuditAction.FollowupAnswer]: (who) => `${who} answered the follow-up`,
  [AuditAction.RequestReopened]: (who) => `${who} said it is not working again: the request is back in the queue`,
  [AuditAction.ClipboardToUser]: (who) => `Text from the technician was put on ${who}'s clipboard`,
  [AuditAction.ClipboardFromUser]: (who) => `${who}'s clipboard text was sent to the technician`,
  [AuditAction.TextTyped]: (who) => `The technician typed text on ${who}'s computer`,
  [AuditAction.FileToUser]: (who) => `${who} saved a file the technician sent`,
  [AuditAction.FileFromUser]: (who) => `${who} sent a file to the technician`,
  [AuditAction.DisplayShown]: (who) => `The technician switched to another of ${who}'s screens`,
  [AuditAction.RecordingStarted]: (who) => `${who}'s console started recording the session`,
  [AuditAction.RecordingDownloaded]: (who) => `${who} opened the session's recording`,
};

/** sizeWords says a number of bytes for people: "2.4 MB", "512 bytes". */
export function sizeWords(n) {
  if (!(n >= 0)) return '';
  if (n < 1000) return n === 1 ? '1 byte' : `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n, u = -1;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** eventWords says an audit event ({actor, action}) as a sentence. */
export function eventWords(e) {
  const who = e.actor === 'login-attempt' ? (typedName(e.detail) || 'an unknown name') : actorName(e.actor);
  const say = auditWords[e.action];
  return say ? say(who) : `${who}: ${e.action}`;
}

/**
 * detailWords says an audit event's detail ("source=request",
 * "reason=view_denied", "category=Printing", a consent reason) in plain
 * words; a detail it does not know is shown as it is.
 */
export function detailWords(detail) {
  const d = String(detail || '').trim();
  if (!d) return '';
  if (Object.hasOwn(consentWords, d)) return consentWords[d];
  if (d === 'wrong TOTP code') return 'wrong second-factor code';
  if (d === 'TOTP code reused') return 'second-factor code used twice';
  const m = /^([a-z_]+)=(.*)$/s.exec(d);
  if (!m) return d;
  const [, key, value] = m;
  switch (key) {
    case 'source': return value === 'code' ? 'Started from a one-time code' : 'Started from a request';
    case 'reason': return `Why: ${endWords[value] || consentWords[value] || value}`;
    case 'category': return `Category: ${value}`;
    case 'technician': return `Technician: ${actorName(`tech:${value}`)}`;
    case 'code_id': return `Code number ${value}`;
    case 'name': return `Typed: ${value}`;
    case 'chars': return value === '1' ? '1 character' : `${value} characters`;
    case 'file': {
      // file="name" size=N sha256=HEX
      const f = /^"((?:[^"\\]|\\.)*)" size=(\d+) sha256=([0-9a-f]{64})$/.exec(value);
      if (!f) return d;
      let name = f[1];
      try { name = JSON.parse(`"${f[1]}"`); } catch { /* shown as stored */ }
      return `${name}, ${sizeWords(Number(f[2]))}, SHA-256 ${f[3]}`;
    }
    case 'display': {
      let name = value;
      try { name = JSON.parse(value); } catch { /* shown as stored */ }
      return `Showing: ${name}`;
    }
    case 'how': return value === 'download' ? 'Downloaded the file' : 'Played it in the console';
    case 'user': {
      const [user, ...changes] = value.split(' ');
      return `Technician ${actorName(`tech:${user}`)}${changes.length ? `: ${changes.join(' ').replaceAll(',', ', ')}` : ''}`;
    }
    default: return d;
  }
}
