// The phone's clock, checked against the server's. A cheap phone whose battery ran flat often
// starts on a default date, and with no mobile data nothing sets it right. The server judges
// the times that decide a rule (docs/protocol.md §7), but the phone would still show another
// day's tasks and stamp every act with a wrong time. So the carer is told to set the clock:
// - after a sync, from the server's time in the answer;
// - offline, when the clock reads earlier than a time the server has already given. A clock
//   cannot truly be behind what was already seen.
import * as db from './db.js';

const TOLERANCE = 5 * 60 * 1000; // what the server allows a phone's clock (docs/protocol.md §7)
let seen = 0; // the latest server time received (ms), kept across restarts
let offset = null; // server minus phone (ms), from the last sync call; null offline

export function init(meta) {
  seen = Number(meta.server_seen) || 0;
}

// An answer's `server_time` (to the second, read between sending and answering).
export function observe(serverTime, sentAt, answeredAt) {
  const server = Date.parse(serverTime);
  if (!Number.isFinite(server)) return;
  const slack = (answeredAt - sentAt) / 2 + 1000;
  const off = server - (sentAt + answeredAt) / 2;
  offset = Math.abs(off) <= slack ? 0 : off;
  if (server > seen) {
    seen = server;
    db.meta.set('server_seen', seen).catch(() => {}); // only a hint for the offline check
  }
}

// A sync call that got no answer: the offline check applies until the next one.
export function unanswered() {
  offset = null;
}

// How far the clock is off, in ms: positive when it is behind, negative when ahead; 0 when
// within the server's tolerance.
export function skew(now = Date.now()) {
  const off = offset ?? Math.max(0, seen - now);
  return Math.abs(off) > TOLERANCE ? off : 0;
}
