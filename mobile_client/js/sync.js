// Push the queue and pull changes over POST /api/sync/v1 (docs/protocol.md), per author.
// - chunks of at most 500 events, oldest first; a retry sends the same ids (exactly once);
// - `more: true` -> call again with the new cursor; the cursor is saved after each page;
// - 409 reset_required -> forget cursors and pulled state, keep the queue, pull again;
// - 401 device_revoked -> resident data off the phone, queued events kept as "not sent"
//   (revoke.js); invalid_token -> that user must log in again, their queued events wait;
// - 429 rate_limited -> wait Retry-After seconds, queue kept; a `call_full` result is not a
//   decision: its event stays queued and goes in the next call.
import * as clock from './clock.js';
import * as db from './db.js';
import { lang } from './i18n.js';
import { oneCallAtATime } from './one_tab.js';
import * as outbox from './outbox.js';
import * as session from './session.js';
import * as state from './state.js';
import { effects, subjectOf } from './optimistic.js';

const CHUNK = 500;
export const status = { online: navigator.onLine, syncing: false, lastSynced: null, first: null, error: null, problems: [], revoked: null, stranded: [], elsewhere: false };
let running = null;
let again = false;
let retryMs = 2000;
let retryTimer = null;
let notBefore = 0; // after a 429: no call before this time, whatever triggers a sync

export function init({ meta, problems, stranded }) {
  clock.init(meta);
  status.lastSynced = meta.last_synced || null;
  status.revoked = meta.revoked || null;
  status.stranded = stranded || [];
  status.problems = problems.sort((a, b) => b.at.localeCompare(a.at));
}

class HttpError extends Error {
  constructor(status, body, retryAfter) {
    super(body.code || String(status));
    Object.assign(this, { status, body, retryAfter: Number(retryAfter) || 0 });
  }
}

