// The service worker: caches the app shell so the app starts cold while offline.
// The server replaces the VERSION placeholder with a digest of the shipped files and the file list
// below with every file it serves, so any change installs a new worker and a fresh cache.
// API calls are never touched: the page talks to the network itself (and knows it is offline).
// A new version installs beside the running one and waits: a page keeps the modules of the
// version it started with (its lazy screens come from the old cache) until it asks for the
// switch at a safe moment (js/update.js) and reloads, so no page mixes old and new modules.
const VERSION = '__APP_VERSION__';
const CACHE = `catruc-shell-${VERSION}`;
const FILES = /*__APP_FILES__*/['./', 'index.html'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    // cache: 'reload' skips the HTTP cache, so the new shell is really the new one.
    .then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: 'reload' })))));
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  if (event.data?.type === 'version') event.source?.postMessage({ type: 'version', version: VERSION });
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('catruc-shell-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname) || url.pathname.endsWith('/sw.js')) return;
  if (req.mode === 'navigate') {
    event.respondWith(caches.match('./', { cacheName: CACHE, ignoreVary: true }).then((hit) => hit || fetch(req)));
    return;
  }
  // ignoreVary: the server varies on Accept-Language, which the page's requests and the
  // worker's own install requests do not send alike; a miss here would go to the network
  // (the new version's files, or nothing offline).
  event.respondWith(caches.match(req, { cacheName: CACHE, ignoreSearch: true, ignoreVary: true }).then((hit) => hit || fetch(req)));
});
