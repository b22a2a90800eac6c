// One tab or window of the app at a time owns the phone's data. Each page reads the outbox,
// the records and the device's event counter from IndexedDB once, at start, and keeps them in
// memory. Two pages open side by side (the installed app and the same address in the
// browser, or a tab the browser restored) would each number a new act with the same
// device_seq. Each would also send only what it queued itself, with two calls in flight at
// once. docs/protocol.md §3 forbids both. So a page works only while it holds a Web Lock.
// Another page opened beside it says so and offers to take over. The page it was taken from
// stops syncing and says so. Browsers without Web Locks run as before: one page is all they
// had anyway.
import { t } from './i18n.js';
import { h } from './ui/dom.js';

const OWNER = 'catruc-owner';
const forever = () => new Promise(() => {});

// Resolves true when this page owns the data (now, and until another page takes it over:
// then `onLost` is called once), false when another page holds it.
export function own(onLost) {
  if (!navigator.locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request(OWNER, { ifAvailable: true }, (lock) => {
      resolve(Boolean(lock));
      if (!lock) waitTurn();
      return lock ? forever() : null;
    }).catch(() => onLost()); // AbortError: another page stole the lock
  });
}

// When the page that owns the data is closed, this one starts in its place.
function waitTurn() {
  navigator.locks.request(OWNER, () => { location.reload(); return forever(); }).catch(() => {});
}

// Take the data over from the other page, then start again from IndexedDB: the reload reads
// what the other page queued too, and nothing of its memory is needed.
async function takeOver() {
  await new Promise((resolve) => {
    navigator.locks.request(OWNER, { steal: true }, () => { resolve(); return forever(); }).catch(resolve);
  });
  location.reload();
}

// The page that does not own the data: why it shows nothing, and how to use it here.
export function renderElsewhere(root, { taken }) {
  root.replaceChildren(h('section', { class: 'elsewhere', dataset: { elsewhere: taken ? 'taken' : 'open' } },
    h('h1', {}, t('elsewhere.title')),
    h('p', { class: 'warnbox', role: 'alert' }, t(taken ? 'elsewhere.taken' : 'elsewhere.open')),
    h('p', { class: 'hint' }, t('elsewhere.why')),
    h('button', { class: 'big primary wide', dataset: { action: 'take-over' }, onclick: takeOver }, t('elsewhere.take'))));
}

// Sync calls never overlap, across pages too: the page that took over waits until the call
// the other page had in flight is answered.
export function oneCallAtATime(run) {
  return navigator.locks ? navigator.locks.request('catruc-sync', run) : run();
}
