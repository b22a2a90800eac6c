// A revoked phone (401 device_revoked): resident and staff data leave the phone at once
// (Nghị định 13/2023), but care that was given and not yet sent is never dropped silently.
// Queued events move to the "stranded" store in their wire form with their author's name,
// and nothing else: no pulled records, no "before" snapshots, no tokens, no PINs. They are
// never sent from there. The revoked screen lists them as "not sent" and exports them to a
// file for the duty manager; they leave the phone only when someone deletes them after an
// export. If a manager reinstates the phone, the next successful login puts them back in
// the queue, and each goes out with its own author's token, exactly once by its id.
import * as db from './db.js';
import * as outbox from './outbox.js';
import * as session from './session.js';
import * as state from './state.js';

// Meta keys that are not personal data and keep the phone working: its id (so the server
// keeps refusing it until a manager reinstates it), its language and its event sequence.
const KEEP = ['device_id', 'lang', 'device_seq'];

export async function strand(message, status) {
  const entries = outbox.all().map((e) => {
    const who = session.byId(e.author);
    return { ...outbox.wire(e), author: e.author, author_username: who?.username || '', author_name: who?.full_name || '' };
  });
  const revoked = { at: new Date().toISOString(), message: message || '' };
  await db.tx(['meta', 'users', 'records', 'outbox', 'problems', 'stranded'], 'readwrite', async (meta, users, records, out, problems, stranded) => {
    const kept = await Promise.all(KEEP.map((k) => db.req(meta.get(k))));
    meta.clear(); users.clear(); records.clear(); out.clear(); problems.clear();
    KEEP.forEach((k, i) => { if (kept[i] !== undefined) meta.put(kept[i], k); });
    meta.put(revoked, 'revoked');
    for (const e of entries) stranded.put(e);
  });
  session.forget();
  outbox.init({ outbox: [], meta: { device_seq: outbox.lastSeq() } });
  await state.clearPulled();
  status.problems = [];
  status.revoked = revoked;
  status.stranded = [...status.stranded.filter((s) => !entries.some((e) => e.id === s.id)), ...entries];
}

// The file handed to the duty manager: every stranded event, as it would have been sent.
export function exportFile(status, deviceId) {
  const body = { kind: 'catruc.stranded_events', device_id: deviceId, revoked_at: status.revoked?.at || null,
    exported_at: new Date().toISOString(), events: status.stranded };
  return new Blob([JSON.stringify(body, null, 1)], { type: 'application/json' });
}

export async function dropStranded(status) {
  await db.clear(['stranded']);
  status.stranded = [];
}

// The server let someone log in again on this phone: a manager reinstated it.
export async function reinstated(status) {
  const back = status.stranded.map(({ author_username: _u, author_name: _n, ...e }) => ({ ...e, before: [], queued_at: Date.now() }));
  await db.tx(['meta', 'outbox', 'stranded'], 'readwrite', (meta, out, stranded) => {
    meta.delete('revoked');
    for (const e of back) out.put(e);
    stranded.clear();
  });
  outbox.adopt(back);
  status.revoked = null;
  status.stranded = [];
}
