// Repeat requests on the queue: the same person or computer asking again
// within the relay's window (QueueItem.recurring), and requests a
// follow-up "not working" put back in the queue (QueueItem.reopened).
import { el } from './dom.js';

/** ordinal says n as "2nd", "3rd", "11th". */
export function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th'}`;
}

/** recurringWords: "3rd time in 14 days", or '' for a first request. */
export function recurringWords(it) {
  const r = it && it.recurring;
  if (!r || !(r.count > 1)) return '';
  return `${ordinal(r.count)} time in ${r.window_days || 14} days`;
}

/** reopenedWords: what the person said when the fix did not hold, or ''. */
export function reopenedWords(it) {
  const r = it && it.reopened;
  if (!r) return '';
  let s = 'Reopened: they said it is not working again';
  if (r.rating) s += ` (rated the help ${r.rating} of 5)`;
  if (r.comment) s += ` — “${r.comment}”`;
  return s;
}

/** repeatBadges are the queue item's badges for both, possibly none. */
export function repeatBadges(it) {
  const out = [];
  const rec = recurringWords(it);
  if (rec) out.push(el('span', { class: 'qi-repeat', title: `Earlier requests: ${(it.recurring.previous || []).join(', ')}`, text: rec }));
  if (it.reopened) out.push(el('span', { class: 'qi-repeat reopened', title: reopenedWords(it), text: 'reopened' }));
  return out;
}
