// The app keeps its data and updates itself safely. It asks the browser to keep its storage
// (IndexedDB holds the unsent queue: an evicted queue is lost work). A new version is
// announced, then switched to when nothing is lost by it: on the user's tap, or when the app
// goes to the background on a screen with nothing typed in it. The page reloads as soon as
// the new worker takes over, so every module of a page comes from one version (sw.js).
import { t } from './i18n.js';
import { h } from './ui/dom.js';

let waiting = null;
let banner = null;

export async function keepData() {
  if (!navigator.storage?.persist) return null;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}

// Nothing half typed and no sheet open: reloading here loses nothing (the queue is on disk).
function safe() {
  if (document.querySelector('.sheet')) return false;
  return ![...document.querySelectorAll('main input, main textarea')].some((el) => el.value && el.type !== 'checkbox');
}

export function apply() {
  if (!waiting) return;
  banner?.classList.add('busy');
  waiting.postMessage({ type: 'skip-waiting' });
}

function announce(worker) {
  waiting = worker;
  banner = h('p', { class: 'banner update', role: 'status', dataset: { update: 'ready' } }, t('update.ready'),
    h('button', { class: 'big', dataset: { action: 'update' }, onclick: apply }, t('update.now')));
  document.querySelector('.top')?.append(banner);
}

export function watch(reg) {
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (waiting && !reloading) { reloading = true; location.reload(); }
  });
  const check = (w) => { if (w && navigator.serviceWorker.controller && !waiting) announce(w); };
  check(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => { if (w.state === 'installed') check(w); });
  });
  document.addEventListener('visibilitychange', () => { if (document.hidden && waiting && safe()) apply(); });
  // Browsers look for a new worker on navigation; an app left open all shift looks hourly.
  setInterval(() => reg.update().catch(() => {}), 3600e3);
  window.addEventListener('online', () => reg.update().catch(() => {}));
}
