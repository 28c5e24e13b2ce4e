// One live session on the technician's side: consent requests through the
// relay, the WebRTC answer (the desktop offers), the live screen, remote
// control over the data channels (assist/inputproto encoding), chat, the
// end and the close-out notes.
import { el, say, ask } from './dom.js';
import { post, put } from './api.js';
import * as ip from './inputproto.js';
import { renderContext } from './context.js';
import { startFromSession } from './guides.js';
import { QualityWatch, videoSample } from './quality.js';
import { ControlTools } from './session-tools.js';
import { FileTools } from './session-files.js';
import { Reconnect } from './session-reconnect.js';
import * as fp from './fileproto.js';
import { Recorder } from './recorder.js';
import { PointerOverlay } from './session-pointer.js';
import { ConsentReason, EndReason, ErrorCode } from './vocab.js';

export const CATEGORIES = ['Printing', 'Network / Wi-Fi', 'Email / Outlook', 'Accounts / passwords', 'Hardware',
  'Software / installing', 'Performance', 'Other'];

// endText says in a sentence why the session ended; it has a case for every
// EndReason (console_test.go checks that).
function endText(reason, peer) {
  switch (reason) {
    case EndReason.User: return `${peer} stopped sharing and ended the session.`;
    case EndReason.Technician: return 'You ended the session.';
    case EndReason.ViewDenied: return `${peer} declined. They did not allow viewing.`;
    case EndReason.NoAnswer: return `${peer} did not answer in time, so viewing was declined.`;
    case EndReason.ClientDisconnected:
    case EndReason.SignalingLost:
    case EndReason.ConnectionLost: return `${peer}'s Lifeline app lost its connection to the relay.`;
    case EndReason.ConnectionFailed: return `The video connection to ${peer} failed. Ask them to try again, or call them.`;
    case EndReason.CaptureFailed: return `${peer}'s computer could not share its screen.`;
    case EndReason.RelayRestart:
    case EndReason.RelayShutdown: return 'The relay restarted, which ended the session.';
    case EndReason.AccessRevoked: return 'Your sign-in ended (signed out, password changed or account changed), which ended the session.';
    case EndReason.TechnicianLost: return 'Your console was away from the relay for too long, which ended the session.';
    default: return reason ? `The session ended (${reason}).` : 'The session ended.';
  }
}

// qualityEveryMS is how often the picture's statistics are read.
const qualityEveryMS = 2000;

export class LiveSession {
  /**
   * start is the session.start payload; socket the RelaySocket; onChange()
   * is called when the session list needs re-rendering (state, end).
   */
  constructor(start, { socket, onChange, autoView }) {
    this.id = start.session_id;
    this.requestId = start.request_id;
    this.peer = start.peer || (start.request && start.request.name) || 'the user';
    this.request = start.request || null;
    this.iceServers = start.ice_servers || [];
    this.socket = socket;
    this.onChange = onChange;
    this.viewState = 'none'; // none | asking | granted | denied
    this.controlState = 'none'; // none | asking | granted
    this.ended = false;
    this.saved = false;
    this.pc = null;
    this.channels = { control: null, pointer: null };
    this.remoteSet = false;
    this.pendingCandidates = [];
    this.seq = 0;
    this.pressedKeys = new Set();
    this.pressedButtons = new Set();
    this.pendingMove = null;
    this.wheelAcc = { x: 0, y: 0 };
    this.frames = 0;
    this.quality = new QualityWatch();
    this.qualityTimer = 0;
    this.lastInput = 0; // when control input was last sent (ms)
    this.withdrawAsk = null; // closes the open "End session?" question
    this.tools = new ControlTools(this);
    this.files = new FileTools(this);
    this.files.maxBytes = Number(start.max_file_bytes) || 0;
    this.reconnect = new Reconnect(this);
    this.displays = null; // the desktop's last Displays message (inputproto.decode)
    // The organisation records sessions: recorder.js records the live screen.
    this.recorder = start.recording ? new Recorder(this.id) : null;
    this.build();
    this.setStatus(`Session with ${this.peer} started.`);
    // A running session (the page reloaded) resumes with what was allowed.
    if (!this.reconnect.fromStart(start) && autoView) this.askView();
  }

  // --- view

