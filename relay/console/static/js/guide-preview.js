// The live preview of a guide in the editor: each step as the desktop
// window shows it (its Markdown, the OS variants side by side) and the
// branches as a small map of steps. Markdown is turned into DOM nodes here
// (the subset the desktop's window renders: paragraphs, headings, bold,
// italic, code, lists, quotes, rules, links); no text is ever parsed as
// HTML.
import { el } from './dom.js';

// --- Markdown

// The desktop joins the wrapped lines of a paragraph or list item into one
// (app/internal/ui/markdown.go unwrapMarkdown); a block starts with these.
const blockStart = /^\s*([-*+]\s|\d+[.)]\s|#|>|\||```)/;

/**
 * markdown renders a guide's Markdown text as a fragment of DOM nodes.
 * Headings become h4–h6 (the step title is the preview's heading).
 */
export function markdown(src) {
  const f = document.createDocumentFragment();
  const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para = [];
  const flush = () => {
    if (para.length) f.append(el('p', {}, inline(joinLines(para))));
    para = [];
  };
  while (i < lines.length) {
    const l = lines[i];
    const t = l.trim();
    if (t.startsWith('```')) {
      flush();
      const code = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith('```'); i++) code.push(lines[i]);
      i++;
      f.append(el('pre', { class: 'md-code' }, el('code', { text: code.join('\n') })));
      continue;
    }
    if (t === '') { flush(); i++; continue; }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(t);
    if (h) {
      flush();
      f.append(el(`h${Math.min(6, h[1].length + 3)}`, { class: 'md-h' }, inline(h[2])));
      i++;
      continue;
    }
    if (/^([-*_])(\s*\1){2,}$/.test(t)) { flush(); f.append(el('hr')); i++; continue; }
    if (t.startsWith('>')) {
      flush();
      const q = [];
      for (; i < lines.length && lines[i].trim().startsWith('>'); i++) q.push(lines[i].trim().replace(/^>\s?/, ''));
      f.append(el('blockquote', {}, markdown(q.join('\n'))));
      continue;
    }
    const item = listItem(l);
    if (item) {
      flush();
      const items = [];
      for (; i < lines.length; i++) {
        const li = listItem(lines[i]);
        if (li && li.ordered === item.ordered) items.push([li.text]);
        else if (items.length && lines[i].trim() !== '' && !blockStart.test(lines[i])) items[items.length - 1].push(lines[i]); // wrapped
        else break;
      }
      f.append(el(item.ordered ? 'ol' : 'ul', { start: item.ordered && item.start !== 1 ? String(item.start) : null },
        items.map((t) => el('li', {}, inline(joinLines(t))))));
      continue;
    }
    para.push(l);
    i++;
  }
  flush();
  return f;
}

function listItem(line) {
  const b = /^\s*[-*+]\s+(.*)$/.exec(line);
  if (b) return { ordered: false, text: b[1] };
  const o = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
  if (o) return { ordered: true, start: Number(o[1]), text: o[2] };
  return null;
}

// joinLines joins a paragraph's lines as Markdown means them: a single
// line break is a space, two trailing spaces or a backslash a hard break
// (kept as "\n" for inline()).
function joinLines(lines) {
  let s = '';
  for (const [n, l] of lines.entries()) {
    if (n === 0) { s = l.trim(); continue; }
    const hard = /( {2,}|\\)$/.test(lines[n - 1]);
    s = s.replace(/\\$/, '').trimEnd() + (hard ? '\n' : ' ') + l.trim();
  }
  return s;
}

// The inline syntax: code spans first (nothing inside them is syntax),
// then links, bold and italic.
const inlineRE = /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*|__(.+?)__|\*(?!\s)(.+?)\*|(?<![\w])_(?!\s)(.+?)_(?![\w])|\n/g;

/** inline renders one line of inline Markdown as a fragment. */
export function inline(s) {
  const f = document.createDocumentFragment();
  let last = 0;
  for (const m of String(s).matchAll(inlineRE)) {
    if (m.index > last) f.append(m.input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0] === '\n') f.append(el('br'));
    else if (m[1] != null) f.append(el('code', { text: m[1] }));
    else if (m[2] != null) f.append(link(m[2], m[3]));
    else if (m[4] != null || m[5] != null) f.append(el('strong', {}, inline(m[4] ?? m[5])));
    else f.append(el('em', {}, inline(m[6] ?? m[7])));
  }
  if (last < String(s).length) f.append(String(s).slice(last));
  return f;
}

