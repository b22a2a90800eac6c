// Pure rules the phone checks itself (the server checks them again on sync).
// Defaults mirror DEFAULT_FACILITY_SETTINGS; the facility record's settings override them.
export const DEFAULTS = {
  chlorine_basis: 'product',
  chlorine_product_strength_pct: 25,
  food_sample_min_solid_g: 100,
  food_sample_min_liquid_ml: 150,
  food_sample_keep_hours: 24,
  vehicle_disinfection_within_minutes: 60,
};

export const setting = (facility, name) => facility?.data?.settings?.[name] ?? DEFAULTS[name];

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

// Food samples (docs/domain.md): refuse a sample below the minimum at entry.
export function sampleTooSmall({ quantity, unit }, facility) {
  const min = unit === 'ml' ? setting(facility, 'food_sample_min_liquid_ml') : setting(facility, 'food_sample_min_solid_g');
  return Number(quantity) < min ? min : 0;
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

const FINISHED = new Set(['done', 'partial', 'refused', 'skipped', 'not_applicable']);

// Display status of a task: status by word and colour (docs/architecture.md), late computed on the phone.
export function taskDisplay(task, now = new Date()) {
  const d = task.data;
  if (task.conflict) return 'conflict';
  if (d.status === 'away') return 'away';
  if (d.status === 'missed') return 'late';
  if (FINISHED.has(d.status)) return d.status;
  if (d.window_end && new Date(d.window_end) < now) return 'late';
  return 'pending';
}

export const isOpen = (task) => task.data.status === 'pending' || task.data.status === 'missed';
