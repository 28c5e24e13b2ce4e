// Admin: technician accounts (/api/admin/users) and the audit log.
import { el, $, say, fmtTime, dateParam } from './dom.js';
import { get, post, patch, query } from './api.js';
import { actorName, eventWords, detailWords, rememberUsers, namesReady } from './words.js';

let me = () => null;

export function init(getMe) {
  me = getMe;
  $('#user-form').addEventListener('submit', (e) => { e.preventDefault(); createUser(); });
  $('#audit-form').addEventListener('submit', (e) => { e.preventDefault(); loadAudit(); });
  for (const id of ['#a-actor', '#a-action', '#a-session', '#a-since', '#a-until']) $(id).addEventListener('change', auditLinks);
  auditLinks();
}

export function open() {
  loadUsers();
  loadAudit();
}

async function loadUsers() {
  const msg = $('#users-msg');
  try {
    const users = await get('/api/admin/users');
    rememberUsers(users);
    $('#users-table tbody').replaceChildren(...users.map(userRow));
  } catch (err) {
    say(msg, `Could not load technicians: ${err.message}`, 'error');
  }
}

function userRow(u) {
  const self = me() && me().id === u.id;
  const act = (label, body, confirmText) => el('button', { type: 'button', class: 'small', onclick: async () => {
    if (confirmText && !confirm(confirmText)) return;
    await update(u, body, label);
  } }, label);
  const pwInput = el('input', { type: 'password', class: 'small', placeholder: 'new password', 'aria-label': `New password for ${u.username}`, autocomplete: 'new-password' });
  return el('tr', { dataset: { user: u.username } },
    el('td', { text: u.username }),
    el('td', { text: u.display_name }),
    el('td', { text: u.admin ? 'administrator' : u.knowledge_editor ? 'technician, knowledge editor' : 'technician' }),
    el('td', { class: u.disabled ? 'error' : '', text: u.disabled ? 'disabled' : 'active' }),
    el('td', { text: u.totp_enabled ? 'on' : 'off' }),
    el('td', {}, el('div', { class: 'actions' },
      self ? null : act(u.disabled ? 'Enable' : 'Disable', { disabled: !u.disabled }, u.disabled ? '' : `Disable ${u.username}? They are signed out at once.`),
      self ? null : act(u.admin ? 'Make technician' : 'Make admin', { admin: !u.admin }),
      // Knowledge editors publish guides (admins may anyway).
      u.admin ? null : act(u.knowledge_editor ? 'No longer knowledge editor' : 'Make knowledge editor', { knowledge_editor: !u.knowledge_editor }),
      u.totp_enabled ? act('Reset 2nd factor', { reset_totp: true }, `Turn off ${u.username}'s second factor? They can set it up again after signing in.`) : null,
      el('form', { class: 'inline', onsubmit: async (e) => {
        e.preventDefault();
        if (pwInput.value.length < 10) { say($('#users-msg'), 'Use at least 10 characters for a new password.', 'error'); pwInput.focus(); return; }
        await update(u, { password: pwInput.value }, 'Set password');
      } }, pwInput, el('button', { type: 'submit', class: 'small' }, 'Set password')))));
}

async function update(u, body, label) {
  const msg = $('#users-msg');
  try {
    await patch(`/api/admin/users/${u.id}`, body);
    say(msg, `${label}: done for ${u.username}.`, 'ok');
    loadUsers();
    loadAudit();
  } catch (err) {
    say(msg, `${label} failed for ${u.username}: ${err.message}`, 'error');
  }
}

async function createUser() {
  const msg = $('#users-msg');
  const body = { username: $('#u-name').value.trim(), display_name: $('#u-display').value.trim(), password: $('#u-pass').value, admin: $('#u-admin').checked };
  if (!body.username || body.password.length < 10) {
    say(msg, 'Enter a user name and a first password of at least 10 characters.', 'error');
    return;
  }
  try {
    const u = await post('/api/admin/users', body);
    say(msg, `Added ${u.username}. Give them the first password by phone or in person; they can change it under Account.`, 'ok');
    $('#user-form').reset();
    loadUsers();
    loadAudit();
  } catch (err) {
    say(msg, err.status === 409 ? `The user name ${body.username} is taken; choose another.` : `Could not add the technician: ${err.message}`, 'error');
  }
}

function auditFilters() {
  return {
    actor: $('#a-actor').value.trim(), action: $('#a-action').value.trim(), session: $('#a-session').value.trim(),
    since: dateParam($('#a-since').value, false), until: dateParam($('#a-until').value, true),
  };
}

function auditLinks() {
  const f = auditFilters();
  $('#a-csv').href = `/api/audit/export${query({ format: 'csv', ...f })}`;
  $('#a-json').href = `/api/audit/export${query({ format: 'json', ...f })}`;
}

async function loadAudit() {
  const msg = $('#audit-msg');
  auditLinks();
  try {
    const evs = await get(`/api/audit${query({ ...auditFilters(), limit: 500 })}`);
    await namesReady();
    // Words on screen, the raw codes on hover and in the exports.
    $('#audit-table tbody').replaceChildren(...evs.map((e) => el('tr', { dataset: { action: e.action, actor: e.actor } },
      el('td', { text: fmtTime(e.at) }), el('td', { text: actorName(e.actor), title: e.actor }), el('td', { text: eventWords(e), title: e.action }),
      el('td', { text: e.address || '' }), el('td', { class: 'clip', text: e.session_id || '' }), el('td', { text: detailWords(e.detail), title: e.detail || '' }))));
    say(msg, evs.length ? `${evs.length} event${evs.length === 1 ? '' : 's'}, oldest first.` : 'No events match these filters.');
  } catch (err) {
    say(msg, `Could not load the audit log: ${err.message}`, 'error');
  }
}
