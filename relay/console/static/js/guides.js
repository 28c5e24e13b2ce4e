// Guides: the organisation's guide pack on the relay. The list (search,
// category, state, last change, feedback, success rate), one guide with
// its editor and preview (guide-editor.js), history with a diff and
// revert, publish / unpublish, hide / unhide for built-ins, the feedback
// people sent from the window, and the organisation variables form.
// "Start a guide from this session" (session.js, history.js) calls
// startFromSession.
import { el, $, say, fmtTime } from './dom.js';
import { get, post, put, query } from './api.js';
import { actorName, namesReady } from './words.js';
import { GuideEditor, idOf } from './guide-editor.js';
import { diffLines, renderDiff } from './linediff.js';
import { platforms } from './guide-preview.js';
import { splitDescription } from './context.js';
import { GuideState, GuideOrigin } from './vocab.js';

// The guide categories (selfhelp/guide Categories), with their names.
export const categories = {
  accounts: 'Accounts', network: 'Network', email: 'Email', collaboration: 'Collaboration', security: 'Security',
  printing: 'Printing', hardware: 'Hardware', performance: 'Performance', software: 'Software', mobile: 'Mobile', remote: 'Remote work',
};

// The close-out categories (session.js CATEGORIES) as guide categories.
const sessionCategory = {
  Printing: 'printing', 'Network / Wi-Fi': 'network', 'Email / Outlook': 'email', 'Accounts / passwords': 'accounts',
  Hardware: 'hardware', 'Software / installing': 'software', Performance: 'performance',
};

export const stateWords = {
  [GuideState.Published]: 'Published', [GuideState.Draft]: 'Draft, not published', [GuideState.Unpublished]: 'Unpublished',
  [GuideState.Builtin]: 'Built-in', [GuideState.Hidden]: 'Built-in, hidden',
};

let me = () => null;
const ui = {}; // the page's fixed parts, built by init
const page = { mode: 'list', id: '', detail: null, editor: null, versions: [], listTimer: 0, listSeq: 0 };

const canPublish = () => { const u = me(); return !!u && (!!u.admin || !!u.knowledge_editor); };

export function init(getMe) {
  me = getMe;
  const root = $('#view-guides');
  ui.q = el('input', { id: 'g-q', type: 'search', placeholder: 'title, symptom, id…' });
  ui.category = el('select', { id: 'g-category' }, el('option', { value: '', text: 'All categories' }),
    Object.entries(categories).map(([k, v]) => el('option', { value: k, text: v })));
  ui.state = el('select', { id: 'g-state' }, el('option', { value: '', text: 'Any state' }),
    Object.entries(stateWords).map(([k, v]) => el('option', { value: k, text: v })));
  ui.listMsg = el('p', { id: 'guides-msg', class: 'msg', role: 'status' });
  ui.tbody = el('tbody');
  ui.list = el('div', { class: 'guides-list' },
    el('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); loadList(); } },
      el('label', {}, 'Search', ui.q), el('label', {}, 'Category', ui.category), el('label', {}, 'State', ui.state),
      el('button', { type: 'submit', class: 'primary' }, 'Search'),
      el('span', { class: 'spacer' }),
      el('button', { type: 'button', id: 'g-new', onclick: () => newGuide(templateYAML()) }, 'New guide'),
      el('button', { type: 'button', id: 'g-vars', onclick: () => openVariables() }, 'Organisation variables'),
      el('a', { class: 'button', id: 'g-export', href: '/api/guides/export', download: 'lifeline-guides.zip' }, 'Export (zip)'),
      ui.importBtn = el('button', { type: 'button', id: 'g-import', onclick: () => ui.importFile.click() }, 'Import (zip)'),
      ui.importFile = el('input', { type: 'file', id: 'g-import-file', accept: '.zip,application/zip', hidden: true, onchange: importPack })),
    ui.importProblems = el('ul', { class: 'g-import-problems', hidden: true }),
    ui.listMsg,
    el('div', { class: 'table-wrap' }, el('table', { id: 'guides-table', class: 'grid' },
      el('thead', {}, el('tr', {}, ['Guide', 'Category', 'State', 'Last change', 'Feedback', 'Success rate'].map((h) => el('th', { text: h })))),
      ui.tbody)));
  ui.detail = el('div', { class: 'guide-detail', hidden: true });
  ui.vars = el('div', { class: 'guide-vars', hidden: true });
  root.replaceChildren(el('h2', { id: 'guides-h', class: 'sr-only', text: 'Guides' }), ui.list, ui.detail, ui.vars);
  ui.q.addEventListener('input', () => { clearTimeout(page.listTimer); page.listTimer = setTimeout(loadList, 300); });
  ui.category.addEventListener('change', loadList);
  ui.state.addEventListener('change', loadList);
  // Leaving the page with unsaved changes asks first.
  window.addEventListener('beforeunload', (e) => { if (page.mode === 'detail' && page.editor && page.editor.dirty) e.preventDefault(); });
}

