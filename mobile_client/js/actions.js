// Recording what someone did: queue it as the active user, apply it, try to send it.
import * as outbox from './outbox.js';
import { codes } from './rules.js';
import * as session from './session.js';
import * as state from './state.js';
import * as sync from './sync.js';

export async function record(name, args, local) {
  const user = session.active();
  if (!user) throw new Error('no active user');
  const entry = await outbox.enqueue(name, args, { author: user.id, deviceId: session.device(), local });
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
