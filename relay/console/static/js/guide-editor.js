// The guide editor: the YAML in a text area with line numbers, the
// relay's linter (POST /api/guides/lint) run as one types with every
// problem marked at its line, the live preview, saving drafts and
// publishing (refused while any problem is left, and only for admins and
// knowledge editors).
import { el, say } from './dom.js';
import { post, put } from './api.js';
import { renderPreview } from './guide-preview.js';

// lintDelayMS is how long typing pauses before the linter runs.
export const lintDelayMS = 350;

/**
 * CodeArea is a plain <textarea> (so undo, selection, find and screen
 * readers work as everywhere) with a gutter of line numbers and a
 * backdrop behind the text that marks lines with problems. Lines never
 * wrap, so line N of the text is row N of the gutter.
 */
export class CodeArea {
  constructor({ label, onInput }) {
    this.ta = el('textarea', { class: 'code-text', wrap: 'off', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off',
      'aria-label': label });
    this.gutter = el('div', { class: 'code-gutter', 'aria-hidden': 'true' });
    this.backdrop = el('div', { class: 'code-backdrop', 'aria-hidden': 'true' });
    this.root = el('div', { class: 'code' }, this.gutter, el('div', { class: 'code-body' }, this.backdrop, this.ta));
    this.lines = 0;
    this.marks = new Map(); // line → [message]
    this.ta.addEventListener('input', () => { this.renumber(); onInput(); });
    this.ta.addEventListener('scroll', () => this.sync());
    this.ta.addEventListener('keydown', (e) => this.keydown(e));
  }

  get value() { return this.ta.value; }

  set value(v) {
    this.ta.value = v;
    this.renumber();
    this.ta.scrollTop = 0;
    this.sync();
  }

  // renumber keeps one gutter row and one backdrop row per line.
  renumber() {
    const n = this.ta.value.split('\n').length;
    if (n === this.lines) return;
    this.lines = n;
    const nums = [], rows = [];
    for (let i = 1; i <= n; i++) {
      nums.push(el('div', { class: 'code-n', dataset: { line: i }, text: i }));
      rows.push(el('div', { class: 'code-row', dataset: { line: i } }, '\u200b'));
    }
    this.gutter.replaceChildren(...nums, el('div', { class: 'code-pad' }));
    this.backdrop.replaceChildren(...rows, el('div', { class: 'code-pad' }));
    this.paintMarks();
    this.sync();
  }

  sync() {
    this.gutter.scrollTop = this.ta.scrollTop;
    this.backdrop.scrollTop = this.ta.scrollTop;
    this.backdrop.scrollLeft = this.ta.scrollLeft;
  }

  /** mark sets the problem lines: [{line, message}] (line 0: not at a line). */
  mark(problems) {
    this.marks = new Map();
    for (const p of problems) {
      if (!(p.line > 0)) continue;
      const l = Math.min(p.line, this.lines);
      if (!this.marks.has(l)) this.marks.set(l, []);
      this.marks.get(l).push(p.message);
    }
    this.paintMarks();
  }

  paintMarks() {
    for (const n of this.gutter.children) {
      const msgs = this.marks.get(Number(n.dataset.line));
      n.classList.toggle('bad', !!msgs);
      if (msgs) n.title = msgs.join('\n'); else n.removeAttribute('title');
    }
    for (const r of this.backdrop.children) r.classList.toggle('bad', this.marks.has(Number(r.dataset.line)));
  }

  /** jumpTo selects line n and scrolls it into view. */
  jumpTo(n) {
    const lines = this.ta.value.split('\n');
    const line = Math.max(1, Math.min(n, lines.length));
    let start = 0;
    for (let i = 0; i < line - 1; i++) start += lines[i].length + 1;
    this.ta.focus({ preventScroll: true });
    this.ta.setSelectionRange(start, start + lines[line - 1].length);
    const lh = parseFloat(getComputedStyle(this.ta).lineHeight) || 20;
    this.ta.scrollTop = Math.max(0, (line - 1) * lh - this.ta.clientHeight / 3);
    this.sync();
    const row = this.gutter.children[line - 1];
    if (row) {
      row.classList.add('flash');
      setTimeout(() => row.classList.remove('flash'), 1200);
    }
  }

