// Kitchen: today's menu and its expected samples, sample entry (refused below the minimum),
// the countdown to keep_until then discard, and the three-step check forms (docs/domain.md).
import { facility, record, roleIn } from '../actions.js';
import { date, duration, t, time } from '../i18n.js';
import { meta } from '../db.js';
import { codes, sampleTooSmall, setting } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { isoLocal, localDate, uuid } from '../util.js';
import { afterTap, h, icon, sheet, toast } from './dom.js';

const mealSelect = (fac, name = 'meal') => h('select', { name }, codes(fac, 'meals').map((m) => h('option', { value: m }, t(`meal.${m}`))));
const field = (label, input) => h('label', { class: 'field' }, label, input);

// "HH:MM" today -> ISO with offset (the server wants aware datetimes).
function todayAt(hhmm) {
  if (!hhmm) return null;
  const [hh, mm] = hhmm.split(':').map(Number);
  const d = new Date();
  d.setHours(hh, mm, 0, 0);
  return isoLocal(d);
}

const MEAL_ORDER = { breakfast: 0, lunch: 1, dinner: 2, snack: 3 };
// As server/kitchen/rules.py dish_key: typed by hand, compared case- and space-insensitively.
const dishKey = (name) => (name || '').normalize('NFC').toLowerCase().split(/\s+/).filter(Boolean).join(' ');

// Today's locked menu from the synced `menu_dish` records (works offline, follows every
// sync); the missing samples are worked out here as the server does (samples_missing).
export function menuFromRecords(day = localDate()) {
  const dishes = state.list('menu_dish').filter((d) => d.data.date === day && d.data.locked)
    .map((d) => ({ meal: d.data.meal, dish: d.data.dish, liquid: d.data.liquid }))
    .sort((a, b) => (MEAL_ORDER[a.meal] ?? 9) - (MEAL_ORDER[b.meal] ?? 9) || a.dish.localeCompare(b.dish, 'vi'));
  if (!dishes.length) return null;
  const have = new Set(state.list('food_sample').filter((s) => s.data.meal_date === day && !s.data.void)
    .map((s) => `${s.data.meal}|${dishKey(s.data.dish)}`));
  return { date: day, menu_locked: true, source: 'sync', expected: dishes,
    missing: dishes.filter((d) => !have.has(`${d.meal}|${dishKey(d.dish)}`)) };
}

async function expected(user) {
  const synced = menuFromRecords();
  if (synced) return synced;
  // Servers or scopes without menu_dish changes: the read API, kept for offline use.
  const day = localDate();
  const key = `expected:${day}`;
  try {
    const r = await fetch(`/api/kitchen/expected?date=${day}`, { headers: { Authorization: `Bearer ${user.token}` } });
    if (r.ok) { const body = await r.json(); await meta.set(key, body); return body; }
  } catch { /* offline */ }
  return (await meta.get(key)) || null;
}

function menuSection(menu) {
  if (!menu?.expected?.length) return h('p', { class: 'empty' }, t('kitchen.menu_unknown'));
  const missing = new Set((menu.missing || []).map((d) => `${d.meal}|${d.dish}`));
  const taken = (d) => state.list('food_sample').some((s) => s.data.dish === d.dish && s.data.meal === d.meal && (s.data.taken_at || '').startsWith(localDate()));
  return h('ul', { class: 'tasks', dataset: { menu: menu.source || 'api' } }, (menu.expected || []).map((d) => {
    const ok = taken(d) || !missing.has(`${d.meal}|${d.dish}`);
    return h('li', { class: `task ${ok ? 'done' : 'pending'}`, dataset: { dish: d.dish, sampled: ok ? '1' : '0' } }, h('div', { class: 'who' },
      h('b', {}, d.dish), h('small', {}, `${t(`meal.${d.meal}`)}${d.liquid ? ` · ${t('kitchen.liquid')}` : ''}`),
      h('span', { class: `chip ${ok ? 'done' : 'pending'}` }, ok ? t('kitchen.sampled') : t('kitchen.not_sampled'))));
  }));
}

