// Log in once per device (online), set a 4-digit PIN; afterwards pick a user and type the
// PIN (offline works). The queue is never touched by a switch: each entry keeps its author.
import { serverText, t } from '../i18n.js';
import * as outbox from '../outbox.js';
import * as session from '../session.js';
import * as sync from '../sync.js';
import { h, toast } from './dom.js';

const field = (label, input) => h('label', { class: 'field' }, label, input);

export function renderLogin(root, { done, username = '', notice = '' }) {
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      const user = await session.login(form.username.value.trim(), form.password.value);
      // The server let a login through on a revoked phone: a manager reinstated it.
      if (sync.status.revoked) await (await import('../revoke.js')).reinstated(sync.status);
      done(user, !user.pin);
    } catch (ex) {
      err.textContent = ex.code === 'offline' ? t('login.offline') : serverText(ex.message, 'login.failed');
    }
  } },
  h('h1', {}, t('app.name')), h('p', { class: 'hint' }, t('login.hint')),
  notice ? h('p', { class: 'error', role: 'status', dataset: { relogin: '' } }, notice) : null,
  field(t('login.username'), h('input', { name: 'username', autocomplete: 'username', autocapitalize: 'none', required: true, value: username || '' })),
  field(t('login.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
  err, h('button', { class: 'big primary wide', type: 'submit' }, t('login.submit')),
  session.list().length ? h('a', { class: 'big wide link', href: '#/users' }, t('login.back_to_users')) : null);
  root.replaceChildren(form);
}

function pinPad(title, onPin) {
  let value = '';
  const dots = h('p', { class: 'dots', 'aria-live': 'polite' });
  const show = () => { dots.textContent = '●'.repeat(value.length) + '○'.repeat(4 - value.length); };
  const press = async (d) => {
    if (d === 'del') value = value.slice(0, -1);
    else if (value.length < 4) value += d;
    show();
    if (value.length === 4) { const v = value; value = ''; show(); await onPin(v); }
  };
  show();
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '', '0', 'del'].map((k) => (k
    ? h('button', { type: 'button', class: 'key', dataset: { key: k }, 'aria-label': k === 'del' ? t('pin.delete') : k, onclick: () => press(k) }, k === 'del' ? '⌫' : k)
    : h('span')));
  return h('div', { class: 'card pin' }, h('h1', {}, title), dots, h('div', { class: 'keys' }, keys));
}

export function renderSetPin(root, { user, done }) {
  let first = null;
  const draw = (title) => root.replaceChildren(pinPad(title, async (pin) => {
    if (!first) { first = pin; draw(t('pin.repeat')); return; }
    if (pin !== first) { first = null; toast(t('pin.mismatch'), 'bad'); draw(t('pin.set', { name: user.full_name })); return; }
    await session.setPin(user, pin);
    done(user);
  }));
  draw(t('pin.set', { name: user.full_name }));
}

export function renderUsers(root, { done }) {
  const users = session.list();
  root.replaceChildren(h('div', { class: 'card' }, h('h1', {}, t('users.title')),
    h('ul', { class: 'users' }, users.map((u) => {
      const queued = outbox.forAuthor(u.id).length;
      return h('li', {}, h('button', { class: 'big wide user', dataset: { user: u.username }, onclick: () => renderUnlock(root, { user: u, done }) },
        h('b', {}, u.full_name || u.username), h('small', {}, ` · ${t(`role.${session.roleOf(u)}`)}`),
        queued ? h('span', { class: 'chip pending' }, t('users.queued', { n: queued })) : null,
        !u.token ? h('span', { class: 'chip warn' }, t('users.relogin')) : null));
    })),
    h('a', { class: 'big wide link', href: '#/login' }, `+ ${t('users.add')}`)));
}

function renderUnlock(root, { user, done }) {
  let tries = 0;
  root.replaceChildren(pinPad(t('pin.enter', { name: user.full_name }), async (pin) => {
    if (!user.pin) { renderLogin(root, { done: (u, needPin) => (needPin ? renderSetPin(root, { user: u, done }) : done(u)) }); return; }
    if (await session.checkPin(user, pin)) return done(user);
    tries += 1;
    toast(t('pin.wrong'), 'bad');
    if (tries >= 5) location.hash = '#/login'; // too many guesses: the password again
  }), h('button', { class: 'big wide link', onclick: () => renderUsers(root, { done }) }, t('common.back')));
}