/** open is called when the Guides tab is shown. */
export function open() {
  ui.importBtn.hidden = !canPublish();
  if (page.mode === 'list') loadList();
}

// importPack sends a zip of guides (as Export makes it) to the relay: all
// of it is imported, or nothing when any file has a problem.
async function importPack() {
  const file = ui.importFile.files[0];
  ui.importFile.value = '';
  if (!file) return;
  ui.importProblems.hidden = true;
  say(ui.listMsg, `Importing ${file.name}…`);
  try {
    const r = await post('/api/guides/import', file);
    await loadList();
    say(ui.listMsg, `Imported ${file.name}: ${r.imported} guide${r.imported === 1 ? '' : 's'} changed. What changed is published.`, 'ok');
  } catch (err) {
    const probs = (err.data && err.data.problems) || [];
    say(ui.listMsg, probs.length ? `Nothing was imported: ${file.name} has ${probs.length} problem${probs.length === 1 ? '' : 's'}.` : `Nothing was imported: ${err.message}`, 'error');
    ui.importProblems.replaceChildren(...probs.map((p) => el('li', { text: `${p.file || ''}${p.line ? `:${p.line}` : ''}: ${p.message}` })));
    ui.importProblems.hidden = !probs.length;
  }
}

function showMode(mode) {
  page.mode = mode;
  ui.list.hidden = mode !== 'list';
  ui.detail.hidden = mode !== 'detail';
  ui.vars.hidden = mode !== 'vars';
}

// leaveEditor asks before unsaved changes are dropped.
function leaveEditor() {
  const ed = page.editor;
  if (page.mode === 'detail' && ed && ed.dirty && !confirm('Your changes to this guide are not saved. Leave anyway?')) return false;
  return true;
}

function backToList() {
  if (!leaveEditor()) return;
  page.editor = null;
  showMode('list');
  loadList();
}

// --- the list

async function loadList() {
  const f = { q: ui.q.value.trim(), category: ui.category.value, state: ui.state.value };
  const seq = ++page.listSeq;
  say(ui.listMsg, 'Loading…');
  try {
    const list = await get(`/api/guides${query(f)}`);
    await namesReady();
    if (seq !== page.listSeq) return; // a newer search is on its way
    // The organisation's latest changes first, then the rest (built-in
    // guides nobody changed) by title.
    const when = (g) => (g.updated_at ? Date.parse(g.updated_at) : 0);
    list.sort((a, b) => when(b) - when(a) || String(a.title).localeCompare(String(b.title)));
    ui.tbody.replaceChildren(...list.map(guideRow));
    const filtered = f.q || f.category || f.state;
    say(ui.listMsg, list.length ? `${list.length} guide${list.length === 1 ? '' : 's'}.` : filtered ? 'No guides match. Clear the filters to see all.' : 'No guides yet.');
  } catch (err) {
    if (seq === page.listSeq) say(ui.listMsg, `Could not load the guides: ${err.message}`, 'error');
  }
}

function stateText(s) {
  const words = stateWords[s.state] || s.state;
  return s.has_draft && s.state !== GuideState.Draft ? `${words} · newer draft` : words;
}

/** rateText shows a success rate (0..1) as a percentage, "—" while unknown. */
export function rateText(r) {
  if (r == null || !Number.isFinite(r)) return '—';
  return `${Math.round(r <= 1 ? r * 100 : r)} %`;
}

function changeText(s) {
  if (!s.updated_at) return '—';
  return `${fmtTime(s.updated_at)}${s.updated_by ? ` · ${actorName(`tech:${s.updated_by}`)}` : ''}`;
}

