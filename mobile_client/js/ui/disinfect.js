// Disinfection: today's rounds; the food vehicles with the disinfection each trip leaves due
// (a trip's return is recorded here, `vehicle.trip`); and the round's form: area or vehicle,
// the dilution calculator (litres -> grams, docs/domain.md, computed on the phone), and the record.
import { facility, record, wholeFacility } from '../actions.js';
import { date, t, time } from '../i18n.js';
import { dilution, isOpen, setting, taskDisplay } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { isoLocal, localDate, uuid, uuid5 } from '../util.js';
import { h, icon, toast } from './dom.js';
import { chip, taskTitle } from './status.js';

const field = (label, input) => h('label', { class: 'field' }, label, input);
const TARGET_OF_KIND = { care: 'area', vehicle: 'vehicle', kitchen: 'kitchen', other: 'area' };

const byTime = (a, b) => (a.data.due_at || '').localeCompare(b.data.due_at || '');

// head: the bold line (the area's name for a round; the return time for a vehicle's trip).
function taskRow(tk, go, head) {
  const area = state.get('area', tk.data.area_id);
  return h('li', { class: `task ${taskDisplay(tk)}`, dataset: { task: tk.id, status: taskDisplay(tk) } },
    h('div', { class: 'who' }, h('b', {}, head || area?.data.name || ''), head ? null : h('small', {}, `${tk.data.slot} · ${taskTitle(tk)}`), chip(tk)),
    isOpen(tk) ? h('div', { class: 'acts' }, h('button', { class: 'big primary', onclick: () => go(`#/disinfect/${tk.id}`) }, t('disinfect.open'))) : null);
}

// A food vehicle is back: the trip is recorded and its disinfection becomes due at once.
async function vehicleBack(area) {
  const tripId = uuid();
  // Same id as the server's trip_task_id(trip_id) (server/hygiene/handlers.py).
  const taskId = await uuid5(tripId, 'vehicle-disinfection');
  await record('vehicle.trip', { trip_id: tripId, area_id: area.id, returned_at: isoLocal() }, { task_id: taskId });
  toast(t('vehicle.trip_saved', { name: area.data.name }), 'good');
}

function vehicleCard(area, tasks, go) {
  const due = tasks.filter((tk) => tk.data.area_id === area.id && isOpen(tk)).sort(byTime);
  return h('section', { class: 'card', dataset: { vehicle: area.id } },
    h('h3', {}, icon('disinfection'), area.data.name),
    due.length ? h('ul', { class: 'tasks' }, due.map((tk) => taskRow(tk, go,
      t('vehicle.back_at', { time: time(tk.data.due_at), date: date(tk.data.due_at) })))) : h('p', { class: 'empty' }, t('vehicle.none_due')),
    h('button', { class: 'big wide', dataset: { action: 'vehicle-back' }, onclick: () => vehicleBack(area) }, t('vehicle.back')));
}

// The overview has no inputs, so app.js redraws it whenever the data changes.
export function renderOverview(root, { user, go }) {
  const day = localDate();
  const mine = session.areaIds(user);
  const whole = wholeFacility(user);
  const inScope = (areaId) => whole || mine.has(areaId);
  const kindOf = (areaId) => state.get('area', areaId)?.data.kind;
  const tasks = state.list('task').filter((tk) => tk.data.kind === 'disinfection' && inScope(tk.data.area_id));
  const rounds = tasks.filter((tk) => tk.data.local_date === day && kindOf(tk.data.area_id) !== 'vehicle').sort(byTime);
  const vehicles = state.list('area').filter((a) => a.data.kind === 'vehicle' && inScope(a.id));
  const done = state.list('disinfection').filter((r) => !r.data.void && inScope(r.data.area_id) && localDate(new Date(r.data.at)) === day)
    .sort((a, b) => b.data.at.localeCompare(a.data.at));
  root.replaceChildren(...[
    h('h1', {}, icon('disinfection'), t('disinfect.title')),
    h('h2', {}, t('disinfect.today', { date: date(day) })),
    rounds.length ? h('ul', { class: 'tasks' }, rounds.map((tk) => taskRow(tk, go))) : h('p', { class: 'empty' }, t('disinfect.none_today')),
    vehicles.length ? h('h2', {}, t('vehicle.title')) : null,
    ...vehicles.map((a) => vehicleCard(a, tasks, go)),
    h('h2', {}, t('disinfect.recorded_today', { n: done.length })),
    done.length ? h('ul', { class: 'tasks' }, done.map((r) => h('li', { class: 'task done', dataset: { record: r.id } },
      h('div', { class: 'who' }, h('b', {}, state.get('area', r.data.area_id)?.data.name || ''),
        h('small', {}, t('disinfect.record_line', { time: time(r.data.at), g: r.data.grams ?? '—', l: r.data.litres ?? '—', c: r.data.chemical || '' })),
        r.pending ? h('span', { class: 'chip pending' }, t('status.waiting')) : null)))) : h('p', { class: 'empty' }, t('disinfect.none_recorded')),
    h('a', { class: 'big wide link', href: '#/disinfect/new', dataset: { action: 'new-round' } }, `+ ${t('disinfect.new')}`),
  ].filter(Boolean));
}

