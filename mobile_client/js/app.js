// Boot: one IndexedDB read of what the first screen needs, draw it, then read the rest,
// register the worker and sync. Screens other than home, the login screens and the live
// socket load on first use: the cold start fetches and parses only what it shows.
import { boot as dbBoot } from './db.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import { facility, roleIn, staff } from './actions.js';
import * as oneTab from './one_tab.js';
import * as outbox from './outbox.js';
import { codes, setting } from './rules.js';
import * as session from './session.js';
import * as state from './state.js';
import * as sync from './sync.js';
import { afterTap, h, icon } from './ui/dom.js';
import * as home from './ui/home.js';
import * as syncbar from './ui/syncbar.js';
import { localDate } from './util.js';

const main = document.getElementById('main');
const bar = document.getElementById('syncbar');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

const lazy = {
  meds: () => import('./ui/meds.js'),
  stock: () => import('./ui/stock.js'),
  kitchen: () => import('./ui/kitchen.js'),
  disinfect: () => import('./ui/disinfect.js'),
  shift: () => import('./ui/shift.js'),
  manage: () => import('./ui/manage.js'),
  login: () => import('./ui/login.js'),
  revoked: () => import('./ui/revoked.js'),
  live: () => import('./live.js'),
};

const TABS = { home: ['custom', 'nav.home'], meds: ['medication', 'nav.meds'], kitchen: ['kitchen', 'nav.kitchen'], disinfect: ['disinfection', 'nav.disinfect'], shift: ['shift', 'nav.shift'] };

// The tabs a role can use, by the server's codes: no tab whose data would answer 403.
// Kitchen staff start on the kitchen; everyone else on their tasks.
export function tabsFor(user) {
  const role = session.roleOf(user);
  const fac = facility(user);
  const meds = codes(fac, 'clinical_roles').includes(role) || (role === 'carer' && setting(fac, 'carers_may_record_meds') !== false);
  const food = codes(fac, 'food_roles').includes(role);
  if (role === 'kitchen') return ['kitchen', 'disinfect', 'home', 'shift'];
  return ['home', meds && 'meds', food && 'kitchen', 'disinfect', 'shift'].filter(Boolean);
}

function go(hash) { location.hash = hash; }

// The medicine stock's screens (under the medicines tab), for the server's `stock_roles` only.
const STOCK = ['stock', 'stockin', 'stockcount', 'stockadjust'];

function connectLive(user) {
  lazy.live().then((live) => live.connect(user?.token || null, () => sync.syncNow()));
}

function drawChrome(user) {
  who.replaceChildren(user ? h('span', { class: 'me' }, user.full_name || user.username) : '',
    user ? h('button', { class: 'switch', dataset: { action: 'switch-user' }, onclick: () => { session.activate(null).then(() => go('#/users')); } }, t('users.switch')) : '',
    h('button', { class: 'lang', onclick: async () => { await i18n.setLang(i18n.lang === 'vi' ? 'en' : 'vi'); route(); } }, i18n.lang === 'vi' ? 'EN' : 'VI'));
  const [name] = (location.hash.slice(2) || 'home').split('/');
  nav.replaceChildren(...(user ? tabsFor(user).map((k) => h('a', { href: `#/${k}`, dataset: { tab: k }, class: (name === k || (k === 'meds' && ['med', 'prn', ...STOCK].includes(name)) || (k === 'shift' && ['transfer', 'manage'].includes(name))) ? 'on' : '' }, icon(TABS[k][0]), t(TABS[k][1]))) : []));
  syncbar.render(bar);
}

function signedIn(user, needPin) {
  if (needPin) return lazy.login().then((login) => login.renderSetPin(main, { user, done: signedIn }));
  session.activate(user).then(() => {
    connectLive(user);
    staff(session.facilityId(user), user.token);
    sync.syncNow();
    go(`#/${tabsFor(user)[0]}`);
    route();
  });
}

// A screen loads its module (and waits for the records) before it draws: a tap on another tab
// meanwhile starts a newer route(), and the older one must not draw over it when its module
// arrives late (a slow phone, a first visit). `load` hands a module only to the newest route.
let routes = 0;

