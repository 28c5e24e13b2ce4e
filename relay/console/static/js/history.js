// History: past sessions, searchable and filterable, with their timeline,
// transcript and notes; CSV/JSON export links with the same filters.
import { el, $, say, fmtTime, fmtSeconds, dateParam } from './dom.js';
import { get, query } from './api.js';
import { renderContext } from './context.js';

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

const endWords = {
  user: 'user ended', technician: 'technician ended', view_denied: 'viewing declined', client_disconnected: 'user disconnected',
  relay_restart: 'relay restart', relay_shutdown: 'relay shutdown', connection_failed: 'connection failed',
};

export async function search() {
  const msg = $('#history-msg');
  const body = $('#history-table tbody');
  updateExportLinks();
  say(msg, 'Loading…');
  try {
    const list = await get(`/api/sessions${query({ ...filters(), limit: 200 })}`);
    body.replaceChildren(...list.map((s) => {
      const tr = el('tr', { tabindex: '0', dataset: { id: s.id }, onclick: () => detail(s.id),
        onkeydown: (e) => { if (e.key === 'Enter') detail(s.id); } },
      el('td', { text: fmtTime(s.started_at) }),
      el('td', { text: s.user_name || '—' }),
      el('td', { text: s.technician }),
      el('td', { class: 'clip', text: s.description, title: s.description }),
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
    const s = d.session;
    const facts = el('dl', { class: 'facts' });
    const fact = (k, v) => { if (v) facts.append(el('dt', { text: k }), el('dd', { text: v })); };
    fact('Technician', s.technician);
    fact('Started', fmtTime(s.started_at));
    fact('Ended', s.ended_at ? `${fmtTime(s.ended_at)} (${endWords[s.end_reason] || s.end_reason || ''})` : 'still running');
    fact('Viewing allowed', s.view_granted_at ? fmtTime(s.view_granted_at) : 'no');
    fact('Control allowed', s.control_granted_at ? fmtTime(s.control_granted_at) : 'no');
    fact('Duration', fmtSeconds(s.duration_s));
    fact('Category', s.category);
    pane.replaceChildren(
      el('h2', {}, 'Session with ', el('span', { text: s.user_name || 'user' })),
      facts,
      el('h3', { text: 'Resolution notes' }),
      el('p', { class: 'notes', text: s.notes || 'No notes yet.' }),
      el('h3', { text: 'Timeline' }),
      el('ol', { class: 'timeline' }, d.timeline.map((e) => el('li', {},
        el('time', { class: 'muted', text: fmtTime(e.at) }), ' ',
        el('span', { class: 'actor', text: e.actor }), ' ',
        el('code', { text: e.action }),
        e.detail ? el('span', { class: 'muted', text: ` ${e.detail}` }) : null))),
      el('h3', { text: 'Chat transcript' }),
      d.transcript.length ? el('ol', { class: 'chat-log static' }, d.transcript.map((c) => el('li', {},
        el('span', { class: 'chat-from', text: c.sender }), ' ',
        el('time', { class: 'muted', text: fmtTime(c.at) }),
        el('div', { class: 'chat-text', text: c.text })))) : el('p', { class: 'muted', text: 'No chat.' }),
      el('details', {}, el('summary', { text: 'Request context' }), el('div', { class: 'context' }, renderContext(d.request))));
  } catch (err) {
    pane.replaceChildren(el('p', { class: 'error', text: `Could not load the session: ${err.message}` }));
  }
}