async function post(user, body) {
  const sentAt = Date.now();
  const r = await fetch('/api/sync/v1', {
    method: 'POST',
    // The server writes its messages in the app's language, not the browser's.
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.token}`, 'Accept-Language': lang },
    body: JSON.stringify(body),
  }).catch((err) => { clock.unanswered(); throw err; });
  const json = await r.json().catch(() => ({}));
  if (json.server_time) clock.observe(json.server_time, sentAt, Date.now());
  if (!r.ok) throw new HttpError(r.status, json, r.headers.get('Retry-After'));
  return json;
}

async function recordProblem(entry, result) {
  const p = {
    id: entry.id, name: entry.name, status: result.original_status || result.status, code: result.code || '',
    message: result.message || '', conflict_id: result.conflict_id || null, at: entry.at,
    author: entry.author, subject: subjectOf(entry), args: entry.args,
  };
  status.problems = [p, ...status.problems.filter((x) => x.id !== p.id)];
  await db.put('problems', p);
  return p;
}

async function applyResults(batch, results) {
  const sent = new Map(batch.map((e) => [e.id, e]));
  const done = [];
  const touched = [];
  for (const res of results) {
    const entry = sent.get(res.id);
    if (!entry || res.code === 'call_full') continue;
    done.push(entry.id);
    const kind = res.status === 'duplicate' ? res.original_status : res.status;
    if (kind === 'rejected') {
      await recordProblem(entry, res);
      // Not applied on the server: put back what the phone showed before this event.
      const back = entry.before.map((r) => ({ ...r }));
      for (const r of back) delete r.pending;
      touched.push(...back);
      // A stock entry or level the event made stays on the phone, marked refused with the
      // server's words (a level made by it alone no longer counts: optimistic.js levelOf).
      for (const r of effects(entry)) {
        const made = state.get(r.type, r.id);
        if (made && ['stock_entry', 'stock_level'].includes(r.type) && !entry.before.some((b) => b.type === r.type && b.id === r.id)) {
          touched.push({ ...made, pending: undefined, rejected: { code: res.code, message: res.message } });
        }
      }
    } else {
      if (kind === 'conflict') await recordProblem(entry, res);
      for (const s of [subjectOf(entry)].filter(Boolean)) {
        const rec = state.get(s.type, s.id);
        if (rec && kind === 'conflict') touched.push({ ...rec, conflict: { code: res.code, message: res.message } });
      }
    }
  }
  await outbox.remove(done);
  // Acknowledged records lose their "waiting" mark unless another queued event still holds them.
  const waiting = new Set(outbox.all().map((e) => e.id));
  const cleared = [];
  const types = state.list('facility')[0]?.data.vocabulary?.types; // the server's synced types
  const synced = types ? Object.keys(types) : ['task', 'med_administration', 'food_sample', 'food_check', 'disinfection', 'vehicle_trip', 'stock_level'];
  for (const type of [...synced, 'stock_entry']) { // stock_entry: the phone's own record of a stock event
    for (const r of state.list(type)) if (r.pending && !waiting.has(r.pending)) cleared.push({ ...r, pending: undefined });
  }
  const merged = new Map([...cleared, ...touched].map((r) => [state.key(r.type, r.id), r]));
  await state.save([...merged.values()]);
}

// Conflicts pulled from the server mark their subject (and list them if they name our events).
async function noteConflicts(changes) {
  const marks = [];
  for (const c of changes.filter((x) => x.type === 'conflict' && x.op !== 'delete')) {
    const subject = state.get(c.data.subject_type, c.data.subject_id);
    const open = c.data.status === 'open';
    if (subject) marks.push({ ...subject, conflict: open ? { code: c.data.kind, message: c.data.message } : undefined });
    const mine = status.problems.find((p) => (c.data.event_ids || []).includes(p.id));
    if (!mine && open && (c.data.event_ids || []).length) {
      const p = { id: `conflict:${c.id}`, name: c.data.subject_type, status: 'conflict', code: c.data.kind,
        message: c.data.message || '', conflict_id: c.id, at: c.data.opened_at, author: null,
        subject: { type: c.data.subject_type, id: c.data.subject_id }, args: {} };
      status.problems = [p, ...status.problems];
      await db.put('problems', p);
    }
  }
  await state.save(marks);
}

// Conflict marks survive a pull that replaces the subject record.
function keepMarks(changes) {
  return changes.map((c) => ({ c, old: state.get(c.type, c.id) })).filter((x) => x.old?.conflict)
    .map(({ c, old }) => ({ type: c.type, id: c.id, conflict: old.conflict }));
}

// The service worker's version, asked until it answers (a first visit has no worker yet).
let appVersion = null;
navigator.serviceWorker?.addEventListener('message', (e) => { if (e.data?.type === 'version') appVersion = String(e.data.version); });

async function syncUser(user, onProgress) {
  const deviceId = session.device();
  for (let round = 0; round < 1000; round += 1) {
    if (status.elsewhere) return; // another page took over: it sends the rest
    const batch = outbox.forAuthor(user.id).slice(0, CHUNK);
    const firstPull = !user.cursor;
    let body;
    try {
      // Device health (docs/protocol.md §2): what stays queued besides this call's events.
      if (!appVersion) navigator.serviceWorker?.controller?.postMessage({ type: 'version' });
      const client = { version: appVersion, queued: outbox.all().length - batch.length, clock: Date.now() };
      body = await post(user, { protocol: 1, device_id: deviceId, cursor: user.cursor || null, events: batch.map(outbox.wire), client });
    } catch (err) {
      if (err.status === 409 && err.body.code === 'reset_required') {
        await resetPulled();
        await refreshRoles(user); // the scope changed: the screens must filter by the new areas
        continue; // the same events again, from a null cursor
      }
      if (err.status === 401 && err.body.code === 'device_revoked') throw err;
      if (err.status === 401) {
        // Expired (token_expired), revoked by a password change (token_revoked) or unknown:
        // this user types the password again; their queued events wait for the new token.
        user.token = null;
        await session.saveUser(user);
        if (user.id === session.active()?.id) {
          status.relogin = err.body.message || '';
          state.changed('relogin');
        }
        return;
      }
      throw err;
    }
    await applyResults(batch, body.results || []);
    const changes = body.changes || [];
    const marks = keepMarks(changes);
    await state.applyChanges(changes);
    const kept = marks.map((m) => state.get(m.type, m.id) && { ...state.get(m.type, m.id), conflict: m.conflict });
    await state.save(kept.filter(Boolean));
    await noteConflicts(changes);
    await outbox.reapply();
    user.cursor = body.cursor;
    await session.saveUser(user);
    if (firstPull || body.more) onProgress(changes.length, body.more);
    state.changed('sync');
    if (!body.more && outbox.forAuthor(user.id).length === 0) return;
    if (!body.more && batch.length === 0) return;
  }
}

async function refreshRoles(user) {
  try {
    const r = await fetch('/api/auth/me', { headers: { Authorization: `Bearer ${user.token}` } });
    if (!r.ok) return;
    const me = await r.json();
    Object.assign(user, { roles: me.roles, facilities: me.facilities, full_name: me.user.full_name });
    await session.saveUser(user);
  } catch { /* offline again: the next reset or login brings them */ }
}

async function resetPulled() {
  for (const u of session.list()) { u.cursor = null; await session.saveUser(u); }
  await state.clearPulled();
  await outbox.reapply();
}

async function run() {
  // Nothing leaves a revoked phone (revoke.js), nor a page another one took over (one_tab.js).
  if (status.revoked || status.elsewhere) return;
  if (Date.now() < notBefore) return; // rate limited: the timer set below syncs then
  await state.ready(); // pulled deletions must not race the cold start's second read
  const me = session.active();
  // Every author with queued events and a token gets their events sent, then the active user pulls last.
  const order = outbox.authors().map(session.byId).filter((u) => u && u.token && u.id !== me?.id);
  if (me?.token) order.push(me);
  status.syncing = true;
  status.error = null;
  state.changed('status');
  try {
    for (const user of order) {
      await syncUser(user, (n, more) => {
        status.first = { received: (status.first?.received || 0) + n, more };
        state.changed('status');
      });
    }
    retryMs = 2000;
    status.lastSynced = new Date().toISOString();
    await db.meta.set('last_synced', status.lastSynced);
    status.online = true;
  } catch (err) {
    if (err.status === 401 && err.body?.code === 'device_revoked') {
      await (await import('./revoke.js')).strand(err.body.message, status);
      status.error = 'device_revoked';
      (await import('./live.js')).disconnect();
      state.changed('revoked');
      return;
    }
    status.error = err instanceof TypeError ? 'network' : (err.body?.code || 'error');
    if (err instanceof TypeError) status.online = false;
    // A failed call (lost connection, lost response) is retried soon with the same event ids;
    // a rate-limited one exactly when the server said.
    const wait = err.status === 429 && err.retryAfter ? err.retryAfter * 1000 : retryMs;
    if (err.status === 429) notBefore = Date.now() + wait;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (navigator.onLine) syncNow(); }, wait);
    retryMs = Math.min(retryMs * 2, 60000);
    return;
  } finally {
    status.syncing = false;
    status.first = null;
    state.changed('status');
  }
}

// Single flight: a sync asked for while one runs happens right after it.
export function syncNow() {
  if (running) { again = true; return running; }
  running = oneCallAtATime(run).finally(() => {
    running = null;
    if (again) { again = false; syncNow(); }
  });
  return running;
}

export async function dismissProblem(id) {
  status.problems = status.problems.filter((p) => p.id !== id);
  await db.del('problems', id);
  state.changed('problems');
}

// When to sync: load, online, visible again, a timer, and the live poke (live.js).
export function startTriggers(intervalMs = 60000) {
  window.addEventListener('online', () => { status.online = true; state.changed('status'); syncNow(); });
  window.addEventListener('offline', () => { status.online = false; state.changed('status'); });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') syncNow(); });
  setInterval(() => { if (navigator.onLine) syncNow(); }, intervalMs);
  syncNow();
}
