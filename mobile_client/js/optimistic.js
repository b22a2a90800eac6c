// Apply this phone's own events to local state. The server does not echo a device's own
// changes, so what we apply here is what the phone keeps once the event is acknowledged.
import { t } from './i18n.js';
import * as state from './state.js';
import { codes, keepUntil, setting } from './rules.js';
import { localDate } from './util.js';

function taskUpdate(task, outcome, entry, extra = {}) {
  if (!task) return null;
  return { ...task, data: { ...task.data, status: outcome, done_by: entry.author, done_at: entry.at, ...extra } };
}

// A medicine's level for one funding source: the server's record, else the one this phone
// made for a source it had none of (the server's own id is unknown until it is pulled).
export function levelOf(medicineId, source) {
  const all = state.list('stock_level').filter((l) => l.data.medicine_id === medicineId && l.data.funding_source === source && !l.rejected);
  return all.find((l) => !l.id.startsWith('local-')) || all[0] || null;
}

// A medicine's level for one source once `next` has moved its quantity; the server's
// numbers replace it when the level is pulled or fetched again.
function levelAfter(medicineId, source, next, expiry = null) {
  const med = state.get('medicine', medicineId);
  const level = levelOf(medicineId, source) || { type: 'stock_level', id: `local-${medicineId}-${source}`, version: 0,
    data: { facility_id: med?.data.facility_id, medicine_id: medicineId, funding_source: source, quantity: 0, unit: med?.data.unit, low: true, earliest_expiry: null } };
  const q = Math.round(next(Number(level.data.quantity) || 0) * 1000) / 1000;
  const earliest = expiry && (!level.data.earliest_expiry || expiry < level.data.earliest_expiry) ? expiry : level.data.earliest_expiry;
  const { lots: _lots, ...data } = level.data; // the lots are the server's to tell
  return { ...level, data: { ...data, quantity: q, low: q <= 0 || q < Number(med?.data.min_stock || 0), earliest_expiry: q > 0 ? earliest : null } };
}

// Receive adds, a count sets, an adjustment adds its signed delta (server/stock/handlers.py).
function stockMove(kind, id, a, e, next) {
  return [
    { type: 'stock_entry', id, version: 0, data: { kind, medicine_id: a.medicine_id, funding_source: a.funding_source,
      quantity: Number(a.quantity ?? a.counted ?? a.delta), reason: a.reason || '', lot: a.lot || '', expiry: a.expiry || null, at: e.at, by: e.author } },
    levelAfter(a.medicine_id, a.funding_source, next, kind === 'receive' ? a.expiry : null),
  ];
}

// A dose given (or half given) takes the order's units from the order's funding source, as
// the server does (server/stock/doses.py): the server does not send this phone the level its
// own dose moved, so without this the nurse would see the old level until the next fetch.
function doseTaken(order, outcome, facility) {
  const d = order?.data;
  if (!d?.medicine_id || !['given', 'partial'].includes(outcome)) return null;
  return levelAfter(d.medicine_id, stockSourceOf(facility, d.funding_source), (q) => q - Number(d.dose_units || 0));
}

// An order is paid from the stock of its own source (one vocabulary). An order pulled before
// the server gave orders the stock's codes may still say `centre`, the budget's old code:
// `stock_order_source` maps it, and a code that is already a stock source is taken as is (a
// facility cached before the server sent the map).
export function stockSourceOf(facility, orderSource) {
  if (codes(facility, 'stock_sources').includes(orderSource)) return orderSource;
  return codes(facility, 'stock_order_source')[orderSource] || 'other';
}