function guideRow(s) {
  return el('tr', { tabindex: '0', dataset: { id: s.id, state: s.state }, onclick: () => openGuide(s.id),
    onkeydown: (e) => { if (e.key === 'Enter') openGuide(s.id); } },
  el('td', {}, el('div', { class: 'g-title', text: s.title || s.id }), el('div', { class: 'muted small g-id', text: s.id })),
  el('td', { text: categories[s.category] || s.category || '' }),
  el('td', {}, el('span', { class: `g-state g-state-${s.state}`, text: stateText(s) })),
  el('td', { class: 'g-change', text: changeText(s) }),
  el('td', { class: 'g-num', text: String(s.feedback_count || 0) }),
  el('td', { class: 'g-num g-rate', text: rateText(s.success_rate) }));
}

// --- one guide

async function openGuide(id, tab = 'edit') {
  if (!leaveEditor()) return;
  showMode('detail');
  ui.detail.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const d = await get(`/api/guides/${encodeURIComponent(id)}`);
    await namesReady();
    page.id = id;
    page.detail = d;
    renderDetail(tab);
  } catch (err) {
    ui.detail.replaceChildren(backButton(), el('p', { class: 'error', text: `Could not open the guide: ${err.message}` }));
  }
}

function backButton() {
  return el('button', { type: 'button', class: 'ghost g-back', onclick: backToList }, '← All guides');
}

function newGuide(yaml, note = '') {
  if (!leaveEditor()) return;
  showMode('detail');
  page.id = '';
  page.detail = null;
  renderDetail('edit', { yaml, note });
}

function renderDetail(tab, fresh) {
  const d = page.detail;
  const s = d ? d.summary : null;
  const head = el('div', { class: 'g-head' }, backButton(),
    el('h2', { class: 'g-head-title', text: s ? (s.title || s.id) : 'New guide' }),
    s ? el('span', { class: `g-state g-state-${s.state}`, text: stateText(s) }) : el('span', { class: 'g-state g-state-draft', text: 'Not saved yet' }),
    el('span', { class: 'spacer' }),
    ...(s ? headActions(s) : []));
  const headMsg = el('p', { class: 'msg g-head-msg', role: 'status' });
  ui.headMsg = headMsg;
  const tabs = el('div', { class: 'g-tabs', role: 'tablist' });
  const body = el('div', { class: 'g-body' });
  const tabDefs = [['edit', 'Edit and preview'], ['history', 'History'], ['feedback', `Feedback${s ? ` (${s.feedback_count || 0})` : ''}`]];
  const editor = new GuideEditor({
    canPublish,
    pending: () => {
      const cur = page.detail && page.detail.summary;
      return !cur || cur.state === GuideState.Draft || cur.state === GuideState.Unpublished || !!cur.has_draft;
    },
    onSaved: (r, isNew) => refreshDetail(isNew ? editor.id : page.id, r),
    onPublished: () => refreshDetail(page.id || editor.id),
  });
  page.editor = editor;
  const panes = { edit: editor.root, history: el('div', { class: 'g-history' }), feedback: el('div', { class: 'g-feedback' }) };
  const select = (name) => {
    for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.tab === name));
    body.replaceChildren(panes[name]);
    if (name === 'history') loadHistory(panes.history);
    if (name === 'feedback') loadFeedback(panes.feedback);
  };
  for (const [name, label] of tabDefs) {
    tabs.append(el('button', { type: 'button', role: 'tab', class: 'g-tab', dataset: { tab: name }, disabled: !s && name !== 'edit', onclick: () => select(name) }, label));
  }
  ui.detail.replaceChildren(head, headMsg, tabs, body);
  if (fresh) editor.load({ id: '', yaml: fresh.yaml, note: fresh.note });
  else {
    const v = d.latest || d.published;
    editor.load({ id: s.id, yaml: v ? v.yaml : (d.builtin_yaml || ''), version: v ? v.version : 0 });
  }
  select(tab);
}

// refreshDetail reloads the guide's summary after a change, keeping the
// editor as it is (its text, problems and message).
async function refreshDetail(id) {
  try {
    const d = await get(`/api/guides/${encodeURIComponent(id)}`);
    const first = !page.id;
    page.id = id;
    page.detail = d;
    const head = ui.detail.querySelector('.g-head');
    const s = d.summary;
    head.querySelector('.g-head-title').textContent = s.title || s.id;
    const st = head.querySelector('.g-state');
    st.className = `g-state g-state-${s.state}`;
    st.textContent = stateText(s);
    for (const b of head.querySelectorAll('.g-act')) b.remove();
    head.append(...headActions(s));
    if (first) for (const b of ui.detail.querySelectorAll('.g-tab')) b.disabled = false;
    if (page.editor) page.editor.updateButtons();
  } catch (err) {
    say(ui.headMsg, `Could not reload the guide: ${err.message}`, 'error');
  }
}

