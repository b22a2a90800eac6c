// Medication pass (docs/domain.md): resident, drug, dose, route, time and window shown before
// confirming; a scheduled dose given on this phone is locked; PRN interval checked here too;
// a witness for controlled drugs.
import { facility, record, roleIn, staff, wholeFacility } from '../actions.js';
import { t, time } from '../i18n.js';
import { codes, prnCheck } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { uuid } from '../util.js';
import { sheetTitle } from './choices.js';
import { h, icon, mount, sheet, toast } from './dom.js';
import { visibleTasks } from './home.js';
import { chip } from './status.js';

// Outcomes a person picks besides "given" (a correction and the sweep's "missed" are not picked).
const NOT_PICKED = new Set(['given', 'entered_in_error', 'missed']);

function residentCard(r) {
  const initials = (r?.data.full_name || '?').split(' ').slice(-2).map((w) => w[0]).join('');
  return h('div', { class: 'resident-card' },
    h('div', { class: 'photo', 'aria-label': t('med.photo') }, initials),
    h('div', {}, h('b', { class: 'name' }, r?.data.full_name || '—'),
      h('div', {}, t('resident.room', { room: r?.data.room || '—' })),
      r && r.data.status !== 'present' ? h('span', { class: 'chip away' }, t(`resident.${r.data.status}`)) : null));
}

function facts(order, task) {
  const rows = [['med.drug', order?.data.drug], ['med.dose', order?.data.dose], ['med.route', order?.data.route]];
  if (task) rows.push(['med.time', time(task.data.due_at)], ['med.window', `${time(task.data.window_start)}–${time(task.data.window_end)}`]);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, t(k)), h('dd', { dataset: { fact: k } }, v || '—')]));
}

// The stock of the order's medicine per funding source, for the roles that keep the stock.
async function stockFor(user, order) {
  if (!order?.data.medicine_id || !roleIn(user, 'stock_roles')) return null;
  const stock = await import('./stock.js');
  const block = stock.levelsBlock(order.data.medicine_id, user, order.data.funding_source);
  stock.refresh(user).then((ok) => { if (ok && block.isConnected) block.replaceWith(stock.levelsBlock(order.data.medicine_id, user, order.data.funding_source)); });
  return block;
}

const givenFor = (taskId) => state.list('med_administration')
  .filter((a) => a.data.task_id === taskId && a.data.outcome === 'given' && !a.data.void);

async function witnessField(user, order) {
  if (!order?.data.controlled) return null;
  const people = (await staff(session.facilityId(user), user.token)).filter((p) => p.id !== user.id);
  return h('label', { class: 'field' }, `${t('med.witness')} *`,
    h('select', { name: 'witness', required: true },
      h('option', { value: '' }, t('med.witness_pick')),
      people.map((p) => h('option', { value: p.id }, `${p.full_name} (${t(`role.${p.role}`)})`))));
}

async function confirmAndRecord(form, args, order) {
  const witness = form.querySelector('[name=witness]')?.value;
  const reason = form.querySelector('[name=reason]')?.value.trim();
  if (order?.data.controlled && !witness) return toast(t('med.witness_required'), 'bad');
  if (args.needReason && !reason) return toast(t('med.reason_required'), 'bad');
  delete args.needReason;
  await record('med.administer', { ...args, ...(witness ? { witness_id: witness } : {}), ...(reason ? { reason } : {}) });
  toast(t('med.saved'), 'good');
  history.back();
}

export async function renderPass(root, { user, id }) {
  const task = state.get('task', id);
  if (!task) return root.replaceChildren(h('p', { class: 'empty' }, t('common.not_found')));
  const order = state.get('med_order', task.data.order_id);
  const resident = state.get('resident', task.data.resident_id);
  const given = givenFor(task.id);
  const now = new Date();
  const outside = now < new Date(task.data.window_start) || now > new Date(task.data.window_end);
  const form = h('form', { class: 'med-pass', onsubmit: (e) => e.preventDefault() });
  const base = { administration_id: uuid(), order_id: task.data.order_id, task_id: task.id, dose: order?.data.dose || '' };
  form.append(h('h1', {}, icon('medication'), t('med.pass_title')), residentCard(resident), facts(order, task), chip(task));
  if (order?.data.controlled) form.append(h('p', { class: 'chip warn' }, t('med.controlled')));
  const stock = await stockFor(user, order); // below the buttons: the dose comes first
  if (given.length) {
    const g = given[0];
    form.append(h('p', { class: 'locked', dataset: { locked: '1' } }, '🔒 ', t('med.locked', { time: time(g.data.at), by: session.byId(g.data.by)?.full_name || '' })), stock || '');
    return root.replaceChildren(form);
  }
  if (outside) form.append(h('p', { class: 'warnbox' }, t('med.outside_window')));
  const wf = await witnessField(user, order);
  if (wf) form.append(wf);
  form.append(h('label', { class: 'field' }, outside ? `${t('med.reason')} *` : t('med.reason_opt'), h('input', { name: 'reason', autocomplete: 'off' })));
  form.append(
    h('button', { class: 'big primary wide', dataset: { action: 'give' }, onclick: () => confirmAndRecord(form, { ...base, outcome: 'given', needReason: outside }, order) }, `✓ ${t('med.given')}`),
    h('button', { class: 'big wide', onclick: async () => {
      const fac = facility(user);
      const picks = codes(fac, 'med_outcomes').filter((o) => !NOT_PICKED.has(o));
      const outcome = await sheet(sheetTitle(t('med.other'), resident?.data.full_name), (close) => picks.map((o) =>
        h('button', { class: 'option', onclick: () => close(o) }, t(`med.outcome.${o}`))).concat(h('button', { class: 'option ghost', onclick: () => close(null) }, t('common.cancel'))));
      if (outcome) await confirmAndRecord(form, { ...base, outcome, needReason: outside || codes(fac, 'med_reason_required').includes(outcome) }, order);
    } }, t('med.other')), stock || '');
  root.replaceChildren(form);
}

