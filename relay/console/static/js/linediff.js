// A line diff between two versions of a guide (the shortest edit of
// lines), and its rendering with the unchanged stretches
// folded away.
import { el } from './dom.js';

// maxCells bounds the work: Myers' algorithm keeps one row of (n + m)
// numbers per difference. Beyond it (texts with little in common) the
// middle is shown as all removed, then all added.
const maxCells = 8_000_000;

/**
 * diffLines returns the shortest edit from a to b (Myers' O(ND) diff) as
 * [{op: ' '|'-'|'+', text, a, b}] where a and b are the 1-based line
 * numbers in each text (0 when the line is not in that text).
 */
export function diffLines(a, b) {
  const A = splitLines(a), B = splitLines(b);
  let head = 0;
  while (head < A.length && head < B.length && A[head] === B[head]) head++;
  let tail = 0;
  while (tail < A.length - head && tail < B.length - head && A[A.length - 1 - tail] === B[B.length - 1 - tail]) tail++;
  const x = A.slice(head, A.length - tail), y = B.slice(head, B.length - tail);
  const out = [];
  for (let i = 0; i < head; i++) out.push({ op: ' ', text: A[i], a: i + 1, b: i + 1 });
  const mid = myers(x, y);
  if (mid) {
    for (const [op, i, j] of mid) out.push({ op, text: op === '+' ? y[j] : x[i], a: op === '+' ? 0 : head + i + 1, b: op === '-' ? 0 : head + j + 1 });
  } else {
    x.forEach((t, i) => out.push({ op: '-', text: t, a: head + i + 1, b: 0 }));
    y.forEach((t, j) => out.push({ op: '+', text: t, a: 0, b: head + j + 1 }));
  }
  for (let k = tail; k > 0; k--) out.push({ op: ' ', text: A[A.length - k], a: A.length - k + 1, b: B.length - k + 1 });
  return out;
}

// myers returns the edit from x to y as [op, i, j] (indexes into x and
// y), or null past maxCells.
function myers(x, y) {
  const n = x.length, m = y.length, max = n + m, off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    if ((d + 1) * v.length > maxCells) return null;
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) { i++; j++; }
      v[off + k] = i;
      if (i >= n && j >= m) { found = d; break; }
    }
  }
  // Walk back from the end through the rows kept.
  const edits = [];
  let i = n, j = m;
  for (let d = found; d > 0; d--) {
    const row = trace[d];
    const k = i - j;
    const pk = k === -d || (k !== d && row[off + k - 1] < row[off + k + 1]) ? k + 1 : k - 1;
    const pi = row[off + pk], pj = pi - pk;
    while (i > pi && j > pj) edits.push([' ', --i, --j]);
    if (i === pi) edits.push(['+', i, --j]);
    else edits.push(['-', --i, j]);
  }
  while (i > 0 && j > 0) edits.push([' ', --i, --j]);
  return edits.reverse();
}

function splitLines(s) {
  const t = String(s || '').replace(/\r\n?/g, '\n');
  const lines = t.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * renderDiff shows a diff as a table of old line number, new line number
 * and text, keeping `context` unchanged lines around each change and
 * folding the rest into a "… N unchanged lines" row.
 */
export function renderDiff(edits, context = 3) {
  const changed = edits.map((e) => e.op !== ' ');
  const keep = edits.map((_, i) => {
    for (let k = Math.max(0, i - context); k <= Math.min(edits.length - 1, i + context); k++) if (changed[k]) return true;
    return false;
  });
  const rows = [];
  let folded = 0;
  const fold = () => {
    if (folded) rows.push(el('tr', { class: 'diff-fold' }, el('td', { colspan: '3', text: `… ${folded} unchanged line${folded === 1 ? '' : 's'}` })));
    folded = 0;
  };
  edits.forEach((e, i) => {
    if (!keep[i]) { folded++; return; }
    fold();
    const kind = e.op === '+' ? 'add' : e.op === '-' ? 'del' : 'same';
    rows.push(el('tr', { class: `diff-${kind}` },
      el('td', { class: 'diff-n', text: e.a || '' }),
      el('td', { class: 'diff-n', text: e.b || '' }),
      el('td', { class: 'diff-text' }, el('span', { class: 'diff-op', 'aria-hidden': 'true', text: e.op }),
        el('span', { class: 'sr-only', text: kind === 'add' ? 'added: ' : kind === 'del' ? 'removed: ' : '' }), e.text)));
  });
  fold();
  const adds = edits.filter((e) => e.op === '+').length, dels = edits.filter((e) => e.op === '-').length;
  return el('div', { class: 'diff' },
    el('p', { class: 'diff-sum small', text: adds || dels ? `${adds} line${adds === 1 ? '' : 's'} added, ${dels} removed.` : 'The two versions are the same.' }),
    adds || dels ? el('table', { class: 'diff-table' }, el('tbody', {}, rows)) : null);
}