function headActions(s) {
  if (!canPublish()) return [];
  const out = [];
  const act = (label, path, done, cls = '') => el('button', { type: 'button', class: `g-act ${cls}`, onclick: async () => {
    say(ui.headMsg, `${label}…`);
    try {
      await post(`/api/guides/${encodeURIComponent(s.id)}/${path}`);
      say(ui.headMsg, done, 'ok');
      refreshDetail(s.id);
    } catch (err) {
      say(ui.headMsg, `${label} failed: ${err.message}`, 'error');
    }
  } }, label);
  if (s.state === GuideState.Published) out.push(act('Unpublish', 'unpublish', 'Unpublished: desktops stop offering this guide the next time they check.', 'g-unpublish'));
  if (s.origin === GuideOrigin.Builtin && s.state === GuideState.Builtin) out.push(act('Hide from desktops', 'hide', 'Hidden: desktops stop offering this built-in guide the next time they check.', 'g-hide'));
  if (s.state === GuideState.Hidden) out.push(act('Show again', 'unhide', 'Shown again: desktops offer this built-in guide again.', 'g-unhide'));
  return out;
}

// --- history

async function loadHistory(pane) {
  pane.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const versions = await get(`/api/guides/${encodeURIComponent(page.id)}/versions`);
    await namesReady();
    page.versions = versions.slice().sort((a, b) => b.version - a.version);
    renderHistory(pane);
  } catch (err) {
    pane.replaceChildren(el('p', { class: 'error', text: `Could not load the history: ${err.message}` }));
  }
}

function renderHistory(pane) {
  const vs = page.versions;
  if (!vs.length) {
    pane.replaceChildren(el('p', { class: 'empty', text: page.detail && page.detail.builtin_yaml ? 'No versions yet: this is the built-in guide as Lifeline ships it. Saving a draft starts its history.' : 'No versions yet.' }));
    return;
  }
  const msg = el('p', { class: 'msg', role: 'status' });
  const opt = (v) => el('option', { value: String(v.version), text: `Version ${v.version}${v.published ? ' (published)' : ''}` });
  const from = el('select', { id: 'g-diff-from', 'aria-label': 'Older version' }, vs.map(opt));
  const to = el('select', { id: 'g-diff-to', 'aria-label': 'Newer version' }, vs.map(opt));
  const diffBox = el('div', { class: 'g-diff' });
  const showDiff = () => {
    const a = vs.find((v) => String(v.version) === from.value), b = vs.find((v) => String(v.version) === to.value);
    if (!a || !b) return;
    diffBox.replaceChildren(el('h4', { text: `Changes from version ${a.version} to version ${b.version}` }), renderDiff(diffLines(a.yaml, b.yaml)));
  };
  from.addEventListener('change', showDiff);
  to.addEventListener('change', showDiff);
  to.value = String(vs[0].version);
  from.value = String((vs[1] || vs[0]).version);
  const compare = (v) => {
    const i = vs.indexOf(v);
    to.value = String(v.version);
    from.value = String((vs[i + 1] || v).version);
    showDiff();
    diffBox.scrollIntoView({ block: 'nearest' });
  };
  const rows = vs.map((v, i) => el('tr', { dataset: { version: v.version } },
    el('td', { text: `Version ${v.version}` }),
    el('td', {}, v.published ? el('span', { class: 'g-state g-state-published', text: 'Published' }) : null),
    el('td', { text: actorName(`tech:${v.author}`) }),
    el('td', { text: fmtTime(v.at) }),
    el('td', { class: 'g-vnote', text: v.note || '' }),
    el('td', {}, el('div', { class: 'actions' },
      vs[i + 1] ? el('button', { type: 'button', class: 'small g-compare', onclick: () => compare(v) }, 'Changes') : null,
      i > 0 ? el('button', { type: 'button', class: 'small g-revert', onclick: () => revert(v, pane, msg) }, 'Revert to this') : null))));
  pane.replaceChildren(
    el('div', { class: 'table-wrap g-versions' }, el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, ['Version', '', 'Author', 'When', 'Change note', ''].map((h) => el('th', { text: h })))),
      el('tbody', {}, rows))),
    msg,
    el('div', { class: 'filters g-compare-form' }, el('label', {}, 'Compare', from), el('label', {}, 'with', to)),
    diffBox);
  showDiff();
}

