// Carer home: my area's residents and today's tasks, by time then kind, one tap for done.
import { facility, record } from '../actions.js';
import { date, t, time } from '../i18n.js';
import { isOpen, taskDisplay } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { localDate } from '../util.js';
import { defaultChoice, pickOutcome, sheetTitle } from './choices.js';
import { h, icon, sheet } from './dom.js';
import { chip, taskTitle } from './status.js';

// One collator for every sort: localeCompare with options builds a new one per call (slow).
const byRoom = new Intl.Collator('vi', { numeric: true }).compare;
const roomOf = (tk) => state.get('resident', tk.data.resident_id)?.data.room || '';

const KIND_ORDER = ['meal', 'medication', 'sun_exposure', 'disinfection', 'custom'];

export function visibleTasks(user, day = localDate()) {
  const areas = session.areaIds(user);
  const whole = session.wholeFacility(user);
  return state.list('task').filter((tk) => tk.data.local_date === day && (whole || areas.has(tk.data.area_id)));
}

const nameOf = (task) => (task.data.resident_id ? state.get('resident', task.data.resident_id)?.data.full_name : state.get('area', task.data.area_id)?.data.name) || '';

function who(task) {
  const r = task.data.resident_id ? state.get('resident', task.data.resident_id) : null;
  if (r) return [h('b', {}, r.data.full_name), h('span', { class: 'room' }, t('resident.room', { room: r.data.room || '—' }))];
  const a = state.get('area', task.data.area_id);
  return [h('b', {}, a?.data.name || t('task.area'))];
}

function complete(task, c) {
  return record('task.complete', { task_id: task.id, outcome: c.outcome, reason: c.reason || '', details: c.details || {} });
}

// Long-press on the big button opens the other outcomes too (gloved hands miss small "…").
function longPress(el, fn) {
  let timer = null;
  el.addEventListener('pointerdown', () => { timer = setTimeout(() => { timer = 'fired'; fn(); }, 600); });
  const cancel = () => { if (timer !== 'fired') clearTimeout(timer); };
  el.addEventListener('pointerup', cancel);
  el.addEventListener('pointerleave', cancel);
  el.addEventListener('click', (e) => { if (timer === 'fired') { e.stopImmediatePropagation(); timer = null; } }, true);
}

function taskRow(task, go, fac) {
  const kind = task.data.kind;
  const status = taskDisplay(task);
  const open = isOpen(task, fac);
  const more = async () => {
    const c = await pickOutcome({ who: nameOf(task), title: taskTitle(task), kind, fac });
    if (c) await complete(task, c);
  };
  let primary = null;
  if (kind === 'medication') {
    // A dose already recorded opens the record (locked), not a second "give".
    primary = h('button', { class: `big ${open ? 'primary' : ''}`, dataset: { action: 'med' }, onclick: () => go(`#/med/${task.id}`) }, t(open ? 'med.open' : 'med.view'));
  } else if (kind === 'disinfection') {
    primary = open ? h('button', { class: 'big primary', onclick: () => go(`#/disinfect/${task.id}`) }, t('disinfect.open')) : null;
  } else if (open) {
    primary = h('button', { class: 'big primary', dataset: { action: 'done' },
      onclick: () => complete(task, defaultChoice(kind, fac)) }, `✓ ${t(`done.${kind}`)}`);
    longPress(primary, more);
  }
  const canMore = kind !== 'medication' && kind !== 'disinfection';
  return h('li', { class: `task ${status}`, dataset: { task: task.id, status } },
    h('div', { class: 'who' }, who(task), h('small', {}, taskTitle(task)), chip(task)),
    h('div', { class: 'acts' }, primary,
      canMore ? h('button', { class: 'big more', 'aria-label': t('task.more'), onclick: more }, '…') : null));
}

async function bulkMeal(tasks, areaId, slot, day, fac) {
  const open = tasks.filter((tk) => isOpen(tk, fac));
  const picked = new Map(); // task id -> exception choice
  const ok = await sheet(sheetTitle(t('meal.bulk_title', { n: open.length }), state.get('area', areaId)?.data.name), (close) => {
    const rows = open.map((tk) => {
      const label = h('span', { class: 'chip done' }, t('meal.all'));
      const btn = h('button', { class: 'option row', dataset: { task: tk.id }, onclick: async () => {
        const c = await pickOutcome({ who: nameOf(tk), title: t('meal.exception'), kind: 'meal', fac });
        if (!c) return;
        if (c.outcome === 'done' && c.details.portion === 100) picked.delete(tk.id); else picked.set(tk.id, c);
        label.textContent = c.label;
        label.className = `chip ${c.outcome === 'done' ? 'done' : 'warn'}`;
      } }, who(tk), label);
      return btn;
    });
    return [h('p', { class: 'hint' }, t('meal.bulk_hint')), ...rows,
      h('button', { class: 'big primary wide', dataset: { action: 'bulk-confirm' }, onclick: () => close(true) }, t('meal.bulk_confirm', { n: open.length })),
      h('button', { class: 'option ghost', onclick: () => close(false) }, t('common.cancel'))];
  });
  if (!ok) return;
  const all = defaultChoice('meal', fac);
  await record('task.complete_bulk', {
    area_id: areaId, local_date: day, slot, kind: 'meal', outcome: all.outcome, details: all.details,
    exceptions: [...picked].map(([task_id, c]) => ({ task_id, outcome: c.outcome, reason: c.reason, details: c.details })),
  });
}

