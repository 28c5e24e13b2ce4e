// Session recording on the technician's side (relay/API.md, "Session
// recordings"). When session.start says the organisation records
// sessions, the decoded screen is recorded with MediaRecorder (WebM) in
// slices of a few seconds, and every slice goes to the relay as soon as it
// is made, in order, retried when the network hiccups: a crashed browser
// loses the last seconds, not the recording. The relay keeps it for the
// session's History page.
//
// The recorder does not record the received stream as it is: a desktop
// sends frames only when its screen changes, and a recording of those
// would skip the still parts (a still end would be cut off). The live
// picture is drawn on a canvas at a steady rate instead, and the canvas
// is recorded, so the recording keeps the session's own time. The user's
// pointer, which the console draws over the video rather than the desktop
// into it (session-pointer.js), is drawn on that canvas too.
import { el } from './dom.js';
import { api, get } from './api.js';

/** sliceMS is the length of one uploaded chunk of recording. */
export const sliceMS = 2000;
const videoBitsPerSecond = 1_000_000;
const framesPerSecond = 10;
const attempts = 6; // per chunk: waits of 0.5, 1, 2, 4, 8 s between
const drainMS = 20000; // how long stop waits for the last chunks to go

function mimeType() {
  for (const t of ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm']) {
    if (window.MediaRecorder && MediaRecorder.isTypeSupported(t)) return t;
  }
  return '';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Recorder {
  constructor(sessionId) {
    this.id = sessionId;
    this.mr = null;
    this.t0 = 0;
    this.seq = 0;
    this.queue = []; // chunks not yet stored: { seq, blob, ms }
    this.pumping = null; // the upload loop's promise while it runs
    this.failed = '';
    this.sentBytes = 0;
    this.mark = el('span', { class: 'recording-mark', role: 'status', hidden: true, title: 'The session is recorded and uploaded to the relay as it runs.' }, '● Recording');
  }

  /** start records video (the live screen) once, with pointer's drawOn over it; later calls do nothing. */
  async start(video, pointer) {
    if (this.mr || this.failed || !video) return;
    this.mr = 'starting';
    try {
      // After a reload the relay may hold this session's recording
      // already: a second stream cannot be joined to it.
      const d = await get(`/api/sessions/${encodeURIComponent(this.id)}`);
      if (d && d.recording && d.recording.chunks > 0) {
        this.show('Recorded until the page was reloaded; not recording now', true);
        return;
      }
    } catch { /* the upload will tell */ }
    const type = mimeType();
    if (!type) {
      this.show('Not recording: this browser cannot record video', true);
      return;
    }
    const canvas = el('canvas');
    const g = canvas.getContext('2d', { alpha: false });
    const draw = () => {
      const w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) return;
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      g.drawImage(video, 0, 0, w, h);
      if (pointer) pointer.drawOn(g, w, h);
    };
    draw();
    let mr;
    try {
      mr = new MediaRecorder(canvas.captureStream(framesPerSecond), { mimeType: type, videoBitsPerSecond });
    } catch (err) {
      this.show(`Not recording: ${err.message}`, true);
      return;
    }
    this.mr = mr;
    this.t0 = performance.now();
    mr.ondataavailable = (e) => {
      if (!e.data || !e.data.size || this.failed) return;
      this.queue.push({ seq: this.seq++, blob: e.data, ms: Math.round(performance.now() - this.t0) });
      this.pump();
    };
    this.timer = setInterval(draw, 1000 / framesPerSecond);
    mr.addEventListener('stop', () => clearInterval(this.timer), { once: true });
    mr.start(sliceMS);
    this.show('● Recording', false);
  }

  show(text, bad) {
    this.mark.textContent = text;
    this.mark.hidden = false;
    this.mark.classList.toggle('bad', !!bad);
  }

  get recording() { return this.mr instanceof MediaRecorder && this.mr.state !== 'inactive'; }

  pump() {
    if (!this.pumping) this.pumping = this.drain().finally(() => { this.pumping = null; });
    return this.pumping;
  }

  async drain() {
    while (this.queue.length && !this.failed) {
      const c = this.queue[0];
      try {
        await this.upload(c);
        this.queue.shift();
      } catch (err) {
        this.failed = err.message || 'the relay refused a chunk';
        this.queue = [];
        if (this.recording) this.mr.stop();
        this.show(`Recording stopped: ${this.failed}`, true);
      }
    }
  }

  async upload(c) {
    const path = `/api/sessions/${encodeURIComponent(this.id)}/recording/chunks?seq=${c.seq}&recorded_ms=${c.ms}`;
    let last;
    for (let i = 0; i < attempts; i++) {
      if (i) await sleep(500 * 2 ** (i - 1));
      try {
        await api('POST', path, c.blob);
        this.sentBytes += c.blob.size;
        this.mark.title = `The session is recorded: ${Math.round(this.sentBytes / 1024)} KiB uploaded to the relay.`;
        return;
      } catch (err) {
        last = err;
        // The relay kept it already (the reply to an earlier try was lost).
        if (err.status === 409 && err.data && err.data.next_seq > c.seq) return;
        const transient = err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
        if (!transient) throw err;
      }
    }
    throw last;
  }

  /**
   * stop ends the recording: the last slice is made and every chunk still
   * queued is uploaded (within drainMS). It resolves when done.
   */
  async stop() {
    if (this.recording) {
      const mr = this.mr;
      await new Promise((resolve) => {
        mr.addEventListener('stop', resolve, { once: true });
        mr.stop();
      });
    }
    if (this.mr instanceof MediaRecorder && !this.failed) this.show('Recorded', false);
    const done = this.pumping || Promise.resolve();
    await Promise.race([done, sleep(drainMS)]);
    this.mark.dataset.uploaded = this.queue.length ? 'partly' : 'all';
  }
}
