// h('button', {class: 'big', onclick}, 'text', child...) -> an element. No framework.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function mount(parent, ...children) {
  parent.replaceChildren(...children.flat(Infinity).filter(Boolean));
  return parent;
}

// Icons beside words for each kind (docs/architecture.md): small inline SVGs, so no emoji font is needed.
const PATHS = {
  meal: 'M3 11h18a9 9 0 0 1-18 0zM8 3v5M12 3v5M16 3v5',
  medication: 'M7 17 17 7a3.5 3.5 0 0 0-5-5L2 12a3.5 3.5 0 0 0 5 5zM7 7l5 5',
  sun_exposure: 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10zM12 1v3M12 20v3M1 12h3M20 12h3M4 4l2 2M18 18l2 2M4 20l2-2M18 6l2-2',
  disinfection: 'M8 9h8v13H8zM10 9V5h4v4M14 5h5M19 3v4M5 14h1',
  custom: 'M5 3h14v18H5zM8 8h8M8 12h8M8 16h5',
  kitchen: 'M4 10h16v3a8 8 0 0 1-16 0zM9 2c0 2 2 2 2 4M14 2c0 2 2 2 2 4',
  now: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 3',
  shift: 'M8 3h8v3H8zM6 5H4v16h16V5h-2M8 11h8M8 15h6',
};
export function icon(kind) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = `<path d="${PATHS[kind] || PATHS.custom}"/>`;
  return svg;
}

// A bottom sheet for the "second tap": a list of choices, resolved with the one picked.
export function sheet(title, build) {
  return new Promise((resolve) => {
    const close = (value) => { back.remove(); resolve(value); };
    const body = h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-label': title });
    const back = h('div', { class: 'backdrop', onclick: (e) => { if (e.target === back) close(null); } }, body);
    body.append(h('h2', {}, title), ...[].concat(build(close)));
    document.body.append(back);
    body.querySelector('button, input, select')?.focus();
  });
}

export function toast(text, kind = '') {
  const el = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 3500);
}

// A tap under way, from finger-down until its click has run. Redrawing the screen meanwhile
// replaces the button under the finger, and the browser then sends the click to neither the
// old button nor its copy: the tap is lost (the next meal's sheet never opens). So redraws
// wait for the tap (`afterTap`); a finger resting on the screen holds them at most HOLD ms.
const HOLD = 3000;
const CLICK_WAIT = 400; // a touch's click comes after its pointerup, as its own event
const fingers = new Set();
const queued = new Set(); // each redraw once, however often it was asked for
let lifting = null;
let holding = null;

function release() {
  clearTimeout(lifting);
  clearTimeout(holding);
  lifting = holding = null;
  fingers.clear();
  const run = [...queued];
  queued.clear();
  for (const fn of run) fn();
}

export function afterTap(fn) {
  if (fingers.size || lifting) queued.add(fn); else fn();
}

document.addEventListener('pointerdown', (e) => {
  fingers.add(e.pointerId);
  clearTimeout(lifting);
  lifting = null;
  if (!holding) holding = setTimeout(release, HOLD);
}, true);
const lift = (e) => {
  fingers.delete(e.pointerId);
  if (fingers.size) return;
  clearTimeout(lifting);
  lifting = setTimeout(release, e.type === 'pointercancel' ? 0 : CLICK_WAIT);
};
document.addEventListener('pointerup', lift, true);
document.addEventListener('pointercancel', lift, true);
// The click's own handlers run first (capture here, release after them).
document.addEventListener('click', () => {
  if (!lifting) return;
  clearTimeout(lifting);
  lifting = setTimeout(release, 0);
}, true);