export function render(root, ctx) {
  if (!ctx.id) return renderOverview(root, ctx);
  return renderForm(root, ctx);
}

function renderForm(root, { user, id }) {
  const fac = facility(user);
  const task = id && id !== 'new' ? state.get('task', id) : null;
  const basis = setting(fac, 'chlorine_basis');
  const mine = session.areaIds(user);
  const whole = wholeFacility(user);
  const areas = state.list('area').filter((a) => whole || mine.has(a.id))
    .sort((a, b) => a.data.name.localeCompare(b.data.name, 'vi'));
  const out = h('output', { class: 'result', dataset: { result: 'grams' } });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const area = state.get('area', form.area.value);
    const calc = compute();
    if (!area || !calc) return toast(t('disinfect.incomplete'), 'bad');
    await record('disinfection.record', {
      record_id: uuid(), target: TARGET_OF_KIND[area.data.kind] || 'area', area_id: area.id, chemical: form.chemical.value.trim() || 'Cloramin B',
      concentration_pct: Number(form.conc.value), product_strength_pct: Number(form.strength.value),
      grams: calc.grams, litres: Number(form.litres.value), ...(task ? { task_id: task.id } : {}),
    });
    toast(t('disinfect.saved'), 'good');
    history.back(); // to the home list or the disinfection overview, where it came from
  } });
  function compute() {
    return dilution({ litres: form.litres.value, concentrationPct: form.conc.value, productStrengthPct: form.strength.value, basis });
  }
  const update = () => {
    const c = compute();
    out.textContent = c ? t('disinfect.result', { g: c.grams.toLocaleString('vi-VN'), l: form.litres.value, a: c.activePct.toLocaleString('vi-VN') }) : t('disinfect.enter');
  };
  form.append(...[
    h('h1', {}, icon('disinfection'), t('disinfect.title')),
    task ? h('p', { class: 'hint' }, taskTitle(task)) : null,
    field(t('disinfect.where'), h('select', { name: 'area' }, areas.map((a) => h('option', { value: a.id, selected: a.id === task?.data.area_id }, `${a.data.name} (${t(`area.${a.data.kind}`)})`)))),
    field(t('disinfect.chemical'), h('input', { name: 'chemical', value: 'Cloramin B' })),
    h('div', { class: 'row' },
      field(t('disinfect.litres'), h('input', { name: 'litres', type: 'number', inputmode: 'decimal', min: '0', step: '0.5', value: '10', oninput: update })),
      field(t(basis === 'product' ? 'disinfect.conc_product' : 'disinfect.conc_active'), h('input', { name: 'conc', type: 'number', inputmode: 'decimal', step: '0.01', value: basis === 'product' ? '0.25' : '0.5', oninput: update }))),
    field(t('disinfect.strength'), h('input', { name: 'strength', type: 'number', inputmode: 'decimal', step: '0.5', value: String(setting(fac, 'chlorine_product_strength_pct')), oninput: update })),
    out,
    h('button', { class: 'big primary wide', dataset: { action: 'save-disinfection' } }, t('disinfect.save'))].filter(Boolean));
  root.replaceChildren(form);
  update();
}
