// The duty manager on the phone: open conflicts told in plain words (who, what, when, by
// whom: names and local times, never ids or field names), resolved with a note and one tap
// (`conflict.resolve`, queued like any event, so offline too); the monthly report and the
// live dashboard one tap away.
import { facility, record, roleIn, staff } from '../actions.js';
import { date, has, t, time } from '../i18n.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { localDate } from '../util.js';
import { reasonLabel } from './choices.js';
import { h, icon, toast } from './dom.js';

export const isManager = (user) => roleIn(user, 'manager_roles');

const when = (iso) => (iso ? `${time(iso)} ${date(iso)}` : '');

// An outcome in words: a task's status (with a meal's portion) or a medicine's outcome.
function outcomeWord(outcome, details, med) {
  if (!outcome) return '';
  if (med) return has(`med.outcome.${outcome}`) ? t(`med.outcome.${outcome}`) : outcome;
  if (details?.portion !== undefined && ['done', 'partial'].includes(outcome)) return t('status.meal_portion', { p: details.portion });
  if (details?.minutes) return t('status.sun_minutes', { m: details.minutes });
  return has(`status.${outcome}`) ? t(`status.${outcome}`) : outcome;
}

function subject(c) {
  const d = c.data.details || {};
  const task = c.data.subject_type === 'task' ? state.get('task', c.data.subject_id) : null;
  const residentId = d.resident_id || task?.data.resident_id || (c.data.subject_type === 'resident' ? c.data.subject_id : null);
  const resident = residentId ? state.get('resident', residentId) : null;
  const sample = c.data.subject_type === 'food_sample' ? state.get('food_sample', c.data.subject_id) : null;
  const what = d.drug || (task ? `${task.data.title || t(`kind.${task.data.kind}`)} ${task.data.slot || ''}` : '') || sample?.data.dish || '';
  return { who: resident?.data.full_name || '', room: resident?.data.room || '', what: what.trim(), med: Boolean(d.drug) };
}

function lines(c, names) {
  const d = c.data.details || {};
  const s = subject(c);
  const name = (id) => names.get(id) || t('conflict.someone');
  const out = [];
  if (d.current || d.proposed) {
    out.push(t('conflict.first', { outcome: outcomeWord(d.current, d.current_details) }));
    out.push(t('conflict.then', { outcome: outcomeWord(d.proposed, d.proposed_details), by: name(d.by) })
      + (d.reason ? ` (${reasonLabel(d.reason)})` : ''));
  }
  if (d.outcome && d.at) out.push(t('conflict.record', { outcome: outcomeWord(d.outcome, null, s.med), time: when(d.at), by: name(d.by) }));
  for (const o of d.others || []) out.push(t('conflict.record', { outcome: outcomeWord(o.outcome, null, s.med), time: when(o.at), by: name(o.by) }));
  return out;
}

function conflictRow(c, names, redraw) {
  const s = subject(c);
  const high = c.data.severity === 'high';
  const note = h('input', { name: 'note', autocomplete: 'off', placeholder: t('conflict.note'), 'aria-label': t('conflict.note') });
  return h('li', { class: `task conflict ${high ? 'late' : ''}`, dataset: { conflict: c.id } },
    h('div', { class: 'who' },
      h('span', { class: `chip ${high ? 'late' : 'conflict'}` }, has(`conflict.${c.data.kind}`) ? t(`conflict.${c.data.kind}`) : t('problems.conflict')),
      s.who ? h('b', {}, s.who) : null, s.room ? h('span', { class: 'room' }, t('resident.room', { room: s.room })) : null,
      s.what ? h('small', {}, s.what) : null,
      ...lines(c, names).map((l) => h('small', { class: 'line' }, l)),
      c.data.message ? h('p', { class: 'message' }, c.data.message) : null,
      h('small', {}, t('conflict.opened', { time: when(c.data.opened_at) })),
      h('div', { class: 'resolve' }, note,
        h('button', { class: 'big primary', dataset: { action: 'resolve' }, onclick: async () => {
          await record('conflict.resolve', { conflict_id: c.id, resolution: 'reviewed', note: note.value.trim() });
          toast(t('conflict.resolved'), 'good');
          redraw();
        } }, t('conflict.resolve')))));
}

export async function render(root, ctx) {
  const { user } = ctx;
  if (!isManager(user)) return root.replaceChildren(h('p', { class: 'empty', dataset: { notForRole: 'manage' } }, t('nav.not_for_role')));
  const fac = facility(user);
  const names = new Map(session.list().map((u) => [u.id, u.full_name]));
  for (const p of await staff(session.facilityId(user), user.token)) names.set(p.id, p.full_name);
  const open = state.list('conflict').filter((c) => c.data.status === 'open')
    .sort((a, b) => (b.data.severity === 'high') - (a.data.severity === 'high') || (b.data.opened_at || '').localeCompare(a.data.opened_at || ''));
  const month = localDate().slice(0, 7);
  root.replaceChildren(h('h1', {}, icon('shift'), t('manage.title')),
    h('div', { class: 'steps' },
      h('a', { class: 'big link', href: '/dashboard/', target: '_blank', rel: 'noopener', dataset: { link: 'dashboard' } }, t('manage.dashboard')),
      fac.data.code ? h('a', { class: 'big link', href: `/reports/monthly/${fac.data.code}/${month}/`, target: '_blank', rel: 'noopener', dataset: { link: 'report' } }, t('manage.report', { month: `${month.slice(5)}/${month.slice(0, 4)}` })) : null),
    h('h2', {}, t('manage.conflicts', { n: open.length })),
    open.length ? h('ul', { class: 'tasks' }, open.map((c) => conflictRow(c, names, () => render(root, ctx)))) : h('p', { class: 'empty' }, t('manage.no_conflicts')));
}
