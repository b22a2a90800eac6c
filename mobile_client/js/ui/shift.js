// The shift page: handover and incident notes (everyone writes, the next shift reads), and for
// nurses and managers the residents with their transfers (to hospital, on leave, back,
// discharged, deceased, admitted), recorded offline at the real time of the event.
import { facility, record, roleIn, staff, wholeFacility } from '../actions.js';
import { date, t, time } from '../i18n.js';
import { codes } from '../rules.js';
import * as session from '../session.js';
import * as state from '../state.js';
import { uuid } from '../util.js';
import { h, icon, toast } from './dom.js';

const field = (label, input) => h('label', { class: 'field' }, label, input);
const byRoom = new Intl.Collator('vi', { numeric: true }).compare;
const NOTE_DAYS = 3; // the notes a shift reads: the last three days

function myResidents(user) {
  const areas = session.areaIds(user);
  const whole = wholeFacility(user);
  return state.list('resident').filter((r) => whole || areas.has(r.data.area_id))
    .sort((a, b) => byRoom(a.data.room || '', b.data.room || ''));
}

export const mayTransfer = (user) => roleIn(user, 'transfer_roles');

// Names of the people who wrote: those on this phone, then the facility's staff list
// (fetched when online, kept for offline use).
async function namesOf(user) {
  const names = new Map(session.list().map((u) => [u.id, u.full_name]));
  for (const p of await staff(session.facilityId(user), user.token)) names.set(p.id, p.full_name);
  return names;
}

function noteForm(user, residents, redraw) {
  const fac = facility(user);
  const closed = codes(fac, 'closed_statuses');
  const areas = [...session.areaIds(user)];
  const form = h('form', { class: 'card', dataset: { form: 'note' }, onsubmit: async (e) => {
    e.preventDefault();
    const text = form.text.value.trim();
    if (!text) return toast(t('note.text_required'), 'bad');
    const args = { note_id: uuid(), kind: form.kind.value, text };
    if (form.resident.value) args.resident_id = form.resident.value;
    else {
      args.facility_id = session.facilityId(user);
      if (areas.length === 1) args.area_id = areas[0]; // the carer's own area reads it
    }
    await record('note.add', args);
    toast(t('note.saved'), 'good');
    await redraw();
    window.scrollTo(0, 0); // the new note heads the list
  } });
  form.append(h('h2', {}, t('note.new')),
    field(t('note.kind'), h('select', { name: 'kind' }, codes(fac, 'note_kinds').map((k) => h('option', { value: k }, t(`note.kind.${k}`))))),
    field(t('note.about'), h('select', { name: 'resident' }, h('option', { value: '' }, t('note.about_none')),
      residents.filter((r) => !closed.includes(r.data.status))
        .map((r) => h('option', { value: r.id }, `${r.data.room ? `${r.data.room} · ` : ''}${r.data.full_name}`)))),
    field(t('note.text'), h('textarea', { name: 'text', rows: 4, maxlength: 5000 })),
    h('button', { class: 'big primary wide', dataset: { action: 'save-note' } }, t('note.save')));
  return form;
}

function notesList(names) {
  const since = Date.now() - NOTE_DAYS * 24 * 3600e3;
  const notes = state.list('note').filter((n) => !n.data.void && new Date(n.data.at) >= since)
    .sort((a, b) => b.data.at.localeCompare(a.data.at));
  if (!notes.length) return h('p', { class: 'empty' }, t('note.none'));
  return h('ul', { class: 'tasks notes' }, notes.map((n) => {
    const r = n.data.resident_id ? state.get('resident', n.data.resident_id) : null;
    const cls = n.data.kind === 'incident' ? 'late' : 'pending';
    return h('li', { class: `task note ${n.data.kind}`, dataset: { note: n.id } }, h('div', { class: 'who' },
      h('span', { class: `chip ${cls}` }, t(`note.kind.${n.data.kind}`)),
      r ? h('b', {}, r.data.full_name) : null,
      h('small', {}, `${time(n.data.at)} ${date(n.data.at)} · ${names.get(n.data.by) || ''}`),
      h('p', { class: 'message' }, n.data.text),
      n.pending ? h('small', { class: 'wait' }, t('status.waiting')) : null));
  }));
}

