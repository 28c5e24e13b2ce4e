// Insights: what self-help deflects, which guides work and where people
// give up, what people search for and find nothing, and how the help desk
// keeps up — over a date range, each chart with its numbers in a table (the
// charts are a picture of the tables) and a CSV download of those numbers.
// Every figure is computed by the relay (GET /api/insights/*, relay/API.md).
import { el, $, say, fmtSeconds } from './dom.js';
import { get, query } from './api.js';
import { endWords } from './words.js';
import { EndReason } from './vocab.js';
import uPlot from '../vendor/uplot/uPlot.esm.js';

const DAY = 86400000;
const colors = { searches: '#0b5cad', guide_opened: '#6b4fbb', fixed: '#1d7a3a', escalated: '#b3261e', abandoned: '#9a5b00', not_working: '#5b6776' };
const palette = ['#0b5cad', '#1d7a3a', '#b3261e', '#9a5b00', '#6b4fbb', '#00796b', '#ad1457', '#5b6776'];

let range = { since: '', until: '' };
let guideID = ''; // the guide whose steps are shown
const charts = new Map(); // chart name → uPlot
let loading = 0; // the newest load; older answers are dropped

export function init() {
  const form = $('#insights-form');
  const today = new Date();
  $('#i-until').value = isoDay(today);
  $('#i-since').value = isoDay(new Date(today.getTime() - 83 * DAY)); // 12 weeks
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  for (const b of form.querySelectorAll('button[data-weeks]')) {
    b.addEventListener('click', () => {
      const until = new Date();
      $('#i-until').value = isoDay(until);
      $('#i-since').value = isoDay(new Date(until.getTime() - (Number(b.dataset.weeks) * 7 - 1) * DAY));
      load();
    });
  }
  window.addEventListener('resize', () => { for (const [name, c] of charts) fit(name, c); });
}

export function open() { load(); }

function isoDay(d) { return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; }

const pct = (v) => (v == null ? '—' : `${Math.round(v * 1000) / 10} %`);
const secs = (v) => (v == null ? '—' : fmtSeconds(Math.round(v)));
const weekLabel = (iso) => new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

async function load() {
  const msg = $('#insights-msg');
  const since = $('#i-since').value;
  const until = $('#i-until').value;
  if (!since || !until || since > until) {
    say(msg, 'Choose a start date on or before the end date.', 'error');
    return;
  }
  range = { since, until };
  const mine = ++loading;
  say(msg, 'Loading…');
  const part = (name) => get(`/api/insights/${name}${query(range)}`);
  try {
    const [funnel, guides, gaps, categories, times, techs, recurring, followups] = await Promise.all(
      ['funnel', 'guides', 'gaps', 'categories', 'times', 'technicians', 'recurring', 'followups'].map(part));
    if (mine !== loading) return;
    if (!guides.guides.some((g) => g.guide_id === guideID)) guideID = guides.guides.length ? guides.guides[0].guide_id : '';
    renderFunnel(funnel.funnel);
    renderGuides(guides.guides);
    renderGaps(gaps.gaps);
    renderCategories(categories.categories);
    renderTimes(times.times);
    renderTechs(techs.technicians);
    renderRecurring(recurring.recurring);
    renderFollowups(followups.followups[0]);
    await renderSteps();
    say(msg, `From ${fmtDay(since)} to ${fmtDay(until)} (weeks start on Monday, UTC).`);
  } catch (err) {
    if (mine === loading) say(msg, `Could not load the insights: ${err.message}`, 'error');
  }
}

