// A line diff between two versions of a guide (the longest common
// subsequence of lines), and its rendering with the unchanged stretches
// folded away.
import { el } from './dom.js';

// maxCells bounds the work (lines × lines after the common head and tail
// are cut off); beyond it the two texts are shown as all removed / added.
const maxCells = 4_000_000;

/**
 * diffLines returns the edit from a to b as [{op: ' '|'-'|'+', text,
 * a, b}] where a and b are the 1-based line numbers in each text (0 when
 * the line is not in that text).
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
  const n = x.length, m = y.length;
  if (n * m > maxCells) {
    x.forEach((t, i) => out.push({ op: '-', text: t, a: head + i + 1, b: 0 }));
    y.forEach((t, j) => out.push({ op: '+', text: t, a: 0, b: head + j + 1 }));
  } else {
    // lcs[i][j]: the length of the common subsequence of x[i:] and y[j:].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) {
        out.push({ op: ' ', text: x[i], a: head + i + 1, b: head + j + 1 });
        i++; j++;
      } else if (i < n && (j === m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
        out.push({ op: '-', text: x[i], a: head + i + 1, b: 0 }); // removed lines first
        i++;
      } else {
        out.push({ op: '+', text: y[j], a: 0, b: head + j + 1 });
        j++;
      }
    }
  }
  for (let k = tail; k > 0; k--) out.push({ op: ' ', text: A[A.length - k], a: A.length - k + 1, b: B.length - k + 1 });
  return out;
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
