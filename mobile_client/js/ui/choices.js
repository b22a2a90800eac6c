// The "second tap": outcomes and reasons per kind of task (one tap for the common case: docs/architecture.md),
// drawn from the facility's settings and codes as the server sent them (rules.js codes()).
import { has, t } from '../i18n.js';
import { codes, setting } from '../rules.js';
import { h, sheet } from './dom.js';

const portionKey = (p) => (has(`meal.p${p}`) ? t(`meal.p${p}`) : t('meal.portion', { p }));

function mealChoices(fac) {
  const portions = [...setting(fac, 'meal_portions')].sort((a, b) => b - a);
  const out = portions.filter((p) => p > 0).map((p) => (p === 100
    ? { label: t('meal.all'), outcome: 'done', details: { portion: 100 } }
    : { label: portionKey(p), outcome: 'partial', details: { portion: p } }));
  out.push({ label: t('meal.none'), outcome: 'refused', details: portions.includes(0) ? { portion: 0 } : {}, reasons: codes(fac, 'meal_refusal_reasons') });
  out.push({ label: t('meal.away'), outcome: 'not_applicable', details: {}, reasons: codes(fac, 'meal_away_reasons'), away: true });
  return out;
}

function sunChoices(fac) {
  const low = setting(fac, 'sun_exposure_min_minutes');
  const high = setting(fac, 'sun_exposure_max_minutes');
  return setting(fac, 'sun_exposure_choices').filter((m) => m >= low && m <= high)
    .map((m) => ({ label: t('sun.minutes', { m }), outcome: 'done', details: { minutes: m } }))
    .concat({ label: t('sun.skip'), outcome: 'skipped', details: {}, reasons: codes(fac, 'sun_skip_reasons') });
}

const otherChoices = (fac) => [
  { label: t('task.done'), outcome: 'done', details: {} },
  { label: t('task.refused'), outcome: 'refused', details: {}, reasons: codes(fac, 'task_refusal_reasons') },
  { label: t('task.skipped'), outcome: 'skipped', details: {}, reasons: codes(fac, 'task_skip_reasons') },
];

export const choicesFor = (kind, fac) => (kind === 'meal' ? mealChoices(fac) : kind === 'sun_exposure' ? sunChoices(fac) : otherChoices(fac));

// The one-tap default per kind: a whole meal; the session length nearest 15 minutes.
export function defaultChoice(kind, fac) {
  if (kind === 'meal') return { outcome: 'done', details: { portion: 100 } };
  if (kind === 'sun_exposure') {
    const sun = sunChoices(fac).filter((c) => c.outcome === 'done');
    const best = sun.sort((a, b) => Math.abs(a.details.minutes - 15) - Math.abs(b.details.minutes - 15))[0];
    if (best) return { outcome: 'done', details: { ...best.details } };
  }
  return { outcome: 'done', details: {} };
}

// A reason is sent as its code; a reason typed elsewhere (or from an old phone) is shown as is.
export const reasonLabel = (r) => (r && has(`reason.${r}`) ? t(`reason.${r}`) : r || '');

// The sheet's title names who it acts on (a shared list of look-alike rows is easy to mis-tap).
export const sheetTitle = (title, who) => (who ? `${who} · ${title}` : title);

// Pick an outcome, then (if it needs one) a reason. Resolves {outcome, details, reason, label}
// or null; `away` is set when the person is away, so the caller can offer a transfer.
// `extra` adds buttons resolving to themselves (they carry an `action`).
export async function pickOutcome({ who, title, kind, fac, extra = [] }) {
  const choice = await sheet(sheetTitle(title, who), (close) => choicesFor(kind, fac).map((c) =>
    h('button', { class: 'option', dataset: { outcome: c.outcome }, onclick: () => close(c) }, c.label)).concat(
    extra.map((x) => h('button', { class: 'option', dataset: x.dataset || {}, onclick: () => close(x) }, x.label)),
    h('button', { class: 'option ghost', onclick: () => close(null) }, t('common.cancel'))));
  if (!choice) return null;
  if (choice.action) return choice;
  let reason = '';
  if (choice.reasons) {
    reason = await sheet(sheetTitle(t('reason.title'), who), (close) => choice.reasons.map((r) =>
      h('button', { class: 'option', dataset: { reason: r }, onclick: () => close(r) }, reasonLabel(r))).concat(
      h('button', { class: 'option ghost', onclick: () => close(null) }, t('common.cancel'))));
    if (!reason) return null;
  }
  return { outcome: choice.outcome, details: { ...choice.details }, reason, label: choice.label, away: choice.away };
}
