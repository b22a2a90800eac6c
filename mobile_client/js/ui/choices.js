// The "second tap": outcomes and reasons per kind of task (one tap for the common case: docs/architecture.md).
import { t } from '../i18n.js';
import { h, sheet } from './dom.js';

export const MEAL = [
  { key: 'meal.all', outcome: 'done', details: { portion: 100 } },
  { key: 'meal.p75', outcome: 'partial', details: { portion: 75 } },
  { key: 'meal.p50', outcome: 'partial', details: { portion: 50 } },
  { key: 'meal.p25', outcome: 'partial', details: { portion: 25 } },
  { key: 'meal.none', outcome: 'refused', details: { portion: 0 }, reasons: ['reason.not_hungry', 'reason.unwell', 'reason.asleep', 'reason.other'] },
  { key: 'meal.away', outcome: 'not_applicable', details: {}, reasons: ['reason.in_hospital', 'reason.on_leave'] },
];
export const SUN = [
  { key: 'sun.m10', outcome: 'done', details: { minutes: 10 } },
  { key: 'sun.m15', outcome: 'done', details: { minutes: 15 } },
  { key: 'sun.m20', outcome: 'done', details: { minutes: 20 } },
  { key: 'sun.m30', outcome: 'done', details: { minutes: 30 } },
  { key: 'sun.skip', outcome: 'skipped', details: {}, reasons: ['reason.rain', 'reason.unwell', 'reason.in_hospital'] },
];
export const OTHER = [
  { key: 'task.done', outcome: 'done', details: {} },
  { key: 'task.refused', outcome: 'refused', details: {}, reasons: ['reason.unwell', 'reason.other'] },
  { key: 'task.skipped', outcome: 'skipped', details: {}, reasons: ['reason.in_hospital', 'reason.other'] },
];
export const choicesFor = (kind) => ({ meal: MEAL, sun_exposure: SUN }[kind] || OTHER);

// The one-tap default per kind.
export const DEFAULT = { meal: MEAL[0], sun_exposure: SUN[1] };

// Pick an outcome, then (if it needs one) a reason. Resolves {outcome, details, reason} or null.
export async function pickOutcome(title, kind) {
  const choice = await sheet(title, (close) => choicesFor(kind).map((c) =>
    h('button', { class: 'option', onclick: () => close(c) }, t(c.key))).concat(
    h('button', { class: 'option ghost', onclick: () => close(null) }, t('common.cancel'))));
  if (!choice) return null;
  let reason = '';
  if (choice.reasons) {
    reason = await sheet(t('reason.title'), (close) => choice.reasons.map((r) =>
      h('button', { class: 'option', onclick: () => close(t(r)) }, t(r))).concat(
      h('button', { class: 'option ghost', onclick: () => close(null) }, t('common.cancel'))));
    if (!reason) return null;
  }
  return { outcome: choice.outcome, details: { ...choice.details }, reason, label: t(choice.key) };
}
