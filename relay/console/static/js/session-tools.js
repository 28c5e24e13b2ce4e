// The technician's tools while they have control, beside mouse and
// keyboard: keys a browser keeps for itself (the Windows key, Alt+Tab,
// Ctrl+Alt+Del…), the clipboard both ways, and text typed for fields that
// refuse paste. Everything goes over the session's control data channel
// (assist/inputproto); the desktop only acts while the user allows
// control, shows the user what happened and reports it to the relay,
// which audits it (session.activity) and tells us.
import { el, say } from './dom.js';
import * as ip from './inputproto.js';
import { ActivityKind } from './vocab.js';

/** isWindows says whether the request's computer runs Windows (its os is "windows/amd64"…). */
export function isWindows(os) { return /^windows\b/i.test(String(os || '')); }

/**
 * specialKeys lists the console's key buttons for a desktop: each a label,
 * the KeyboardEvent codes pressed in order (released in reverse) and a
 * tooltip. Windows keeps Ctrl+Alt+Del for itself (only a service may send
 * the secure attention sequence), so there the button opens the Task
 * Manager with Ctrl+Shift+Esc and says so.
 */
export function specialKeys(os) {
  const win = isWindows(os);
  return [
    { label: win ? 'Windows key' : 'Super key', codes: ['MetaLeft'], title: win ? 'Opens the Start menu' : 'The Super (Windows) key' },
    { label: 'Alt+Tab', codes: ['AltLeft', 'Tab'], title: 'Switches to the previous window' },
    { label: 'Ctrl+Esc', codes: ['ControlLeft', 'Escape'], title: win ? 'Opens the Start menu' : 'Ctrl+Esc' },
    { label: 'Ctrl+Shift+Esc', codes: ['ControlLeft', 'ShiftLeft', 'Escape'], title: win ? 'Opens the Task Manager' : 'Ctrl+Shift+Esc' },
    { label: 'Print Screen', codes: ['PrintScreen'], title: 'Takes a screenshot on their computer' },
    { label: 'Alt+F4', codes: ['AltLeft', 'F4'], title: 'Closes the window in front' },
    win
      ? { label: 'Ctrl+Alt+Del', codes: ['ControlLeft', 'ShiftLeft', 'Escape'], title: 'Windows lets only a system service send Ctrl+Alt+Del, so this sends Ctrl+Shift+Esc and opens the Task Manager instead' }
      : { label: 'Ctrl+Alt+Del', codes: ['ControlLeft', 'AltLeft', 'Delete'], title: 'Ctrl+Alt+Del' },
  ];
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const chars = (n) => plural(n, 'character', 'characters');

/** activityText says a session.activity report in a sentence about peer. */
export function activityText(a, peer) {
  const n = Number(a && a.chars) || 0;
  switch (a && a.kind) {
    case ActivityKind.ClipboardToUser: return `Your text is on ${peer}'s clipboard (${chars(n)}).`;
    case ActivityKind.ClipboardFromUser: return `${peer}'s clipboard text reached you (${chars(n)}).`;
    case ActivityKind.TextTyped: return `Your text was typed on ${peer}'s computer (${chars(n)}).`;
    default: return '';
  }
}

export class ControlTools {
  /** session is the LiveSession: its peer, sendOn(label, buf) and addNotice(text). */
  constructor(session) {
    this.session = session;
    const peer = session.peer;
    const os = session.request && session.request.os;
    this.keys = el('div', { class: 'special-keys', role: 'group', 'aria-label': 'Keys to send', hidden: true },
      el('span', { class: 'muted', text: 'Send keys:' }),
      specialKeys(os).map((k) => el('button', {
        type: 'button', class: 'ghost key-button', title: k.title, dataset: { keys: k.codes.join('+') },
        onclick: () => this.press(k),
      }, k.label)));
    this.text = el('textarea', { rows: '4', class: 'clip-text', 'aria-label': 'Text to send, or received from their clipboard',
      placeholder: `Text for ${peer}'s clipboard, or to type on their computer` });
    this.msg = el('p', { class: 'msg', role: 'status' });
    this.putBtn = el('button', { type: 'button', title: `Puts the text on ${peer}'s clipboard, ready to paste`, onclick: () => this.put() }, 'Put on their clipboard');
    this.typeBtn = el('button', { type: 'button', class: 'ghost', title: 'Types the text key by key, for fields that do not accept paste', onclick: () => this.type() }, 'Type it');
    this.getBtn = el('button', { type: 'button', class: 'ghost', title: `Brings the text ${peer} copied into the box`, onclick: () => this.get() }, 'Get their clipboard');
    this.panel = el('section', { class: 'panel clipboard-tools stack', hidden: true },
      el('h3', { text: 'Clipboard and text' }), this.text,
      el('div', { class: 'row' }, this.putBtn, this.typeBtn, this.getBtn), this.msg);
    this.asked = false; // a clipboard request is out
  }

  /** update shows the tools only while we have control. */
  update() {
    const on = this.session.controlling;
    this.keys.hidden = !on;
    this.panel.hidden = !on;
  }

  send(buf) { return this.session.sendOn('control', buf); }

  /** press sends a key combination: every key down in order, then up in reverse. */
  press(k) {
    let ok = true;
    for (const c of k.codes) ok = this.send(ip.key(c, true)) && ok;
    for (const c of [...k.codes].reverse()) this.send(ip.key(c, false));
    say(this.msg, ok ? `Sent ${k.label}.` : 'Not sent: you do not have control right now.', ok ? '' : 'error');
  }

  async put() {
    let text = this.text.value;
    if (!text) {
      // Empty box: take what the technician copied, if the browser lets us.
      try { text = await navigator.clipboard.readText(); } catch { text = ''; }
      if (!text) {
        say(this.msg, 'Write or paste the text in the box first.', 'error');
        this.text.focus();
        return;
      }
      this.text.value = text;
    }
    if (ip.utf8Bytes(text) > ip.MAX_CLIPBOARD_TEXT) {
      say(this.msg, `That is too long to send at once (more than ${ip.MAX_CLIPBOARD_TEXT / 1024} KB). Send it in parts.`, 'error');
      return;
    }
    let buf;
    try { buf = ip.clipboard(text); } catch (err) {
      say(this.msg, `That text cannot be sent: ${err.message}.`, 'error');
      return;
    }
    say(this.msg, this.send(buf) ? `Sending to ${this.session.peer}'s clipboard…` : 'Not sent: you do not have control right now.');
  }

  type() {
    const text = this.text.value.replace(/\r\n?/g, '\n');
    if (!text) {
      say(this.msg, 'Write the text to type in the box first.', 'error');
      this.text.focus();
      return;
    }
    let buf;
    try { buf = ip.typeText(text); } catch {
      say(this.msg, ip.utf8Bytes(text) > ip.MAX_TYPED_TEXT
        ? `That is too long to type (more than ${ip.MAX_TYPED_TEXT} bytes); put it on their clipboard instead.`
        : 'That text holds characters that cannot be typed.', 'error');
      return;
    }
    say(this.msg, this.send(buf) ? `Typing on ${this.session.peer}'s computer…` : 'Not sent: you do not have control right now.');
  }

  get() {
    if (!this.send(ip.clipboardRequest())) {
      say(this.msg, 'Not sent: you do not have control right now.', 'error');
      return;
    }
    this.asked = true;
    say(this.msg, `Asking for ${this.session.peer}'s clipboard…`);
  }

  /**
   * onClipboard receives the user's clipboard text from the desktop: the
   * answer to our request, or — when the user chose to share what they
   * copy — each new text they copied.
   */
  async onClipboard(text) {
    const auto = !this.asked;
    this.asked = false;
    if (auto && !text) return;
    this.text.value = text;
    if (!text) {
      say(this.msg, `${this.session.peer}'s clipboard holds no text.`);
      return;
    }
    let copied = false;
    try { await navigator.clipboard.writeText(text); copied = true; } catch { /* no permission or no focus */ }
    const what = auto ? `${this.session.peer} copied text` : `${this.session.peer}'s clipboard text`;
    say(this.msg, copied ? `${what}: it is in the box and on your clipboard.` : `${what}: it is in the box; copy it from there.`, 'ok');
  }

  /** onActivity shows the desktop's report of what happened (text kinds; files are session-files.js'). */
  onActivity(a) {
    const text = activityText(a, this.session.peer);
    if (!text) return;
    this.session.addNotice(text);
    if (a.kind !== ActivityKind.ClipboardFromUser) say(this.msg, text, 'ok');
  }
}
