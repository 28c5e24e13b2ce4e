// Account: who you are, password change, the TOTP second factor.
import { el, $, say } from './dom.js';
import { get, post } from './api.js';

let me = () => null;
let setMe = () => {};

export function init(getMe, updateMe) {
  me = getMe;
  setMe = updateMe;
  $('#pw-form').addEventListener('submit', changePassword);
  $('#totp-setup').addEventListener('click', setupTOTP);
  $('#totp-enable').addEventListener('click', enableTOTP);
  $('#totp-disable-form').addEventListener('submit', disableTOTP);
}

export function render(u) {
  if (!u) return;
  const dl = $('#account-info');
  dl.replaceChildren(
    el('dt', { text: 'User name' }), el('dd', { text: u.username }),
    el('dt', { text: 'Shown to users as' }), el('dd', { text: u.display_name }),
    el('dt', { text: 'Role' }), el('dd', { text: u.admin ? 'administrator' : u.knowledge_editor ? 'technician, knowledge editor (publishes guides)' : 'technician' }));
  $('#totp-state').textContent = u.totp_enabled
    ? 'On: signing in asks for a code from your authenticator app.'
    : 'Off: signing in needs only your password. Turning it on is strongly recommended.';
  $('#totp-setup').hidden = u.totp_enabled;
  $('#totp-setup-pass-row').hidden = u.totp_enabled;
  $('#totp-disable-form').hidden = !u.totp_enabled;
  if (u.totp_enabled) $('#totp-enroll').hidden = true;
}

async function refresh() {
  const m = await get('/api/me');
  setMe(m.user);
  render(m.user);
}

async function changePassword(e) {
  e.preventDefault();
  const msg = $('#pw-msg');
  const cur = $('#pw-current').value, nw = $('#pw-new').value;
  if (nw.length < 10) { say(msg, 'Use at least 10 characters for the new password.', 'error'); return; }
  try {
    await post('/api/me/password', { current: cur, new: nw });
    $('#pw-form').reset();
    say(msg, 'Password changed.', 'ok');
  } catch (err) {
    say(msg, err.code === 'invalid_credentials' ? 'The current password is wrong. Type it again.' : err.message, 'error');
  }
}

async function setupTOTP() {
  const msg = $('#totp-msg');
  try {
    const r = await post('/api/me/totp/setup', { password: $('#totp-setup-pass').value });
    $('#totp-secret').textContent = r.secret.replace(/(.{4})/g, '$1 ').trim();
    $('#totp-url').textContent = r.url;
    $('#totp-enroll').hidden = false;
    $('#totp-code').focus();
    say(msg, '');
  } catch (err) {
    say(msg, err.code === 'invalid_credentials' ? 'The password is wrong. Type it again.' : err.message, 'error');
  }
}

async function enableTOTP() {
  const msg = $('#totp-msg');
  try {
    await post('/api/me/totp/enable', { password: $('#totp-setup-pass').value, code: $('#totp-code').value.trim() });
    $('#totp-setup-pass').value = '';
    say(msg, 'Second factor turned on. Next time you sign in, have your phone ready.', 'ok');
    await refresh();
  } catch (err) {
    say(msg, err.message, 'error');
  }
}

async function disableTOTP(e) {
  e.preventDefault();
  const msg = $('#totp-msg');
  try {
    await post('/api/me/totp/disable', { password: $('#totp-disable-pass').value });
    $('#totp-disable-pass').value = '';
    say(msg, 'Second factor turned off.', 'ok');
    await refresh();
  } catch (err) {
    say(msg, err.code === 'invalid_credentials' ? 'The password is wrong. Type it again.' : err.message, 'error');
  }
}