function sampleForm(fac, menu, redraw) {
  const dishes = h('datalist', { id: 'dishes' }, (menu?.expected || []).map((d) => h('option', { value: d.dish })));
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const args = { sample_id: uuid(), meal: f.get('meal'), dish: f.get('dish').trim(), quantity: Number(f.get('quantity')),
      unit: f.get('unit'), taken_at: isoLocal(), meal_date: localDate() };
    if (!args.dish) return toast(t('kitchen.dish_required'), 'bad');
    // The menu's dish decides liquid or solid: a soup weighed in grams still needs the liquid minimum.
    const onMenu = (menu?.expected || []).find((d) => d.meal === args.meal && dishKey(d.dish) === dishKey(args.dish))
      || (menu?.expected || []).find((d) => dishKey(d.dish) === dishKey(args.dish));
    const small = sampleTooSmall(args, fac, onMenu ? Boolean(onMenu.liquid) : undefined);
    if (small) return toast(t(onMenu ? 'kitchen.too_small_dish' : 'kitchen.too_small', { ...small, dish: args.dish }), 'bad');
    if (f.get('temp')) args.stored_temp_c = Number(f.get('temp'));
    const cooked = todayAt(f.get('cooked'));
    if (cooked) args.cooking_finished_at = cooked;
    await record('food_sample.record', args);
    toast(t('kitchen.sample_saved'), 'good');
    redraw();
  } });
  const unit = h('select', { name: 'unit' }, h('option', { value: 'g' }, 'g'), h('option', { value: 'ml' }, 'ml'));
  const dish = h('input', { name: 'dish', list: 'dishes', autocomplete: 'off', onchange: () => {
    const d = (menu?.expected || []).find((x) => x.dish === dish.value);
    if (d) unit.value = d.liquid ? 'ml' : 'g';
  } });
  form.append(h('h2', {}, t('kitchen.new_sample')), dishes, field(t('kitchen.meal'), mealSelect(fac)), field(t('kitchen.dish'), dish),
    h('div', { class: 'row' }, field(t('kitchen.quantity'), h('input', { name: 'quantity', type: 'number', inputmode: 'decimal', min: '0', step: '1', required: true })), field(t('kitchen.unit'), unit)),
    h('p', { class: 'hint' }, t('kitchen.min_hint', { g: setting(fac, 'food_sample_min_solid_g'), ml: setting(fac, 'food_sample_min_liquid_ml') })),
    h('div', { class: 'row' }, field(t('kitchen.temp'), h('input', { name: 'temp', type: 'number', inputmode: 'decimal', step: '0.1' })),
      field(t('kitchen.cooked_at'), h('input', { name: 'cooked', type: 'time' }))),
    h('button', { class: 'big primary wide', dataset: { action: 'save-sample' } }, t('kitchen.save_sample')));
  return form;
}

// A hold (food poisoning suspected, an authority asks) needs a reason; so does its release.
async function askReason(title) {
  const input = h('input', { name: 'hold_reason', autocomplete: 'off', 'aria-label': t('kitchen.hold_reason') });
  const ok = await sheet(title, (close) => [h('label', { class: 'field' }, t('kitchen.hold_reason'), input),
    h('button', { class: 'option', dataset: { action: 'confirm-reason' }, onclick: () => (input.value.trim() ? close(true) : toast(t('med.reason_required'), 'bad')) }, t('kitchen.confirm')),
    h('button', { class: 'option ghost', onclick: () => close(false) }, t('common.cancel'))]);
  return ok ? input.value.trim() : null;
}

async function holdAll(samples, title, hold, redraw) {
  const reason = await askReason(title);
  if (!reason) return;
  for (const s of samples) await record(hold ? 'food_sample.hold' : 'food_sample.release', { sample_id: s.id, reason });
  toast(t(hold ? 'kitchen.held' : 'kitchen.released', { n: samples.length }), 'good');
  redraw();
}

function samplesList(redraw, fac) {
  const now = Date.now();
  const mayRelease = roleIn(session.active(), 'sample_release_roles');
  const rows = state.list('food_sample').filter((s) => !s.data.discarded_at && !s.data.void)
    .sort((a, b) => (a.data.keep_until || '').localeCompare(b.data.keep_until || ''));
  if (!rows.length) return h('p', { class: 'empty' }, t('kitchen.no_samples'));
  const meals = new Map(); // "date|meal" -> samples not yet held: "hold every sample of a meal"
  for (const s of rows) if (!s.data.hold) meals.set(`${s.data.meal_date}|${s.data.meal}`, [...(meals.get(`${s.data.meal_date}|${s.data.meal}`) || []), s]);
  const mealLabel = (s) => `${t(`meal.${s.data.meal}`)} ${date(s.data.meal_date || s.data.taken_at)}`;
  const list = h('ul', { class: 'tasks' }, rows.map((s) => {
    const left = (new Date(s.data.keep_until) - now) / 60000;
    const acts = [];
    // A held sample is never "due for discard", whatever its keep time says.
    if (s.data.hold) {
      acts.push(h('span', { class: 'chip warn' }, t('kitchen.on_hold')));
      if (mayRelease) acts.push(h('button', { class: 'big', dataset: { action: 'release' }, onclick: () => holdAll([s], `${s.data.dish} · ${t('kitchen.release')}`, false, redraw) }, t('kitchen.release')));
    } else {
      if (left > 0) acts.push(h('span', { class: 'chip pending' }, t('kitchen.keep_left', { d: duration(left) })));
      else acts.push(h('button', { class: 'big primary', dataset: { action: 'discard' }, onclick: () => record('food_sample.discard', { sample_id: s.id, at: isoLocal() }).then(redraw) }, t('kitchen.discard')));
      acts.push(h('button', { class: 'big', dataset: { action: 'hold' }, onclick: () => holdAll([s], `${s.data.dish} · ${t('kitchen.hold')}`, true, redraw) }, t('kitchen.hold')));
    }
    return h('li', { class: 'task', dataset: { sample: s.id, hold: s.data.hold ? '1' : '0' } }, h('div', { class: 'who' }, h('b', {}, s.data.dish),
      h('small', {}, `${t(`meal.${s.data.meal}`)} · ${s.data.quantity} ${s.data.unit} · ${t('kitchen.taken', { time: time(s.data.taken_at), date: date(s.data.taken_at) })}`),
      (s.data.flags || []).length ? h('span', { class: 'chip warn' }, t('kitchen.flagged')) : null, h('div', { class: 'acts wrap' }, acts)));
  }));
  const bulk = [...meals.values()].filter((list) => list.length > 1).map((list) => h('button', { class: 'big wide', dataset: { action: 'hold-meal' },
    onclick: () => holdAll(list, `${mealLabel(list[0])} · ${t('kitchen.hold_meal', { n: list.length })}`, true, redraw) }, t('kitchen.hold_meal_for', { meal: mealLabel(list[0]), n: list.length })));
  return h('div', {}, list, bulk);
}

