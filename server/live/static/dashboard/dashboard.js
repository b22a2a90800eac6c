// Duty-manager dashboard: login, the live socket (snapshot + deltas), rendering, conflict review.
// No build step. The server owns the projection; this file only merges deltas and draws.

import { ICON, TEXT } from "./text.js";

const $ = (id) => document.getElementById(id);
const store = window.sessionStorage;

// The manager's own choice first, else the page's language (the server's, from Accept-Language).
let lang = localStorage.getItem("dash.lang") || (document.documentElement.lang === "en" ? "en" : "vi");
const t = (key) => TEXT[lang][key] ?? TEXT.vi[key] ?? key;
const sub = (group, key) => (TEXT[lang][group] || {})[key] || key;
const hhmm = (iso) => iso ? new Date(iso).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", hour12: false }) : "";
const pad = (n) => String(n).padStart(2, "0");
const ddmm = (iso) => { if (!iso) return ""; const d = new Date(iso); return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}`; };

const state = { snapshot: null, socket: null, retry: 0, alarmsHeard: new Set(), audio: null, chart: null, open: null, viewing: null, unfolded: new Set() };
const isoDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  $("lang").textContent = lang === "vi" ? "English" : "Tiếng Việt";
  if (state.snapshot) render();
}

// ---- login ---------------------------------------------------------------------------------
function deviceId() {
  let id = localStorage.getItem("dash.device");
  if (!id) { id = crypto.randomUUID(); localStorage.setItem("dash.device", id); }
  return id;
}

async function login(event) {
  event.preventDefault();
  unlockAudio();
  const form = new FormData($("login"));
  const response = await fetch("/api/auth/token", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password"),
      device_id: deviceId(), device_name: "Bảng trực (trình duyệt)" }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) { $("login-error").textContent = body.message || t("bad_login"); return; }
  const managed = new Set(body.roles.filter((r) => r.role === "manager" || r.role === "admin").map((r) => r.facility_id));
  const facilities = body.facilities.filter((f) => managed.has(f.id));
  if (!facilities.length) { $("login-error").textContent = t("no_facility"); return; }
  store.setItem("dash.token", body.token);
  store.setItem("dash.facilities", JSON.stringify(facilities));
  store.setItem("dash.facility", facilities[0].id);
  start();
}

function logout() {
  store.clear();
  if (state.socket) state.socket.close();
  location.reload();
}

// ---- socket --------------------------------------------------------------------------------
function connect() {
  const facility = store.getItem("dash.facility");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/v1/dashboard?facility=${facility}`);
  state.socket = socket;
  socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token: store.getItem("dash.token") }));
  socket.onmessage = (message) => onMessage(JSON.parse(message.data));
  socket.onclose = (event) => {
    if (state.socket !== socket) return;
    setLink(false);
    if (event.code === 4401) { logout(); return; }
    if (event.code === 4403) { $("notice").textContent = t("forbidden"); return; }
    // Reconnect with backoff; the server answers a reconnect with a fresh snapshot.
    const wait = Math.min(15000, 500 * 2 ** state.retry++);
    setTimeout(connect, wait);
  };
}

function setLink(on) {
  $("link").dataset.state = on ? "on" : "off";
  $("link").textContent = t(on ? "online" : "offline");
}

function onMessage(msg) {
  if (msg.type === "ready") { state.retry = 0; setLink(true); $("notice").textContent = ""; state.resume = state.viewing; return; }
  if (msg.type === "error") { $("notice").textContent = msg.message || msg.code; return; }
  if (msg.type === "snapshot") {
    // A reconnect starts from now: go back to the shift the manager was looking at.
    const resume = state.resume;
    state.resume = null;
    if (!msg.past && resume) { send({ type: "view", ...resume }); return; }
    if (!msg.past) state.viewing = null;
    state.snapshot = msg; state.chart = null; $("chart").replaceChildren(); $("notice").textContent = "";
    state.unfolded.clear();
    renderHistory(msg); render(); return;
  }
  if (msg.type === "delta" && state.snapshot) {
    for (const [section, change] of Object.entries(msg.sections)) {
      const items = state.snapshot.sections[section] ||= {};
      for (const key of change.del) delete items[key];
      Object.assign(items, change.set);
    }
    render(Object.keys(msg.sections));
  }
}

