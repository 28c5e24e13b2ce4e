// Lifeline technician console: sign-in, the live queue, one-time codes,
// sessions, history, admin and account. Plain ES modules, no build step.
import { el, $, $$, say, fmtWait, fmtClock } from './dom.js';
import { api, get, post, del, setCSRF, setUnauthenticatedHandler, serverNow } from './api.js';
import { RelaySocket } from './socket.js';
import { ErrorCode } from './vocab.js';
import { renderContext, displayName, splitDescription } from './context.js';
import { learnNames } from './words.js';
import { LiveSession } from './session.js';
import { repeatBadges, reopenedWords } from './repeat.js';
import * as history from './history.js';
import * as guides from './guides.js';
import * as insights from './insights.js';
import * as admin from './admin.js';
import * as account from './account.js';

const state = {
  me: null,
  queue: new Map(), // request id → QueueItem (waiting only)
  selected: '', // request id shown in the detail pane
  sessions: new Map(), // session id → LiveSession
  current: '', // session id shown
  view: 'queue',
  code: null, // {id, display, expires}
  sent: new Map(), // envelope id → session id, to route error replies
};

const socket = new RelaySocket({ onMessage, onStatus, onDrop });

// --- sign-in

async function boot() {
  // Only while signed in: a late 401 (the socket the relay closes at
  // sign-out asks /api/me) must not replace "You are signed out."
  setUnauthenticatedHandler(() => { if (state.me) signedOut('Your sign-in has expired or was ended. Sign in again.'); });
  bindStatic();
  try {
    const me = await get('/api/me');
    signedIn(me);
  } catch (err) {
    signedOut(err.status === 401 || err.status === 0 ? '' : err.message);
  }
  setInterval(tick, 1000);
}

function signedIn(me) {
  state.me = me.user;
  setCSRF(me.csrf_token);
  $('#whoami').textContent = `${me.user.display_name} (${me.user.username})`;
  $('#tab-admin').hidden = !me.user.admin;
  learnNames(me.user);
  $('#login-view').hidden = true;
  $('#app').hidden = false;
  document.title = 'Lifeline console';
  account.render(state.me);
  show('queue');
  socket.start();
}

function signedOut(message) {
  socket.stop();
  state.me = null;
  setCSRF('');
  for (const s of state.sessions.values()) s.closePeer();
  state.sessions.clear();
  state.queue.clear();
  $('#session-host').replaceChildren();
  $('#app').hidden = true;
  $('#login-view').hidden = false;
  $('#login-totp-row').hidden = true;
  $('#login-totp').value = '';
  $('#login-pass').value = '';
  say($('#login-error'), message || '', message ? 'error' : '');
  $('#login-user').focus();
}

async function login(e) {
  e.preventDefault();
  const user = $('#login-user').value.trim();
  const pass = $('#login-pass').value;
  const totpRow = $('#login-totp-row');
  const totp = $('#login-totp').value.trim();
  const errEl = $('#login-error');
  if (!user || !pass) {
    say(errEl, 'Enter your user name and password.', 'error');
    return;
  }
  const btn = $('#login-submit');
  btn.disabled = true;
  say(errEl, '');
  try {
    const body = { username: user, password: pass };
    if (!totpRow.hidden && totp) body.totp = totp;
    const me = await post('/api/login', body);
    signedIn(me);
  } catch (err) {
    if (err.code === 'totp_required') {
      totpRow.hidden = false;
      say(errEl, 'Your account uses a second factor: enter the 6-digit code from your authenticator app.', 'error');
      $('#login-totp').focus();
    } else if (err.code === 'invalid_credentials') {
      say(errEl, totpRow.hidden
        ? 'Wrong user name or password. Check them and try again; after 5 failures the account is locked for 15 minutes.'
        : 'Wrong password or code. Codes change every 30 seconds: type the current one.', 'error');
      $('#login-pass').select();
    } else if (err.code === 'locked') {
      const min = Math.max(1, Math.ceil(err.retryAfterMS / 60000));
      say(errEl, `Too many failed sign-ins. Wait ${min} minute${min === 1 ? '' : 's'} and try again, or ask an administrator.`, 'error');
    } else {
      say(errEl, err.message, 'error');
    }
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  socket.stop(); // the relay closes it at sign-out: not a dropped connection
  try { await post('/api/logout'); } catch { /* signed out anyway */ }
  signedOut('You are signed out.');
}

// --- navigation

function show(view) {
  state.view = view;
  for (const t of $$('.tab')) t.setAttribute('aria-current', t.dataset.view === view ? 'page' : 'false');
  for (const v of $$('.view')) v.hidden = v.id !== `view-${view}`;
  if (view === 'history') history.open();
  if (view === 'guides') guides.open();
  if (view === 'insights') insights.open();
  if (view === 'admin') admin.open();
  if (view === 'account') account.render(state.me);
}

function bindStatic() {
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  for (const t of $$('.tab')) t.addEventListener('click', () => show(t.dataset.view));
  $('#status-retry').addEventListener('click', () => socket.reconnectNow());
  $('#code-new').addEventListener('click', createCode);
  $('#code-cancel').addEventListener('click', cancelCode);
  const list = $('#queue-list');
  list.addEventListener('keydown', (e) => {
    const li = e.target.closest('li[data-id]');
    if (!li) return;
    if (e.key === 'Enter') { e.preventDefault(); take(li.dataset.id); }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const sib = e.key === 'ArrowDown' ? li.nextElementSibling : li.previousElementSibling;
      if (sib) sib.focus();
    }
  });
  history.init();
  guides.init(() => state.me);
  insights.init();
  // Links into the console: #/guides/new?symptom=… (the Insights page's
  // "Write a guide for this") drafts a guide from those words.
  window.addEventListener('hashchange', followHash);
  followHash();
  admin.init(() => state.me);
  account.init(() => state.me, (u) => { state.me = u; });
}

