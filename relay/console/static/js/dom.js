// Small DOM helpers. Every piece of text goes through textContent or a Text
// node: nothing the relay sends (names, descriptions, chat, guide answers)
// is ever parsed as HTML.

/**
 * el builds an element. attrs: class, text, on<event> handlers, dataset,
 * boolean attributes (true sets, false/null omits), anything else as an
 * attribute string. Children may be nodes, strings (as text) or arrays.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(e, c);
    else if (c instanceof Node) e.append(c);
    else e.append(document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** say sets a message element's text and kind ("error", "ok" or ""). */
export function say(node, text, kind = '') {
  node.textContent = text || '';
  node.classList.toggle('error', kind === 'error');
  node.classList.toggle('ok', kind === 'ok');
}

/** fmtWait formats a duration in ms as "45 s", "4 min 05 s", "1 h 12 min". */
export function fmtWait(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** fmtClock formats seconds as m:ss. */
export function fmtClock(secs) {
  const s = Math.max(0, Math.ceil(secs));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtSeconds(s) {
  if (s == null) return '';
  return fmtWait(s * 1000);
}

const statusIcons = { ok: '✔', warn: '▲', fail: '✖', skipped: '–' };
const statusWords = { ok: 'OK', warn: 'Warning', fail: 'Failed', skipped: 'Skipped' };

/** checkBadge renders a check status as icon + word (colour is never the only cue). */
export function checkBadge(status) {
  const st = String(status || '').toLowerCase();
  const known = Object.hasOwn(statusIcons, st);
  return el('span', { class: `check check-${known ? st : 'other'}`, title: status || '' },
    el('span', { class: 'check-icon', 'aria-hidden': 'true', text: known ? statusIcons[st] : '?' }),
    ' ', known ? statusWords[st] : String(status || 'unknown'));
}

/** dateParam turns a <input type=date> value into RFC 3339 (start or end of that local day). */
export function dateParam(v, endOfDay) {
  if (!v) return '';
  const d = new Date(v + (endOfDay ? 'T23:59:59' : 'T00:00:00'));
  return isNaN(d) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let dialogs = 0;

/**
 * ask shows a small modal question in parent and resolves true when the
 * person confirms. It is a <dialog>: the focus stays inside it, starting on
 * the safe choice, and Escape cancels. onOpen, if given, receives a
 * function that withdraws the question (resolving false).
 */
export function ask(parent, { title, text, yes, no = 'Cancel', danger = false, onOpen }) {
  return new Promise((resolve) => {
    const id = `ask-${++dialogs}`;
    const dlg = el('dialog', { class: 'confirm', 'aria-labelledby': `${id}-t`, 'aria-describedby': `${id}-d` });
    const noBtn = el('button', { type: 'button', onclick: () => dlg.close('no') }, no);
    const yesBtn = el('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => dlg.close('yes') }, yes);
    dlg.append(el('h3', { id: `${id}-t`, text: title }), el('p', { id: `${id}-d`, text }), el('div', { class: 'row' }, noBtn, yesBtn));
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(dlg.returnValue === 'yes');
    }, { once: true });
    parent.append(dlg);
    dlg.showModal();
    noBtn.focus();
    if (onOpen) onOpen(() => { if (dlg.open) dlg.close('no'); });
  });
}