// ---- looking back at a finished shift --------------------------------------------------------
function send(message) {
  if (state.socket?.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
}

function view(date, shift) {
  state.viewing = { date, shift };
  send({ type: "view", date, shift });
}

function backToNow() {
  state.viewing = null;
  send({ type: "snapshot" });
}

function shiftLabel(shift) {
  return `${t(`shift_${shift.name}`)} ${ddmm(shift.start)}, ${hhmm(shift.start)}–${hhmm(shift.end)}`;
}

function renderHistory(snap) {
  $("history").hidden = false;
  const picker = $("view-shift");
  const chosen = snap.past ? snap.shift.name : snap.previous.shift;
  picker.replaceChildren(...(snap.shifts || []).map((name) => el("option", { value: name }, t(`shift_${name}`))));
  picker.value = chosen;
  $("view-date").max = isoDate(new Date());
  $("view-date").value = snap.past ? snap.shift.date : snap.previous.date;
  $("past").hidden = !snap.past;
  document.body.classList.toggle("past-view", Boolean(snap.past));
  if (snap.past) $("past-text").textContent = `${t("past_banner")} ${shiftLabel(snap.shift)} · ${t("past_note")}`;
}

// ---- rendering -----------------------------------------------------------------------------
const RENDER = {
  tiles: renderTiles, timeline: renderChart, conflicts: renderConflicts, late: (i) => renderTasks("late", i),
  missed: (i) => renderTasks("missed", i), doses: renderDoses, samples_due: renderSamplesDue,
  samples_missing: renderSamplesMissing, away: renderAway, staffing: renderStaffing, stock: renderStock, devices: renderDevices,
};

function render(sections = Object.keys(RENDER)) {
  const snap = state.snapshot;
  $("shift").textContent = shiftLabel(snap.shift);
  for (const name of sections) if (RENDER[name]) RENDER[name](snap.sections[name] || {});
  renderAlarm(snap.past ? {} : snap.sections.conflicts || {});
}

// A long list (a whole shift of missed tasks) shows its first rows and a button for the rest,
// so the sections below it stay within reach.
const LIST_FOLD = 15;

function list(id, items, row, order = () => 0) {
  const entries = Object.entries(items).sort(order);
  const shown = state.unfolded.has(id) ? entries : entries.slice(0, LIST_FOLD);
  const more = entries.length - shown.length;
  const rows = entries.length ? shown.map(([k, v]) => el("li", { "data-key": k }, row(v, k)))
    : [el("li", { class: "empty" }, t("none"))];
  if (more) rows.push(el("li", { class: "more" }, el("button", { type: "button", class: "secondary",
    onclick: () => { state.unfolded.add(id); render([id]); } }, `${t("show_all")} (${entries.length})`)));
  $(id).replaceChildren(...rows);
}

function renderTiles(tiles) {
  const sorted = Object.values(tiles).sort((a, b) => (a.area + a.kind).localeCompare(b.area + b.kind));
  if (!sorted.length) { $("tiles").replaceChildren(el("p", { class: "muted" }, t("none"))); return; }
  $("tiles").replaceChildren(...sorted.map((x) => el("div", { class: "tile", "data-kind": x.kind },
    el("div", { class: "head" }, `${ICON[x.kind] || ""} ${sub("kind", x.kind)} · ${x.area}`),
    el("div", { class: "big" }, `${x.done}${t("of")}${x.total - x.away - x.not_done}`, el("small", {}, ` ${t("done")}`)),
    el("div", {}, x.late ? el("span", { class: "late" }, `${x.late} ${t("late_n")} `) : null,
      x.missed ? el("span", { class: "late" }, `${x.missed} ${t("missed_n")} `) : null,
      `${x.pending} ${t("pending")}`, x.not_done ? ` · ${x.not_done} ${t("not_done_n")}` : "",
      x.away ? el("span", { class: "away" }, ` · ${x.away} ${t("away_n")}`) : null))));
}

function renderChart(timeline) {
  const slots = Object.keys(timeline).map(Number).sort((a, b) => a - b).map((k) => timeline[k]);
  const xs = slots.map((s) => s.t);
  let done = 0, due = 0;
  const data = [xs, slots.map((s) => (done += s.done)), slots.map((s) => (due += s.due))];
  if (state.chart) { state.chart.setData(data); return; }
  if (!window.uPlot || !xs.length) return;
  state.chart = new window.uPlot({
    width: Math.min(1200, $("chart").clientWidth || 800), height: 220, tzDate: (ts) => new Date(ts * 1000),
    series: [{ label: t("time") }, { label: t("cumulative_done"), stroke: "#1b6e3a", width: 2 }, { label: t("cumulative_due"), stroke: "#888", dash: [6, 4] }],
    axes: [{ values: (u, ticks) => ticks.map((ts) => hhmm(new Date(ts * 1000).toISOString())) }, {}],
  }, data, $("chart"));
}

function renderAlarm(conflicts) {
  const alarms = Object.entries(conflicts).filter(([, c]) => c.alarm);
  $("alarm").hidden = !alarms.length;
  $("alarm").replaceChildren(...alarms.map(([id, c]) => el("div", { "data-kind": c.kind },
    `⚠ ${c.kind === "double_dose" ? t("alarm_double") : sub("conflict", c.kind)} — ${c.message || ""} (${hhmm(c.opened_at)})`,
    el("button", { type: "button", onclick: () => openConflict(id) }, t("open")))));
  const fresh = alarms.filter(([id]) => !state.alarmsHeard.has(id));
  fresh.forEach(([id]) => state.alarmsHeard.add(id));
  if (fresh.length) beep();
}

function renderConflicts(conflicts) {
  const past = state.snapshot.past;
  list("conflicts", conflicts, (c, id) => {
    const row = [el("span", { class: "tag conflict" }, sub("conflict", c.kind)),
      past ? el("span", { class: `tag ${c.status === "open" ? "late" : "ok"}` }, t(`status_${c.status}`)) : null,
      `${c.message || ""} · ${hhmm(c.opened_at)} `,
      past ? null : el("button", { type: "button", class: "secondary", onclick: () => openConflict(id) }, t("open"))];
    if (state.open === id) row.push(reviewForm(id, c));
    return row;
  }, ([, a], [, b]) => Number(b.alarm) - Number(a.alarm) || (a.opened_at || "").localeCompare(b.opened_at || ""));
}

function openConflict(id) {
  state.open = state.open === id ? null : id;
  state.unfolded.add("conflicts");  // the alarm's conflict may be past the fold
  renderConflicts(state.snapshot.sections.conflicts || {});
  document.querySelector(`#conflicts [data-key="${id}"]`)?.scrollIntoView({ block: "center" });
}

function reviewForm(id, c) {
  const select = el("select", { name: "resolution" },
    ...["confirmed", "corrected", "dismissed"].map((r) => el("option", { value: r }, t(`res_${r}`))));
  const note = el("textarea", { name: "note", placeholder: t("note"), "aria-label": t("note") });
  const status = el("p", { class: "error", role: "status" });
  const details = Object.entries(c.details || {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ");
  return el("form", { class: "review", onsubmit: async (e) => {
    e.preventDefault();
    const response = await fetch(`/api/conflicts/${id}/resolve`, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${store.getItem("dash.token")}` },
      body: JSON.stringify({ resolution: select.value, note: note.value }),
    });
    const body = await response.json().catch(() => ({}));
    status.textContent = response.ok ? t("resolved_ok") : body.message || response.status;
    if (response.ok) state.open = null;  // the delta that follows removes it from the list
  } }, el("small", { class: "muted" }, details), el("div", { class: "row" }, select), note, el("button", { type: "submit" }, t("resolve")), status);
}

function taskLine(x) {
  return `${ICON[x.kind] || ""} ${x.title}${x.resident ? ` · ${x.resident}` : ""}${x.room ? ` (${x.room})` : ""} · ${x.area} · ${hhmm(x.due_at)}`;
}

function renderTasks(id, items) {
  list(id, items, (x) => [el("span", { class: "tag late" }, t(id === "late" ? "late_n" : "missed_n")), taskLine(x)],
    ([, a], [, b]) => a.due_at.localeCompare(b.due_at));
}

function renderDoses(items) {
  list("doses", items, (x) => [el("span", { class: "tag late" }, x.state === "late" ? `${t("given_late")} ${hhmm(x.at)}` : t("missed_dose")), taskLine(x)],
    ([, a], [, b]) => a.due_at.localeCompare(b.due_at));
}

function renderSamplesDue(items) {
  // A finished shift is judged at its end; a held sample is never overdue (it must be kept).
  const now = state.snapshot.past ? state.snapshot.shift.end : new Date().toISOString();
  list("samples_due", items, (s) => [s.keep_until < now && !s.hold ? el("span", { class: "tag late" }, t("overdue")) : null,
    s.hold ? el("span", { class: "tag conflict" }, t("hold")) : null,
    `${sub("meal", s.meal)} · ${s.dish} · ${t("discard_by")} ${hhmm(s.keep_until)} ${ddmm(s.keep_until)}`],
  ([, a], [, b]) => a.keep_until.localeCompare(b.keep_until));
}

function renderSamplesMissing(items) {
  list("samples_missing", items, (d) => [el("span", { class: "tag conflict" }, sub("meal", d.meal)), d.dish]);
}

function renderStock(items) {
  list("stock", items, (x) => [
    x.out ? el("span", { class: "tag late" }, t("stock_out")) : x.low ? el("span", { class: "tag conflict" }, t("stock_low")) : null,
    x.expiring ? el("span", { class: "tag away" }, `${t("expires")} ${ddmm(x.expiring)}`) : null,
    `${x.medicine} · ${sub("source", x.funding_source)} · ${x.quantity} ${x.unit}`],
  ([, a], [, b]) => (b.out - a.out) || a.medicine.localeCompare(b.medicine));
}

function renderAway(items) {
  list("away", items, (r) => [el("span", { class: "tag away" }, t(r.status)), `${r.name}${r.room ? ` (${r.room})` : ""} · ${r.area}${r.place ? ` · ${r.place}` : ""}`]);
}

function renderStaffing(items) {
  list("staffing", items, (s) => [s.short ? el("span", { class: "tag late" }, `${t("short")} ${s.short}`) : el("span", { class: "tag ok" }, "✓"),
    `${s.area}: ${s.on_shift} ${t("on_shift")} / ${s.required} ${t("required")}`,
    s.carers.length ? el("div", { class: "muted" }, s.carers.join(", ")) : null,
    ...(s.groups || []).map((g) => el("div", { class: "muted", title: `${t("norm")} ${g.per_carer} ${t("per_carer")}` },
      `${g.label}: ${g.residents} ${t("people")} — ${t("needs")} ${g.required}`)),
    s.unplaced ? el("div", { class: "muted" }, `${s.unplaced} ${t("unplaced")}`) : null,
    s.off_rota?.length ? el("div", {}, el("span", { class: "tag conflict" }, t("off_rota")), s.off_rota.join(", ")) : null],
  ([a], [b]) => (a === "total" ? -1 : b === "total" ? 1 : a.localeCompare(b)));
}

// Within six hours "x giờ trước" reads faster; older, the day matters: "lúc HH:MM dd/mm".
function seen(iso) {
  if (!iso) return t("never");
  const minutes = Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000));
  if (minutes < 1) return t("just_now");
  if (minutes < 60) return `${minutes} ${t("min_ago")}`;
  return minutes < 360 ? `${Math.floor(minutes / 60)} ${t("h_ago")}` : `${t("at")} ${hhmm(iso)} ${ddmm(iso)}`;
}

function renderDevices(items) {
  list("devices", items, (d) => [
    d.revoked ? el("span", { class: "tag away" }, t("revoked")) : null,
    ...d.warnings.map((w) => el("span", { class: "tag late" }, `⚠ ${sub("warn", w)}`)),
    d.revoked || d.warnings.length ? null : el("span", { class: "tag ok" }, "✓"),
    `${d.name}${d.last_user ? ` · ${d.last_user}` : ""} · ${seen(d.last_seen_at)}`,
    d.last_seen_at && el("div", { class: "muted" }, `${t("version")} ${d.app_version || "?"} · ${d.queued ?? "?"} ${t("queued")}`,
      d.last_status === "rejected" ? ` · ${t("sync_rejected")}` : "")],
  ([, a], [, b]) => b.warnings.length - a.warnings.length || a.revoked - b.revoked || a.name.localeCompare(b.name));
}

// ---- sound ---------------------------------------------------------------------------------
function unlockAudio() {
  try {
    state.audio ||= new (window.AudioContext || window.webkitAudioContext)();
    state.audio.resume();
  } catch { /* no audio: the banner still shows */ }
  $("sound").hidden = state.audio?.state === "running";
}

function beep() {
  const ctx = state.audio;
  if (!ctx || ctx.state !== "running") { $("sound").hidden = false; return; }
  for (let i = 0; i < 3; i++) {
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.25;
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + i * 0.35);
    osc.stop(ctx.currentTime + i * 0.35 + 0.2);
  }
}

// ---- start ---------------------------------------------------------------------------------
function start() {
  const facilities = JSON.parse(store.getItem("dash.facilities") || "[]");
  $("login").hidden = true;
  $("board").hidden = false;
  $("logout").hidden = false;
  const picker = $("facility");
  picker.replaceChildren(...facilities.map((f) => el("option", { value: f.id }, f.name)));
  picker.value = store.getItem("dash.facility");
  picker.hidden = facilities.length < 2;
  $("sound").hidden = state.audio?.state === "running";
  connect();
}

$("login").addEventListener("submit", login);
$("history").addEventListener("submit", (e) => { e.preventDefault(); view($("view-date").value, $("view-shift").value); });
$("previous").addEventListener("click", () => { const p = state.snapshot?.previous; if (p) view(p.date, p.shift); });
$("now").addEventListener("click", backToNow);
$("logout").addEventListener("click", logout);
$("sound").addEventListener("click", unlockAudio);
// Django's language cookie too, so /reports/ and /admin/ answer in the manager's choice, and
// the socket, which speaks its handshake's language: a new language opens a new socket (it
// comes back to the shift on view). The cookie outlives the browser session like the choice.
const languageCookie = () => { document.cookie = `django_language=${lang}; path=/; max-age=31536000; SameSite=Lax`; };
function reconnect() { const old = state.socket; state.socket = null; old?.close(); connect(); }
$("lang").addEventListener("click", () => {
  lang = lang === "vi" ? "en" : "vi";
  localStorage.setItem("dash.lang", lang);
  languageCookie();
  applyLanguage();
  if (state.socket) reconnect();
});
$("facility").addEventListener("change", (e) => {
  store.setItem("dash.facility", e.target.value);
  state.snapshot = null;
  state.viewing = null;
  reconnect();
});
if (localStorage.getItem("dash.lang")) languageCookie();
applyLanguage();
if (store.getItem("dash.token")) start(); else $("login").hidden = false;
