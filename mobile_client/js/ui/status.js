// Status by colour AND word (docs/architecture.md): one chip for a task, one label per outcome.
import { t } from '../i18n.js';
import { taskDisplay } from '../rules.js';
import { h } from './dom.js';

export function taskWord(task) {
  const s = taskDisplay(task);
  const d = task.data;
  if (s === 'conflict') return t('status.conflict', { reason: task.conflict.message || t(`conflict.${task.conflict.code}`) });
  if (d.kind === 'meal' && d.details && d.details.portion !== undefined && ['done', 'partial', 'refused'].includes(s)) {
    return t('status.meal_portion', { p: d.details.portion });
  }
  if (d.kind === 'sun_exposure' && s === 'done' && d.details?.minutes) return t('status.sun_minutes', { m: d.details.minutes });
  return t(`status.${s}`);
}

export function chip(task) {
  const s = taskDisplay(task);
  const cls = { partial: 'done', refused: 'warn', skipped: 'muted', not_applicable: 'muted' }[s] || s;
  return h('span', { class: `chip ${cls}` }, taskWord(task), task.pending ? h('small', { class: 'wait' }, ` · ${t('status.waiting')}`) : null);
}
