// Sync status, always visible: online or offline, pending count, last synced, a progress
// bar on the first sync, and the entries the server refused or flagged (with its message).
import * as clock from '../clock.js';
import { date, has, lang, t, time } from '../i18n.js';
import * as outbox from '../outbox.js';
import * as session from '../session.js';
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
  const parts = [
    h('span', { class: `net ${online ? 'on' : 'off'}`, dataset: { net: online ? 'online' : 'offline' } }, online ? t('sync.online') : t('sync.offline')),
    h('span', { class: 'pending', dataset: { pending: n } }, t('sync.pending', { n })),
    h('span', { class: 'last' }, s.lastSynced ? t('sync.last', { time: time(s.lastSynced), date: date(s.lastSynced) === date(new Date().toISOString()) ? '' : date(s.lastSynced) }).trim() : t('sync.never')),
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
  if (s.revoked) rows.push(h('p', { class: 'banner bad' }, t('sync.revoked')));
  const wrongClock = clockBanner();
  if (wrongClock) rows.push(wrongClock);
  bar.dataset.syncing = s.syncing ? '1' : '0';
  bar.replaceChildren(...rows);
}

export function renderProblems(root) {
  const list = sync.status.problems;
  root.replaceChildren(h('h1', {}, t('problems.title')),
    list.length ? h('ul', { class: 'tasks' }, list.map((p) => h('li', { class: `task ${p.status}`, dataset: { problem: p.code } },
      h('div', { class: 'who' }, h('b', {}, has(`event.${p.name}`) ? t(`event.${p.name}`) : p.name),
        h('span', { class: `chip ${p.status === 'rejected' ? 'late' : 'conflict'}` }, t(`problems.${p.status}`), p.code ? ` · ${has(`conflict.${p.code}`) ? t(`conflict.${p.code}`) : p.code}` : ''),
        // In another language the chip's label stands for the server's Vietnamese message.
        h('p', { class: 'message' }, lang === 'vi' || !has(`conflict.${p.code}`) ? p.message || '' : ''),
        h('small', {}, `${time(p.at)} ${date(p.at)} · ${session.byId(p.author)?.full_name || ''}`),
        h('small', { class: 'todo' }, t(p.status === 'rejected' ? 'problems.todo_rejected' : 'problems.todo_conflict'))),
      h('div', { class: 'acts' }, h('button', { class: 'big', onclick: () => sync.dismissProblem(p.id) }, t('problems.ok')))))) : h('p', { class: 'empty' }, t('problems.none')));
}