// link is a link the technician can open in a new tab, for web and mail
// addresses only; anything else (a script, a file) is shown as its text.
function link(text, href) {
  let u = null;
  try { u = new URL(href); } catch { /* relative or not a URL */ }
  if (!u || !['http:', 'https:', 'mailto:'].includes(u.protocol)) return el('span', { class: 'md-link', title: href }, inline(text));
  return el('a', { href: u.href, target: '_blank', rel: 'noopener noreferrer' }, inline(text));
}

// --- the preview of a guide

// The platforms in the order the desktop lists them (guide.Platforms),
// with their names; the relay may call macOS "darwin".
export const platforms = [
  { key: 'windows', label: 'Windows' },
  { key: 'linux', label: 'Linux' },
  { key: 'macos', label: 'macOS', alias: 'darwin' },
];

/** variantsOf returns the step's per-OS texts ({windows, linux, macos}), or null. */
export function variantsOf(step) {
  const v = step.variants || step.os;
  if (!v || typeof v !== 'object') return null;
  const out = {};
  for (const p of platforms) {
    const t = v[p.key] ?? (p.alias && v[p.alias]);
    if (t) out[p.key] = t;
  }
  return Object.keys(out).length ? out : null;
}

// answersOf lists a step's answers as {label, step?, guide?, end?}: a
// step of this guide, another guide (maybe at a step), or an end.
export function answersOf(step) {
  return (step.answers || step.links || []).map((a) => {
    const next = a.next_step ?? a.next ?? '';
    const guide = a.next_guide ?? a.guide ?? '';
    if (guide) return { label: a.label || '', guide, step: a.step || a.guide_step || '' };
    if (next === 'fixed' || next === 'escalate') return { label: a.label || '', end: next, note: a.note || '' };
    return { label: a.label || '', step: next };
  });
}

const endWords = { fixed: 'That fixed it', escalate: 'Sent to the help desk' };

/**
 * renderPreview renders the parsed guide (the GuidePreview of
 * POST /api/guides/lint) as the desktop shows it, with the branch map on
 * top. Clicking a box of the map scrolls to its step; onLine(n), if
 * given, is called by a step's "Edit" button with the step's line.
 */
export function renderPreview(g, { onLine } = {}) {
  const f = document.createDocumentFragment();
  if (!g) {
    f.append(el('p', { class: 'empty', text: 'The preview appears once the YAML can be read.' }));
    return f;
  }
  const steps = g.steps || [];
  const cards = new Map();
  f.append(el('h3', { class: 'gp-title', text: g.title || g.id || '(no title)' }));
  if (g.summary) f.append(el('p', { class: 'muted gp-summary', text: g.summary }));
  if (steps.length) {
    // The map stays on top while the steps scroll under it; a box scrolls
    // its step to just below the map.
    const box = el('div', { class: 'gp-map-box' }, el('h4', { class: 'gp-sub', text: 'Map of the steps (click a box to see its step)' }),
      branchMap(g, (id) => {
        const c = cards.get(id);
        const pane = c && c.closest('.ge-side');
        if (!c) return;
        if (pane) pane.scrollTo({ top: c.offsetTop - box.offsetHeight - 8, behavior: 'smooth' });
        c.classList.add('flash');
        setTimeout(() => c.classList.remove('flash'), 1200);
      }));
    f.append(box);
  }
  f.append(el('h4', { class: 'gp-sub', text: 'Steps as the window shows them' }));
  steps.forEach((s, n) => {
    const card = stepCard(s, n + 1, steps.length, onLine);
    cards.set(s.id, card);
    f.append(card);
  });
  if (!steps.length) f.append(el('p', { class: 'muted', text: 'No steps yet.' }));
  return f;
}

