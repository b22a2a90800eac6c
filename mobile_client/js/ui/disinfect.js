// Disinfection round: area or vehicle, the dilution calculator (litres -> grams, RULES §2,
// computed on the phone), and the record.
import { facility, record } from '../actions.js';
import { t } from '../i18n.js';
import { dilution, setting } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { uuid } from '../util.js';
import { h, icon, toast } from './dom.js';

const field = (label, input) => h('label', { class: 'field' }, label, input);
const TARGET_OF_KIND = { care: 'area', vehicle: 'vehicle', kitchen: 'kitchen', other: 'area' };

export function render(root, { user, id }) {
  const fac = facility(user);
  const task = id ? state.get('task', id) : null;
  const basis = setting(fac, 'chlorine_basis');
  const mine = session.areaIds(user);
  const areas = state.list('area').filter((a) => session.wholeFacility(user) || mine.has(a.id))
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
    location.hash = '#/home';
  } });
  function compute() {
    return dilution({ litres: form.litres.value, concentrationPct: form.conc.value, productStrengthPct: form.strength.value, basis });
  }
  const update = () => {
    const c = compute();
    out.textContent = c ? t('disinfect.result', { g: c.grams.toLocaleString('vi-VN'), l: form.litres.value, a: c.activePct.toLocaleString('vi-VN') }) : t('disinfect.enter');
  };
  form.append(
    h('h1', {}, icon('disinfection'), t('disinfect.title')),
    task ? h('p', { class: 'hint' }, task.data.title) : null,
    field(t('disinfect.where'), h('select', { name: 'area' }, areas.map((a) => h('option', { value: a.id, selected: a.id === task?.data.area_id }, `${a.data.name} (${t(`area.${a.data.kind}`)})`)))),
    field(t('disinfect.chemical'), h('input', { name: 'chemical', value: 'Cloramin B' })),
    h('div', { class: 'row' },
      field(t('disinfect.litres'), h('input', { name: 'litres', type: 'number', inputmode: 'decimal', min: '0', step: '0.5', value: '10', oninput: update })),
      field(t(basis === 'product' ? 'disinfect.conc_product' : 'disinfect.conc_active'), h('input', { name: 'conc', type: 'number', inputmode: 'decimal', step: '0.01', value: basis === 'product' ? '0.25' : '0.5', oninput: update }))),
    field(t('disinfect.strength'), h('input', { name: 'strength', type: 'number', inputmode: 'decimal', step: '0.5', value: String(setting(fac, 'chlorine_product_strength_pct')), oninput: update })),
    out,
    h('button', { class: 'big primary wide', dataset: { action: 'save-disinfection' } }, t('disinfect.save')));
  root.replaceChildren(form);
  update();
}
