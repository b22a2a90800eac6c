// A thin IndexedDB wrapper: promises around the few operations the app needs.
// Stores: meta (key -> value), users (by id), records (pulled + optimistic state,
// key "type:id"), outbox (queued events, by id), problems (rejected / conflicting entries).
const NAME = 'catruc';
const VERSION = 1;
let opening = null;

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export function open() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const r = indexedDB.open(NAME, VERSION);
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore('meta');
      db.createObjectStore('users', { keyPath: 'id' });
      db.createObjectStore('records', { keyPath: 'key' });
      db.createObjectStore('outbox', { keyPath: 'id' });
      db.createObjectStore('problems', { keyPath: 'id' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  return opening;
}

// Run fn(stores...) in one transaction; resolves when it commits (so data is durable).
export async function tx(names, mode, fn) {
  const db = await open();
  const list = Array.isArray(names) ? names : [names];
  const t = db.transaction(list, mode);
  const stores = list.map((n) => t.objectStore(n));
  const done = new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
  });
  const value = await fn(...stores);
  await done;
  return value;
}

export const getAll = (store) => tx(store, 'readonly', (s) => req(s.getAll()));
export const get = (store, key) => tx(store, 'readonly', (s) => req(s.get(key)));

export function put(store, values, key) {
  return tx(store, 'readwrite', (s) => {
    if (key !== undefined) s.put(values, key);
    else for (const v of [].concat(values)) s.put(v);
  });
}

export function del(store, keys) {
  return tx(store, 'readwrite', (s) => { for (const k of [].concat(keys)) s.delete(k); });
}

export function clear(stores) {
  return tx(stores, 'readwrite', (...ss) => { for (const s of ss) s.clear(); });
}

export const meta = {
  get: (key) => get('meta', key),
  set: (key, value) => put('meta', value, key),
  del: (key) => del('meta', key),
};

export { req };
