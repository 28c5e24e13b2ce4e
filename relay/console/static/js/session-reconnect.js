// Reconnecting a live session. After the console reloaded (or its socket
// came back) the relay's session.start says what the user already allowed
// (view_granted, control_granted): the session resumes with that, asks
// nothing again, and asks the desktop for a new offer (signal.restart), since
// the old RTCPeerConnection is gone. The same happens when the video
// connection has been 'disconnected' or 'failed' for a few seconds while the
// session runs (a dropped and restored network path). The desktop answers
// with a new offer, which replaces the old connection (beforeOffer).

// restartAfterMS: a connection 'disconnected' or 'failed' this long is restarted.
export const restartAfterMS = 3000;
// retryAfterMS: a restart that brought no picture is asked again after these
// waits, the last one repeated while the session runs (a network path that
// is still down makes connections that cannot connect; the one asked after
// it is back connects at once).
export const retryAfterMS = [4000, 4000, 6000, 8000, 10000];

export class Reconnect {
  /** session is the LiveSession: peer, pc, remoteSet, viewState, controlState, send, setStatus, addNotice. */
  constructor(session) {
    this.s = session;
    this.waitTimer = 0; // a connection that dropped, until it is restarted
    this.retryTimer = 0; // a restart asked, until the picture is back
    this.retries = 0;
    this.pending = false; // a restart was asked and the picture is not back yet
    this.askedAt = 0; // performance.now() of the first restart asked
    this.lastMS = 0; // how long the last reconnection took, ms
  }

  /**
   * fromStart applies a session.start of a running session (a reloaded page,
   * or the socket back): with viewing granted the session resumes and the
   * desktop is asked for a new offer. It reports whether it resumed.
   */
  fromStart(start) {
    const s = this.s;
    if (s.ended || !start || !start.view_granted) return false;
    s.viewState = 'granted';
    if (start.control_granted) s.controlState = 'granted';
    else if (s.controlState === 'granted') s.loseControl();
    this.retries = 0;
    this.restart(`Reconnecting to ${s.peer}'s screen…`);
    s.updateButtons();
    return true;
  }

  /** restart asks the desktop for a new offer. */
  restart(text) {
    const s = this.s;
    if (s.ended || s.viewState !== 'granted') return;
    if (!s.send('signal.restart')) return;
    if (!this.pending) this.askedAt = performance.now();
    this.pending = true;
    s.setStatus(text);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = 0;
      if (!this.pending || s.ended) return;
      this.retries++;
      this.restart(`Still reconnecting to ${s.peer}'s screen…`);
    }, retryAfterMS[Math.min(this.retries, retryAfterMS.length - 1)]);
  }

  /** watch follows a new RTCPeerConnection: a drop that lasts is restarted. */
  watch(pc) {
    const s = this.s;
    pc.addEventListener('connectionstatechange', () => {
      if (pc !== s.pc || s.ended) return;
      const st = pc.connectionState;
      if (st !== 'failed' && st !== 'disconnected') {
        clearTimeout(this.waitTimer);
        this.waitTimer = 0;
        return;
      }
      if (this.waitTimer) return;
      this.waitTimer = setTimeout(() => {
        this.waitTimer = 0;
        if (pc !== s.pc || s.ended || (pc.connectionState !== 'failed' && pc.connectionState !== 'disconnected')) return;
        this.retries = 0;
        this.restart(`The video connection to ${s.peer} dropped; reconnecting…`);
      }, restartAfterMS);
    });
    s.video.addEventListener('loadeddata', () => {
      if (!this.pending || s.ended || pc !== s.pc) return;
      this.pending = false;
      clearTimeout(this.retryTimer);
      this.lastMS = Math.round(performance.now() - this.askedAt);
      s.root.dataset.reconnectMs = String(this.lastMS);
      s.setStatus(`Reconnected to ${s.peer}'s screen.`, 'ok');
      s.addNotice(`Reconnected to ${s.peer}'s screen.`);
    }, { once: true });
  }

  /** beforeOffer replaces a connection that already had an offer: the desktop restarted. */
  beforeOffer() {
    const s = this.s;
    if (!s.pc || !s.remoteSet) return;
    s.closePeer();
    s.remoteSet = false;
    s.pendingCandidates = [];
  }

  close() {
    clearTimeout(this.waitTimer);
    clearTimeout(this.retryTimer);
    this.pending = false;
  }
}