async function revert(v, pane, msg) {
  const ed = page.editor;
  if (ed && ed.dirty && !confirm('Your unsaved changes in the editor are dropped by the revert. Revert anyway?')) return;
  const publishes = canPublish();
  const sure = confirm(publishes
    ? `Make version ${v.version} the published guide again? It is saved as a new version; desktops follow the next time they check.`
    : `Bring back version ${v.version} as a new draft?`);
  if (!sure) return;
  say(msg, 'Reverting…');
  try {
    await post(`/api/guides/${encodeURIComponent(page.id)}/revert`, { version: v.version, note: `Revert to version ${v.version}` });
    const d = await get(`/api/guides/${encodeURIComponent(page.id)}`);
    page.detail = d;
    await refreshDetail(page.id);
    if (d.latest) ed.load({ id: page.id, yaml: d.latest.yaml, version: d.latest.version });
    await loadHistory(pane);
    say(pane.querySelector('.msg'), publishes
      ? `Version ${v.version} is published again (as version ${d.latest ? d.latest.version : '?'}).`
      : `Version ${v.version} is back as a draft (version ${d.latest ? d.latest.version : '?'}). Ask a knowledge editor to publish it.`, 'ok');
  } catch (err) {
    say(msg, `Could not revert: ${err.message}`, 'error');
  }
}

// --- feedback

async function loadFeedback(pane) {
  pane.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const list = await get(`/api/guides/${encodeURIComponent(page.id)}/feedback`);
    const osName = (o) => { const p = platforms.find((x) => x.key === o || x.alias === o); return p ? p.label : (o || ''); };
    pane.replaceChildren(list.length
      ? el('div', { class: 'table-wrap' }, el('table', { class: 'grid g-feedback-table' },
        el('thead', {}, el('tr', {}, ['When', 'Step', 'What they wrote', 'Computer', 'App version'].map((h) => el('th', { text: h })))),
        el('tbody', {}, list.map((f) => el('tr', {},
          el('td', { text: fmtTime(f.at) }), el('td', {}, el('code', { text: f.step_id || '' })),
          el('td', { class: 'g-comment', text: f.comment || '' }), el('td', { text: osName(f.os) }), el('td', { text: f.app_version || '' }))))))
      : el('p', { class: 'empty', text: 'No feedback yet. People send it from a step of the guide in the Lifeline window on their computer.' }));
  } catch (err) {
    pane.replaceChildren(el('p', { class: 'error', text: `Could not load the feedback: ${err.message}` }));
  }
}

// --- organisation variables

async function openVariables() {
  showMode('vars');
  ui.vars.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const r = await get('/api/guide-variables');
    renderVariables(r.variables || {}, r.known || []);
  } catch (err) {
    ui.vars.replaceChildren(el('button', { type: 'button', class: 'ghost g-back', onclick: () => { showMode('list'); loadList(); } }, '← All guides'),
      el('p', { class: 'error', text: `Could not load the variables: ${err.message}` }));
  }
}

function renderVariables(values, known) {
  const may = canPublish();
  const msg = el('p', { class: 'msg', role: 'status', id: 'vars-msg' });
  // The relay knows which variables guides may use (guide.DefaultVars):
  // one row each, the default as the placeholder.
  const rows = el('tbody', {}, known.map((k) => el('tr', { dataset: { name: k.name } },
    el('td', {}, el('code', { text: `{{${k.name}}}` })),
    el('td', {}, el('input', { class: 'var-value', value: values[k.name] || '', placeholder: k.default || '', disabled: !may,
      maxlength: '500', 'aria-label': k.description || k.name })),
    el('td', { class: 'muted small', text: k.description || '' }))));
  const form = el('form', { class: 'g-vars-form', onsubmit: async (e) => {
    e.preventDefault();
    const variables = {};
    for (const tr of rows.children) {
      const v = tr.querySelector('.var-value').value.trim();
      if (v) variables[tr.dataset.name] = v;
    }
    say(msg, 'Saving…');
    try {
      await put('/api/guide-variables', { variables });
      say(msg, 'Saved. Desktops show these values in the guides the next time they check for guides.', 'ok');
    } catch (err) {
      const probs = (err.data && err.data.problems) || [];
      say(msg, `Not saved: ${probs.length ? probs.map((p) => p.message).join('; ') : err.message}`, 'error');
    }
  } },
  el('div', { class: 'table-wrap' }, el('table', { class: 'grid', id: 'vars-table' },
    el('thead', {}, el('tr', {}, ['Variable', 'Your value', 'What it is'].map((h) => el('th', { text: h })))), rows)),
  may ? el('button', { type: 'submit', class: 'primary', id: 'vars-save' }, 'Save variables')
    : el('p', { class: 'muted', text: 'Only administrators and knowledge editors can change these.' }),
  msg);
  ui.vars.replaceChildren(
    el('button', { type: 'button', class: 'ghost g-back', onclick: () => { showMode('list'); loadList(); } }, '← All guides'),
    el('h2', { text: 'Organisation variables' }),
    el('p', { class: 'muted', text: 'Guides write {{helpdesk_phone}} and the like; every desktop shows your value instead. Left empty, a guide shows the grey default.' }),
    form);
}

