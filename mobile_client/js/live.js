// ws /ws/v1/live: a poke says "new data after N"; the phone then pulls over HTTP, so a
// lost poke loses nothing. Authenticates with its first message (no headers on sockets).
let socket = null;
let wanted = null; // the token we should be connected with
let backoff = 1000;
let timer = null;

export function connect(token, onPoke) {
  wanted = token;
  if (socket) { socket.onclose = null; socket.close(); socket = null; document.documentElement.dataset.live = '0'; }
  clearTimeout(timer);
  if (!token || !('WebSocket' in window)) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/v1/live`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
  ws.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    // <html data-live="1"> while pokes can arrive (the status is visible to tests and to support).
    if (msg.type === 'ready') { backoff = 1000; document.documentElement.dataset.live = '1'; }
    if (msg.type === 'poke') onPoke(msg);
  };
  ws.onclose = (ev) => {
    socket = null;
    document.documentElement.dataset.live = '0';
    // 4401: the token stopped working (phone revoked, password changed, idle too long); a
    // sync now learns which from the HTTP answer and acts on it.
    if (ev.code === 4401 && wanted === token) onPoke({});
    if (ev.code === 4401 || ev.code === 4403 || wanted !== token) return; // no retry with a bad token
    timer = setTimeout(() => { if (navigator.onLine) connect(token, onPoke); }, backoff);
    backoff = Math.min(backoff * 2, 60000);
  };
}

export function disconnect() { connect(null); }
