// Sync status, always visible: online or offline, pending count, last synced, a progress
// bar on the first sync, and the entries the server refused or flagged (with its message).
import * as clock from '../clock.js';
import { date, has, lang, t, time } from '../i18n.js';
import * as outbox from '../outbox.js';
import * as session from '../session.js';
import * as state from '../state.js';
import * as sync from '../sync.js';
import { h } from './dom.js';

// A clock more than the server's tolerance off (clock.js): how far, and how to set it.
function clockBanner() {
  const off = clock.skew();
  if (!off) return null;
  const mins = Math.round(Math.abs(off) / 60000);
  const amount = mins < 120 ? t('clock.minutes', { n: mins }) : mins < 2880 ? t('clock.hours', { n: Math.round(mins / 60) }) : t('clock.days', { n: Math.round(mins / 1440) });
  return h('p', { class: 'banner bad', role: 'alert', dataset: { clock: off > 0 ? 'behind' : 'ahead' } },
    t(off > 0 ? 'clock.behind' : 'clock.ahead', { amount }), ' ', t('clock.fix'));
}

export function render(bar) {
  const s = sync.status;
  const online = navigator.onLine && s.online !== false;
  const n = outbox.count();
  // A revoked phone sends nothing again: what waits is what could not be sent (revoke.js).
  const stuck = s.revoked ? s.stranded.length : 0;
  // Before anyone has logged in there is nothing synced, whatever a call without a user said
  // (a revoked phone has no users left, but it did sync).
  const last = session.list().length || s.revoked ? s.lastSynced : null;
  const parts = [
    h('span', { class: `net ${online ? 'on' : 'off'}`, dataset: { net: online ? 'online' : 'offline' } }, online ? t('sync.online') : t('sync.offline')),
    h('span', { class: `pending ${stuck ? 'stuck' : ''}`, dataset: { pending: n } }, stuck ? t('sync.stranded', { n: stuck }) : t('sync.pending', { n })),
    h('span', { class: 'last' }, last ? t('sync.last', { time: time(last), date: date(last) === date(new Date().toISOString()) ? '' : date(last) }).trim() : t('sync.never')),
    h('button', { class: 'sync-now', 'aria-label': t('sync.now'), disabled: s.syncing, onclick: () => sync.syncNow() }, s.syncing ? '…' : '⟳'),
  ];
  const rows = [h('div', { class: 'line' }, parts)];
  if (!online) rows.push(h('p', { class: 'banner', role: 'status' }, t('sync.offline_banner', { n })));
  if (s.first) {
    rows.push(h('div', { class: 'progress', role: 'progressbar', 'aria-label': t('sync.first') },
      h('div', { class: 'fill', style: `width:${Math.min(95, 10 + s.first.received / 20)}%` }),
      h('span', {}, t('sync.first_n', { n: s.first.received }))));
  }
  if (s.problems.length) rows.push(h('a', { class: 'problems-link', href: '#/problems' }, `⚠ ${t('sync.problems', { n: s.problems.length })}`));
  // The revoked screen says it itself, in the server's words: the bar repeats it only on login.
  if (s.revoked && location.hash.startsWith('#/login')) rows.push(h('p', { class: 'banner bad' }, t('sync.revoked')));
  const wrongClock = clockBanner();
  if (wrongClock) rows.push(wrongClock);
  bar.dataset.syncing = s.syncing ? '1' : '0';
  bar.replaceChildren(...rows);
}

// Which entry a problem is about, as a line of its row (resident, room, task, time), or null:
// "Ghi việc" alone does not say whose meal the server flagged.
function about(p) {
  const a = p.args || {};
  const task = state.get('task', a.task_id || (p.subject?.type === 'task' ? p.subject.id : ''));
  const order = state.get('med_order', a.order_id || task?.data.order_id || '');
  const r = state.get('resident', task?.data.resident_id || order?.data.resident_id || '');
  const what = order?.data.drug || (task ? `${task.data.title || t(`kind.${task.data.kind}`)} ${task.data.slot || ''}` : '')
    || a.dish || state.get('medicine', a.medicine_id || '')?.data.name || '';
  const where = r ? [r.data.full_name, t('resident.room', { room: r.data.room || '—' })] : [state.get('area', task?.data.area_id || '')?.data.name];
  const text = [...where, what.trim()].filter(Boolean).join(' · ');
  return text ? h('small', { class: 'line', dataset: { about: '' } }, text) : null;
}

export function renderProblems(root) {
  const list = sync.status.problems;
  root.replaceChildren(h('h1', {}, t('problems.title')),
    list.length ? h('ul', { class: 'tasks' }, list.map((p) => h('li', { class: `task ${p.status}`, dataset: { problem: p.code } },
      h('div', { class: 'who' }, h('b', {}, has(`event.${p.name}`) ? t(`event.${p.name}`) : p.name),
        about(p),
        h('span', { class: `chip ${p.status === 'rejected' ? 'late' : 'conflict'}` }, t(`problems.${p.status}`), p.code ? ` · ${has(`conflict.${p.code}`) ? t(`conflict.${p.code}`) : p.code}` : ''),
        // In another language the chip's label stands for the server's Vietnamese message.
        h('p', { class: 'message' }, lang === 'vi' || !has(`conflict.${p.code}`) ? p.message || '' : ''),
        h('small', {}, `${time(p.at)} ${date(p.at)} · ${session.byId(p.author)?.full_name || ''}`),
        h('small', { class: 'todo' }, t(p.status === 'rejected' ? 'problems.todo_rejected' : 'problems.todo_conflict'))),
      h('div', { class: 'acts' }, h('button', { class: 'big', onclick: () => sync.dismissProblem(p.id) }, t('problems.ok')))))) : h('p', { class: 'empty' }, t('problems.none')));
}
