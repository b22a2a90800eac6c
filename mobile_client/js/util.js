// Small helpers with no state: ids, clock stamps, local dates.

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// ISO 8601 with the device's UTC offset (the server requires an offset on `at`).
export function isoLocal(d = new Date()) {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function localDate(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Hybrid logical clock stamp, same text form as sync/protocol.py (Stamp): MMMMMMMMMMMMM-CCCC-node.
let last = { millis: 0, counter: 0 };
export function hlc(node) {
  const wall = Date.now();
  if (wall > last.millis) last = { millis: wall, counter: 0 };
  else last = { millis: last.millis, counter: Math.min(last.counter + 1, 9999) };
  return `${String(last.millis).padStart(13, '0')}-${pad(last.counter, 4)}-${node.slice(0, 8)}`;
}

// RFC 4122 name-based id (SHA-1), as Python's uuid.uuid5(namespace, name).
export async function uuid5(namespace, name) {
  const ns = namespace.replace(/-/g, '').match(/../g).map((x) => parseInt(x, 16));
  const bytes = new Uint8Array([...ns, ...new TextEncoder().encode(name)]);
  const b = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)).slice(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export const minutesBetween = (a, b) => (new Date(b) - new Date(a)) / 60000;
