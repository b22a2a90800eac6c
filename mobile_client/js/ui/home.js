// Carer home: my area's residents and today's tasks, by time then kind, one tap for done.
import { facility, record, roleIn, wholeFacility } from '../actions.js';
import { date, t, time } from '../i18n.js';
import { codes, isOpen, taskDisplay } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { status } from '../sync.js';
import { localDate } from '../util.js';
import { defaultChoice, pickOutcome, sheetTitle } from './choices.js';
import { h, icon, sheet, toast } from './dom.js';
import { chip, taskTitle } from './status.js';

// One collator for every sort: localeCompare with options builds a new one per call (slow).
const byRoom = new Intl.Collator('vi', { numeric: true }).compare;
const roomOf = (tk) => state.get('resident', tk.data.resident_id)?.data.room || '';

const KIND_ORDER = ['meal', 'medication', 'sun_exposure', 'disinfection', 'custom'];

export function visibleTasks(user, day = localDate()) {
  const areas = session.areaIds(user);
  const whole = wholeFacility(user);
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

// Away from a meal means away from the medicines too: whoever may record the transfer is
// offered it at once; anyone else is told who should.
async function offerTransfer(residentId, go) {
  const r = state.get('resident', residentId);
  if (!r || r.data.status !== 'present') return;
  if (!roleIn(session.active(), 'transfer_roles')) return toast(t('transfer.tell_nurse', { name: r.data.full_name }));
  const yes = await sheet(sheetTitle(t('transfer.offer_title'), r.data.full_name), (close) => [
    h('p', { class: 'hint' }, t('transfer.offer_hint')),
    h('button', { class: 'option', dataset: { action: 'offer-transfer' }, onclick: () => close(true) }, t('transfer.offer_yes')),
    h('button', { class: 'option ghost', onclick: () => close(false) }, t('common.cancel'))]);
  if (yes) go(`#/transfer/${residentId}`);
}

function taskRow(task, go, fac) {
  const kind = task.data.kind;
  const status = taskDisplay(task);
  const open = isOpen(task, fac);
  const more = async () => {
    const c = await pickOutcome({ who: nameOf(task), title: taskTitle(task), kind, fac });
    if (!c) return;
    await complete(task, c);
    if (c.away && task.data.resident_id) await offerTransfer(task.data.resident_id, go);
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
  const whole = wholeFacility(user);
  const closed = codes(facility(user), 'closed_statuses');
  const rs = state.list('resident').filter((r) => (whole || areas.has(r.data.area_id)) && !closed.includes(r.data.status))
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

// The list opens on "now" (docs/architecture.md, "The phone app": a carer's day is 200+ rows): what is due this hour (or, when
// nothing is, the next slot), then what is late, with the rest of the day and what is done
// folded. Folds and filters survive redraws (a tick or a sync redraws the screen).
const opened = new Set();
const filters = { area: '', kind: '', resident: '' };
const HOUR = 3600e3;
let observer = null;

// Due this hour: inside its window, or starting within the hour. Done rows of this hour stay
// in place (the tick is seen where it was made); earlier done rows are folded.
const inHour = (tk, now) => (new Date(tk.data.window_start || tk.data.due_at) <= now && now <= new Date(tk.data.window_end || tk.data.due_at))
  || (new Date(tk.data.due_at) > now && new Date(tk.data.due_at) - now < HOUR);

export function groups(tasks, fac, now = new Date()) {
  const out = { now: [], late: [], later: [], done: [] };
  const upcoming = [];
  for (const tk of tasks) {
    const open = isOpen(tk, fac);
    if (open && taskDisplay(tk, now) === 'late') out.late.push(tk);
    else if (inHour(tk, now)) out.now.push(tk);
    else if (!open) out.done.push(tk);
    else upcoming.push(tk);
  }
  // Nothing open this hour: the next slot joins "now", so the next task is always on top.
  const next = out.now.some((tk) => isOpen(tk, fac)) ? null : upcoming.map((tk) => tk.data.slot).sort()[0];
  for (const tk of upcoming) (tk.data.slot === next ? out.now : out.later).push(tk);
  return { ...out, next };
}

function bySlot(tasks) {
  const m = new Map();
  for (const tk of tasks) {
    if (!m.has(tk.data.slot)) m.set(tk.data.slot, []);
    m.get(tk.data.slot).push(tk);
  }
  return [...m.keys()].sort().map((slot) => [slot, m.get(slot)]);
}

const sections = (tasks, day, go, fac) => bySlot(tasks).map(([slot, inSlot]) => slotSection(slot, inSlot, day, go, fac));

// A folded group: built when first opened (closed, it would only cost the cold start).
function fold(key, label, cls, tasks, build) {
  if (!tasks.length) return null;
  const box = h('details', { class: `fold ${cls}`, dataset: { group: key }, ontoggle: () => {
    if (box.open) opened.add(key); else opened.delete(key);
    if (box.open && box.children.length < 2) box.append(...build());
  } }, h('summary', {}, h('span', { class: `chip ${cls}` }, label)));
  if (opened.has(key)) { box.open = true; box.append(...build()); }
  return box;
}

function filterBar(tasks, all, rerender) {
  const pick = (key, label, options) => (options.length < 2 && !filters[key] ? null : h('select', { 'aria-label': label, dataset: { filter: key },
    onchange: (e) => { filters[key] = e.target.value; rerender(); } },
  h('option', { value: '' }, label), options.map(([v, text]) => h('option', { value: v, selected: filters[key] === v }, text))));
  const areas = [...new Set(all.map((tk) => tk.data.area_id))].map((id) => [id, state.get('area', id)?.data.name || '—']);
  const kinds = KIND_ORDER.filter((k) => all.some((tk) => tk.data.kind === k)).map((k) => [k, t(`kind.${k}`)]);
  const people = [...new Set(all.map((tk) => tk.data.resident_id).filter(Boolean))]
    .map((id) => state.get('resident', id)).filter(Boolean)
    .sort((a, b) => byRoom(a.data.room || '', b.data.room || ''))
    .map((r) => [r.id, `${r.data.room ? `${r.data.room} · ` : ''}${r.data.full_name}`]);
  const bar = [pick('area', t('home.all_areas'), areas), pick('kind', t('home.all_kinds'), kinds), pick('resident', t('home.all_residents'), people)].filter(Boolean);
  return bar.length ? h('div', { class: 'filters' }, bar) : null;
}

const matches = (tk) => (!filters.area || tk.data.area_id === filters.area) && (!filters.kind || tk.data.kind === filters.kind)
  && (!filters.resident || tk.data.resident_id === filters.resident);

// Nothing now. With no task at all, "they download when connected" only while that may be
// why: once this user's data came down today, an empty list is the truth, not a wait.
function nothingNow(all, user, day) {
  const key = all.length ? 'home.nothing_now'
    : user.cursor && status.lastSynced && localDate(new Date(status.lastSynced)) === day ? 'home.none_today' : 'home.empty';
  return h('p', { class: 'empty', dataset: { empty: key } }, t(key));
}

export function render(root, ctx) {
  const { user, go } = ctx;
  const day = localDate();
  const now = new Date();
  const fac = facility(user);
  const all = visibleTasks(user, day);
  const tasks = all.filter(matches);
  const g = groups(tasks, fac, now);
  const rerender = () => render(root, ctx);
  const jump = h('button', { class: 'big now-btn', dataset: { action: 'jump-now' }, onclick: () => {
    opened.clear();
    rerender();
    window.scrollTo(0, 0);
  } }, icon('now'), t('home.jump_now'));
  const nowHead = g.next ? t('home.next', { time: g.next }) : t('home.now', { time: time(now.toISOString()) });
  const body = [
    h('h1', {}, t('home.title', { date: date(day) })), jump,
    filterBar(tasks, all, rerender),
    summary(tasks),
    h('section', { id: 'now', class: 'now' }, h('h2', { class: 'group' }, nowHead),
      g.now.length ? sections(g.now, day, go, fac) : nothingNow(all, user, day)),
    fold('late', t('home.late_group', { n: g.late.length }), 'late', g.late, () => sections(g.late, day, go, fac)),
    fold('later', t('home.later_group', { n: g.later.length }), 'pending', g.later, () => sections(g.later, day, go, fac)),
    fold('done', t('home.done_group', { n: g.done.length }), 'done', g.done, () => sections(g.done, day, go, fac)),
    residentsList(user),
  ];
  root.replaceChildren(...body.filter(Boolean));
  // The jump shows only once "now" is scrolled away, so it never covers a row being tapped.
  if ('IntersectionObserver' in window) {
    observer?.disconnect();
    observer = new IntersectionObserver(([e]) => jump.classList.toggle('away', !e.isIntersecting));
    observer.observe(root.querySelector('#now'));
  }
  const late = tasks.filter((tk) => taskDisplay(tk, now) === 'late').length;
  document.title = late ? `(${late}) ${t('app.name')}` : t('app.name');
  return { firstDue: time(g.now[0]?.data.due_at) };
}