  build() {
    const peer = this.peer;
    this.statusEl = el('p', { class: 'session-status', role: 'status', 'aria-live': 'polite' });
    this.viewBtn = el('button', { type: 'button', class: 'primary', onclick: () => this.askView() }, 'Ask to see the screen');
    this.controlBtn = el('button', { type: 'button', onclick: () => this.askControl(), disabled: true }, 'Request control');
    this.indicator = el('span', { class: 'control-indicator', role: 'status' }, 'Viewing only');
    this.fitBtn = el('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false', onclick: () => this.toggleFit() }, 'Actual size (1:1)');
    this.endBtn = el('button', { type: 'button', class: 'danger', onclick: () => this.end() }, 'End session');
    this.video = el('video', { class: 'screen-video', autoplay: true, playsinline: true, muted: true, 'aria-label': `${peer}'s screen` });
    this.video.muted = true;
    this.placeholder = el('div', { class: 'screen-placeholder', text: `${peer}'s screen appears here once they allow viewing.` });
    this.screen = el('div', { class: 'screen fit', tabindex: '0', 'aria-label': `Live screen of ${peer}. While you have control, mouse and keys go to their computer.` },
      this.video, this.placeholder);
    this.pointer = new PointerOverlay(this.video, this.screen); // the user's pointer, drawn over the video
    this.screen.append(this.pointer.node);
    this.hint = el('p', { class: 'hint muted', text: 'Viewing only: your mouse and keyboard stay here.' });
    this.qualityEl = el('p', { class: 'quality-notice', role: 'status', hidden: true });
    this.picker = el('div', { class: 'display-picker', role: 'group', 'aria-label': `${peer}'s displays`, hidden: true });

