// Medicine stock, for the roles the server names (`stock_roles`): levels per funding source
// from the pulled `stock_level` records, and receive / count / adjust queued in the outbox like
// every event, so they work offline (docs/care-events.md, "Medicine stock"). The checks here
// only say what is wrong before sending, in words; the server checks everything again.
import { facility, record, roleIn, staff } from '../actions.js';
import { lang, serverText, t } from '../i18n.js';
import { levelOf, stockSourceOf } from '../optimistic.js';
import * as outbox from '../outbox.js';
import { codes } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { localDate, uuid } from '../util.js';
import { h, icon, mount, toast } from './dom.js';

const limits = (fac) => codes(fac, 'stock_limits');
const sources = (fac) => codes(fac, 'stock_sources');
const field = (label, input) => h('label', { class: 'field' }, label, input);

export const mayKeepStock = (user) => roleIn(user, 'stock_roles');

export const amount = (q) => new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 3 }).format(Number(q) || 0);
const dmy = (iso) => (iso ? iso.slice(0, 10).split('-').reverse().join('/') : '');
const addDays = (iso, n) => { const d = new Date(`${iso}T00:00`); d.setDate(d.getDate() + n); return localDate(d); };

// A typed quantity -> {value} or {error: the words to show}. sign: positive, nonnegative.
export function quantityCheck(raw, unit, sign, fac) {
  const typed = String(raw ?? '').trim();
  if (!typed) return { error: t('stock.err.empty') };
  // "1.000" is a thousand in Vietnamese and one in JavaScript: ask rather than guess.
  if (/^\d{1,3}(\.\d{3})+$/.test(typed) || /[.,].*[.,]/.test(typed)) return { error: t('stock.err.ambiguous') };
  const text = typed.replace(',', '.');
  const q = Number(text);
  if (!Number.isFinite(q)) return { error: t('stock.err.not_number') };
  const { max_quantity: max, whole_units: whole } = limits(fac);
  if (Math.abs(q) > max) return { error: t('stock.err.too_big', { max: amount(max) }) };
  if (Math.round(q * 1000) !== q * 1000) return { error: t('stock.err.decimals') };
  if (whole.includes(unit) && !Number.isInteger(q * 2)) return { error: t('stock.err.whole', { unit }) };
  if (sign === 'positive' && q <= 0) return { error: t('stock.err.positive') };
  if (q < 0) return { error: t('stock.err.negative') };
  return { value: q };
}

// An expiry date (YYYY-MM-DD, optional) -> an error's words or null.
export function expiryCheck(iso, fac, today = localDate()) {
  if (!iso) return null;
  const d = new Date(`${iso}T00:00`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(d.getTime()) || localDate(d) !== iso) return t('stock.err.date');
  if (iso < today) return t('stock.err.expired');
  if (iso > addDays(today, 366 * limits(fac).max_shelf_years)) return t('stock.err.far', { years: limits(fac).max_shelf_years });
  return null;
}

// What a level's marks say: low stock, near expiry, expired (by the server's day counts).
function marks(level, fac) {
  const out = [];
  if (level.data.low) out.push(h('span', { class: 'chip late', dataset: { mark: 'low' } }, t('stock.low')));
  const exp = level.data.earliest_expiry;
  if (exp && exp < localDate()) out.push(h('span', { class: 'chip late', dataset: { mark: 'expired' } }, t('stock.expired', { date: dmy(exp) })));
  else if (exp && exp <= addDays(localDate(), limits(fac).near_expiry_days)) out.push(h('span', { class: 'chip warn', dataset: { mark: 'near_expiry' } }, t('stock.near_expiry', { date: dmy(exp) })));
  if (level.pending) out.push(h('span', { class: 'chip pending' }, t('status.waiting')));
  return out;
}

const levelsOf = (medicineId, fac) => sources(fac).map((s) => levelOf(medicineId, s)).filter(Boolean);
const medicines = (user) => state.list('medicine').filter((m) => m.data.facility_id === session.facilityId(user))
  .sort((a, b) => a.data.name.localeCompare(b.data.name, 'vi') || (a.data.strength || '').localeCompare(b.data.strength || ''));
const medName = (m) => (m ? `${m.data.name}${m.data.strength ? ` ${m.data.strength}` : ''}` : '—');

function levelRow(level, fac, extra) {
  return h('li', { class: `task ${level.data.low ? 'late' : 'done'}`, dataset: { level: level.data.funding_source, id: level.id } },
    h('div', { class: 'who' }, h('b', {}, t(`stock.source.${level.data.funding_source}`)),
      h('span', { class: 'qty', dataset: { qty: level.data.quantity } }, `${amount(level.data.quantity)} ${level.data.unit || ''}`),
      extra, ...marks(level, fac)));
}

