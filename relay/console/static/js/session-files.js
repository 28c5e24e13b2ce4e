// File transfers in a live session, both ways, on the "file" data channel
// (assist/fileproto, js/fileproto.js). The technician sends a file (the
// user is asked, chooses where to save it and sees a progress bar) or asks
// for one (the user picks it, or says no); a file the user sends arrives
// here, is checked against its SHA-256 and offered for saving. Files need
// viewing, not control: the user answers each one. The desktop reports
// every file that arrived to the relay, which audits it (name, size,
// SHA-256) and tells us (session.activity).
import { el, say } from './dom.js';
import * as fp from './fileproto.js';
import { sha256 } from '../vendor/noble-hashes/sha2.js';
import { sizeWords } from './words.js';
import { ActivityKind } from './vocab.js';

// The file channel's queue: stop sending at the high mark, go on at the low.
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
// How often a receiver says how far it got.
const PROGRESS_EVERY = 256 << 10;
// How much of a file is read from disk at a time.
const READ_SIZE = 1 << 20;

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** reasonText says why a transfer stopped, about peer. */
export function reasonText(reason, peer, toUser) {
  switch (reason) {
    case fp.REASON.Cancelled: return 'Cancelled.';
    case fp.REASON.Declined: return toUser ? `${peer} did not accept the file.` : `${peer} did not choose a file.`;
    case fp.REASON.TooLarge: return 'The file is larger than the help desk allows.';
    case fp.REASON.DiskFull: return toUser ? `${peer}'s disk is full: the file was not saved.` : 'Your disk is full.';
    case fp.REASON.WriteFailed: return toUser ? `${peer}'s computer could not save the file.` : 'The file could not be kept.';
    case fp.REASON.HashMismatch: return 'The file arrived damaged, so it was not kept. Send it again.';
    case fp.REASON.Busy: return `${peer}'s computer is busy with another file. Try again in a moment.`;
    case fp.REASON.ReadFailed: return `${peer}'s computer could not read the file.`;
    default: return 'The transfer stopped.';
  }
}

export class FileTools {
  /** session is the LiveSession: peer, viewState, ended, addNotice(text). */
  constructor(session) {
    this.session = session;
    this.channel = null;
    this.transfers = new Map(); // id → transfer
    this.nextId = 1;
    this.maxBytes = 0; // 0: not said (the desktop applies its default)
    this.low = null; // resolves when the channel's queue is low
    const peer = session.peer;
    this.picker = el('input', { type: 'file', hidden: true, 'aria-hidden': 'true', onchange: () => this.picked() });
    this.sendBtn = el('button', { type: 'button', onclick: () => this.picker.click() }, 'Send a file…');
    this.askBtn = el('button', { type: 'button', class: 'ghost', title: `${peer} chooses a file on their computer to send you`, onclick: () => this.ask() }, 'Ask for a file');
    this.list = el('ul', { class: 'file-list', 'aria-label': 'File transfers' });
    this.msg = el('p', { class: 'msg', role: 'status' });
    this.panel = el('section', { class: 'panel file-tools stack', hidden: true },
      el('h3', { text: 'Files' }), el('div', { class: 'row' }, this.sendBtn, this.askBtn, this.picker), this.msg, this.list);
  }

  /** update shows the panel while viewing is allowed. */
  update() {
    const on = this.session.viewState === 'granted' && !this.session.ended;
    this.panel.hidden = !on;
    const ready = on && this.channel && this.channel.readyState === 'open';
    this.sendBtn.disabled = !ready;
    this.askBtn.disabled = !ready;
  }

  /** attach takes the desktop's "file" channel. */
  attach(ch) {
    this.channel = ch;
    ch.binaryType = 'arraybuffer';
    ch.bufferedAmountLowThreshold = LOW_WATER;
    ch.onbufferedamountlow = () => { if (this.low) { this.low(); this.low = null; } };
    ch.onmessage = (ev) => this.onMessage(ev.data);
    ch.onopen = () => this.update();
    ch.onclose = () => {
      if (this.channel !== ch) return;
      this.channel = null;
      for (const t of this.transfers.values()) this.stop(t, 'The connection dropped: the transfer stopped.', true);
      this.update();
    };
    this.update();
  }

  send(buf) {
    const ch = this.channel;
    if (!ch || ch.readyState !== 'open') return false;
    ch.send(buf);
    return true;
  }

