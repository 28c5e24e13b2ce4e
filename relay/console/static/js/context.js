// Rendering of a help request's context: who, description, the guide the
// user followed (answers and check results), the diagnostics snapshot,
// OS and app version. Text only (textContent), never HTML.
import { el, checkBadge, fmtTime } from './dom.js';

export function displayName(item) {
  return (item && item.name) || 'Unnamed user';
}

// Desktops before protocol field guide.note appended the guide's note for
// the technician to the description after this marker; requests stored
// then still read apart.
const guideNoteMarker = 'From the guide: ';

/**
 * splitDescription separates what the person wrote from the guide's note
 * the desktop appended to it: {words, note}, note '' when there is none.
 */
export function splitDescription(desc) {
  const s = String(desc || '');
  const i = s.lastIndexOf(guideNoteMarker);
  if (i < 0 || (i > 0 && s.slice(i - 2, i) !== '\n\n')) return { words: s, note: '' };
  return { words: s.slice(0, i).trimEnd(), note: s.slice(i + guideNoteMarker.length).trim() };
}

/**
 * noteParagraphs reflows a guide note for normal wrapping: the guide's
 * line breaks inside a paragraph become spaces, blank lines separate
 * paragraphs, and a {{variable}} the desktop left unfilled is dropped.
 */
export function noteParagraphs(note) {
  return String(note || '').split(/\n\s*\n/)
    .map((p) => p.replace(/\{\{\s*[\w.-]*\s*\}\}/g, '').replace(/\(\s*\)/g, '')
      .replace(/\s+/g, ' ').replace(/ ([.,;:!?])/g, '$1').trim())
    .filter(Boolean);
}

function checkLine(c) {
  return el('li', { class: 'checkline' },
    checkBadge(c.status), ' ',
    el('span', { class: 'check-name', text: c.name || 'check' }),
    c.detail ? el('span', { class: 'check-detail', text: ` — ${c.detail}` }) : null);
}

// stepGuide is the title of the guide a step belongs to: its own (an
// answer opened that guide) or the request's.
function stepGuide(g, s) {
  return (s && (s.guide_title || s.guide_id)) || (g && (g.guide_title || g.guide_id)) || '';
}

// guideStop is the guide's own note for the technician, with the step
// where the person left the guide: set apart from what they wrote.
function guideStop(g, note) {
  const steps = (g && g.steps) || [];
  const last = steps[steps.length - 1];
  const where = [last && (last.title || last.step_id), stepGuide(g, last)].filter(Boolean);
  return el('section', { class: 'guide-stop', 'aria-label': 'Where the guide stopped' },
    el('h3', { text: 'Where the guide stopped' }),
    where.length === 2 ? el('p', { class: 'muted guide-stop-at' }, 'At “', el('span', { text: where[0] }), '” in “', el('span', { text: where[1] }), '”') : null,
    noteParagraphs(note).map((p) => el('p', { class: 'guide-note', text: p })));
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
  const split = splitDescription(item.description);
  const words = split.words;
  const note = (item.guide && item.guide.note) || split.note;
  f.append(el('h3', { text: 'What they wrote' }),
    el('p', { class: 'description', text: words || '(nothing written)' }));
  if (note) f.append(guideStop(item.guide, note));
  f.append(facts);

  const g = item.guide;
  if (g && (g.guide_id || (g.steps && g.steps.length))) {
    const steps = el('ol', { class: 'steps' });
    let inGuide = stepGuide(g, null);
    for (const s of g.steps || []) {
      // An answer may have opened another guide (and the person come
      // back): say which guide each stretch of steps is in.
      const here = stepGuide(g, s);
      const moved = here !== inGuide;
      inGuide = here;
      const opened = s.opened && (s.opened.guide_title || s.opened.guide_id);
      steps.append(el('li', { class: 'step' },
        moved ? el('div', { class: 'step-guide muted', text: `In “${here}”` }) : null,
        el('div', { class: 'step-title', text: s.title || s.step_id }),
        s.answer ? el('div', { class: 'step-answer' }, el('span', { class: 'muted', text: 'Answer: ' }), el('span', { text: s.answer })) : null,
        opened ? el('div', { class: 'step-opened', text: `→ opened ${opened}` }) : null,
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