// The levels of one medicine per funding source: the order screen shows these too.
export function levelsBlock(medicineId, user, orderSource) {
  const fac = facility(user);
  const levels = levelsOf(medicineId, fac);
  const own = orderSource && stockSourceOf(fac, orderSource);
  return h('section', { class: 'stock-levels', dataset: { stock: medicineId } }, h('h2', {}, t('stock.levels')),
    levels.length ? h('ul', { class: 'tasks' }, levels.map((l) => levelRow(l, fac,
      l.data.funding_source === own ? h('small', { class: 'line' }, t('stock.order_source')) : null)))
      : h('p', { class: 'empty' }, t('stock.no_levels')));
}

// Online, the server's levels (and lots) replace this phone's guesses; queued events go back on top.
let fetched = 0;
export async function refresh(user) {
  // Redrawn on every sync step: one fetch per few seconds is enough.
  if (!navigator.onLine || !user?.token || Date.now() - fetched < 3000) return false;
  fetched = Date.now();
  try {
    const r = await fetch(`/api/meds/stock?facility=${session.facilityId(user)}`, { headers: { Authorization: `Bearer ${user.token}` } });
    if (!r.ok) return false;
    const recs = [];
    for (const { levels, id, ...data } of (await r.json()).items) {
      recs.push({ ...(state.get('medicine', id) || { version: 0 }), type: 'medicine', id, data });
      for (const { id: lid, ...level } of levels) recs.push({ ...(state.get('stock_level', lid) || { version: 0 }), type: 'stock_level', id: lid, data: level, pending: undefined });
    }
    const have = new Set(recs.filter((x) => x.type === 'stock_level').map((x) => `${x.data.medicine_id}|${x.data.funding_source}`));
    await state.remove('stock_level', state.list('stock_level').filter((l) => l.id.startsWith('local-') && have.has(`${l.data.medicine_id}|${l.data.funding_source}`)).map((l) => l.id));
    await state.save(recs);
    await outbox.reapply();
    return true;
  } catch { return false; }
}

function entryRow(e) {
  const d = e.data;
  const what = { adjust: `${d.quantity > 0 ? '+' : ''}${amount(d.quantity)} · ${t(`stock.reason.${d.reason}`)}`, receive: `+${amount(d.quantity)}` }[d.kind]
    || `${t('stock.counted')} ${amount(d.quantity)}`;
  const [cls, word] = e.rejected ? ['late', t('stock.refused')] : e.conflict ? ['conflict', t('stock.flagged')] : e.pending ? ['pending', t('status.waiting')] : ['done', t('stock.sent')];
  const why = e.rejected || e.conflict;
  return h('li', { class: `task ${cls === 'late' ? 'rejected' : cls}`, dataset: { entry: e.id, state: cls } },
    h('div', { class: 'who' }, h('b', {}, `${t(`stock.kind.${d.kind}`)} · ${t(`stock.source.${d.funding_source}`)}`),
      h('small', {}, `${what}${d.lot ? ` · ${t('stock.lot')} ${d.lot}` : ''}${d.expiry ? ` · ${dmy(d.expiry)}` : ''} · ${dmy(d.at)} ${d.at.slice(11, 16)}`),
      h('span', { class: `chip ${cls}` }, word),
      why ? h('p', { class: 'message' }, serverText(why.message, `conflict.${why.code}`)) : null));
}

export function renderList(root, { user, go }) {
  const fac = facility(user);
  const month = localDate().slice(0, 7);
  const draw = () => {
    const meds = medicines(user).filter((m) => m.data.active !== false || levelsOf(m.id, fac).length);
    mount(root, h('h1', {}, icon('medication'), t('stock.title')),
      h('a', { class: 'big primary wide', href: '#/stockin', dataset: { action: 'stock-receive' } }, `+ ${t('stock.receive')}`),
      // The month's nhập – xuất – tồn and the controlled-drug register, printable (web login).
      fac?.data.code ? h('a', { class: 'big link', href: `/reports/stock/${fac.data.code}/${month}/`, target: '_blank', rel: 'noopener', dataset: { link: 'stock-report' } }, t('stock.print', { month: `${month.slice(5)}/${month.slice(0, 4)}` })) : null,
      meds.length ? h('ul', { class: 'tasks' }, meds.map((m) => {
        const levels = levelsOf(m.id, fac);
        const total = levels.reduce((n, l) => n + Number(l.data.quantity), 0);
        const warn = !levels.length ? 'pending' : levels.some((l) => l.data.low) ? 'late' : 'done';
        return h('li', { class: `task ${warn}`, dataset: { medicine: m.id } },
          h('div', { class: 'who' }, h('b', {}, medName(m)), h('small', {}, `${amount(total)} ${m.data.unit} · ${levels.map((l) => `${t(`stock.source.${l.data.funding_source}`)} ${amount(l.data.quantity)}`).join(' · ') || t('stock.no_levels')}`),
            m.data.controlled ? h('span', { class: 'chip warn' }, t('stock.controlled')) : null, levels.flatMap((l) => marks(l, fac)).filter((c) => c.dataset.mark)),
          h('div', { class: 'acts' }, h('button', { class: 'big', onclick: () => go(`#/stock/${m.id}`) }, t('stock.open'))));
      })) : h('p', { class: 'empty' }, t('stock.no_medicines')));
  };
  draw();
  refresh(user).then((ok) => { if (ok && location.hash === '#/stock') draw(); });
}