  // keydown keeps the indentation on Enter (YAML is all indentation),
  // one more level after a line ending in ":" or "|".
  keydown(e) {
    if (e.key !== 'Enter' || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
    const v = this.ta.value, at = this.ta.selectionStart;
    const lineStart = v.lastIndexOf('\n', at - 1) + 1;
    const line = v.slice(lineStart, at);
    let indent = /^\s*(- )?/.exec(line)[0].replace('- ', '  ');
    if (/[:|>]\s*$/.test(line)) indent += '  ';
    if (!indent) return;
    e.preventDefault();
    // insertText keeps the browser's undo history.
    if (!document.execCommand('insertText', false, `\n${indent}`)) this.ta.setRangeText(`\n${indent}`, at, this.ta.selectionEnd, 'end');
    this.renumber();
  }
}

/** problemText is a lint problem in a line: "Line 12: …". */
export function problemText(p) {
  return `${p.line > 0 ? `Line ${p.line}` : 'The whole guide'}: ${p.message}${p.field ? ` (${p.field})` : ''}`;
}

/**
 * GuideEditor is the editing pane of one guide. opts: canPublish()
 * (admin or knowledge editor), pending() (the newest saved version is not
 * the one published), onSaved(reply, isNew) after a draft is saved,
 * onPublished(summary).
 */
export class GuideEditor {
  constructor({ canPublish, pending, onSaved, onPublished }) {
    this.canPublish = canPublish;
    this.pending = pending;
    this.onSaved = onSaved;
    this.onPublished = onPublished;
    this.id = ''; // '' for a guide not saved yet
    this.saved = '';
    this.version = 0;
    this.problems = [];
    this.linted = ''; // the text the problems are for
    this.seq = 0;
    this.timer = 0;

    this.code = new CodeArea({ label: 'Guide YAML', onInput: () => this.changed() });
    this.lintState = el('p', { class: 'ge-lint', role: 'status', 'aria-live': 'polite' });
    this.problemList = el('ul', { class: 'ge-problems', 'aria-label': 'Problems the linter found' });
    this.note = el('input', { class: 'ge-note', maxlength: '500', placeholder: 'What you changed and why' });
    this.saveBtn = el('button', { type: 'submit', class: 'ge-save' }, 'Save draft');
    this.publishBtn = el('button', { type: 'button', class: 'primary ge-publish', onclick: () => this.publish() }, 'Publish');
    this.askEditor = el('p', { class: 'ge-ask muted', text: 'Ask a knowledge editor to publish: your draft is saved for them to review.' });
    this.msg = el('p', { class: 'msg ge-msg', role: 'status' });
    this.preview = el('div', { class: 'ge-preview', 'aria-label': 'Preview' });
    this.root = el('div', { class: 'ge' },
      el('form', { class: 'ge-edit', onsubmit: (e) => { e.preventDefault(); this.save(); } },
        this.code.root, this.lintState, this.problemList,
        el('div', { class: 'ge-actions' },
          el('label', { class: 'ge-note-label' }, 'Change note', this.note),
          this.saveBtn, this.publishBtn, this.askEditor),
        this.msg),
      el('section', { class: 'ge-side panel', 'aria-label': 'Live preview' },
        el('h3', { class: 'ge-side-h', text: 'Preview' }), this.preview));
    this.root.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); this.save(); }
    });
  }

  /** load shows yaml for guide id ('' for a new guide) at version. */
  load({ id, yaml, version, note }) {
    this.id = id || '';
    this.saved = id ? yaml : '';
    this.version = version || 0;
    this.code.value = yaml;
    this.note.value = note || '';
    say(this.msg, '');
    this.problems = [];
    this.linted = null;
    this.lintNow();
  }

  get dirty() { return this.code.value !== this.saved; }

  changed() {
    say(this.msg, '');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.lintNow(), lintDelayMS);
    this.updateButtons();
  }

  async lintNow() {
    clearTimeout(this.timer);
    const yaml = this.code.value;
    const seq = ++this.seq;
    say(this.lintState, 'Checking…');
    this.lintState.className = 'ge-lint checking';
    this.updateButtons();
    try {
      const r = await post('/api/guides/lint', { yaml });
      if (seq !== this.seq) return; // a newer text is being checked
      this.linted = yaml;
      this.showProblems(r.problems || []);
      this.preview.replaceChildren(renderPreview(r.guide || null, { onLine: (n) => this.code.jumpTo(n) }));
    } catch (err) {
      if (seq !== this.seq) return;
      this.linted = null;
      say(this.lintState, `The guide could not be checked: ${err.message}`, 'error');
      this.lintState.className = 'ge-lint error';
      this.updateButtons();
    }
  }

  showProblems(problems) {
    this.problems = problems.slice().sort((a, b) => (a.line || 0) - (b.line || 0));
    this.code.mark(this.problems);
    this.problemList.replaceChildren(...this.problems.map((p) => el('li', {},
      el('button', { type: 'button', class: 'ge-problem', dataset: { line: p.line || 0 }, onclick: () => this.code.jumpTo(p.line || 1) },
        el('span', { class: 'ge-problem-line', text: p.line > 0 ? `Line ${p.line}` : 'Whole guide' }), ' ',
        el('span', { text: p.message })))));
    const n = this.problems.length;
    this.lintState.className = `ge-lint ${n ? 'bad' : 'good'}`;
    this.lintState.textContent = n
      ? `${n} problem${n === 1 ? '' : 's'} to fix before this guide can be published. Click one to go to its line.`
      : 'No problems found.';
    this.updateButtons();
  }

  updateButtons() {
    const may = this.canPublish();
    this.publishBtn.hidden = !may;
    this.askEditor.hidden = may;
    const checked = this.linted === this.code.value;
    const something = !this.id || this.dirty || this.pending();
    this.publishBtn.disabled = !checked || this.problems.length > 0 || !something;
    this.publishBtn.title = this.problems.length ? 'Fix the problems marked in the editor first'
      : !checked ? 'Checking the guide…' : !something ? 'This text is what desktops have already: change it to publish a new version' : '';
    this.saveBtn.disabled = !!this.id && !this.dirty && !this.note.value;
  }

  /** save stores the text as a new draft version; it resolves to the reply, or null. */
  async save() {
    const yaml = this.code.value;
    const note = this.note.value.trim();
    say(this.msg, 'Saving…');
    try {
      const isNew = !this.id;
      const r = isNew ? await post('/api/guides', { yaml, note }) : await put(`/api/guides/${encodeURIComponent(this.id)}/draft`, { yaml, note });
      this.saved = yaml;
      this.version = r.version && typeof r.version === 'object' ? r.version.version : r.version;
      if (isNew) this.id = (r.summary && r.summary.id) || (r.version && r.version.guide_id) || r.id || idOf(yaml);
      this.note.value = '';
      const n = (r.problems || []).length;
      say(this.msg, n ? `Draft saved as version ${this.version}. It still has ${n} problem${n === 1 ? '' : 's'}: it can be published once they are fixed.`
        : `Draft saved as version ${this.version}.`, 'ok');
      if (r.problems && this.linted === yaml) this.showProblems(r.problems);
      this.updateButtons();
      this.onSaved(r, isNew);
      return r;
    } catch (err) {
      if (err.status === 409) say(this.msg, `Not saved: a guide with the id “${idOf(yaml)}” exists already. Change the id: line, or open that guide.`, 'error');
      else say(this.msg, `Not saved: ${err.message}`, 'error');
      return null;
    }
  }

  async publish() {
    if (!this.canPublish()) {
      say(this.msg, 'Only administrators and knowledge editors can publish. Ask a knowledge editor to publish your draft.', 'error');
      return;
    }
    if (this.problems.length) {
      say(this.msg, `Not published: fix the ${this.problems.length} problem${this.problems.length === 1 ? '' : 's'} marked in the editor first.`, 'error');
      return;
    }
    if (this.dirty || !this.id) {
      if (!(await this.save())) return;
    }
    say(this.msg, 'Publishing…');
    try {
      const r = await post(`/api/guides/${encodeURIComponent(this.id)}/publish`, { version: this.version });
      say(this.msg, `Published version ${this.version}. Desktops get it the next time they check for guides (within minutes).`, 'ok');
      this.onPublished(r.summary || r);
    } catch (err) {
      if (err.status === 422) {
        const probs = (err.data && err.data.problems) || [];
        if (this.linted === this.code.value) this.showProblems(probs);
        say(this.msg, `Not published: the relay found ${probs.length || 'some'} problem${probs.length === 1 ? '' : 's'} in this version. Fix ${probs.length === 1 ? 'it' : 'them'}, save and publish again.`, 'error');
      } else if (err.status === 403) {
        say(this.msg, 'Not published: only administrators and knowledge editors can publish. Ask a knowledge editor to publish.', 'error');
      } else {
        say(this.msg, `Not published: ${err.message}`, 'error');
      }
    }
  }
}

/** idOf reads the guide id from the YAML's top-level "id:" line ('' if none). */
export function idOf(yaml) {
  const m = /^id:\s*["']?([^"'#\s]+)/m.exec(String(yaml || ''));
  return m ? m[1] : '';
}