// The sample fridge's temperature, logged daily (2–8 °C): today's readings, a warning for
// each of the last days with none, and the entry.
const FRIDGE_DAYS = 7;
function fridgeCard(fac, redraw) {
  const low = setting(fac, 'sample_fridge_min_c');
  const high = setting(fac, 'sample_fridge_max_c');
  const readings = state.list('fridge_reading').sort((a, b) => b.data.at.localeCompare(a.data.at));
  const days = new Set(readings.map((r) => localDate(new Date(r.data.at))));
  const missing = [];
  for (let i = 0; i < FRIDGE_DAYS; i += 1) {
    const d = new Date();
    d.setDate(d.getDate() - i);
    if (!days.has(localDate(d))) missing.push(localDate(d));
  }
  const today = readings.filter((r) => localDate(new Date(r.data.at)) === localDate());
  const form = h('form', { class: 'row', onsubmit: async (e) => {
    e.preventDefault();
    const temp = Number(form.temp_c.value);
    if (form.temp_c.value === '' || Number.isNaN(temp)) return toast(t('fridge.enter'), 'bad');
    await record('fridge.reading', { reading_id: uuid(), temp_c: temp, facility_id: fac.id });
    toast(t(temp < low || temp > high ? 'fridge.out_of_range' : 'fridge.saved', { low, high }), temp < low || temp > high ? 'bad' : 'good');
    redraw();
  } }, h('input', { name: 'temp_c', type: 'number', step: '0.1', inputmode: 'decimal', 'aria-label': t('fridge.temp') }),
  h('button', { class: 'big primary', dataset: { action: 'save-fridge' } }, t('fridge.save')));
  return h('section', { class: 'card', dataset: { fridge: '1' } }, h('h2', {}, t('fridge.title', { low, high })),
    missing.length ? h('p', { class: 'warnbox', dataset: { fridgeMissing: missing.length } }, t('fridge.missing', { days: missing.map((d) => date(d)).join(', ') })) : null,
    today.length ? h('ul', { class: 'tasks' }, today.map((r) => {
      const bad = r.data.temp_c < low || r.data.temp_c > high;
      return h('li', { class: `task ${bad ? 'late' : 'done'}` }, h('div', { class: 'who' }, h('b', {}, `${r.data.temp_c} °C`),
        h('span', { class: `chip ${bad ? 'late' : 'done'}` }, t(bad ? 'fridge.bad' : 'fridge.ok')), h('small', {}, time(r.data.at))));
    })) : null,
    h('label', { class: 'field' }, t('fridge.temp')), form);
}

// Every column of Mẫu 1–3 (QĐ 1246). A pass/fail column starts unanswered, never "pass":
// the cook says what was checked (an unanswered column is sent as null, "not checked").
const STEP_FIELDS = {
  1: [['name', 'text'], ['part', 'part'], ['received_at', 'time'], ['quantity', 'text'], ['supplier', 'text'], ['supplier_address', 'text'],
    ['supplier_phone', 'tel'], ['deliverer', 'text'], ['papers', 'text'], ['sensory_ok', 'check'], ['quick_test', 'text'],
    ['expiry_date', 'date'], ['storage', 'text'], ['action', 'text']],
  2: [['dish', 'text'], ['main_ingredients', 'text'], ['portions', 'number'], ['prep_finished_at', 'time'], ['cooking_finished_at', 'time'],
    ['hygiene_people_ok', 'check'], ['hygiene_equipment_ok', 'check'], ['hygiene_area_ok', 'check'], ['sensory_ok', 'check'], ['action', 'text']],
  3: [['dish', 'text'], ['portions', 'number'], ['serving_finished_at', 'time'], ['eating_starts_at', 'time'], ['utensils_ok', 'check'],
    ['covers_ok', 'check'], ['sensory_ok', 'check'], ['action', 'text']],
};
const choice = (name, options) => h('select', { name }, options.map(([v, key]) => h('option', { value: v }, t(key))));

