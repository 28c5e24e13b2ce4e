// History: past sessions, searchable and filterable, with their timeline,
// transcript and notes; CSV/JSON export links with the same filters.
import { el, $, say, fmtTime, fmtSeconds, dateParam } from './dom.js';
import { get, query } from './api.js';
import { renderContext, splitDescription } from './context.js';
import { endWords, actorName, eventWords, detailWords, namesReady } from './words.js';
import { startFromSession } from './guides.js';
import { renderPlayback } from './playback.js';

export function init() {
  $('#history-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  for (const id of ['#h-q', '#h-tech', '#h-since', '#h-until']) $(id).addEventListener('change', updateExportLinks);
  updateExportLinks();
}

export function open() {
  search(); // always fresh: sessions end and get notes while the tab is closed
}

function filters() {
  return {
    q: $('#h-q').value.trim(),
    tech: $('#h-tech').value.trim(),
    since: dateParam($('#h-since').value, false),
    until: dateParam($('#h-until').value, true),
  };
}

function updateExportLinks() {
  const f = filters();
  $('#h-csv').href = `/api/sessions/export${query({ format: 'csv', ...f })}`;
  $('#h-json').href = `/api/sessions/export${query({ format: 'json', ...f })}`;
}

export async function search() {
  const msg = $('#history-msg');
  const body = $('#history-table tbody');
  updateExportLinks();
  say(msg, 'Loading…');
  try {
    const list = await get(`/api/sessions${query({ ...filters(), limit: 200 })}`);
    await namesReady();
    body.replaceChildren(...list.map((s) => {
      const words = splitDescription(s.description).words;
      const tr = el('tr', { tabindex: '0', dataset: { id: s.id }, onclick: () => detail(s.id),
        onkeydown: (e) => { if (e.key === 'Enter') detail(s.id); } },
      el('td', { text: fmtTime(s.started_at) }),
      el('td', { text: s.user_name || '—' }),
      el('td', { text: actorName(`tech:${s.technician}`) }),
      el('td', { class: 'clip', text: words, title: words }),
      el('td', { text: fmtSeconds(s.duration_s) }),
      el('td', { text: s.category || '' }),
      el('td', { text: s.live ? 'running' : (endWords[s.end_reason] || s.end_reason || '') }));
      return tr;
    }));
    say(msg, list.length ? `${list.length} session${list.length === 1 ? '' : 's'}${list.length === 200 ? ' (the newest 200: narrow the search to see older ones)' : ''}.` : 'No sessions match. Clear the filters to see everything.');
  } catch (err) {
    say(msg, `Could not load the history: ${err.message}`, 'error');
  }
}

async function detail(id) {
  const pane = $('#history-detail');
  for (const tr of document.querySelectorAll('#history-table tbody tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  pane.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const d = await get(`/api/sessions/${encodeURIComponent(id)}`);
    await namesReady();
    const s = d.session;
    const facts = el('dl', { class: 'facts' });
    const fact = (k, v) => { if (v) facts.append(el('dt', { text: k }), el('dd', { text: v })); };
    fact('Technician', actorName(`tech:${s.technician}`));
    fact('Started', fmtTime(s.started_at));
    fact('Ended', s.ended_at ? `${fmtTime(s.ended_at)} (${endWords[s.end_reason] || s.end_reason || ''})` : 'still running');
    fact('Viewing allowed', s.view_granted_at ? fmtTime(s.view_granted_at) : 'no');
    fact('Control allowed', s.control_granted_at ? fmtTime(s.control_granted_at) : 'no');
    fact('Duration', fmtSeconds(s.duration_s));
    fact('Category', s.category);
    pane.replaceChildren(
      el('h2', {}, 'Session with ', el('span', { text: s.user_name || 'user' })),
      facts,
      renderPlayback(d), // the recording, if the session was recorded
      el('h3', { text: 'Resolution notes' }),
      el('p', { class: 'notes', text: s.notes || 'No notes yet.' }),
      el('button', { type: 'button', class: 'small h-guide', onclick: () => startFromSession({ sessionId: s.id, peer: s.user_name,
        description: d.request && d.request.description, category: s.category, notes: s.notes }) }, 'Start a guide from this session'),
      el('h3', { text: 'Timeline' }),
      el('ol', { class: 'timeline' }, d.timeline.map((e) => el('li', { dataset: { action: e.action, actor: e.actor } },
        el('time', { class: 'muted', text: fmtTime(e.at) }), ' ',
        el('span', { class: 'event', title: e.action, text: eventWords(e) }),
        e.detail ? el('span', { class: 'muted', text: ` · ${detailWords(e.detail)}` }) : null))),
      el('h3', { text: 'Chat transcript' }),
      d.transcript.length ? el('ol', { class: 'chat-log static' }, d.transcript.map((c) => el('li', {},
        el('span', { class: 'chat-from', text: actorName(c.sender) }), ' ',
        el('time', { class: 'muted', text: fmtTime(c.at) }),
        el('div', { class: 'chat-text', text: c.text })))) : el('p', { class: 'muted', text: 'No chat.' }),
      el('details', {}, el('summary', { text: 'Request context' }), el('div', { class: 'context' }, renderContext(d.request))));
  } catch (err) {
    pane.replaceChildren(el('p', { class: 'error', text: `Could not load the session: ${err.message}` }));
  }
}