function summary(tasks) {
  const n = (s) => tasks.filter((tk) => taskDisplay(tk) === s).length;
  return h('p', { class: 'summary' },
    h('span', { class: 'chip late' }, t('home.late_n', { n: n('late') })),
    h('span', { class: 'chip pending' }, t('home.pending_n', { n: n('pending') })),
    h('span', { class: 'chip done' }, t('home.done_n', { n: tasks.length - n('late') - n('pending') })));
}

function residentsList(user) {
  const areas = session.areaIds(user);
  const whole = session.wholeFacility(user);
  const rs = state.list('resident').filter((r) => (whole || areas.has(r.data.area_id)) && !['discharged', 'deceased'].includes(r.data.status))
    .sort((a, b) => byRoom(a.data.room || '', b.data.room || ''));
  if (!rs.length) return null;
  // The list is built when opened: closed, it would only cost the cold start.
  const list = () => h('ul', {}, rs.map((r) => h('li', { class: r.data.status === 'present' ? '' : 'away' },
    h('b', {}, r.data.full_name), ` · ${t('resident.room', { room: r.data.room || '—' })}`,
    r.data.status !== 'present' ? h('span', { class: 'chip away' }, t(`resident.${r.data.status}`)) : null)));
  const box = h('details', { class: 'residents', ontoggle: () => { if (box.open && !box.querySelector('ul')) box.append(list()); } },
    h('summary', {}, t('home.residents', { n: rs.length })));
  return box;
}

function slotSection(slot, inSlot, day, go, fac) {
  const section = h('section', { class: 'slot', dataset: { slot } }, h('h2', {}, slot));
  for (const kind of KIND_ORDER) {
    const group = inSlot.filter((tk) => tk.data.kind === kind)
      .sort((a, b) => byRoom(roomOf(a), roomOf(b)));
    if (!group.length) continue;
    const head = h('h3', {}, icon(kind), t(`kind.${kind}`));
    const extras = [];
    if (kind === 'meal') {
      for (const areaId of new Set(group.map((tk) => tk.data.area_id))) {
        const inArea = group.filter((tk) => tk.data.area_id === areaId);
        if (inArea.filter((tk) => isOpen(tk, fac)).length >= 2) {
          extras.push(h('button', { class: 'big bulk', dataset: { action: 'bulk-meal' },
            onclick: () => bulkMeal(inArea, areaId, slot, day, fac) },
          `✓ ${t('meal.bulk')}`, h('small', {}, state.get('area', areaId)?.data.name || '')));
        }
      }
    }
    section.append(head, ...extras, h('ul', { class: 'tasks' }, group.map((tk) => taskRow(tk, go, fac))));
  }
  return section;
}

// The cold start draws the first screenful of slots at once and the rest of the day in the
// next frame, below the fold (a 360x740 screen shows under ten rows; a big area has 200+).
// Later redraws (after a tick or a sync) draw everything at once, so the page never
// shrinks under the reader's thumb and the scroll position holds.
const FIRST_ROWS = 24;
let drawn = 0;

export function render(root, { user, go }) {
  const day = localDate();
  const fac = facility(user);
  const tasks = visibleTasks(user, day);
  const bySlot = new Map();
  for (const tk of tasks) {
    if (!bySlot.has(tk.data.slot)) bySlot.set(tk.data.slot, []);
    bySlot.get(tk.data.slot).push(tk);
  }
  const slots = [...bySlot.keys()].sort();
  const body = [h('h1', {}, t('home.title', { date: date(day) })), summary(tasks)];
  if (!tasks.length) body.push(h('p', { class: 'empty' }, t('home.empty')));
  const first = drawn === 0;
  const turn = ++drawn;
  let rows = 0;
  let i = 0;
  for (; i < slots.length && !(first && rows >= FIRST_ROWS); i += 1) {
    body.push(slotSection(slots[i], bySlot.get(slots[i]), day, go, fac));
    rows += bySlot.get(slots[i]).length;
  }
  const tail = residentsList(user);
  root.replaceChildren(...body.filter(Boolean), ...(i === slots.length && tail ? [tail] : []));
  if (i < slots.length) {
    // Two frames: the first screen is laid out and painted before the rest is built.
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => {
      if (turn !== drawn) return; // redrawn meanwhile: that draw was complete
      const rest = slots.slice(i).map((slot) => slotSection(slot, bySlot.get(slot), day, go, fac));
      root.append(...rest, ...(tail ? [tail] : []));
      performance.mark('tasks-all-rendered');
    }, 0)));
  }
  const due = tasks.filter((tk) => taskDisplay(tk) === 'late').length;
  document.title = due ? `(${due}) ${t('app.name')}` : t('app.name');
  return { firstDue: time(tasks.find((tk) => isOpen(tk, fac))?.data.due_at) };
}