export function renderMedicine(root, { user, id, go }) {
  const fac = facility(user);
  const draw = () => {
    const m = state.get('medicine', id);
    if (!m) return root.replaceChildren(h('p', { class: 'empty' }, t('common.not_found')));
    const entries = state.list('stock_entry').filter((e) => e.data.medicine_id === id).sort((a, b) => b.data.at.localeCompare(a.data.at)).slice(0, 10);
    const lots = levelsOf(id, fac).flatMap((l) => (l.data.lots || []).map((lot) => ({ ...lot, source: l.data.funding_source })));
    mount(root, h('h1', {}, icon('medication'), medName(m)),
      h('dl', { class: 'facts' }, h('dt', {}, t('stock.unit')), h('dd', {}, m.data.unit), h('dt', {}, t('stock.min')), h('dd', {}, amount(m.data.min_stock))),
      m.data.controlled ? h('p', { class: 'chip warn' }, t('stock.controlled')) : null,
      levelsBlock(id, user),
      lots.length ? h('details', { class: 'fold' }, h('summary', {}, t('stock.lots', { n: lots.length })), h('ul', { class: 'tasks' }, lots.map((l) => h('li', { class: `task ${l.near_expiry ? 'refused' : 'done'}` },
        h('div', { class: 'who' }, h('b', {}, `${l.lot || t('stock.no_lot')} · ${amount(l.quantity)}`), h('small', {}, `${t(`stock.source.${l.source}`)} · ${l.expiry ? dmy(l.expiry) : t('stock.no_expiry')}`)))))) : null,
      h('div', { class: 'steps' },
        h('a', { class: 'big primary', href: `#/stockin/${id}`, dataset: { action: 'stock-receive' } }, `+ ${t('stock.receive')}`),
        h('a', { class: 'big', href: `#/stockcount/${id}`, dataset: { action: 'stock-count' } }, t('stock.count')),
        h('a', { class: 'big', href: `#/stockadjust/${id}`, dataset: { action: 'stock-adjust' } }, t('stock.adjust'))),
      h('h2', {}, t('stock.recent')),
      entries.length ? h('ul', { class: 'tasks' }, entries.map(entryRow)) : h('p', { class: 'empty' }, t('stock.no_entries')),
      h('button', { class: 'big wide link', onclick: () => go('#/stock') }, t('common.back')));
  };
  draw();
  refresh(user).then((ok) => { if (ok && location.hash === `#/stock/${id}`) draw(); });
  return draw;
}

const sourceSelect = (fac, chosen) => h('select', { name: 'source' }, sources(fac).map((s) => h('option', { value: s, selected: s === chosen }, t(`stock.source.${s}`))));

async function witnessField(user, med) {
  if (!med?.data.controlled) return null;
  const people = (await staff(session.facilityId(user), user.token)).filter((p) => p.id !== user.id);
  return field(t('stock.witness'), h('select', { name: 'witness' }, h('option', { value: '' }, t('stock.witness_none')),
    people.map((p) => h('option', { value: p.id }, `${p.full_name} (${t(`role.${p.role}`)})`))));
}