  async room() {
    const ch = this.channel;
    while (ch && ch === this.channel && ch.bufferedAmount > HIGH_WATER) {
      await new Promise((resolve) => { this.low = resolve; setTimeout(resolve, 200); });
    }
    return ch === this.channel && !!ch;
  }

  // --- the list

  row(t) {
    t.bar = el('progress', { max: String(Math.max(t.size, 1)), value: '0', 'aria-label': `Progress of ${t.name}` });
    t.status = el('span', { class: 'file-status muted' });
    t.cancelBtn = el('button', { type: 'button', class: 'ghost', onclick: () => this.cancel(t) }, 'Cancel');
    t.li = el('li', { class: 'file', dataset: { id: String(t.id), dir: t.toUser ? 'to-user' : 'from-user' } },
      el('div', { class: 'file-head' }, el('span', { class: 'file-name', text: t.name }), ' ',
        el('span', { class: 'muted', text: `${sizeWords(t.size)} · ${t.toUser ? `to ${this.session.peer}` : `from ${this.session.peer}`}` })),
      t.bar, el('div', { class: 'row' }, t.status, t.cancelBtn));
    this.list.prepend(t.li);
  }

  setProgress(t, n) {
    t.moved = n;
    t.bar.value = n;
    t.status.textContent = `${sizeWords(n)} of ${sizeWords(t.size)}`;
  }

  stop(t, text, failed) {
    if (t.over) return;
    t.over = true;
    this.transfers.delete(t.id);
    t.cancelBtn.remove();
    say(t.status, text, failed ? 'error' : 'ok');
    t.li.classList.toggle('failed', !!failed);
    if (t.wake) t.wake(false);
  }

  // --- technician → user

  picked() {
    const f = this.picker.files && this.picker.files[0];
    this.picker.value = '';
    if (f) this.sendFile(f);
  }

  async sendFile(file) {
    if (this.maxBytes && file.size > this.maxBytes) {
      say(this.msg, `${file.name} is ${sizeWords(file.size)}: larger than the help desk allows (${sizeWords(this.maxBytes)}).`, 'error');
      return;
    }
    const id = this.nextId++;
    const t = { id, toUser: true, name: file.name, size: file.size, moved: 0 };
    let offer;
    try { offer = fp.offer(id, file.size, file.name); } catch {
      say(this.msg, `The name ${file.name} cannot be sent; rename the file and try again.`, 'error');
      return;
    }
    this.transfers.set(id, t);
    this.row(t);
    if (!this.send(offer)) {
      this.stop(t, 'Not sent: the connection to their screen is not open.', true);
      return;
    }
    say(t.status, `Waiting for ${this.session.peer} to accept…`);
    const accepted = await new Promise((resolve) => { t.wake = resolve; });
    t.wake = null;
    if (!accepted || t.over) return;
    const h = sha256.create();
    for (let off = 0; off < file.size && !t.over; off += READ_SIZE) {
      let part;
      try { part = new Uint8Array(await file.slice(off, off + READ_SIZE).arrayBuffer()); } catch {
        this.send(fp.cancel(id, fp.REASON.ReadFailed));
        this.stop(t, 'Your browser could not read the file.', true);
        return;
      }
      for (let i = 0; i < part.length && !t.over; i += fp.CHUNK_SIZE) {
        if (!(await this.room())) { this.stop(t, 'The connection dropped: the transfer stopped.', true); return; }
        const c = part.subarray(i, i + fp.CHUNK_SIZE);
        if (!this.send(fp.chunk(id, c))) { this.stop(t, 'The connection dropped: the transfer stopped.', true); return; }
        h.update(c);
        t.sent = off + i + c.length;
      }
    }
    if (t.over) return;
    t.sha256 = hex(h.digest());
    this.send(fp.end(id, new Uint8Array(t.sha256.match(/../g).map((x) => parseInt(x, 16)))));
    say(t.status, `Sent; waiting for ${this.session.peer}'s computer to check it…`);
  }

  cancel(t) {
    this.send(fp.cancel(t.id, fp.REASON.Cancelled));
    this.stop(t, 'You cancelled it.', true);
  }

  // --- user → technician

  ask() {
    const id = this.nextId++;
    if (!this.send(fp.request(id))) return;
    this.asked = this.asked || new Set();
    this.asked.add((id | fp.DESKTOP_ID) >>> 0);
    say(this.msg, `Asked ${this.session.peer} to choose a file…`);
  }