function fmtShort(iso) {
  return new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

function fmtDay(v) { return new Date(`${v}T00:00:00`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' }); }

// card fills the card id: its CSV link, chart and table.
function card(id, csvPath) {
  const c = $(`#${id}`);
  const link = $('a.csv', c);
  if (link) {
    link.href = `/api/insights/${csvPath}${query({ ...range, format: 'csv' })}`;
    link.setAttribute('download', '');
  }
  return c;
}

function table(headers, rows, empty) {
  if (!rows.length) return el('p', { class: 'empty', text: empty });
  return el('div', { class: 'table-wrap' }, el('table', { class: 'grid numbers' },
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows)));
}

const td = (v, cls) => el('td', { class: cls || (typeof v === 'number' ? 'num' : ''), text: v == null ? '' : String(v) });

// chartWidth is the width a chart gets in host: its card's content box.
function chartWidth(host) {
  const card = host.closest('.insight-card');
  return Math.max(280, (card ? card.clientWidth - 34 : host.clientWidth) || 600);
}

// chart draws (or redraws) a uPlot chart in host: counts, so whole-number
// steps on the y axis, and a legend of names (the numbers are in the table).
function chart(name, host, opts, data) {
  const old = charts.get(name);
  if (old) old.destroy();
  host.replaceChildren();
  if (!data[0].length) { charts.delete(name); return; }
  const [xAxis = {}, yAxis = {}] = opts.axes || [];
  const c = new uPlot({ width: chartWidth(host), height: 220, legend: { live: false }, cursor: { show: false }, ...opts,
    axes: [xAxis, { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000], ...yAxis }] }, data, host);
  charts.set(name, c);
}

function fit(name, c) {
  const host = c.root.parentElement;
  if (host) c.setSize({ width: chartWidth(host), height: 220 });
}

const weekSec = 7 * DAY / 1000;

// weekAxis labels the week starts themselves (at most about 12 of them);
// weekScale leaves half a week on either side, so one week is a point.
function weekAxis(xs) {
  const every = Math.max(1, Math.ceil(xs.length / 12));
  return { splits: () => xs.filter((_, i) => i % every === 0), values: (u, ticks) => ticks.map((t) => weekLabel(t * 1000)), grid: { show: false } };
}
const weekScale = (xs) => ({ time: false, range: () => [xs[0] - weekSec / 2, xs[xs.length - 1] + weekSec / 2] });

function line(label, stroke) {
  return { label, stroke, width: 2, points: { show: true, size: 6, fill: stroke } };
}

function renderFunnel(weeks) {
  const c = card('insights-funnel', 'funnel');
  const x = weeks.map((w) => Date.parse(w.week_start) / 1000);
  const series = [['searches', 'Searches'], ['guide_opened', 'Guide opened'], ['fixed', 'Fixed'], ['escalated', 'Asked for live help'], ['abandoned', 'Gave up']];
  chart('funnel', $('.chart', c), {
    series: [{ label: 'Week' }, ...series.map(([k, l]) => line(l, colors[k]))],
    axes: [weekAxis(x)], scales: { x: weekScale(x) },
  }, [x, ...series.map(([k]) => weeks.map((w) => w[k]))]);
  const tot = weeks.reduce((a, w) => { for (const k of Object.keys(w)) if (typeof w[k] === 'number') a[k] = (a[k] || 0) + w[k]; return a; }, {});
  const rows = weeks.slice().reverse().map((w) => el('tr', {}, td(weekLabel(w.week_start), 'week'), td(w.searches), td(w.no_results), td(w.guide_opened), td(w.fixed),
    td(w.not_working), td(w.abandoned), td(w.escalated), td(w.requests), td(pct(w.tried_guide_share), 'num')));
  if (weeks.length > 1) {
    rows.push(el('tr', { class: 'total' }, td('All weeks', 'week'), td(tot.searches), td(tot.no_results), td(tot.guide_opened), td(tot.fixed),
      td(tot.not_working), td(tot.abandoned), td(tot.escalated), td(tot.requests), td(tot.requests ? pct(tot.tried_guide / tot.requests) : '—', 'num')));
  }
  // Newest week first: this week is what people look for.
  $('.table', c).replaceChildren(table(['Week of', 'Searches', 'Found nothing', 'Guide opened', 'Fixed', 'Still not working', 'Gave up', 'Asked for live help', 'Help requests', 'Tried a guide first'],
    rows, 'Nothing was reported in this range.'));
}

function renderGuides(guides) {
  const c = card('insights-guides', 'guides');
  const rows = guides.map((g) => {
    const tr = el('tr', { tabindex: '0', class: g.guide_id === guideID ? 'selected' : '', dataset: { id: g.guide_id },
      onclick: () => pickGuide(g.guide_id), onkeydown: (e) => { if (e.key === 'Enter') pickGuide(g.guide_id); } },
    td(g.guide_id, 'guide'), td(g.opened), td(g.fixed), td(g.not_working), td(g.abandoned), td(g.escalated), td(pct(g.success_rate), 'num'),
    td(g.give_up_step ? `${g.give_up_step} (${g.give_up_count})` : '—'));
    return tr;
  });
  $('.table', c).replaceChildren(table(['Guide', 'Opened', 'Fixed', 'Still not working', 'Gave up', 'Asked for live help', 'Success rate', 'Most give up at'],
    rows, 'No guide was opened in this range.'));
}

async function pickGuide(id) {
  guideID = id;
  for (const tr of document.querySelectorAll('#insights-guides tbody tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  await renderSteps();
}

async function renderSteps() {
  const c = card('insights-steps', `guides/${encodeURIComponent(guideID || '-')}/steps`);
  $('.guide-name', c).textContent = guideID || 'no guide';
  if (!guideID) {
    chart('steps', $('.chart', c), {}, [[]]);
    $('.table', c).replaceChildren(el('p', { class: 'empty', text: 'Pick a guide above to see how far people get.' }));
    return;
  }
  const { steps } = await get(`/api/insights/guides/${encodeURIComponent(guideID)}/steps${query(range)}`);
  const x = steps.map((_, i) => i);
  chart('steps', $('.chart', c), {
    series: [{ label: 'Step' },
      { label: 'Reached', stroke: colors.searches, fill: '#0b5cad55', paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } },
      { label: 'Gave up here', stroke: colors.abandoned, fill: '#9a5b0088', paths: uPlot.paths.bars({ size: [0.3, 40] }), points: { show: false } }],
    axes: [{ splits: () => x, values: (u, ticks) => ticks.map((t) => (steps[t] ? steps[t].step_id : '')), grid: { show: false } }],
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, steps.length - 0.5)] } },
  }, [x, steps.map((s) => s.reached), steps.map((s) => s.abandoned)]);
  $('.table', c).replaceChildren(table(['Step', 'Reached', 'Fixed here', 'Still not working', 'Gave up here', 'Asked for live help'],
    steps.map((s) => el('tr', {}, td(s.step_id, 'guide'), td(s.reached), td(s.fixed), td(s.not_working), td(s.abandoned), td(s.escalated))),
    'No step of this guide was reached in this range.'));
}

