// A thin IndexedDB wrapper: promises around the few operations the app needs.
// Stores: meta (key -> value), users (by id), records (pulled + optimistic state,
// key "type:id", indexed by a task's local_date), outbox (queued events, by id), problems
// (rejected / conflicting entries), stranded (events a revoked phone could not send).
const NAME = 'catruc';
const VERSION = 2;
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
    r.onupgradeneeded = (ev) => {
      const db = r.result;
      if (ev.oldVersion < 1) {
        db.createObjectStore('meta');
        db.createObjectStore('users', { keyPath: 'id' });
        db.createObjectStore('records', { keyPath: 'key' });
        db.createObjectStore('outbox', { keyPath: 'id' });
        db.createObjectStore('problems', { keyPath: 'id' });
      }
      if (ev.oldVersion < 2) {
        // The cold start reads today's tasks alone first (records without the field are not indexed).
        r.transaction.objectStore('records').createIndex('day', 'data.local_date');
        db.createObjectStore('stranded', { keyPath: 'id' });
      }
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

const META_KEYS = ['device_id', 'active_user', 'lang', 'device_seq', 'last_synced', 'revoked', 'server_seen'];
const FIRST_TYPES = ['facility', 'area', 'resident'];

// Everything the first screen needs, in ONE read transaction with every request issued at
// once (each separate transaction costs a round trip to the IndexedDB backend on a slow
// phone): the meta keys, users, queue, problems, and only today's tasks plus the few small
// record types the task list names. The rest of the records is read after the first paint.
export async function boot(day) {
  const stores = ['meta', 'users', 'outbox', 'problems', 'records', 'stranded'];
  return tx(stores, 'readonly', (meta, users, outbox, problems, records, stranded) => {
    const out = { meta: {} };
    const waits = META_KEYS.map((k) => req(meta.get(k)).then((v) => { out.meta[k] = v; }));
    waits.push(req(users.getAll()).then((v) => { out.users = v; }));
    waits.push(req(outbox.getAll()).then((v) => { out.outbox = v; }));
    waits.push(req(problems.getAll()).then((v) => { out.problems = v; }));
    waits.push(req(stranded.getAll()).then((v) => { out.stranded = v; }));
    const recs = [req(records.index('day').getAll(day))];
    for (const type of FIRST_TYPES) recs.push(req(records.getAll(IDBKeyRange.bound(`${type}:`, `${type}:\uffff`))));
    waits.push(Promise.all(recs).then((lists) => { out.records = lists.flat(); }));
    return Promise.all(waits).then(() => out);
  });
}