function stepCard(s, n, total, onLine) {
  const v = variantsOf(s);
  let body;
  if (v) {
    body = el('div', { class: 'gp-variants' }, platforms.map((p) => el('section', { class: 'gp-os', dataset: { os: p.key } },
      el('h5', { class: 'gp-os-name', text: p.label }),
      v[p.key] ? null : el('p', { class: 'muted small gp-same', text: 'Same as the general text' }),
      el('div', { class: 'md' }, markdown(v[p.key] || s.text || '')))));
  } else {
    body = el('div', { class: 'md' }, markdown(s.text || ''));
  }
  const answers = answersOf(s);
  return el('article', { class: 'gp-step', dataset: { step: s.id || '' } },
    el('p', { class: 'gp-progress muted small' }, `Step ${n} of at most ${total} · id ${s.id || '?'}`,
      onLine && s.line > 0 ? el('button', { type: 'button', class: 'gp-goto small ghost', onclick: () => onLine(s.line) }, `Edit (line ${s.line})`) : null),
    s.title ? el('h4', { class: 'gp-step-title', text: s.title }) : null,
    body,
    s.check ? el('p', { class: 'gp-check' }, el('span', { class: 'muted', text: 'Lifeline checks: ' }), el('code', { text: s.check })) : null,
    s.fix ? el('p', { class: 'gp-fix' }, el('span', { class: 'muted', text: 'Lifeline offers to fix: ' }), el('code', { text: s.fix }),
      s.fix_prompt ? el('span', { text: ` — “${s.fix_prompt}”` }) : null) : null,
    s.question ? el('p', { class: 'gp-question', text: s.question }) : null,
    answers.length ? el('ul', { class: 'gp-answers' }, answers.map((a) => el('li', {},
      el('span', { class: 'gp-answer', text: a.label }),
      el('span', { class: 'muted small', text: ` → ${target(a)}` })))) : null);
}

function target(a) {
  if (a.end) return endWords[a.end];
  if (a.guide) return `guide “${a.guide}”${a.step ? ` at “${a.step}”` : ''}`;
  return `step “${a.step}”`;
}

// --- the branch map

// The SVG namespace: a name, never fetched (spelt in parts, as the console's
// scripts hold no web address: console_test.go).
const SVG = ['http:', '', 'www.w3.org', '2000', 'svg'].join('/');

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, String(v));
  for (const c of children) if (c) e.append(c);
  return e;
}

const boxW = 128, boxH = 36, gapX = 16, gapY = 30, pad = 10;

/**
 * branchMap draws the steps as boxes in rows by their distance from the
 * start, with an arrow for every answer: to a step, to the ends (Fixed,
 * Help desk) and to other guides. onPick(stepId) is called for a click
 * (or Enter) on a step's box.
 */
