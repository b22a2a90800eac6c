// Recording what someone did: queue it as the active user, apply it, try to send it.
import { t } from './i18n.js';
import * as outbox from './outbox.js';
import { codes } from './rules.js';
import * as session from './session.js';
import * as state from './state.js';
import * as sync from './sync.js';
import { h, sheet } from './ui/dom.js';

// The act is not on the phone: its storage is full (cheap phones fill up with photos) or
// failing. This is said at once, in a sheet that waits for a tap, because a toast could be
// missed. The screen stays as it was, with what was typed, so the act can be saved again.
function notSaved(err) {
  const full = err?.name === 'QuotaExceededError';
  sheet(t('record.err.title'), (close) => [
    h('p', { class: 'warnbox', role: 'alert', dataset: { notSaved: full ? 'full' : 'error' } }, t(full ? 'record.err.full' : 'record.err.save')),
    h('button', { class: 'option', dataset: { action: 'not-saved-ok' }, onclick: () => close(true) }, t('problems.ok'))]);
}

export async function record(name, args, local) {
  const user = session.active();
  if (!user) throw new Error('no active user');
  let entry;
  try {
    entry = await outbox.enqueue(name, args, { author: user.id, deviceId: session.device(), local });
  } catch (err) {
    notSaved(err);
    // The caller's "saved" and its next screen must not follow; app.js knows it was said.
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { shown: true });
  }
  state.changed('record');
  if (navigator.onLine) sync.syncNow();
  return entry;
}

export function facility(user = session.active()) {
  const id = session.facilityId(user);
  return state.get('facility', id) || { id, data: { name: user?.facilities?.[0]?.name || '', settings: {} } };
}

// Whether the user's role is among the roles the server names for a purpose (`manager_roles`,
// `stock_roles`, ...: the facility's vocabulary).
export function roleIn(user, roles) {
  return codes(facility(user), roles).includes(session.roleOf(user));
}

// Whether the user sees and acts in the whole facility (else only their areas), as the
// server's pull scopes them.
export const wholeFacility = (user = session.active()) => roleIn(user, 'facility_wide_roles');

// Staff of the facility (witness picker), fetched when online and kept for offline use.
export async function staff(facilityId, token) {
  const { meta } = await import('./db.js');
  const key = `staff:${facilityId}`;
  try {
    const r = await fetch(`/api/staff?facility=${facilityId}`, { headers: { Authorization: `Bearer ${token}` } });
    if (r.ok) {
      const items = (await r.json()).items;
      await meta.set(key, items);
      return items;
    }
  } catch { /* offline: the kept list below */ }
  return (await meta.get(key)) || [];
}