async function route() {
  const seq = ++routes;
  const load = async (module) => { const m = await module(); return seq === routes ? m : null; };
  const user = session.active();
  const [name, id] = (location.hash.slice(2) || 'home').split('/');
  if (sync.status.elsewhere) return elsewhere(true);
  drawChrome(user);
  if (sync.status.revoked && name !== 'login') return (await load(lazy.revoked))?.render(main, { go });
  if (name === 'login') {
    const again = user && !user.token ? user : null; // the server asked for the password again
    return (await load(lazy.login))?.renderLogin(main, { done: signedIn, username: again?.username, notice: again ? sync.status.relogin : '' });
  }
  if (!user) {
    const login = await load(lazy.login);
    if (!login) return;
    if (session.list().length) return login.renderUsers(main, { done: signedIn });
    return login.renderLogin(main, { done: signedIn });
  }
  const ctx = { user, id, go };
  const tab = { med: 'meds', prn: 'meds', transfer: 'shift', manage: 'shift' }[name] || (STOCK.includes(name) ? 'meds' : name);
  const forbidden = STOCK.includes(name) && !roleIn(user, 'stock_roles');
  if (forbidden || (TABS[tab] && !tabsFor(user).includes(tab))) return main.replaceChildren(h('p', { class: 'empty', dataset: { notForRole: tab } }, t('nav.not_for_role')));
  if (name !== 'home' && name !== '') await state.ready(); // other screens use every record
  if (seq !== routes) return;
  if (name === 'problems') return syncbar.renderProblems(main);
  if (name === 'users') return (await load(lazy.login))?.renderUsers(main, { done: signedIn });
  if (name === 'med') return (await load(lazy.meds))?.renderPass(main, ctx);
  if (name === 'prn') return (await load(lazy.meds))?.renderPrn(main, ctx);
  if (name === 'meds') return (await load(lazy.meds))?.renderList(main, ctx);
  if (name === 'stock') return (await load(lazy.stock))?.[id ? 'renderMedicine' : 'renderList'](main, ctx);
  if (name === 'stockin') return (await load(lazy.stock))?.renderReceive(main, ctx);
  if (name === 'stockcount') return (await load(lazy.stock))?.renderCount(main, ctx);
  if (name === 'stockadjust') return (await load(lazy.stock))?.renderAdjust(main, ctx);
  if (name === 'kitchen') return (await load(lazy.kitchen))?.render(main, ctx);
  if (name === 'disinfect') return (await load(lazy.disinfect))?.render(main, ctx);
  if (name === 'shift') return (await load(lazy.shift))?.render(main, ctx);
  if (name === 'transfer') return (await load(lazy.shift))?.renderTransfer(main, ctx);
  if (name === 'manage') return (await load(lazy.manage))?.render(main, ctx);
  home.render(main, ctx);
  if (!document.body.dataset.ready) {
    performance.mark('tasks-rendered');
    document.body.dataset.ready = '1';
  }
}

// Re-render on data changes, but never under someone's fingers: not mid-form, and not
// mid-tap (a sync landing between finger-down and finger-up would swallow the tap).
let pending = false;
// A page another one took over keeps its bar empty, even when its last call answers late.
const drawBar = () => { if (!sync.status.elsewhere) syncbar.render(bar); };
state.onChange((what) => {
  if (what === 'revoked') { route(); return; }
  if (what === 'relogin') { go('#/login'); return; }
  afterTap(drawBar);
  const [name, id] = (location.hash.slice(2) || 'home').split('/');
  const overview = (name === 'disinfect' && !id) || name === 'stock'; // no inputs on them: safe to redraw
  if (what === 'status' || pending || !(overview || ['home', 'meds', 'problems', ''].includes(name))) return;
  pending = true;
  requestAnimationFrame(() => afterTap(() => { pending = false; route(); }));
});

// Another page of the app took the data over (one_tab.js): this one records and sends nothing
// more, and a sheet left open here cannot queue an act under a stale device_seq.
function elsewhere(taken) {
  for (const el of [who, nav, bar]) el.replaceChildren();
  document.querySelectorAll('.sheet').forEach((el) => el.remove());
  oneTab.renderElsewhere(main, { taken });
}

function lost() {
  sync.status.elsewhere = true;
  outbox.close();
  lazy.live().then((live) => live.disconnect());
  elsewhere(true);
}

// An act that could not be saved on the phone was already explained to the user (actions.js).
window.addEventListener('unhandledrejection', (e) => { if (e.reason?.shown) e.preventDefault(); });

async function boot() {
  performance.mark('boot');
  const data = await dbBoot(localDate());
  state.init(data.records);
  outbox.init(data);
  sync.init(data);
  await Promise.all([i18n.init(data.meta.lang), session.init(data)]);
  performance.mark('data-loaded');
  if (!(await oneTab.own(lost))) return elsewhere(false);
  window.addEventListener('hashchange', route);
  await route();
  // After the first paint: the rest of the records, the worker, the socket and sync.
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(async () => {
    await state.loadRest();
    performance.mark('rest-loaded');
    const update = await import('./update.js');
    update.keepData();
    if ('serviceWorker' in navigator) navigator.serviceWorker.register('./sw.js', { scope: './' }).then(update.watch).catch(() => {});
    const user = session.active();
    if (user) connectLive(user);
    // The staff list (witnesses, escorts, note authors) is kept for the offline days.
    if (user && navigator.onLine) staff(session.facilityId(user), user.token);
    window.addEventListener('online', () => { const u = session.active(); if (u) connectLive(u); });
    sync.startTriggers();
  }, 0)));
}

boot();