function itemRow(step) {
  return h('fieldset', { class: 'item' }, STEP_FIELDS[step].map(([name, kind]) => field(t(`check.${name}`),
    kind === 'check' ? choice(name, [['', 'check.unanswered'], ['true', 'check.pass'], ['false', 'check.fail']])
      : kind === 'part' ? choice(name, [['fresh', 'check.part_fresh'], ['dry', 'check.part_dry']])
        : h('input', { name, type: kind, ...(kind === 'number' ? { inputmode: 'numeric', min: '0' } : {}) }))));
}

function readItem(fs, step) {
  const item = {};
  for (const [name, kind] of STEP_FIELDS[step]) {
    const v = fs.querySelector(`[name=${name}]`).value.trim();
    if (kind === 'check') item[name] = v ? v === 'true' : null;
    else if (kind === 'time') { if (v) item[name] = todayAt(v); }
    else if (kind === 'number') { if (v) item[name] = Number(v); }
    else if (kind === 'date') { if (v) item[name] = v; }
    else item[name] = v;
  }
  return item;
}

function checkForm(step, fac) {
  const items = h('div', {}, itemRow(step));
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const rows = [...items.children].map((fs) => readItem(fs, step)).filter((i) => i.name || i.dish);
    if (!rows.length) return toast(t('check.need_item'), 'bad');
    const issue = rows.some((i) => Object.entries(i).some(([k, v]) => k.endsWith('_ok') && v === false));
    await record('food_check.record', { check_id: uuid(), meal: form.meal.value, meal_date: localDate(), step, result: issue ? 'issue' : 'ok', items: rows, note: form.note.value.trim() });
    toast(t(issue ? 'check.saved_issue' : 'check.saved'), issue ? 'bad' : 'good');
    location.hash = '#/kitchen';
  } });
  form.append(h('h2', {}, t(`check.step${step}`)), field(t('kitchen.meal'), mealSelect(fac)), items,
    h('button', { type: 'button', class: 'big wide', onclick: () => items.append(itemRow(step)) }, `+ ${t('check.add_item')}`),
    field(t('check.note'), h('input', { name: 'note' })),
    h('button', { class: 'big primary wide', dataset: { action: 'save-check' } }, t('check.save')));
  return form;
}

// The menu and the sample list hold no inputs: they follow every sync and every record
// in place, while the forms below keep whatever is half typed; after the tap under way, or
// its hold / release button would be replaced under the finger and the tap lost.
let live = null;
function follow() {
  if (!live || !live.menu.isConnected) return;
  const menu = menuFromRecords() || live.menuData;
  live.menu = replace(live.menu, menuSection(menu));
  live.samples = replace(live.samples, samplesList(live.redraw, live.fac));
}
state.onChange((what) => { if (live && what !== 'status') afterTap(follow); });
function replace(old, el) { old.replaceWith(el); return el; }

export async function render(root, ctx) {
  const { user, id } = ctx;
  const redraw = () => render(root, ctx);
  const fac = facility(user);
  if (id) return root.replaceChildren(checkForm(Number(id), fac));
  root.replaceChildren(h('h1', {}, icon('kitchen'), t('kitchen.title')), h('p', { class: 'hint' }, t('common.loading')));
  const fetched = await expected(user);
  const menu = menuFromRecords() || fetched; // a sync may have brought the menu meanwhile
  const today = state.list('food_check').filter((c) => (c.data.at || '').startsWith(localDate()));
  live = { menu: menuSection(menu), samples: samplesList(redraw, fac), menuData: menu, redraw, fac };
  root.replaceChildren(
    h('h1', {}, icon('kitchen'), t('kitchen.title')),
    h('h2', {}, t('kitchen.menu', { date: date(localDate()) })), live.menu,
    sampleForm(fac, menu, redraw),
    h('h2', {}, t('kitchen.samples')), live.samples,
    fridgeCard(fac, redraw),
    h('h2', {}, t('check.title')),
    h('div', { class: 'steps' }, [1, 2, 3].map((s) => h('a', { class: 'big step', href: `#/kitchen/${s}` },
      t(`check.step${s}`), today.some((c) => c.data.step === s) ? h('span', { class: 'chip done' }, t('check.done_today')) : null))));
}
