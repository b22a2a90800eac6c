// Pure rules the phone checks itself (the server checks them again on sync).
// The server sends every setting and code inside the facility record (docs/protocol.md,
// "Facility settings and vocabulary"). These copies only serve a facility cached before.
export const DEFAULTS = {
  chlorine_basis: 'product',
  chlorine_product_strength_pct: 25,
  food_sample_min_solid_g: 100,
  food_sample_min_liquid_ml: 150,
  food_sample_keep_hours: 24,
  vehicle_disinfection_within_minutes: 60,
  meal_portions: [0, 25, 50, 75, 100],
  sun_exposure_choices: [10, 15, 20, 30],
  sun_exposure_min_minutes: 1,
  sun_exposure_max_minutes: 240,
  sample_fridge_min_c: 2,
  sample_fridge_max_c: 8,
};
export const FALLBACK = {
  open_statuses: ['missed', 'pending'],
  sun_skip_reasons: ['rain', 'unwell', 'in_hospital', 'other'],
  meal_refusal_reasons: ['not_hungry', 'unwell', 'asleep', 'other'],
  meal_away_reasons: ['in_hospital', 'on_leave'],
  task_refusal_reasons: ['unwell', 'other'],
  task_skip_reasons: ['in_hospital', 'other'],
  med_outcomes: ['given', 'partial', 'refused', 'withheld', 'unavailable', 'away', 'vomited', 'entered_in_error', 'missed'],
  med_task_status: { given: 'done', partial: 'partial', vomited: 'done', refused: 'refused', withheld: 'skipped', unavailable: 'skipped', away: 'away' },
  med_reason_required: ['withheld', 'refused', 'unavailable'],
  transfer_roles: ['admin', 'manager', 'nurse'],
  facility_wide_roles: ['admin', 'manager', 'nurse'],
  manager_roles: ['admin', 'manager'],
  closed_statuses: ['deceased', 'discharged'],
  food_roles: ['admin', 'kitchen', 'manager', 'nurse'],
  clinical_roles: ['admin', 'manager', 'nurse'],
  sample_release_roles: ['admin', 'manager', 'nurse'],
  note_kinds: ['handover', 'observation', 'incident'],
  meals: ['breakfast', 'lunch', 'dinner', 'snack'],
  stock_roles: ['admin', 'manager', 'nurse'],
  stock_sources: ['bhyt', 'budget', 'donated', 'family', 'other'],
  stock_adjust_reasons: ['expired', 'damaged', 'lost', 'returned', 'transfer_out', 'other'],
  stock_order_source: { bhyt: 'bhyt', budget: 'budget', donated: 'donated', family: 'family', other: 'other', centre: 'budget' },
  stock_limits: { max_quantity: 100000, near_expiry_days: 30, max_shelf_years: 10, whole_units: ['bút', 'chai', 'cái', 'gói', 'hộp', 'lọ', 'miếng', 'tuýp', 'túi', 'viên', 'vỉ', 'ống'] },
};

export const setting = (facility, name) => facility?.data?.settings?.[name] ?? DEFAULTS[name];
export const codes = (facility, name) => facility?.data?.vocabulary?.[name] ?? FALLBACK[name];

// Cloramin B (docs/domain.md): grams = target active-chlorine % × litres ÷ product active-chlorine % × 1000.
// basis "product": the % is of product, so the product strength drops out.
export function dilution({ litres, concentrationPct, productStrengthPct, basis }) {
  const l = Number(litres);
  const c = Number(concentrationPct);
  const p = Number(productStrengthPct);
  if (!(l > 0) || !(c > 0) || !(p > 0)) return null;
  const activePct = basis === 'product' ? (c * p) / 100 : c;
  const grams = (activePct * l / p) * 1000;
  return { grams: Math.round(grams * 10) / 10, activePct: Math.round(activePct * 10000) / 10000 };
}

// Food samples (docs/domain.md): refuse a sample below the minimum at entry. The dish decides liquid or solid
// (the menu says which); the unit typed decides only for a dish the menu does not name.
export function sampleTooSmall({ quantity, unit }, facility, liquid = unit === 'ml') {
  const min = liquid ? setting(facility, 'food_sample_min_liquid_ml') : setting(facility, 'food_sample_min_solid_g');
  return Number(quantity) < min ? { min, unit: liquid ? 'ml' : 'g' } : null;
}

// keep_until = the later of taken_at and cooking finished, plus the keep hours.
export function keepUntil(takenAt, cookingFinishedAt, facility) {
  const base = Math.max(new Date(takenAt).getTime(), cookingFinishedAt ? new Date(cookingFinishedAt).getTime() : 0);
  return new Date(base + setting(facility, 'food_sample_keep_hours') * 3600e3).toISOString();
}

// PRN: given doses of one order (ISO times), the order, and now -> what is wrong, if anything.
export function prnCheck(order, givenTimes, now = new Date()) {
  const times = givenTimes.map((x) => new Date(x)).filter((d) => d <= now).sort((a, b) => b - a);
  const out = { last: times[0] || null, count24h: times.filter((d) => now - d < 24 * 3600e3).length };
  const interval = order.min_interval_minutes;
  if (interval && out.last && (now - out.last) / 60000 < interval) {
    out.problem = 'interval';
    out.waitMinutes = Math.ceil(interval - (now - out.last) / 60000);
  } else if (order.max_per_24h && out.count24h >= order.max_per_24h) {
    out.problem = 'max';
  }
  return out;
}

// Display status of a task: status by word and colour (docs/architecture.md), late computed on the phone.
// A finished task shows its own outcome; an open one is pending, or late past its window.
export function taskDisplay(task, now = new Date()) {
  const d = task.data;
  if (task.conflict) return 'conflict';
  if (d.status === 'missed') return 'late';
  if (d.status !== 'pending') return d.status;
  if (d.window_end && new Date(d.window_end) < now) return 'late';
  return 'pending';
}

export const isOpen = (task, facility) => codes(facility, 'open_statuses').includes(task.data.status);