export async function renderPrn(root, { user, id }) {
  const order = state.get('med_order', id);
  if (!order) return root.replaceChildren(h('p', { class: 'empty' }, t('common.not_found')));
  const resident = state.get('resident', order.data.resident_id);
  const times = state.list('med_administration').filter((a) => a.data.order_id === id && a.data.outcome === 'given' && !a.data.void).map((a) => a.data.at);
  const check = prnCheck(order.data, times);
  const form = h('form', { class: 'med-pass', onsubmit: (e) => e.preventDefault() });
  form.append(h('h1', {}, icon('medication'), t('med.prn_title')), residentCard(resident), facts(order, null),
    h('p', {}, t('med.prn_rules', { i: order.data.min_interval_minutes || '—', m: order.data.max_per_24h || '—' })),
    h('p', {}, check.last ? t('med.prn_last', { time: time(check.last), n: check.count24h }) : t('med.prn_none')));
  const stock = await stockFor(user, order);
  const wf = await witnessField(user, order);
  if (wf) form.append(wf);
  form.append(h('label', { class: 'field' }, t('med.reason_opt'), h('input', { name: 'reason', autocomplete: 'off' })));
  const base = { administration_id: uuid(), order_id: id, prn: true, dose: order.data.dose || '', outcome: 'given' };
  form.append(h('button', { class: 'big primary wide', dataset: { action: 'give' }, onclick: async () => {
    if (check.problem) {
      // Warn before letting you continue; continuing needs a reason (it becomes a conflict on sync).
      const go = await sheet(sheetTitle(t('med.prn_warn_title'), resident?.data.full_name), (close) => [
        h('p', { class: 'warnbox' }, check.problem === 'interval' ? t('med.prn_too_soon', { m: check.waitMinutes }) : t('med.prn_too_many', { n: check.count24h })),
        h('button', { class: 'option', dataset: { action: 'prn-continue' }, onclick: () => close(true) }, t('med.prn_continue')),
        h('button', { class: 'option ghost', onclick: () => close(false) }, t('common.cancel'))]);
      if (!go) return;
    }
    await confirmAndRecord(form, { ...base, needReason: Boolean(check.problem) }, order);
  } }, `✓ ${t('med.given')}`), stock || '');
  root.replaceChildren(form);
}

export function renderList(root, { user, go }) {
  const tasks = visibleTasks(user).filter((tk) => tk.data.kind === 'medication')
    .sort((a, b) => a.data.slot.localeCompare(b.data.slot));
  const residents = new Set(visibleTasks(user).map((tk) => tk.data.resident_id));
  const areas = session.areaIds(user);
  const whole = wholeFacility(user);
  const prn = state.list('med_order').filter((o) => o.data.prn && (residents.has(o.data.resident_id)
    || whole || areas.has(state.get('resident', o.data.resident_id)?.data.area_id)));
  const row = (label, sub, onclick, extra) => h('li', { class: 'task' }, h('div', { class: 'who' }, label, h('small', {}, sub), extra),
    h('div', { class: 'acts' }, h('button', { class: 'big primary', onclick }, t('med.open'))));
  // mount, not replaceChildren: the DOM writes a null child out as the word "null".
  mount(root,
    h('h1', {}, icon('medication'), t('med.title')),
    roleIn(user, 'stock_roles') ? h('a', { class: 'big wide link', href: '#/stock', dataset: { action: 'open-stock' } }, t('stock.title')) : null,
    tasks.length ? h('ul', { class: 'tasks' }, tasks.map((tk) => {
      const o = state.get('med_order', tk.data.order_id);
      const r = state.get('resident', tk.data.resident_id);
      return row(h('b', {}, `${tk.data.slot} · ${r?.data.full_name || ''}`), `${o?.data.drug || ''} ${o?.data.dose || ''}`, () => go(`#/med/${tk.id}`), chip(tk));
    })) : h('p', { class: 'empty' }, t('med.none')),
    h('h2', {}, t('med.prn_list')),
    prn.length ? h('ul', { class: 'tasks' }, prn.map((o) => row(h('b', {}, state.get('resident', o.data.resident_id)?.data.full_name || ''),
      `${o.data.drug} ${o.data.dose}`, () => go(`#/prn/${o.id}`)))) : h('p', { class: 'empty' }, t('med.prn_empty')));
}