// The form of one move: fields, then a check that returns the event's args or shows what is wrong.
async function moveForm(root, { user, id, go }, kind) {
  const fac = facility(user);
  const meds = medicines(user).filter((m) => m.data.active !== false);
  let med = state.get('medicine', id) || null;
  const error = h('p', { class: 'error', role: 'alert', dataset: { error: kind } });
  const unitOf = () => med?.data.unit || '';
  const unit = h('span', { class: 'unit' }, unitOf());
  const sourceOf = () => sources(fac).find((s) => levelOf(med?.id, s)) || sources(fac)[0];
  const source = sourceSelect(fac, sourceOf());
  const book = h('p', { class: 'hint', dataset: { book: '1' } });
  const showBook = () => {
    const l = med && levelOf(med.id, source.value);
    book.textContent = med ? t('stock.book', { q: amount(l?.data.quantity || 0), unit: unitOf() }) : '';
  };
  source.addEventListener('change', showBook);
  const picker = kind === 'receive' ? field(t('stock.medicine'), h('select', { name: 'medicine', onchange: (e) => {
    med = state.get('medicine', e.target.value); unit.textContent = unitOf(); showBook();
  } }, h('option', { value: '' }, t('stock.medicine_pick')), meds.map((m) => h('option', { value: m.id, selected: m.id === med?.id }, `${medName(m)} (${m.data.unit})`)))) : null;
  if (kind !== 'receive' && !med) return root.replaceChildren(h('p', { class: 'empty' }, t('common.not_found')));
  const qty = h('input', { name: 'quantity', type: 'text', inputmode: 'decimal', autocomplete: 'off' });
  const way = kind === 'adjust' ? h('div', { class: 'row', role: 'radiogroup' }, ['down', 'up'].map((w) =>
    h('label', { class: 'check' }, h('input', { type: 'radio', name: 'way', value: w, checked: w === 'down' }), t(`stock.way.${w}`)))) : null;
  const reason = kind === 'adjust' ? field(t('stock.reason_label'), h('select', { name: 'reason' }, h('option', { value: '' }, t('stock.reason_pick')),
    codes(fac, 'stock_adjust_reasons').map((r) => h('option', { value: r }, t(`stock.reason.${r}`))))) : null;
  const witness = kind === 'receive' ? null : await witnessField(user, med);
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000 });
  const form = h('form', { class: 'card', novalidate: true, dataset: { stockForm: kind }, oninput: () => { error.textContent = ''; }, onsubmit: async (e) => {
    e.preventDefault();
    const say = (words) => { error.textContent = words; error.scrollIntoView({ block: 'center' }); };
    if (!med) return say(t('stock.err.medicine'));
    const check = quantityCheck(qty.value, unitOf(), kind === 'count' ? 'nonnegative' : 'positive', fac);
    if (check.error) return say(check.error);
    const f = new FormData(form);
    const args = { medicine_id: med.id, funding_source: source.value };
    if (kind === 'receive') {
      const expiry = f.get('expiry') || '';
      const bad = expiryCheck(expiry, fac);
      if (bad) return say(bad);
      Object.assign(args, { receipt_id: uuid(), quantity: check.value, unit: unitOf() }, expiry ? { expiry } : {});
      if (f.get('lot').trim()) args.lot = f.get('lot').trim();
    } else if (kind === 'count') {
      Object.assign(args, { count_id: uuid(), counted: check.value });
    } else {
      if (!f.get('reason')) return say(t('stock.err.reason'));
      const delta = f.get('way') === 'up' ? check.value : -check.value;
      const have = Number(levelOf(med.id, source.value)?.data.quantity || 0);
      if (delta < 0 && -delta > have) return say(t('stock.err.insufficient', { q: amount(have), unit: unitOf() }));
      Object.assign(args, { adjustment_id: uuid(), delta, reason: f.get('reason') });
    }
    if (f.get('witness')) args.witness_id = f.get('witness');
    if (f.get('note').trim()) args.note = f.get('note').trim();
    if (form.dataset.saving) return; // a second tap must not record it twice
    form.dataset.saving = '1';
    error.textContent = '';
    await record(`stock.${kind}`, args);
    toast(navigator.onLine ? t('stock.saved') : t('stock.saved_offline'), 'good');
    go(`#/stock/${med.id}`);
  } });
  form.append(...[h('h1', {}, icon('medication'), t(`stock.${kind}`)), med && kind !== 'receive' ? h('p', {}, h('b', {}, medName(med))) : picker,
    med?.data.controlled && kind !== 'receive' ? h('p', { class: 'chip warn' }, t('stock.controlled')) : null,
    field(t('stock.source_label'), source), kind === 'receive' ? null : book, way,
    field(t(kind === 'count' ? 'stock.counted' : 'stock.quantity'), h('div', { class: 'row qty-row' }, qty, unit)), reason,
    kind === 'receive' ? field(t('stock.lot'), h('input', { name: 'lot', maxlength: 60, autocomplete: 'off' })) : null,
    kind === 'receive' ? field(t('stock.expiry'), h('input', { name: 'expiry', type: 'date', min: localDate() })) : null,
    witness, field(t('stock.note'), note), error,
    h('button', { class: 'big primary wide', dataset: { action: 'stock-save' } }, t('stock.save')),
    h('button', { class: 'big wide link', type: 'button', onclick: () => history.back() }, t('common.cancel'))].filter(Boolean));
  showBook();
  root.replaceChildren(form);
}

export const renderReceive = (root, ctx) => moveForm(root, ctx, 'receive');
export const renderCount = (root, ctx) => moveForm(root, ctx, 'count');
export const renderAdjust = (root, ctx) => moveForm(root, ctx, 'adjust');
