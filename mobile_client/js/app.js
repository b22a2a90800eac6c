// Boot: read everything local first and render, then register the worker and sync.
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import * as live from './live.js';
import * as outbox from './outbox.js';
import * as session from './session.js';
import * as state from './state.js';
import * as sync from './sync.js';
import { h, icon } from './ui/dom.js';
import * as home from './ui/home.js';
import * as login from './ui/login.js';
import * as syncbar from './ui/syncbar.js';

const main = document.getElementById('main');
const bar = document.getElementById('syncbar');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

// Screens other than home load on first use: the cold start parses only what it shows.
const lazy = {
  meds: () => import('./ui/meds.js'),
  kitchen: () => import('./ui/kitchen.js'),
  disinfect: () => import('./ui/disinfect.js'),
};

const TABS = [['home', 'custom', 'nav.home'], ['meds', 'medication', 'nav.meds'], ['kitchen', 'kitchen', 'nav.kitchen'], ['disinfect', 'disinfection', 'nav.disinfect']];

function go(hash) { location.hash = hash; }

function drawChrome(user) {
  who.replaceChildren(user ? h('span', { class: 'me' }, user.full_name || user.username) : '',
    user ? h('button', { class: 'switch', dataset: { action: 'switch-user' }, onclick: () => { session.activate(null).then(() => go('#/users')); } }, t('users.switch')) : '',
    h('button', { class: 'lang', onclick: async () => { await i18n.setLang(i18n.lang === 'vi' ? 'en' : 'vi'); route(); } }, i18n.lang === 'vi' ? 'EN' : 'VI'));
  const [name] = (location.hash.slice(2) || 'home').split('/');
  nav.replaceChildren(...(user ? TABS.map(([k, ic, label]) => h('a', { href: `#/${k}`, class: (name === k || (k === 'meds' && ['med', 'prn'].includes(name))) ? 'on' : '' }, icon(ic), t(label))) : []));
  syncbar.render(bar);
}

function signedIn(user, needPin) {
  if (needPin) return login.renderSetPin(main, { user, done: signedIn });
  session.activate(user).then(() => {
    live.connect(user.token, () => sync.syncNow());
    sync.syncNow();
    const role = session.roleOf(user);
    go(role === 'kitchen' ? '#/kitchen' : '#/home');
    route();
  });
}

async function route() {
  const user = session.active();
  const [name, id] = (location.hash.slice(2) || 'home').split('/');
  drawChrome(user);
  if (name === 'login') return login.renderLogin(main, { done: signedIn });
  if (!user) {
    if (session.list().length) return login.renderUsers(main, { done: signedIn });
    return login.renderLogin(main, { done: signedIn });
  }
  const ctx = { user, id, go };
  if (name === 'problems') return syncbar.renderProblems(main);
  if (name === 'users') return login.renderUsers(main, { done: signedIn });
  if (name === 'med') return (await lazy.meds()).renderPass(main, ctx);
  if (name === 'prn') return (await lazy.meds()).renderPrn(main, ctx);
  if (name === 'meds') return (await lazy.meds()).renderList(main, ctx);
  if (name === 'kitchen') return (await lazy.kitchen()).render(main, ctx);
  if (name === 'disinfect') return (await lazy.disinfect()).render(main, ctx);
  home.render(main, ctx);
  performance.mark('tasks-rendered');
  document.body.dataset.ready = '1';
}

// Re-render on data changes, but never under someone's fingers mid-form.
let pending = false;
state.onChange((what) => {
  if (what === 'revoked') { route(); return; }
  syncbar.render(bar);
  const [name] = (location.hash.slice(2) || 'home').split('/');
  if (what === 'status' || pending || !['home', 'meds', 'problems', ''].includes(name)) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; route(); });
});

async function boot() {
  performance.mark('boot');
  await Promise.all([i18n.init(), session.load(), state.load(), outbox.load(), sync.load()]);
  performance.mark('data-loaded');
  window.addEventListener('hashchange', route);
  await route();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('./sw.js', { scope: './' }).catch(() => {});
  const user = session.active();
  if (user) live.connect(user.token, () => sync.syncNow());
  window.addEventListener('online', () => { const u = session.active(); if (u) live.connect(u.token, () => sync.syncNow()); });
  sync.startTriggers();
}

boot();
