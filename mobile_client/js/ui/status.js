// Status by colour AND word (docs/architecture.md): one chip for a task, one label per outcome.
import { lang, serverText, t } from '../i18n.js';
import { taskDisplay } from '../rules.js';
import { reasonLabel } from './choices.js';
import { h } from './dom.js';

// How each task status looks: the server's `task_statuses` (a test checks each has a line) and
// the phone's own `late` and `conflict` (rules.js taskDisplay). `cls` is the chip's colour,
// `why` puts the reason beside the word. A status not listed shows as itself, without reason.
export const STATUS_LOOK = {
  pending: { cls: 'pending' },
  missed: { cls: 'late' },
  late: { cls: 'late' },
  conflict: { cls: 'conflict' },
  done: { cls: 'done' },
  partial: { cls: 'done' },
  refused: { cls: 'warn', why: true },
  skipped: { cls: 'muted', why: true },
  not_applicable: { cls: 'muted', why: true },
  away: { cls: 'away', why: true },
};
const look = (s) => STATUS_LOOK[s] || { cls: s };

// A finished task says what happened (and why, when it did not): "Không ăn · Mệt, không khỏe".
export function taskWord(task) {
  const s = taskDisplay(task);
  const d = task.data;
  if (s === 'conflict') return t('status.conflict', { reason: serverText(task.conflict.message, `conflict.${task.conflict.code}`) });
  let word = t(`status.${s}`);
  if (d.kind === 'meal' && s === 'refused') word = t('meal.none');
  else if (d.kind === 'meal' && ['done', 'partial'].includes(s) && d.details?.portion !== undefined) word = t('status.meal_portion', { p: d.details.portion });
  else if (d.kind === 'sun_exposure' && s === 'done' && d.details?.minutes) word = t('status.sun_minutes', { m: d.details.minutes });
  else if (d.kind === 'medication' && s === 'done') word = t('med.outcome.given');
  const why = look(s).why ? reasonLabel(d.reason) : '';
  return why ? `${word} · ${why}` : word;
}

export function chip(task) {
  const s = taskDisplay(task);
  return h('span', { class: `chip ${look(s).cls}` }, taskWord(task), task.pending ? h('small', { class: 'wait' }, ` · ${t('status.waiting')}`) : null);
}

// The server writes titles in Vietnamese: in another language a routine's title is replaced by
// its kind; a drug's name or a custom task's own words are kept as written.
export function taskTitle(task) {
  const { kind, title } = task.data;
  if (!title || (lang !== 'vi' && !['medication', 'custom'].includes(kind))) return t(`kind.${kind}`);
  return title;
}
