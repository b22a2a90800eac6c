// The screen of a revoked phone: the server's message, and the events that could not be
// sent, kept visible as "not sent" and exportable to a file until someone deletes them
// (see revoke.js for why they are kept and what else was wiped).
import { date, has, serverText, t, time } from '../i18n.js';
import { dropStranded, exportFile } from '../revoke.js';
import * as session from '../session.js';
import * as sync from '../sync.js';
import { h, sheet, toast } from './dom.js';

let exported = false;

function download(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

export function render(root) {
  const s = sync.status;
  const list = s.stranded;
  const body = [h('h1', {}, t('revoked.title')),
    h('p', { class: 'banner bad', role: 'alert', dataset: { revoked: '1' } }, serverText(s.revoked?.message, 'sync.revoked')),
    h('p', { class: 'hint' }, t('revoked.wiped'))];
  if (list.length) {
    body.push(h('h2', {}, t('revoked.unsent', { n: list.length })), h('p', { class: 'warnbox' }, t('revoked.unsent_hint')),
      h('ul', { class: 'tasks' }, list.map((e) => h('li', { class: 'task rejected', dataset: { stranded: e.id } },
        h('div', { class: 'who' }, h('b', {}, has(`event.${e.name}`) ? t(`event.${e.name}`) : e.name),
          h('span', { class: 'chip late' }, t('revoked.not_sent')),
          h('small', {}, `${time(e.at)} ${date(e.at)} · ${e.author_name || e.author_username || ''}`))))),
      h('button', { class: 'big primary wide', dataset: { action: 'export-stranded' }, onclick: () => {
        download(exportFile(s, session.device()), `catruc-chua-gui-${new Date().toISOString().slice(0, 10)}.json`);
        exported = true;
        toast(t('revoked.exported'), 'good');
        render(root);
      } }, t('revoked.export')),
      exported ? h('button', { class: 'big wide', dataset: { action: 'drop-stranded' }, onclick: async () => {
        const ok = await sheet(t('revoked.drop_title'), (close) => [h('p', { class: 'warnbox' }, t('revoked.drop_warn', { n: list.length })),
          h('button', { class: 'option', dataset: { action: 'drop-confirm' }, onclick: () => close(true) }, t('revoked.drop')),
          h('button', { class: 'option ghost', onclick: () => close(false) }, t('common.cancel'))]);
        if (ok) { await dropStranded(s); render(root); }
      } }, t('revoked.drop')) : null);
  } else {
    body.push(h('p', { class: 'empty' }, t('revoked.none')));
  }
  body.push(h('a', { class: 'big wide link', href: '#/login' }, t('revoked.login')));
  root.replaceChildren(h('div', { class: 'card' }, body));
}