  incoming(m) {
    if (this.transfers.has(m.id)) {
      this.send(fp.cancel(m.id, fp.REASON.Busy));
      return;
    }
    const t = { id: m.id, toUser: false, name: m.name, size: m.size, moved: 0, parts: [], hash: sha256.create(), lastP: 0 };
    this.row(t);
    if (this.maxBytes && m.size > this.maxBytes) {
      this.send(fp.cancel(m.id, fp.REASON.TooLarge));
      t.over = true;
      t.cancelBtn.remove();
      say(t.status, reasonText(fp.REASON.TooLarge, this.session.peer, false), 'error');
      return;
    }
    this.transfers.set(m.id, t);
    if (this.asked) this.asked.delete(m.id);
    say(this.msg, `${this.session.peer} is sending you ${m.name}.`);
    this.send(fp.accept(m.id));
    say(t.status, 'Receiving…');
  }

  received(t, data) {
    if (t.moved + data.length > t.size) {
      this.send(fp.cancel(t.id, fp.REASON.Protocol));
      this.stop(t, 'More arrived than was announced, so the file was not kept.', true);
      return;
    }
    const copy = data.slice();
    t.parts.push(copy);
    t.hash.update(copy);
    this.setProgress(t, t.moved + copy.length);
    if (t.moved - t.lastP >= PROGRESS_EVERY || t.moved === t.size) {
      t.lastP = t.moved;
      this.send(fp.progress(t.id, t.moved));
    }
  }

  ended(t, sum) {
    const got = hex(t.hash.digest());
    if (t.moved !== t.size || got !== hex(sum)) {
      this.send(fp.cancel(t.id, fp.REASON.HashMismatch));
      this.stop(t, reasonText(fp.REASON.HashMismatch), true);
      return;
    }
    this.send(fp.done(t.id));
    const blob = new Blob(t.parts);
    t.parts = null;
    t.url = URL.createObjectURL(blob);
    this.stop(t, `Received whole (SHA-256 ${got}).`, false);
    say(this.msg, '');
    t.li.append(el('a', { class: 'file-save', href: t.url, download: t.name }, `Save ${t.name}`));
  }

  // --- messages from the desktop

  onMessage(buf) {
    const m = fp.decode(buf);
    if (!m) return;
    const t = this.transfers.get(m.id);
    const fromDesktop = (m.id & fp.DESKTOP_ID) !== 0;
    switch (m.type) {
      case fp.TYPE.Offer:
        if (fromDesktop) this.incoming(m);
        break;
      case fp.TYPE.Chunk:
        if (t && !t.toUser) this.received(t, m.data);
        break;
      case fp.TYPE.End:
        if (t && !t.toUser) this.ended(t, m.sha256);
        break;
      case fp.TYPE.Accept:
        if (t && t.toUser && t.wake) { say(t.status, 'Sending…'); t.wake(true); }
        break;
      case fp.TYPE.Progress:
        if (t && t.toUser) this.setProgress(t, Math.min(m.bytes, t.size));
        break;
      case fp.TYPE.Done:
        if (t && t.toUser) {
          this.setProgress(t, t.size);
          this.stop(t, `Saved on ${this.session.peer}'s computer (SHA-256 ${t.sha256}).`, false);
        }
        break;
      case fp.TYPE.Cancel:
        if (t) this.stop(t, reasonText(m.reason, this.session.peer, t.toUser), true);
        else if (this.asked && this.asked.delete(m.id)) say(this.msg, reasonText(m.reason, this.session.peer, false), m.reason === fp.REASON.Declined ? '' : 'error');
        break;
    }
  }

  /** onActivity shows the desktop's report of a file that arrived. */
  onActivity(a) {
    const size = sizeWords(Number(a.bytes) || 0);
    if (a.kind === ActivityKind.FileToUser) this.session.addNotice(`${a.name} (${size}) was saved on ${this.session.peer}'s computer.`);
    else if (a.kind === ActivityKind.FileFromUser) this.session.addNotice(`${this.session.peer} sent you ${a.name} (${size}).`);
  }

  /** close ends every transfer (the session ended). */
  close() {
    for (const t of [...this.transfers.values()]) this.stop(t, 'The session ended: the transfer stopped.', true);
  }
}