function residentsSection(residents, go) {
  return [h('h2', {}, t('shift.residents')), h('ul', { class: 'tasks' }, residents.map((r) => h('li', { class: `task ${r.data.status === 'present' ? '' : 'away'}`, dataset: { resident: r.id } },
    h('div', { class: 'who' }, h('b', {}, r.data.full_name), h('span', { class: 'room' }, t('resident.room', { room: r.data.room || '—' })),
      h('span', { class: `chip ${r.data.status === 'present' ? 'done' : 'away'}` }, t(`resident.${r.data.status}`))),
    h('div', { class: 'acts' }, h('button', { class: 'big', dataset: { action: 'transfer' }, onclick: () => go(`#/transfer/${r.id}`) }, t('transfer.open'))))))];
}

export async function render(root, ctx) {
  const { user, go } = ctx;
  const residents = myResidents(user);
  const redraw = () => render(root, ctx);
  const names = await namesOf(user);
  const manager = roleIn(user, 'manager_roles');
  const conflicts = state.list('conflict').filter((c) => c.data.status === 'open').length;
  root.replaceChildren(h('h1', {}, icon('shift'), t('shift.title')),
    ...(manager ? [h('a', { class: 'big wide link', href: '#/manage', dataset: { link: 'manage' } }, t('shift.manage', { n: conflicts }))] : []),
    h('h2', {}, t('note.title', { n: NOTE_DAYS })), notesList(names),
    noteForm(user, residents, redraw),
    ...(mayTransfer(user) ? residentsSection(residents, go) : []));
}

// A transfer: where the resident goes (or comes back from), the place, why, and who escorts.
// The time is the event's own (`at`, stamped when recorded, offline too).
export async function renderTransfer(root, { user, id, go }) {
  const r = state.get('resident', id);
  if (!r) return root.replaceChildren(h('p', { class: 'empty' }, t('common.not_found')));
  if (!mayTransfer(user)) return root.replaceChildren(h('p', { class: 'empty', dataset: { notForRole: 'transfer' } }, t('transfer.not_allowed')));
  const people = (await staff(session.facilityId(user), user.token));
  const statuses = codes(facility(user), 'resident_statuses').filter((s) => s !== r.data.status);
  const form = h('form', { class: 'card', dataset: { form: 'transfer' }, onsubmit: async (e) => {
    e.preventDefault();
    const args = { resident_id: r.id, status: form.status.value, place: form.place.value.trim(), reason: form.reason.value.trim() };
    if (form.escort.value) args.escort_id = form.escort.value;
    await record('resident.transfer', args);
    toast(t('transfer.saved', { name: r.data.full_name, status: t(`transfer.to.${args.status}`) }), 'good');
    go('#/shift');
  } });
  form.append(
    h('p', {}, h('b', { class: 'name' }, r.data.full_name), ` · ${t('resident.room', { room: r.data.room || '—' })} · `,
      h('span', { class: `chip ${r.data.status === 'present' ? 'done' : 'away'}` }, t(`resident.${r.data.status}`))),
    field(t('transfer.status'), h('select', { name: 'status' }, statuses.map((s) => h('option', { value: s }, t(`transfer.to.${s}`))))),
    field(t('transfer.place'), h('input', { name: 'place', maxlength: 200, autocomplete: 'off' })),
    field(t('transfer.reason'), h('input', { name: 'reason', maxlength: 300, autocomplete: 'off' })),
    field(t('transfer.escort'), h('select', { name: 'escort' }, h('option', { value: '' }, t('transfer.no_escort')),
      people.map((p) => h('option', { value: p.id }, `${p.full_name} (${t(`role.${p.role}`)})`)))),
    h('p', { class: 'hint' }, t('transfer.time_hint')),
    h('button', { class: 'big primary wide', dataset: { action: 'save-transfer' } }, t('transfer.save')),
    h('a', { class: 'big wide link', href: '#/shift' }, t('common.cancel')));
  root.replaceChildren(h('h1', {}, icon('shift'), t('transfer.title')), form);
}
