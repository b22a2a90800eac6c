// The phone's view of the world: pulled records with this phone's own events applied on
// top. Everything is held in memory after one read from IndexedDB, so screens render
// from local data before any network call (docs/architecture.md, "The phone app").
import * as db from './db.js';

const byType = new Map(); // type -> Map(id -> record)
const listeners = new Set();

export const key = (type, id) => `${type}:${id}`;

function index(rec) {
  if (!byType.has(rec.type)) byType.set(rec.type, new Map());
  byType.get(rec.type).set(rec.id, rec);
}

export async function load() {
  byType.clear();
  for (const rec of await db.getAll('records')) index(rec);
  complete = true;
}

// Cold start in two steps: first the records db.boot() read (today's tasks and what they
// name), then everything else after the first paint. A record already in memory is newer
// than (or the same as) what the second read returns, so it is kept; deletions wait for
// `ready` (only sync deletes, and sync starts after it).
let complete = false;
let rest = null;
export function init(records) {
  byType.clear();
  complete = false;
  for (const rec of records) index(rec);
}
export function loadRest() {
  if (!rest) {
    rest = db.getAll('records').then((all) => {
      for (const rec of all) if (!byType.get(rec.type)?.has(rec.id)) index(rec);
      complete = true;
    });
  }
  return rest;
}
export const ready = () => (complete ? Promise.resolve() : loadRest());

export const get = (type, id) => byType.get(type)?.get(id) || null;
export const list = (type) => [...(byType.get(type)?.values() || [])];

// Records in memory only, until the caller saves them.
export function hold(recs) {
  for (const r of recs) { r.key = key(r.type, r.id); index(r); }
}

// Write records (already shaped {type, id, version, data, ...}) to memory and disk.
export async function save(recs) {
  if (!recs.length) return;
  hold(recs);
  await db.put('records', recs);
}

export async function remove(type, ids) {
  for (const id of ids) byType.get(type)?.delete(id);
  await db.del('records', ids.map((id) => key(type, id)));
}

// Pulled changes from the server: the server's data replaces ours (our own pending
// events are re-applied afterwards by the caller, see sync.js).
export async function applyChanges(changes) {
  const ups = [];
  const dels = [];
  for (const c of changes) {
    if (c.op === 'delete') dels.push(c);
    else ups.push({ type: c.type, id: c.id, version: c.version, data: c.data, seq: c.seq });
  }
  await save(ups);
  for (const c of dels) await remove(c.type, [c.id]);
}

export async function clearPulled() {
  byType.clear();
  complete = true;
  await db.clear(['records']);
}

export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function changed(what) { for (const fn of listeners) fn(what); }