function followHash() {
  const m = /^#\/guides\/new\?(.*)$/.exec(location.hash);
  if (!m) return;
  const symptom = new URLSearchParams(m[1]).get('symptom');
  window.history.replaceState(null, '', location.pathname + location.search);
  if (symptom) guides.startFromSearch(symptom);
}

// --- status bar and the socket

let retryAt = 0;
function onStatus(st, info) {
  const dot = $('#status-dot'), text = $('#status-text'), retry = $('#status-retry');
  dot.className = `dot ${st}`;
  retry.hidden = st !== 'reconnecting';
  retryAt = 0;
  if (st === 'connected') text.textContent = 'Connected to the relay. The queue updates live.';
  else if (st === 'connecting') text.textContent = info.attempt ? `Reconnecting to the relay (attempt ${info.attempt})…` : 'Connecting to the relay…';
  else if (st === 'reconnecting') {
    retryAt = Date.now() + info.delay;
    statusCountdown();
  } else text.textContent = 'Not connected.';
}

function statusCountdown() {
  if (!retryAt) return;
  const s = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
  $('#status-text').textContent = `Lost the connection to the relay. Reconnecting by itself in ${s} s — the queue shown may be out of date.`;
}

async function onDrop() {
  // A closed socket may mean the sign-in ended: /api/me tells (401 → sign-in page).
  try { await get('/api/me'); } catch { /* the handler signs out on 401 */ }
}

function onMessage(m) {
  const d = m.data || {};
  switch (m.type) {
    case 'queue.snapshot':
      // Parts 1 … parts in a row (a busy queue does not fit one message);
      // part 1 (or a relay without parts) starts the queue afresh.
      if (!(d.part > 1)) state.queue.clear();
      for (const it of d.requests || []) state.queue.set(it.id, it);
      renderQueue();
      if (!d.parts || d.part === d.parts) resyncSessions();
      break;
    case 'queue.added':
    case 'queue.updated':
      if (d.state === 'waiting') state.queue.set(d.id, d);
      else {
        const had = state.queue.delete(d.id);
        if (had && state.selected === d.id && !state.sessions.has(d.session_id)) {
          const mine = state.me && d.taken_by === state.me.display_name;
          const who = mine ? 'You took' : d.taken_by ? `${d.taken_by} took` : 'Someone else took';
          queueNotice(d.id, d.state === 'cancelled' ? `${displayName(d)} cancelled their request.` : `${who} ${displayName(d)}'s request.`);
        }
      }
      queueChanged(d.id);
      renderQueue();
      break;
    case 'session.start':
      startSession(d);
      break;
    case 'error': {
      if (d.code === ErrorCode.QueueIncomplete && !m.id) {
        reloadQueue();
        break;
      }
      const sid = state.sent.get(m.id) || m.session;
      const s = sid && state.sessions.get(sid);
      if (s) s.refused(d);
      else queueNotice('', `The relay refused a message: ${d.message || d.code}`, 'error');
      break;
    }
    default:
      if (m.session && state.sessions.has(m.session)) state.sessions.get(m.session).handle(m);
  }
}

// --- queue

// reloadQueue loads the waiting queue over HTTP, when the relay could not
// send part of it on the socket (error queue_incomplete).
let reloading = null;
async function reloadQueue() {
  if (reloading) return reloading;
  reloading = (async () => {
    try {
      const items = await get('/api/requests?state=waiting');
      state.queue.clear();
      for (const it of items || []) if (it.state === 'waiting') state.queue.set(it.id, it);
      renderQueue();
    } catch (err) {
      queueNotice('', `Part of the queue could not be shown: ${err.message}`, 'error');
    } finally {
      reloading = null;
    }
  })();
  return reloading;
}

