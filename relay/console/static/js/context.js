// Rendering of a help request's context: who, description, the guide the
// user followed (answers and check results), the diagnostics snapshot,
// OS and app version. Text only (textContent), never HTML.
import { el, checkBadge, fmtTime } from './dom.js';

export function displayName(item) {
  return (item && item.name) || 'Unnamed user';
}

function checkLine(c) {
  return el('li', { class: 'checkline' },
    checkBadge(c.status), ' ',
    el('span', { class: 'check-name', text: c.name || 'check' }),
    c.detail ? el('span', { class: 'check-detail', text: ` — ${c.detail}` }) : null);
}

/** renderContext returns a fragment with the whole request context. */
export function renderContext(item, { compact = false } = {}) {
  const f = document.createDocumentFragment();
  if (!item) return f;
  const facts = el('dl', { class: 'facts' });
  const fact = (k, v) => { if (v) facts.append(el('dt', { text: k }), el('dd', { text: v })); };
  fact('Contact', item.contact);
  fact('Computer', item.os);
  fact('App version', item.app_version);
  fact('Asked at', fmtTime(item.created_at));
  fact('Came in by', item.source === 'code' ? 'one-time code' : 'help request');
  f.append(el('h3', { text: 'Problem in their words' }),
    el('p', { class: 'description', text: item.description || '(no description)' }), facts);

  const g = item.guide;
  if (g && (g.guide_id || (g.steps && g.steps.length))) {
    const steps = el('ol', { class: 'steps' });
    for (const s of g.steps || []) {
      steps.append(el('li', { class: 'step' },
        el('div', { class: 'step-title', text: s.title || s.step_id }),
        s.answer ? el('div', { class: 'step-answer' }, el('span', { class: 'muted', text: 'Answer: ' }), el('span', { text: s.answer })) : null,
        s.check ? el('ul', { class: 'checks' }, checkLine(s.check)) : null));
    }
    f.append(el('h3', {}, 'Guide followed: ', el('span', { class: 'guide-title', text: g.guide_title || g.guide_id })),
      (g.steps && g.steps.length) ? steps : el('p', { class: 'muted', text: 'No steps recorded.' }));
  } else if (!compact) {
    f.append(el('h3', { text: 'Guide followed' }), el('p', { class: 'muted', text: 'None — they asked for help directly.' }));
  }
  const d = item.diagnostics || [];
  if (d.length) {
    f.append(el('h3', { text: 'Diagnostics snapshot' }), el('ul', { class: 'checks diagnostics' }, d.map(checkLine)));
  } else if (!compact) {
    f.append(el('h3', { text: 'Diagnostics snapshot' }), el('p', { class: 'muted', text: 'None sent.' }));
  }
  return f;
}
