// The console socket /ws/tech (relay/API.md): protocol envelopes, and
// reconnecting by itself with exponential backoff and jitter.

const MAX_MESSAGE = 64 << 10;

export class RelaySocket {
  /**
   * onMessage(msg) gets every decoded envelope; onStatus(state, info)
   * gets "connecting" | "connected" | "reconnecting" (info.delay ms,
   * info.attempt) | "stopped".
   */
  constructor({ onMessage, onStatus, onDrop }) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onDrop = onDrop || (() => {});
    this.ws = null;
    this.attempt = 0;
    this.seq = 0;
    this.timer = 0;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'signed out');
    this.onStatus('stopped', {});
  }

  /** reconnectNow skips the rest of the backoff wait. */
  reconnectNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.connect();
  }

  get connected() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/tech`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.onStatus('connecting', { attempt: this.attempt });
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.onStatus('connected', {});
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws || typeof e.data !== 'string' || e.data.length > MAX_MESSAGE) return;
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      if (!m || m.v !== 1 || typeof m.type !== 'string') return;
      this.onMessage(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.onDrop();
      this.scheduleRetry();
    };
  }

  scheduleRetry() {
    if (this.stopped) return;
    this.attempt++;
    const base = Math.min(15000, 500 * 2 ** Math.min(this.attempt - 1, 5));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.onStatus('reconnecting', { delay, attempt: this.attempt });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** send sends one envelope and returns its id, or null when offline. */
  send(type, session, data = {}) {
    if (!this.connected) return null;
    const id = `c${++this.seq}`;
    this.ws.send(JSON.stringify({ v: 1, type, id, session, data }));
    return id;
  }
}