// A notice about one request in #queue-msg is news for a moment only: it
// clears itself after noticeMS, or as soon as another request in the queue
// changes. Errors stay until the next notice.
const noticeMS = 5000;
const notice = { about: '', kind: '', timer: 0 };

function queueNotice(about, text, kind = '') {
  clearTimeout(notice.timer);
  Object.assign(notice, { about, kind, timer: 0 });
  say($('#queue-msg'), text, kind);
  if (kind !== 'error') notice.timer = setTimeout(clearQueueNotice, noticeMS);
}

function clearQueueNotice() {
  clearTimeout(notice.timer);
  Object.assign(notice, { about: '', kind: '', timer: 0 });
  say($('#queue-msg'), '');
}

function queueChanged(id) {
  if (notice.kind !== 'error' && id !== notice.about) clearQueueNotice();
}

function renderQueue() {
  const list = $('#queue-list');
  const items = [...state.queue.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const focusedId = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.id;
  list.replaceChildren(...items.map(queueItem));
  $('#queue-empty').hidden = items.length > 0;
  $('#queue-count').textContent = String(items.length);
  if (focusedId) { const f = list.querySelector(`li[data-id="${CSS.escape(focusedId)}"]`); if (f) f.focus(); }
  if (state.selected && !state.queue.has(state.selected)) state.selected = '';
  if (!state.selected && items.length) state.selected = items[0].id;
  renderDetail();
  tickWaits();
}

function queueItem(it) {
  const li = el('li', { class: `queue-item${it.id === state.selected ? ' selected' : ''}${it.online ? '' : ' offline'}`, tabindex: '0', dataset: { id: it.id },
    'aria-label': `${displayName(it)}: ${splitDescription(it.description).words}`,
    onclick: () => select(it.id), onfocus: () => select(it.id, true) },
  el('div', { class: 'qi-top' },
    el('span', { class: 'qi-name', text: displayName(it) }),
    el('span', { class: 'qi-wait', dataset: { since: it.created_at } })),
  el('div', { class: 'qi-desc', text: splitDescription(it.description).words || '(no description)' }),
  el('div', { class: 'qi-meta' },
    el('span', { class: `presence ${it.online ? 'online' : 'offline'}`, text: it.online ? 'online' : 'offline' }),
    it.guide && (it.guide.guide_title || it.guide.guide_id) ? el('span', { class: 'muted', text: ` · tried “${it.guide.guide_title || it.guide.guide_id}”` }) : null,
    ...repeatBadges(it)));
  return li;
}

function select(id, fromFocus) {
  if (state.selected === id) return;
  state.selected = id;
  for (const li of $$('#queue-list li')) li.classList.toggle('selected', li.dataset.id === id);
  renderDetail();
  if (!fromFocus) { const li = $(`#queue-list li[data-id="${CSS.escape(id)}"]`); if (li) li.focus(); }
}

function renderDetail() {
  const pane = $('#queue-detail');
  const it = state.queue.get(state.selected);
  if (!it) {
    pane.replaceChildren(el('p', { class: 'empty', text: 'Select a request to see what the user already tried.' }));
    return;
  }
  const takeBtn = el('button', { type: 'button', class: 'primary', onclick: () => take(it.id) }, `Take ${displayName(it)}'s request`);
  pane.replaceChildren(...[
    el('div', { class: 'detail-head' },
      el('h2', { class: 'detail-name', text: displayName(it) }),
      el('span', { class: 'qi-wait big', dataset: { since: it.created_at } }),
      takeBtn),
    it.online ? null : el('p', { class: 'msg', text: 'Their app is offline right now. You can take the request; the session starts when they come back.' }),
    it.reopened ? el('p', { class: 'msg', text: reopenedWords(it) }) : null,
    el('div', { class: 'context' }, renderContext(it))].filter(Boolean));
  tickWaits();
}

async function take(id) {
  const it = state.queue.get(id);
  const who = it ? displayName(it) : 'this user';
  queueNotice(id, `Taking ${who}'s request…`);
  try {
    const r = await post(`/api/requests/${encodeURIComponent(id)}/take`);
    queueNotice(id, `You took ${who}'s request.`, 'ok');
    if (state.sessions.has(r.session_id)) showSession(r.session_id);
  } catch (err) {
    if (err.status === 409) queueNotice(id, `A colleague took ${who}'s request first. Pick another one from the queue.`, 'error');
    else if (err.status === 404) queueNotice(id, `${who}'s request is gone (cancelled or already handled).`, 'error');
    else queueNotice(id, `Could not take the request: ${err.message}`, 'error');
    if (err.status === 409 || err.status === 404) {
      state.queue.delete(id);
      renderQueue();
    }
  }
}

// --- one-time codes

async function createCode() {
  const msg = $('#code-msg');
  say(msg, '');
  try {
    const c = await post('/api/codes');
    state.code = { id: c.id, display: c.display, expires: Date.parse(c.expires_at) };
    $('#code-digits').textContent = c.display;
    $('#code-idle').hidden = true;
    $('#code-active').hidden = false;
    tickCode();
    $('#code-cancel').focus();
  } catch (err) {
    say(msg, `Could not create a code: ${err.message}`, 'error');
  }
}

async function cancelCode() {
  const c = state.code;
  if (!c) return;
  try {
    await del(`/api/codes/${c.id}`);
    codeDone('Code cancelled. It can no longer be used.');
  } catch (err) {
    codeDone(err.status === 404 ? 'That code was already used or has expired.' : `Could not cancel: ${err.message}`, err.status !== 404);
  }
}

function codeDone(text, isError) {
  state.code = null;
  $('#code-active').hidden = true;
  $('#code-idle').hidden = false;
  say($('#code-msg'), text, isError ? 'error' : '');
}

function tickCode() {
  const c = state.code;
  if (!c) return;
  const left = (c.expires - serverNow()) / 1000;
  if (left <= 0) {
    codeDone('The code expired. Create a new one if the caller still needs it.', true);
    return;
  }
  const cd = $('#code-countdown');
  cd.textContent = `Expires in ${fmtClock(left)}`;
  cd.classList.toggle('soon', left < 60);
}

// --- sessions

function startSession(d) {
  if (!d || !d.session_id) return;
  let s = state.sessions.get(d.session_id);
  if (s) { // re-announced after the socket came back: the same view resumes
    s.reconnect.fromStart(d);
    return;
  }
  s = new LiveSession(d, { socket: trackingSocket, onChange: renderSessions, autoView: true });
  state.sessions.set(s.id, s);
  $('#session-host').append(s.root);
  if (d.request && d.request.source === 'code' && state.code) codeDone(`${s.peer} used your code.`);
  showSession(s.id);
}

// trackingSocket remembers which session each envelope belongs to, so an
// error reply lands in the right session view.
const trackingSocket = {
  send(type, session, data) {
    const id = socket.send(type, session, data);
    if (id) {
      state.sent.set(id, session);
      if (state.sent.size > 500) state.sent.delete(state.sent.keys().next().value);
    }
    return id;
  },
};

function showSession(id) {
  state.current = id;
  show('session');
  renderSessions();
  const s = state.sessions.get(id);
  if (s && !s.ended) s.root.querySelector('.screen').focus({ preventScroll: true });
}

function renderSessions() {
  for (const [id, s] of state.sessions) if (s.dismissed) state.sessions.delete(id);
  if (!state.sessions.has(state.current)) state.current = state.sessions.keys().next().value || '';
  const tabs = $('#session-tabs');
  tabs.replaceChildren(...[...state.sessions.values()].map((s) => el('button', {
    type: 'button', role: 'tab', class: `session-tab${s.ended ? ' ended' : ''}`, 'aria-selected': String(s.id === state.current),
    onclick: () => showSession(s.id),
  }, s.label, s.ended ? ' (ended)' : '')));
  tabs.hidden = state.sessions.size < 2;
  for (const s of state.sessions.values()) s.root.hidden = s.id !== state.current;
  $('#session-none').hidden = state.sessions.size > 0;
  const live = [...state.sessions.values()].filter((s) => !s.ended).length;
  $('#session-count').textContent = String(live);
}

// resyncSessions ends local sessions the relay no longer runs (after a
// reconnect, e.g. a relay restart: their session.end was never received).
async function resyncSessions() {
  const open = [...state.sessions.values()].filter((s) => !s.ended);
  if (!open.length) return;
  try {
    const list = await get(`/api/sessions?tech=${encodeURIComponent(state.me.username)}&limit=50`);
    const byId = new Map(list.map((x) => [x.id, x]));
    for (const s of open) {
      const rec = byId.get(s.id);
      if (rec && !rec.live) s.finish(rec.end_reason || '');
    }
  } catch { /* next reconnect tries again */ }
}

// --- clocks

function tickWaits() {
  const now = serverNow();
  for (const n of $$('[data-since]')) {
    const t = Date.parse(n.dataset.since);
    n.textContent = isNaN(t) ? '' : `waiting ${fmtWait(now - t)}`;
  }
}

function tick() {
  tickWaits();
  tickCode();
  statusCountdown();
}

boot();