function renderGaps(gaps) {
  const c = card('insights-gaps', 'gaps');
  $('.table', c).replaceChildren(table(['People searched for', 'Searches', 'Found nothing', 'Then live help', 'Last seen'],
    gaps.map((g) => el('tr', {}, el('td', { class: 'query', title: `grouped as “${g.query}”` },
      el('span', { class: 'typed', text: g.example || g.query }), el('br'),
      el('a', { class: 'write-guide small', href: g.write_guide, text: 'Write a guide for this' })),
    td(g.searches), td(g.no_results), td(g.escalated), td(fmtShort(g.last_seen), 'when'))),
    'No search went unanswered in this range.'));
}

function renderCategories(rows) {
  const c = card('insights-categories', 'categories');
  const weeks = [...new Set(rows.map((r) => r.week_start))].sort();
  const cats = [...new Set(rows.map((r) => r.category))].sort((a, b) => (a === '') - (b === '') || a.localeCompare(b));
  const name = (cat) => cat || 'No category';
  const count = (w, cat) => (rows.find((r) => r.week_start === w && r.category === cat) || { requests: 0 }).requests;
  const x = weeks.map((w) => Date.parse(w) / 1000);
  chart('categories', $('.chart', c), {
    series: [{ label: 'Week' }, ...cats.map((cat, i) => line(name(cat), palette[i % palette.length]))],
    axes: [weekAxis(x)], scales: { x: weekScale(x) },
  }, [x, ...cats.map((cat) => weeks.map((w) => count(w, cat)))]);
  $('.table', c).replaceChildren(table(['Week of', 'Category', 'Help requests', 'Sessions'],
    rows.map((r) => el('tr', {}, td(weekLabel(r.week_start), 'week'), td(name(r.category)), td(r.requests), td(r.sessions))),
    'No help request in this range.'));
}

function renderTimes(times) {
  const c = card('insights-times', 'times');
  const words = { time_to_take: ['Until a technician takes a request', 'requests taken'], session_duration: ['Session length', 'sessions ended'] };
  $('.tiles', c).replaceChildren(...times.map((t) => {
    const [title, counted] = words[t.measure] || [t.measure, 'measured'];
    return el('div', { class: 'tile', dataset: { measure: t.measure } },
      el('h3', { text: title }),
      el('p', {}, 'Half within ', el('strong', { class: 'p50', text: secs(t.p50_seconds) })),
      el('p', {}, '9 in 10 within ', el('strong', { class: 'p90', text: secs(t.p90_seconds) })),
      el('p', { class: 'muted small count', text: `${t.count} ${counted}` }));
  }));
}

function renderTechs(techs) {
  const c = card('insights-techs', 'technicians');
  const reasons = Object.values(EndReason).filter((r) => techs.some((t) => t.end_reasons[r]));
  const heading = (r) => { const w = endWords[r] || r; return w[0].toUpperCase() + w.slice(1); };
  $('.table', c).replaceChildren(table(['Technician', 'Sessions', 'Median length', ...reasons.map(heading)],
    techs.map((t) => el('tr', {}, td(t.display_name ? `${t.display_name} (${t.username})` : t.username || `#${t.tech_id}`),
      td(t.sessions), td(secs(t.median_seconds), 'num'), reasons.map((r) => td(t.end_reasons[r] || 0)))),
    'No session in this range.'));
}

function renderRecurring(groups) {
  const c = card('insights-recurring', 'recurring');
  $('.table', c).replaceChildren(table(['Guide they came from', 'Category', 'Repeat requests', 'People or computers'],
    groups.map((g) => el('tr', {}, td(g.guide_id || 'no guide', 'guide'), td(g.category || 'No category'), td(g.requests), td(g.askers))),
    'Nobody came back with a problem in this range.'));
}

function renderFollowups(f) {
  const c = card('insights-followups', 'followups');
  const rating = f.mean_rating == null ? '—' : `${Math.round(f.mean_rating * 10) / 10} of 5`;
  $('.tiles', c).replaceChildren(
    el('div', { class: 'tile', dataset: { measure: 'satisfaction' } }, el('h3', { text: 'Satisfaction' }),
      el('p', {}, 'Average rating ', el('strong', { class: 'p50', text: rating })),
      el('p', { class: 'muted small count', text: `${f.rated} rated, ${f.answered} answered of ${f.offered} asked` })),
    el('div', { class: 'tile', dataset: { measure: 'reopen' } }, el('h3', { text: 'Still not working' }),
      el('p', {}, 'Reopened ', el('strong', { class: 'p50', text: pct(f.reopen_rate) })),
      el('p', { class: 'muted small count', text: `${f.not_working} of ${f.answered} answers said no` })));
}