// --- new guides

function templateYAML() {
  return `id: new-guide
title: The problem in the user's words
summary: One or two sentences shown under the title in search results.
category: software
symptoms:
  - how people describe it
  - another way they say it
  - a third way
steps:
  - id: first-step
    title: What to do first
    text: |
      Ask for **one** action and say what the person should see.
    question: Did that fix it?
    answers:
      - label: Yes, it works now
        next: fixed
      - label: No
        next: escalate
`;
}

// yamlString quotes a text as a YAML double-quoted scalar (JSON's quoting
// is valid YAML).
const yamlString = (s) => JSON.stringify(String(s));

// slug makes a guide id from words: lower-case words joined by hyphens.
function slug(s) {
  const words = String(s).toLowerCase().normalize('NFKD').replace(/[^a-z0-9\s-]/g, ' ').split(/[\s-]+/).filter(Boolean).slice(0, 6);
  return words.join('-') || 'new-guide';
}

/**
 * sessionYAML is the draft of a guide from a finished session: the
 * request's description as its title and first symptom, the close-out
 * category, and each line (or sentence) of the notes as a step to edit.
 */
export function sessionYAML({ description, category, notes }) {
  const desc = splitDescription(description).words.trim().split('\n')[0].trim() || 'Describe the problem';
  const cat = sessionCategory[category] || '';
  let parts = String(notes || '').split('\n').map((l) => l.replace(/^\s*([-*+]|\d+[.)])\s+/, '').trim()).filter(Boolean);
  if (parts.length === 1) parts = parts[0].split(/(?<=[.!?;])\s+/).map((p) => p.trim()).filter(Boolean);
  if (!parts.length) parts = ['Write what to do here.'];
  const steps = parts.map((p, i) => {
    const last = i === parts.length - 1;
    const title = p.replace(/[.!?;:]+$/, '');
    return `  - id: step-${i + 1}
    title: ${yamlString(title.length > 60 ? `${title.slice(0, 57)}…` : title)}
    text: |
      ${p}
    question: Did that fix it?
    answers:
      - label: Yes, it works now
        next: fixed
      - label: No
        next: ${last ? 'escalate' : `step-${i + 2}`}`;
  });
  return `id: ${slug(desc)}
title: ${yamlString(desc)}
summary: ${yamlString(`What to do when: ${desc}`)}
category: ${cat || `""  # choose one: ${Object.keys(categories).join(' ')}`}
symptoms:
  - ${yamlString(desc)}
steps:
${steps.join('\n\n')}
`;
}

/**
 * startFromSession opens a new guide drafted from a session: {sessionId,
 * peer, description (the request's), category, notes}.
 */
export function startFromSession(s) {
  if (!leaveEditor()) return;
  page.editor = null; // asked already
  const tab = document.querySelector('.tab[data-view="guides"]');
  page.mode = 'detail'; // so showing the tab does not reload the list over it
  if (tab) tab.click();
  const yaml = sessionYAML(s);
  newGuide(yaml, s.sessionId ? `From session ${s.sessionId}${s.peer ? ` with ${s.peer}` : ''}` : '');
  say(ui.headMsg, `Drafted from the session${s.peer ? ` with ${s.peer}` : ''}: edit the steps, then save. Nothing is saved yet.`, 'ok');
  if (idOf(yaml)) page.editor.code.jumpTo(1);
}

/**
 * startFromSearch opens a new guide drafted from what people searched for
 * and found nothing (the Insights page's content gaps): the words as its
 * title and first symptom, one step to write.
 */
export function startFromSearch(symptom) {
  startFromSession({ description: symptom, category: '', notes: '' });
  say(ui.headMsg, `Drafted from the search “${symptom}”: add the other ways people say it, then write the steps. Nothing is saved yet.`, 'ok');
}
