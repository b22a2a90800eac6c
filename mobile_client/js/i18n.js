// Every user-facing string comes from i18n/<lang>.json. Vietnamese is the default.
import { meta } from './db.js';

let strings = {};
let fallback = {};
export let lang = 'vi';

async function loadJson(code) {
  const r = await fetch(`./i18n/${code}.json`);
  return r.json();
}

// Vietnamese is always needed (it is the fallback): its fetch starts as this module runs,
// alongside the IndexedDB read, not after it (index.html also preloads it).
let viJson = null;
export function prefetch() { viJson = viJson || loadJson('vi'); return viJson; }
prefetch();

export async function init(code) {
  lang = code || 'vi';
  fallback = await prefetch();
  strings = lang === 'vi' ? fallback : await loadJson(lang);
  document.documentElement.lang = lang;
}

export async function setLang(code) {
  await meta.set('lang', code);
  await init(code);
}

// t('status.late') or t('sync.pending', {n: 3}): "{n}" placeholders are filled in.
export function t(key, vars) {
  let s = strings[key] ?? fallback[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}

export const has = (key) => key in strings || key in fallback;

// The server's human messages are Vietnamese: in another language, the phone's own label for
// the code when it has one.
export const serverText = (message, key) => (lang === 'vi' || !has(key) ? message || t(key) : t(key));

// 24-hour clock and dd/mm dates, in either language (docs/architecture.md, "The phone app").
const two = (n) => String(n).padStart(2, '0');
export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}
export function date(iso) {
  if (!iso) return '';
  const d = typeof iso === 'string' && iso.length === 10 ? new Date(`${iso}T00:00`) : new Date(iso);
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}`;
}
export function duration(minutes) {
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  return h ? t('duration.hm', { h, m: m % 60 }) : t('duration.m', { m });
}