export function branchMap(g, onPick) {
  const steps = g.steps || [];
  const byId = new Map(steps.map((s) => [s.id, s]));
  const start = g.start && byId.has(g.start) ? g.start : (steps[0] && steps[0].id);
  // Rows: breadth-first from the start; steps nothing reaches go last.
  const depth = new Map();
  const queue = start ? [start] : [];
  if (start) depth.set(start, 0);
  while (queue.length) {
    const id = queue.shift();
    for (const a of answersOf(byId.get(id))) {
      if (a.step && !a.guide && byId.has(a.step) && !depth.has(a.step)) {
        depth.set(a.step, depth.get(id) + 1);
        queue.push(a.step);
      }
    }
  }
  let maxDepth = Math.max(0, ...depth.values());
  for (const s of steps) if (!depth.has(s.id)) depth.set(s.id, maxDepth + 1);
  maxDepth = Math.max(0, ...depth.values());
  // Ends and other guides form the last row.
  const outs = [];
  // A next: to a step that does not exist leads to a "missing" box.
  const outKey = (a) => (a.end ? `end:${a.end}` : a.guide ? `guide:${a.guide}` : byId.has(a.step) ? '' : `missing:${a.step}`);
  for (const s of steps) {
    for (const a of answersOf(s)) {
      const k = outKey(a);
      if (k && !outs.includes(k)) outs.push(k);
    }
  }
  const rows = [];
  for (const s of steps) (rows[depth.get(s.id)] ||= []).push({ key: `step:${s.id}`, step: s });
  rows.length = maxDepth + 1;
  for (let r = 0; r < rows.length; r++) rows[r] ||= [];
  if (outs.length) rows.push(outs.sort().map((k) => ({ key: k })));
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = pad * 2 + widest * boxW + (widest - 1) * gapX;
  const height = pad * 2 + rows.length * boxH + (rows.length - 1) * gapY;
  const pos = new Map();
  rows.forEach((row, r) => {
    const rowW = row.length * boxW + (row.length - 1) * gapX;
    const x0 = (width - rowW) / 2;
    row.forEach((n, c) => pos.set(n.key, { x: x0 + c * (boxW + gapX), y: pad + r * (boxH + gapY), node: n }));
  });

  const root = svg('svg', { class: 'gp-map', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Map of ${steps.length} step${steps.length === 1 ? '' : 's'} and where each answer leads` });
  root.append(svg('defs', {}, svg('marker', { id: 'gp-arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'gp-arrowhead' }))));
  const edges = svg('g', { class: 'gp-edges' });
  root.append(edges);
  for (const s of steps) {
    const from = pos.get(`step:${s.id}`);
    for (const a of answersOf(s)) {
      const out = outKey(a);
      const to = pos.get(out || `step:${a.step}`);
      const title = svg('title');
      title.textContent = `${s.title || s.id}: “${a.label}” → ${target(a)}`;
      const kind = a.end ? ` to-${a.end}` : a.guide ? ' to-guide' : out ? ' broken' : '';
      edges.append(svg('path', { class: `gp-edge${kind}`, d: edgePath(from, to), 'marker-end': 'url(#gp-arrow)' }, title));
    }
  }
  for (const { x, y, node } of pos.values()) {
    const s = node.step;
    const [kind, name] = [node.key.slice(0, node.key.indexOf(':')), node.key.slice(node.key.indexOf(':') + 1)];
    const label = s ? (s.title || s.id) : { end: endWords[name], guide: `Guide: ${name}`, missing: `No step “${name}”` }[kind];
    const cls = s ? `gp-node${s.id === start ? ' start' : ''}` : `gp-node out ${kind === 'end' ? name : kind}`;
    const t = svg('title');
    t.textContent = s ? `Step “${s.id}”: ${s.title || ''}` : label;
    const g2 = svg('g', { class: cls, transform: `translate(${x},${y})` }, t,
      svg('rect', { width: boxW, height: boxH, rx: 6 }),
      ...wrapLabel(label));
    if (s) {
      g2.setAttribute('data-step', s.id);
      g2.setAttribute('tabindex', '0');
      g2.setAttribute('role', 'button');
      g2.setAttribute('aria-label', `Show step ${label}`);
      g2.addEventListener('click', () => onPick(s.id));
      g2.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onPick(s.id); } });
    }
    root.append(g2);
  }
  const wrap = el('div', { class: 'gp-map-wrap' }, root);
  // The start is at the top in the middle: show the middle first.
  requestAnimationFrame(() => { wrap.scrollLeft = (wrap.scrollWidth - wrap.clientWidth) / 2; });
  return wrap;
}

// edgePath is a curve from the bottom of one box to the top of another;
// an arrow going back up (a loop) leaves and enters at the right sides.
function edgePath(a, b) {
  if (b.y === a.y) {
    // In the same row: side to side.
    const right = b.x > a.x;
    const x1 = right ? a.x + boxW : a.x, x2 = right ? b.x - 1 : b.x + boxW + 1, y = a.y + boxH / 2;
    return `M${x1},${y} L${x2},${y}`;
  }
  if (b.y > a.y) {
    const x1 = a.x + boxW / 2, y1 = a.y + boxH, x2 = b.x + boxW / 2, y2 = b.y;
    const my = (y1 + y2) / 2;
    return `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2 - 1}`;
  }
  const x1 = a.x + boxW, y1 = a.y + boxH / 2, x2 = b.x + boxW, y2 = b.y + boxH / 2;
  const out = Math.max(x1, x2) + gapX * 0.9;
  return `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2 + 1},${y2}`;
}

// wrapLabel puts a box's label on at most two lines of about 20
// characters, the rest cut with an ellipsis.
function wrapLabel(label) {
  const words = String(label).split(/\s+/);
  const lines = [''];
  for (const w of words) {
    const cur = lines[lines.length - 1];
    if ((cur + ' ' + w).trim().length <= 20) lines[lines.length - 1] = (cur + ' ' + w).trim();
    else if (lines.length < 2) lines.push(w);
    else { lines[1] = `${lines[1]}…`; break; }
  }
  lines[1] = lines[1] && lines[1].length > 21 ? `${lines[1].slice(0, 20)}…` : lines[1];
  if (lines[0].length > 21) lines[0] = `${lines[0].slice(0, 20)}…`;
  return lines.filter(Boolean).map((l, i, all) => {
    const t = svg('text', { x: boxW / 2, y: boxH / 2 + (i - (all.length - 1) / 2) * 13 + 4, 'text-anchor': 'middle' });
    t.textContent = l;
    return t;
  });
}
