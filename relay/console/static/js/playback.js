// Playback of a session's recording on its History page: the recorded
// screen and, beside it, what happened in the session (consent steps,
// chat, file transfers and everything else the audit log and the
// transcript hold) at its place in the recording. A click on a line plays
// from there; the line of the moment playing is marked.
import { el } from './dom.js';
import { actorName, eventWords, detailWords } from './words.js';

/** fmtOffset shows seconds into the recording as m:ss. */
export function fmtOffset(s) {
  const t = Math.max(0, Math.floor(s));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

function fmtBytes(n) {
  if (n < 1024 * 1024) return `${Math.max(1, Math.round(n / 1024))} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// moments are the session's events and chat lines, oldest first, with
// their offset in the recording (seconds; negative before it began).
function moments(d, start) {
  const out = [];
  for (const e of d.timeline || []) {
    const detail = e.detail ? ` · ${detailWords(e.detail)}` : '';
    out.push({ at: Date.parse(e.at), kind: 'event', text: eventWords(e) + detail, action: e.action });
  }
  for (const c of d.transcript || []) out.push({ at: Date.parse(c.at), kind: 'chat', text: `${actorName(c.sender)}: ${c.text}` });
  out.sort((a, b) => a.at - b.at);
  for (const m of out) m.offset = (m.at - start) / 1000;
  return out;
}

/**
 * knowDuration makes a MediaRecorder WebM (which carries no duration: the
 * browser says Infinity) seekable with a known length: it seeks far past
 * the end once, which makes the browser find the end, then goes back to
 * the start. video.dataset.ready is "1" once the duration is known.
 */
function knowDuration(video) {
  video.addEventListener('loadedmetadata', () => {
    if (Number.isFinite(video.duration)) {
      video.dataset.ready = '1';
      return;
    }
    const back = () => {
      if (!Number.isFinite(video.duration)) return;
      video.removeEventListener('durationchange', back);
      video.addEventListener('seeked', () => { video.dataset.ready = '1'; }, { once: true });
      video.currentTime = 0;
    };
    video.addEventListener('durationchange', back);
    video.currentTime = 1e101;
  }, { once: true });
}

/**
 * renderPlayback is the Recording section of a session's detail d (GET
 * /api/sessions/{id}), or null when the session was not recorded.
 */
export function renderPlayback(d) {
  const rec = d.recording;
  if (!rec) return null;
  const id = d.session.id;
  const section = el('section', { class: 'playback', 'aria-label': 'Recording' }, el('h3', { text: 'Recording' }));
  if (!rec.can_play) {
    section.append(el('p', { class: 'muted', text: 'This session was recorded. Only its technician and administrators can play the recording.' }));
    return section;
  }
  const src = `/api/sessions/${encodeURIComponent(id)}/recording`;
  const video = el('video', { class: 'playback-video', controls: true, preload: 'metadata', src,
    'aria-label': `Recording of the session with ${d.session.user_name || 'the user'}` });
  knowDuration(video);
  const start = Date.parse(rec.started_at);
  const list = moments(d, start);
  const items = list.map((m) => el('li', { class: m.kind, dataset: { offset: String(Math.max(0, m.offset)), action: m.action || '' } },
    el('button', { type: 'button', class: 'offset', title: 'Play from here', onclick: () => { video.currentTime = Math.max(0, m.offset); video.play().catch(() => {}); } },
      m.offset < 0 ? 'before' : fmtOffset(m.offset)), ' ',
    el('span', { text: m.text })));
  video.addEventListener('timeupdate', () => {
    let current = null;
    for (const li of items) if (Number(li.dataset.offset) <= video.currentTime) current = li;
    for (const li of items) li.classList.toggle('now', li === current);
  });
  section.append(
    el('p', { class: 'muted' }, `${fmtOffset(rec.duration_ms / 1000)} recorded, ${fmtBytes(rec.bytes)} · `,
      el('a', { href: `${src}?download=1`, download: `lifeline-${id}.webm` }, 'Download'),
      ' (playing and downloading are recorded in the audit log)'),
    el('div', { class: 'playback-grid' }, video,
      el('ol', { class: 'playback-moments', 'aria-label': 'What happened, by time in the recording' }, items)));
  return section;
}