const apply = {
  'stock.receive'(a, e) { return stockMove('receive', a.receipt_id, a, e, (q) => q + Number(a.quantity)); },
  'stock.count'(a, e) { return stockMove('count', a.count_id, a, e, () => Number(a.counted)); },
  'stock.adjust'(a, e) { return stockMove('adjust', a.adjustment_id, a, e, (q) => q + Number(a.delta)); },
  'task.complete'(a, e) {
    return [taskUpdate(state.get('task', a.task_id), a.outcome, e, { reason: a.reason || '', details: a.details || {} })];
  },
  'task.complete_bulk'(a, e) {
    const except = new Map((a.exceptions || []).map((x) => [x.task_id, x]));
    return state.list('task')
      .filter((t) => t.data.area_id === a.area_id && t.data.local_date === a.local_date && t.data.slot === a.slot
        && t.data.kind === a.kind && (t.data.status === 'pending' || except.has(t.id) || t.data.done_by === e.author))
      .map((t) => {
        const x = except.get(t.id);
        return x ? taskUpdate(t, x.outcome, e, { reason: x.reason || '', details: x.details || {} })
          : taskUpdate(t, a.outcome, e, { details: a.details || {} });
      });
  },
  'med.administer'(a, e) {
    const order = state.get('med_order', a.order_id);
    const out = [{
      type: 'med_administration', id: a.administration_id, version: 0,
      data: { order_id: a.order_id, task_id: a.task_id || null, resident_id: order?.data.resident_id,
        outcome: a.outcome, dose: a.dose || order?.data.dose || '', at: e.at, by: e.author, void: false, local: true },
    }];
    const facility = state.get('facility', order?.data.facility_id) || state.list('facility')[0];
    const status = codes(facility, 'med_task_status')[a.outcome];
    if (a.task_id && status) out.push(taskUpdate(state.get('task', a.task_id), status, e));
    out.push(doseTaken(order, a.outcome, facility));
    return out;
  },
  'food_sample.record'(a, e) {
    const facility = state.get('facility', a.facility_id) || state.list('facility')[0];
    return [{ type: 'food_sample', id: a.sample_id, version: 0, data: {
      ...a, facility_id: facility?.id, keep_until: keepUntil(a.taken_at, a.cooking_finished_at, facility),
      discarded_at: null, hold: false, flags: [], taken_by: e.author } }];
  },
  'food_sample.discard'(a, e) {
    const s = state.get('food_sample', a.sample_id);
    return s ? [{ ...s, data: { ...s.data, discarded_at: a.at || e.at, discarded_by: e.author } }] : [];
  },
  'food_sample.hold'(a) {
    const s = state.get('food_sample', a.sample_id);
    return s ? [{ ...s, data: { ...s.data, hold: true, hold_reason: a.reason } }] : [];
  },
  'food_sample.release'(a) {
    const s = state.get('food_sample', a.sample_id);
    return s ? [{ ...s, data: { ...s.data, hold: false, hold_reason: '' } }] : [];
  },
  'fridge.reading'(a, e) {
    return [{ type: 'fridge_reading', id: a.reading_id, version: 0, data: { facility_id: a.facility_id, temp_c: a.temp_c, at: e.at, by: e.author, flags: [] } }];
  },
  'food_check.record'(a, e) {
    return [{ type: 'food_check', id: a.check_id, version: 0, data: { ...a, by: e.author, at: e.at } }];
  },
  // The server makes the trip's disinfection task with a deterministic id
  // (server/hygiene/handlers.py trip_task_id) and does not echo it to this phone: the phone
  // makes the same task itself, from the id the screen computed (entry.local, never sent).
  'vehicle.trip'(a, e) {
    const area = state.get('area', a.area_id);
    const facility = state.get('facility', area?.data.facility_id) || state.list('facility')[0];
    const taskId = e.local?.task_id;
    const out = [{ type: 'vehicle_trip', id: a.trip_id, version: 0, data: {
      area_id: a.area_id, returned_at: a.returned_at, task_id: taskId || null, note: a.note || '', by: e.author, at: e.at } }];
    if (taskId && !state.get('task', taskId)) {
      const end = new Date(new Date(a.returned_at).getTime() + setting(facility, 'vehicle_disinfection_within_minutes') * 60000);
      const d = new Date(a.returned_at);
      out.push({ type: 'task', id: taskId, version: 0, data: {
        facility_id: area?.data.facility_id, area_id: a.area_id, resident_id: null, kind: 'disinfection',
        title: t('vehicle.task_title', { name: area?.data.name || '' }), local_date: localDate(d),
        slot: `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`,
        due_at: a.returned_at, window_start: a.returned_at, window_end: end.toISOString(),
        status: 'pending', details: { trip_id: a.trip_id } } });
    }
    return out;
  },
  'note.add'(a, e) {
    const r = a.resident_id ? state.get('resident', a.resident_id) : null;
    return [{ type: 'note', id: a.note_id, version: 0, data: {
      facility_id: r?.data.facility_id || a.facility_id, area_id: r?.data.area_id || a.area_id || null,
      resident_id: a.resident_id || null, kind: a.kind, text: a.text, by: e.author, at: e.at, void: false } }];
  },
  // The resident's status now; the server also turns their open tasks "away" (it sends them).
  'resident.transfer'(a) {
    const r = state.get('resident', a.resident_id);
    return r ? [{ ...r, data: { ...r.data, status: a.status } }] : [];
  },
  'conflict.resolve'(a, e) {
    const c = state.get('conflict', a.conflict_id);
    return c ? [{ ...c, data: { ...c.data, status: 'resolved', resolution: a.resolution, resolution_note: a.note || '', resolved_by: e.author } }] : [];
  },
  'disinfection.record'(a, e) {
    const out = [{ type: 'disinfection', id: a.record_id, version: 0, data: { ...a, by: e.author, at: e.at } }];
    if (a.task_id) out.push(taskUpdate(state.get('task', a.task_id), 'done', e));
    return out;
  },
};

// The records an event would change, with their new local values (nothing is saved here).
export function effects(entry) {
  const fn = apply[entry.name];
  return fn ? fn(entry.args, entry).filter(Boolean).map((r) => ({ ...r, pending: entry.id })) : [];
}

// Which record an event is "about", for the problems list and for marking conflicts.
export function subjectOf(entry) {
  const a = entry.args;
  if (a.task_id) return { type: 'task', id: a.task_id };
  if (a.sample_id) return { type: 'food_sample', id: a.sample_id };
  if (a.administration_id) return { type: 'med_administration', id: a.administration_id };
  const stock = a.receipt_id || a.count_id || a.adjustment_id;
  if (stock) return { type: 'stock_entry', id: stock };
  return null;
}