    this.chatLog = el('ol', { class: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Chat' });
    this.chatInput = el('input', { type: 'text', maxlength: '4000', placeholder: `Message to ${peer}`, 'aria-label': `Message to ${peer}` });
    this.chatSend = el('button', { type: 'submit' }, 'Send');
    const chatForm = el('form', { class: 'chat-form', onsubmit: (e) => { e.preventDefault(); this.sendChat(); } },
      this.chatInput, this.chatSend);

    this.notes = el('textarea', { rows: '5', maxlength: '16000', 'aria-label': 'Resolution notes', placeholder: 'What was wrong and what fixed it' });
    this.category = el('select', { 'aria-label': 'Category' }, el('option', { value: '', text: 'Choose a category…' }),
      CATEGORIES.map((c) => el('option', { value: c, text: c })));
    this.closeMsg = el('p', { class: 'msg', role: 'status' });
    this.closeout = el('form', { class: 'closeout panel stack', hidden: true, onsubmit: (e) => { e.preventDefault(); this.saveNotes(); } },
      el('h3', { text: 'Close-out' }),
      el('label', {}, 'Resolution notes', this.notes),
      el('label', {}, 'Category', this.category),
      el('div', { class: 'row' }, el('button', { type: 'submit', class: 'primary' }, 'Save record'),
        el('button', { type: 'button', class: 'ghost', onclick: () => this.dismiss() }, 'Close')),
      el('button', { type: 'button', class: 'closeout-guide', onclick: () => this.startGuide() }, 'Start a guide from this session'),
      this.closeMsg);

    this.root = el('article', { class: 'session', dataset: { session: this.id } },
      el('div', { class: 'session-main' },
        el('div', { class: 'session-head' },
          el('h2', {}, 'Session with ', el('span', { class: 'peer', text: peer })),
          this.statusEl),
        el('div', { class: 'toolbar' }, this.viewBtn, this.controlBtn, this.indicator, this.recorder && this.recorder.mark, el('span', { class: 'spacer' }), this.fitBtn, this.endBtn),
        this.tools.keys, this.qualityEl, this.picker, this.screen, this.hint),
      el('aside', { class: 'session-side' },
        this.closeout,
        this.tools.panel,
        this.files.panel,
        el('section', { class: 'panel' }, el('h3', { text: 'Chat' }), this.chatLog, chatForm),
        el('details', { class: 'panel', open: true }, el('summary', { text: 'Request details' }), el('div', { class: 'context' }, renderContext(this.request, { compact: true })))));
    this.bindInput();
  }

  setStatus(text, kind = '') {
    say(this.statusEl, text, kind);
    this.root.classList.toggle('is-ended', this.ended);
    this.onChange && this.onChange(this);
  }

  get label() { return this.peer; }

  updateButtons() {
    const live = !this.ended;
    this.viewBtn.hidden = this.viewState === 'granted' || !live;
    this.viewBtn.disabled = this.viewState === 'asking';
    this.viewBtn.textContent = this.viewState === 'denied' ? 'Ask again to see the screen' : 'Ask to see the screen';
    this.controlBtn.hidden = !live;
    this.controlBtn.disabled = this.viewState !== 'granted' || this.controlState !== 'none';
    this.controlBtn.textContent = this.controlState === 'asking' ? 'Waiting for an answer…' : 'Request control';
    this.endBtn.hidden = !live;
    this.fitBtn.hidden = !live;
    this.chatInput.disabled = !live;
    this.chatSend.disabled = !live;
    const on = this.controlState === 'granted' && live;
    this.indicator.textContent = !live ? 'Session ended' : on ? 'You have control' : (this.viewState === 'granted' ? 'Viewing only' : 'Not viewing yet');
    this.indicator.classList.toggle('on', on);
    this.screen.classList.toggle('controlling', on);
    this.pointer.setControlling(on);
    this.hint.hidden = !live;
    this.hint.textContent = on
      ? 'You have control: while the screen has the focus, mouse and keys (Tab and shortcuts too) go to their computer. Click outside it, or press Shift+Esc, to use the console again.'
      : 'Viewing only: your mouse and keyboard stay here.';
    this.tools.update();
    this.files.update();
  }

  // --- relay messages

  send(type, data = {}) {
    const id = this.socket.send(type, this.id, data);
    if (!id) this.setStatus('Not connected to the relay; the console is reconnecting. Try again in a moment.', 'error');
    return id;
  }

  askView() {
    if (this.ended || this.viewState === 'asking' || this.viewState === 'granted') return;
    if (!this.send('consent.view.request')) return;
    this.viewState = 'asking';
    this.setStatus(`Waiting for ${this.peer} to allow viewing…`);
    this.updateButtons();
  }

  askControl() {
    if (this.ended || this.viewState !== 'granted' || this.controlState !== 'none') return;
    if (!this.send('consent.control.request')) return;
    this.controlState = 'asking';
    this.setStatus(`Waiting for ${this.peer} to allow control…`);
    this.updateButtons();
  }

  /** handle processes a session message from the relay. */
  handle(m) {
    const d = m.data || {};
    switch (m.type) {
      case 'consent.view.grant':
        this.viewState = 'granted';
        this.setStatus(`${this.peer} allowed viewing. Connecting to their screen…`);
        this.ensurePeer();
        break;
      case 'consent.view.deny':
        // The session stays open: chat goes on and the button asks again.
        this.viewState = 'denied';
        this.setStatus(d.reason === ConsentReason.NoAnswer
          ? `${this.peer} did not answer in time. You can ask again.`
          : `${this.peer} declined. You can ask again.`, 'error');
        break;
      case 'consent.control.grant':
        this.controlState = 'granted';
        this.setStatus(`${this.peer} allowed control. Click their screen to use it.`, 'ok');
        break;
      case 'consent.control.deny':
        this.controlState = 'none';
        this.setStatus(`${this.peer} declined control. You can still see their screen.`, 'error');
        break;
      case 'consent.control.revoke':
        this.loseControl();
        this.setStatus(`${this.peer} took back control.`, 'error');
        break;
      case 'signal.offer':
        this.onOffer(d.sdp);
        break;
      case 'signal.candidate':
        this.onCandidate(d);
        break;
      case 'chat':
        this.addChat(d.from || this.peer, d.text, d.at, false);
        break;
      case 'session.activity':
        this.tools.onActivity(d);
        this.files.onActivity(d);
        break;
      case 'session.end':
        this.finish(d.reason);
        break;
    }
    this.updateButtons();
  }

  /** refused is called for an error reply to one of our messages. */
  refused(err) {
    const msg = String((err && err.message) || 'the relay refused that');
    // Both refusals below are not_allowed; the message says which one.
    const notAllowed = !!err && err.code === ErrorCode.NotAllowed;
    const alreadyAsked = notAllowed && /already requested or granted/.test(msg);
    const wasAsking = this.viewState === 'asking';
    if (wasAsking) this.viewState = 'none';
    if (this.controlState === 'asking') this.controlState = 'none';
    let text;
    if (notAllowed && /not connected/.test(msg)) text = `${this.peer}'s Lifeline app is not connected right now. Ask again when they are back online.`;
    else if (wasAsking && alreadyAsked) {
      text = `${this.peer} already allowed viewing earlier (before this page was reloaded), and it cannot be asked again. End the session and start a new one to see the screen.`;
    } else text = `The relay refused that: ${msg}.`;
    this.setStatus(text, 'error');
    this.updateButtons();
    if (alreadyAsked) this.viewBtn.hidden = true;
  }

  // --- WebRTC (we answer; the desktop offers)

  ensurePeer() {
    if (this.pc) return this.pc;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    pc.onicecandidate = (e) => {
      const c = e.candidate;
      if (c && c.candidate) {
        this.send('signal.candidate', { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment || undefined });
      } else if (!c) {
        this.send('signal.candidate', { candidate: '' }); // end of candidates
      }
    };
    pc.ontrack = (e) => {
      this.video.srcObject = e.streams && e.streams[0] ? e.streams[0] : new MediaStream([e.track]);
      this.video.play().catch(() => {});
    };
    this.video.addEventListener('loadeddata', () => {
      this.screen.classList.add('has-video');
      clearInterval(this.qualityTimer);
      this.qualityTimer = setInterval(() => this.sampleQuality(), qualityEveryMS);
      if (this.recorder && !this.ended) this.recorder.start(this.video, this.pointer);
      if (!this.ended) this.setStatus(this.controlState === 'granted' ? `You have control of ${this.peer}'s screen.` : `You can see ${this.peer}'s screen.`, 'ok');
    }, { once: true });
    pc.ondatachannel = (e) => {
      const ch = e.channel;
      ch.binaryType = 'arraybuffer';
      if (ch.label === fp.CHANNEL) {
        this.files.attach(ch);
        return;
      }
      if (ch.label === 'control' || ch.label === 'pointer') this.channels[ch.label] = ch;
      if (ch.label === 'control') {
        // The picture's size as this page shows it (a reload starts fitted),
        // and this console draws the user's pointer (session-pointer.js).
        const sendSize = () => {
          ch.send(ip.fullResolution(this.screen.classList.contains('actual')));
          ch.send(ip.drawPointer(true));
        };
        if (ch.readyState === 'open') sendSize(); else ch.addEventListener('open', sendSize, { once: true });
      }
      ch.onmessage = (ev) => {
        const p = ip.decode(ev.data);
        if (p && p.type === 'clipboard' && this.controlling) this.tools.onClipboard(p.text);
        if (p && p.type === 'displays') { this.showDisplays(p); return; }
        if (p && p.type === 'pointer') { this.pointer.onPosition(p); return; }
        if (p && p.type === 'pointerShape') { this.pointer.onShape(p); return; }
        if (p && p.type === 'permission' && !p.control && this.controlState === 'granted') {
          this.loseControl();
          this.setStatus(`${this.peer} took back control.`, 'error');
          this.updateButtons();
        }
      };
      ch.onclose = () => { if (this.channels[ch.label] === ch) this.channels[ch.label] = null; };
    };
    pc.onconnectionstatechange = () => {
      if (this.ended) return;
      if (pc.connectionState === 'failed') {
        this.setStatus(`The video connection to ${this.peer} failed. Ask them to check their network, or end and start again.`, 'error');
      } else if (pc.connectionState === 'disconnected') {
        this.setStatus(`The video connection to ${this.peer} is interrupted; waiting for it to recover…`, 'error');
      }
    };
    this.reconnect.watch(pc); // session-reconnect.js: a drop that lasts asks for a new offer
    return pc;
  }

  async onOffer(sdp) {
    if (this.ended || typeof sdp !== 'string') return;
    this.reconnect.beforeOffer(); // a new offer after a restart: a new connection
    const pc = this.ensurePeer();
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      this.remoteSet = true;
      for (const c of this.pendingCandidates.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.send('signal.answer', { sdp: pc.localDescription.sdp });
    } catch (err) {
      this.setStatus(`Could not connect to ${this.peer}'s screen (${err.message}). End the session and try again.`, 'error');
    }
  }

  onCandidate(d) {
    if (!d || typeof d.candidate !== 'string' || d.candidate === '') return; // empty = end of candidates
    const c = { candidate: d.candidate, sdpMid: d.sdpMid ?? null, sdpMLineIndex: d.sdpMLineIndex ?? null };
    if (d.usernameFragment) c.usernameFragment = d.usernameFragment;
    if (!this.pc || !this.remoteSet) {
      this.pendingCandidates.push(c);
      return;
    }
    this.pc.addIceCandidate(c).catch(() => {});
  }

  // sampleQuality reads the video statistics and shows or clears the
  // notice that the picture is reduced.
  async sampleQuality() {
    const pc = this.pc;
    if (!pc || this.ended) return;
    let report;
    try { report = await pc.getStats(); } catch { return; }
    if (pc !== this.pc) return;
    const moving = this.controlling && Date.now() - this.lastInput < 2 * qualityEveryMS;
    this.showQuality(this.quality.update(videoSample(report), moving));
  }

  showQuality(text) {
    this.qualityEl.textContent = text;
    this.qualityEl.hidden = !text;
  }

  closePeer() {
    clearInterval(this.qualityTimer);
    this.qualityTimer = 0;
    this.showQuality('');
    if (this.pc) {
      try { this.pc.close(); } catch { /* already closed */ }
    }
    this.pc = null;
    this.channels = { control: null, pointer: null };
    this.displays = null;
    this.pointer.reset();
    this.renderPicker();
    this.video.srcObject = null;
    this.screen.classList.remove('has-video');
  }

  // --- displays: the desktop lists its monitors (Displays); choosing one
  // needs viewing only and keeps the same video element and track.

  static displayLabel(d, i) {
    return `Display ${i + 1}${d.primary ? ' (primary)' : ''} — ${d.w}×${d.h}`;
  }

  showDisplays(p) {
    const before = this.displays && this.displays.shown;
    this.displays = p;
    this.renderPicker();
    if (before !== undefined && before !== null && before !== p.shown && !this.ended) {
      this.setStatus(p.shown === 'all' ? `You see all of ${this.peer}'s displays.` : `You see ${this.peer}'s Display ${p.shown + 1}.`, 'ok');
    }
  }

  renderPicker() {
    const p = this.displays;
    const show = !!p && p.displays.length >= 2 && this.viewState === 'granted' && !this.ended;
    this.picker.hidden = !show;
    if (!show) { this.picker.replaceChildren(); return; }
    const button = (text, index, title) => el('button', {
      type: 'button', 'aria-pressed': String(p.shown === index), title, dataset: { display: String(index) },
      onclick: () => this.selectDisplay(index),
    }, text);
    this.picker.replaceChildren(el('span', { class: 'label', text: 'Display:' }),
      ...p.displays.map((d, i) => button(LiveSession.displayLabel(d, i), i,
        `${d.name || `Display ${i + 1}`}: ${d.w}×${d.h} at ${d.x}, ${d.y}`)),
      button('All displays', 'all', 'All displays side by side, as they are arranged'));
  }

  selectDisplay(index) {
    const ch = this.channels.control;
    if (this.ended || !ch || ch.readyState !== 'open' || !this.displays || this.displays.shown === index) return;
    ch.send(ip.selectDisplay(index === 'all' ? ip.DISPLAY.All : index));
  }

  // --- remote control

  get controlling() { return this.controlState === 'granted' && !this.ended; }

  loseControl() {
    // Stop at once: nothing more is sent, held keys and buttons are forgotten
    // (the desktop already dropped control, so releases would be dropped too).
    this.controlState = 'none';
    this.pressedKeys.clear();
    this.pressedButtons.clear();
    this.pendingMove = null;
  }

  sendOn(label, buf) {
    const ch = this.channels[label];
    if (!this.controlling || !ch || ch.readyState !== 'open') return false;
    ch.send(buf);
    this.lastInput = Date.now();
    return true;
  }

  /** position maps a mouse event to 0..65535 across the shown video picture (letterboxing excluded). */
  position(e) {
    const v = this.video;
    const r = v.getBoundingClientRect();
    const vw = v.videoWidth, vh = v.videoHeight;
    if (!vw || !vh || !r.width || !r.height) return null;
    const scale = Math.min(r.width / vw, r.height / vh);
    const w = vw * scale, h = vh * scale;
    const left = r.left + (r.width - w) / 2, top = r.top + (r.height - h) / 2;
    const fx = (e.clientX - left) / w, fy = (e.clientY - top) / h;
    return { x: ip.normalise(fx), y: ip.normalise(fy), inside: fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1 };
  }

  bindInput() {
    const v = this.video;
    v.addEventListener('mousemove', (e) => {
      if (!this.controlling) return;
      const p = this.position(e);
      if (!p) return;
      const first = !this.pendingMove;
      this.pendingMove = p;
      if (first) requestAnimationFrame(() => this.flushMove());
    });
    v.addEventListener('mousedown', (e) => {
      this.screen.focus({ preventScroll: true });
      if (!this.controlling) return;
      e.preventDefault();
      const p = this.position(e);
      if (!p || !p.inside || e.button > 2) return;
      this.pendingMove = null;
      if (this.sendOn('control', ip.mouseButton(e.button, true, p.x, p.y))) this.pressedButtons.add(e.button);
    });
    const up = (e) => {
      if (!this.pressedButtons.has(e.button)) return;
      this.pressedButtons.delete(e.button);
      const p = this.position(e) || { x: 0, y: 0 };
      this.sendOn('control', ip.mouseButton(e.button, false, p.x, p.y));
    };
    window.addEventListener('mouseup', up);
    v.addEventListener('contextmenu', (e) => { if (this.controlling) e.preventDefault(); });
    v.addEventListener('wheel', (e) => {
      if (!this.controlling) return;
      e.preventDefault();
      const k = e.deltaMode === 1 ? 1 : e.deltaMode === 2 ? 10 : 1 / 100;
      this.wheelAcc.x += e.deltaX * k;
      this.wheelAcc.y += e.deltaY * k;
      const dx = Math.trunc(this.wheelAcc.x), dy = Math.trunc(this.wheelAcc.y);
      if (!dx && !dy) return;
      this.wheelAcc.x -= dx;
      this.wheelAcc.y -= dy;
      this.sendOn('control', ip.wheel(dx, dy));
    }, { passive: false });
    const key = (down) => (e) => {
      if (!this.controlling) return;
      if (down && e.code === 'Escape' && e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) {
        // The way out for keyboard users: not sent; focus leaves the screen
        // (which releases the keys still held, Shift included).
        e.preventDefault();
        this.endBtn.focus();
        return;
      }
      if (!ip.validKeyCode(e.code)) return;
      e.preventDefault();
      e.stopPropagation();
      if (!down && !this.pressedKeys.has(e.code)) return;
      if (this.sendOn('control', ip.key(e.code, down))) {
        if (down) this.pressedKeys.add(e.code); else this.pressedKeys.delete(e.code);
      }
    };
    this.screen.addEventListener('keydown', key(true));
    this.screen.addEventListener('keyup', key(false));
    // Leaving the screen (focus elsewhere, window switch) releases what is held,
    // so no key stays stuck down on the user's computer.
    this.screen.addEventListener('blur', () => this.releaseAll());
    window.addEventListener('blur', () => this.releaseAll());
  }

  flushMove() {
    const p = this.pendingMove;
    this.pendingMove = null;
    if (!p || !this.controlling) return;
    this.seq = (this.seq + 1) >>> 0;
    this.sendOn('pointer', ip.pointerMove(this.seq, p.x, p.y));
  }

  releaseAll() {
    for (const code of this.pressedKeys) this.sendOn('control', ip.key(code, false));
    this.pressedKeys.clear();
    for (const b of this.pressedButtons) this.sendOn('control', ip.mouseButton(b, false, 0, 0));
    this.pressedButtons.clear();
  }

  toggleFit() {
    const actual = this.screen.classList.toggle('actual');
    this.screen.classList.toggle('fit', !actual);
    this.fitBtn.setAttribute('aria-pressed', String(actual));
    this.fitBtn.textContent = actual ? 'Fit to window' : 'Actual size (1:1)';
    // A screen larger than 1080p comes scaled down; at 1:1 the technician
    // sees it at its own size, and back to the lighter picture to fit.
    const ch = this.channels.control;
    if (!this.ended && ch && ch.readyState === 'open') ch.send(ip.fullResolution(actual));
  }

  // --- chat

  sendChat() {
    const text = this.chatInput.value.trim();
    if (!text || this.ended) return;
    if (!this.send('chat', { text })) return;
    this.addChat('You', text, new Date().toISOString(), true);
    this.chatInput.value = '';
  }

  /** addNotice adds a line about the session (not a message) to the chat log. */
  addNotice(text) {
    this.chatLog.append(el('li', { class: 'notice' },
      el('time', { class: 'muted', datetime: new Date().toISOString(), text: new Date().toLocaleTimeString() }), ' ',
      el('span', { class: 'chat-text', text })));
    this.chatLog.scrollTop = this.chatLog.scrollHeight;
  }

  addChat(from, text, at, mine) {
    const t = at ? new Date(at) : new Date();
    this.chatLog.append(el('li', { class: mine ? 'mine' : 'theirs' },
      el('span', { class: 'chat-from', text: from }), ' ',
      el('time', { class: 'muted', datetime: t.toISOString(), text: t.toLocaleTimeString() }),
      el('div', { class: 'chat-text', text: String(text ?? '') })));
    this.chatLog.scrollTop = this.chatLog.scrollHeight;
  }

  // --- end and close-out

  async end() {
    if (this.ended || this.withdrawAsk) return;
    if (this.controlling) this.releaseAll();
    const sure = await ask(this.root, {
      title: `End the session with ${this.peer}?`,
      text: `${this.peer} stops sharing their screen and you lose any control at once. You write the resolution notes next.`,
      yes: 'End session', no: 'Keep the session', danger: true,
      onOpen: (withdraw) => { this.withdrawAsk = withdraw; },
    });
    this.withdrawAsk = null;
    if (!sure || this.ended) {
      if (!this.ended) this.endBtn.focus();
      return;
    }
    this.endBtn.disabled = true;
    try {
      await post(`/api/sessions/${encodeURIComponent(this.id)}/end`);
      this.finish(EndReason.Technician);
    } catch (err) {
      if (err.status === 404) this.finish('');
      else {
        this.endBtn.disabled = false;
        this.setStatus(`Could not end the session: ${err.message}`, 'error');
      }
    }
  }

  finish(reason) {
    if (this.ended) return;
    if (this.withdrawAsk) this.withdrawAsk();
    this.loseControl();
    this.files.close();
    this.reconnect.close();
    this.ended = true;
    this.endReason = reason || '';
    if (this.recorder) this.recorder.stop(); // the last slice, then the upload of what is left
    this.closePeer();
    this.placeholder.textContent = 'The session has ended.';
    this.closeout.hidden = false;
    this.setStatus(`${endText(reason, this.peer)} Write the resolution notes to close the record.`, reason === EndReason.Technician ? '' : 'error');
    this.updateButtons();
    this.notes.focus({ preventScroll: true });
  }

  async saveNotes() {
    if (!this.category.value) {
      say(this.closeMsg, 'Choose a category, then save.', 'error');
      this.category.focus();
      return;
    }
    try {
      await put(`/api/sessions/${encodeURIComponent(this.id)}/notes`, { notes: this.notes.value, category: this.category.value });
      this.saved = true;
      say(this.closeMsg, 'Saved. The record, its timeline and chat are in History.', 'ok');
      this.onChange && this.onChange(this);
    } catch (err) {
      say(this.closeMsg, `Not saved: ${err.message}`, 'error');
    }
  }

  // startGuide opens the Guides page with a new guide drafted from this
  // session: the description as a symptom, the category, the notes as
  // steps (guides.js startFromSession). The session view stays.
  startGuide() {
    startFromSession({ sessionId: this.id, peer: this.peer, category: this.category.value, notes: this.notes.value,
      description: this.request && this.request.description });
  }

  dismiss() {
    if (!this.saved && !confirm('The notes are not saved. Close this session anyway?')) return;
    this.closePeer();
    this.root.remove();
    this.dismissed = true;
    this.onChange && this.onChange(this);
  }
}

