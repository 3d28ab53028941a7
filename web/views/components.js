/** Small building blocks shared by the views. */
import { h } from '../dom.js';
import { formatDateTime, formatDuration, shortId, stateLabel } from '../format.js';

/** @param {string} state */
export function stateBadge(state, testid = 'state-badge') {
  return h('span', { class: `badge badge-${state}`, 'data-testid': testid, 'data-state': state }, stateLabel(state));
}

export function loading(text = 'Loading…') {
  return h(
    'p',
    { class: 'loading', role: 'status', 'data-testid': 'loading' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

/** @param {string} title @param {string | null} [hint] */
export function emptyState(title, hint) {
  return h('div', { class: 'empty', 'data-testid': 'empty-state' }, h('p', { class: 'empty-title' }, title), hint && h('p', {}, hint));
}

/**
 * A `<dt>`/`<dd>` pair for a `dl.fields`; a value of nothing (every part empty) reads "—".
 * @param {string} label
 * @param {...import('../dom.js').Child} value
 */
export const field = (label, ...value) => {
  const present = value.filter((v) => v !== undefined && v !== null && v !== false && v !== '');
  return [h('dt', {}, label), h('dd', {}, present.length ? present : '—')];
};

/**
 * A visible error; `extra` nodes (e.g. a link or a list) follow the message.
 * @param {string} message
 * @param {...import('../dom.js').Child} extra
 */
export function errorAlert(message, ...extra) {
  return h('div', { class: 'alert alert-error', role: 'alert', 'data-testid': 'error-alert' }, h('p', {}, message), extra);
}

/**
 * A status message.
 * @param {string} message
 * @param {'success' | 'info'} [tone]
 */
export function notice(message, tone = 'success') {
  return h('div', { class: `alert alert-${tone}`, role: 'status', 'data-testid': 'notice' }, h('p', {}, message));
}

// --- Live countdowns -------------------------------------------------------------
// Every element with data-deadline is re-rendered by one page-wide ticker, so views
// only create them and never manage timers of their own.

const URGENT_MS = 60 * 60 * 1000;

/** @param {HTMLElement} el @param {number} now */
function renderCountdown(el, now) {
  const left = Date.parse(el.dataset.deadline ?? '') - now;
  el.textContent = left > 0 ? `${formatDuration(left)} left` : 'Deadline passed';
  el.classList.toggle('is-urgent', left > 0 && left < URGENT_MS);
  el.classList.toggle('is-overdue', left <= 0);
  // A passed deadline is not counted any further: the ticker lets go of it.
  if (left <= 0) delete el.dataset.deadline;
}

/** @param {string} deadlineIso */
export function countdown(deadlineIso, what = 'Decision due') {
  const el = h('time', {
    class: 'countdown',
    datetime: deadlineIso,
    title: `${what} ${formatDateTime(deadlineIso)}`,
    'data-deadline': deadlineIso,
    'data-testid': 'countdown',
  });
  renderCountdown(el, Date.now());
  return el;
}

export function startCountdownTicker() {
  setInterval(() => {
    const now = Date.now();
    document.querySelectorAll('[data-deadline]').forEach((el) => renderCountdown(/** @type {HTMLElement} */ (el), now));
  }, 1000);
}

/**
 * Runs `task` every `ms` until `signal` aborts; skips a tick while the tab is hidden or
 * the previous run is still going, so slow responses never pile up.
 * @param {number} ms
 * @param {AbortSignal} signal
 * @param {() => unknown} task
 */
export function every(ms, signal, task) {
  let running = false;
  const id = setInterval(async () => {
    if (running || document.hidden) return;
    running = true;
    try {
      await task();
    } finally {
      running = false;
    }
  }, ms);
  signal.addEventListener('abort', () => clearInterval(id), { once: true });
}

/**
 * A link to a workflow's page in the Temporal Web UI, for operators (`uiConfig.temporalUi`
 * is set for platform admins only); otherwise nothing.
 * @param {import('./types').UiConfig | null} uiConfig
 * @param {string | null | undefined} workflowId
 */
export function temporalLink(uiConfig, workflowId) {
  const ui = uiConfig?.temporalUi;
  if (!ui || !workflowId) return null;
  const href = `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return h('a', { href, target: '_blank', rel: 'noopener', class: 'temporal-link', 'data-testid': 'temporal-link' }, 'Open in Temporal ↗');
}

/** @type {Record<string, string>} Which entities have a page of their own in the app. */
const ENTITY_PAGES = { proposal: 'proposals', placement: 'placements', candidate: 'candidates', candidate_protection: 'candidates' };

/** `proposal 1f2e…9a0b`, linking to its page when it has one. @param {string} type @param {string} id */
export function entityLink(type, id) {
  const label = `${type.replace(/_/g, ' ')} ${shortId(id)}`;
  const page = ENTITY_PAGES[type];
  return page && /^[0-9a-f-]{36}$/i.test(id)
    ? h('a', { href: `#/${page}/${encodeURIComponent(id)}`, title: id }, label)
    : h('span', { title: id }, label);
}
