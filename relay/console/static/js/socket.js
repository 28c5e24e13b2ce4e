// The console socket /ws/tech (relay/API.md): protocol envelopes, and
// reconnecting by itself with exponential backoff and equal jitter.

const MAX_MESSAGE = 64 << 10;

// The reconnect policy is relay/client's Backoff (backoff.go), the one used
// by every Lifeline client: the n-th wait is d = MIN·2^(n-1) capped at MAX,
// with equal jitter, uniformly random in [d/2, d]. Same defaults as Go's
// DefaultMinBackoff and DefaultMaxBackoff.
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30000;

/** backoffDelay is Backoff.Delay: the wait in ms before retry n (n ≥ 1). */
export function backoffDelay(n, random = Math.random) {
  let d = MIN_BACKOFF_MS;
  for (let i = 1; i < n && d < MAX_BACKOFF_MS; i++) d *= 2;
  d = Math.min(d, MAX_BACKOFF_MS);
  return Math.round(d / 2 + random() * (d / 2));
}

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
    const delay = backoffDelay(this.attempt);
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
