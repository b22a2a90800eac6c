// Device registration, login, the PIN and the quick user switch on a shared phone.
// Each user keeps their own token and cursor on the phone; the PIN check is local (a
// salted PBKDF2 hash per user) so switching works with no network at all.
import * as db from './db.js';
import { lang } from './i18n.js';
import { uuid } from './util.js';

let users = new Map();
let deviceId = null;
let activeId = null;

// From db.boot()'s single read; a new phone gets its device id here.
export async function init({ meta, users: list }) {
  deviceId = meta.device_id;
  if (!deviceId) {
    deviceId = uuid();
    await db.meta.set('device_id', deviceId);
  }
  users = new Map(list.map((u) => [u.id, u]));
  activeId = meta.active_user || null;
  if (activeId && !users.has(activeId)) activeId = null;
}

export const device = () => deviceId;
export const list = () => [...users.values()].sort((a, b) => (a.full_name || '').localeCompare(b.full_name || ''));
export const byId = (id) => users.get(id) || null;
export const active = () => (activeId ? users.get(activeId) : null);

export async function saveUser(user) {
  users.set(user.id, user);
  await db.put('users', user);
}

export class LoginError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

export async function login(username, password) {
  let r;
  try {
    r = await fetch('/api/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
      body: JSON.stringify({ username, password, device_id: deviceId, device_name: navigator.userAgent.slice(0, 100) }),
    });
  } catch {
    throw new LoginError('offline', '');
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new LoginError(body.code || 'error', body.message || '');
  const old = users.get(body.user.id);
  const user = {
    ...old, id: body.user.id, username: body.user.username, full_name: body.user.full_name,
    roles: body.roles, facilities: body.facilities, token: body.token, cursor: old?.cursor ?? null,
  };
  await saveUser(user);
  return user;
}

async function pinHash(pin, salt) {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 60000 }, material, 256);
  return [...new Uint8Array(bits)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function setPin(user, pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  user.pin = { salt: [...salt], hash: await pinHash(pin, salt) };
  await saveUser(user);
}

export async function checkPin(user, pin) {
  if (!user.pin) return false;
  return (await pinHash(pin, new Uint8Array(user.pin.salt))) === user.pin.hash;
}

export async function activate(user) {
  activeId = user ? user.id : null;
  await db.meta.set('active_user', activeId);
}

// Role helpers: carers see their areas; nurses and managers the whole facility.
export function roleOf(user) { return user?.roles?.[0]?.role || 'carer'; }
export function facilityId(user) { return user?.roles?.[0]?.facility_id || user?.facilities?.[0]?.id || null; }
export function areaIds(user) { return new Set((user?.roles || []).flatMap((r) => r.area_ids)); }

// Device revoked (revoke.js): every user, token and PIN is forgotten; the device id stays.
export function forget() {
  users.clear();
  activeId = null;
}
