// The queue of events waiting for the server. It belongs to the phone; each entry to its
// author (user id), and is sent with that author's token. An entry leaves the queue only
// when the server has answered for it; a retry reuses the same id, so it counts once.
import * as db from './db.js';
import * as state from './state.js';
import { effects } from './optimistic.js';
import { hlc, isoLocal, uuid } from './util.js';

let entries = new Map(); // id -> entry, mirrors the outbox store
let seq = 0;
let closed = false;

export function init({ outbox: list, meta }) {
  entries = new Map(list.map((e) => [e.id, e]));
  seq = meta.device_seq || 0;
}

export const all = () => [...entries.values()].sort((a, b) => a.device_seq - b.device_seq);
export const count = () => entries.size;
export const forAuthor = (userId) => all().filter((e) => e.author === userId);
export const authors = () => [...new Set(all().map((e) => e.author))];

// Queue an event and apply it locally, in one IndexedDB transaction: the intent, its
// sequence number and its local effect are durable together or not at all.
// `local`: hints for this phone's own view of the event (optimistic.js), never sent.
export async function enqueue(name, args, { author, deviceId, local }) {
  if (closed) throw new Error('another page of the app owns the outbox now');
  seq += 1;
  const entry = {
    id: uuid(), device_seq: seq, name, at: isoLocal(), hlc: hlc(deviceId), args,
    author, queued_at: Date.now(), ...(local ? { local } : {}),
  };
  const recs = effects(entry);
  entry.before = recs.map((r) => state.get(r.type, r.id)).filter(Boolean);
  for (const r of recs) r.key = state.key(r.type, r.id);
  await db.tx(['outbox', 'records', 'meta'], 'readwrite', (out, rec, m) => {
    out.put(entry);
    for (const r of recs) rec.put(r);
    m.put(seq, 'device_seq');
  });
  entries.set(entry.id, entry);
  await state.save(recs); // memory index (the disk write above already happened)
  state.changed('outbox');
  return entry;
}

// Another page of the app took the data over (one_tab.js): its counter is the one in use now.
export function close() { closed = true; }

// The wire form of an entry (docs/protocol.md §2): exactly what was queued, every time.
export const wire = (e) => ({ id: e.id, device_seq: e.device_seq, name: e.name, at: e.at, hlc: e.hlc, args: e.args });

export async function remove(ids) {
  if (!ids.length) return;
  for (const id of ids) entries.delete(id);
  await db.del('outbox', ids);
}

// After pulled changes replaced records, put our still-queued events back on top.
// One at a time in memory: a stock level's second receipt adds to what the first made.
export async function reapply() {
  const recs = [];
  for (const e of all()) {
    const made = effects(e);
    state.hold(made);
    recs.push(...made);
  }
  await state.save(recs);
}

export const lastSeq = () => seq;

// Entries already written to the outbox store by someone else (revoke.js, reinstated).
export function adopt(list) {
  for (const e of list) entries.set(e.id, e);
  state.changed('outbox');
}
