/**
 * A list every view shares: loading and empty states, "Load more" paging by cursor, and a
 * re-fetch every `refreshMs` of as many items as are shown, so states that change on
 * their own (timers, workflows, other people) appear without a reload. An item whose
 * JSON did not change keeps its element, and with it whatever is typed into it.
 */
/** @import { Item, ListPath, Query } from '../api-client' */
import { fetchItems, isAbort } from '../api.js';
import { fill, h, syncChildren } from '../dom.js';
import { emptyState, errorAlert, every, loading } from './components.js';

/**
 * `path` and `query`: the API list. `render(item)` → element. `container`: where the
 * elements go (a <tbody> or a <div>); `frame`: what holds it, hidden while the list is
 * empty; `head`: a first child of the container that stays (a table's <thead> when each
 * item is a <tbody>). `empty`: [title, hint] when nothing matches. Returns `{ element, reload, refresh }`.
 * @template {ListPath} P
 * @param {{
 *   path: P, query?: Query<P, 'get'>, signal: AbortSignal, render: (item: Item<P>) => HTMLElement,
 *   container: HTMLElement, frame?: HTMLElement, head?: HTMLElement, empty: [string, (string | null)?],
 *   noun?: string, pageSize?: number, refreshMs?: number,
 * }} options
 */
export function liveList({
  path,
  query = {},
  signal,
  render,
  container,
  frame = container,
  head,
  empty,
  noun = 'items',
  pageSize = 20,
  refreshMs = 10_000,
}) {
  /** @type {Item<P>[]} */
  let items = [];
  /** @type {string | null} */
  let nextCursor = null;
  let loaded = false;
  let generation = 0; // bumped by a reload; older responses are dropped
  /** @type {Promise<unknown>} */
  let queue = Promise.resolve(); // "Load more" and refreshes run one at a time
  /** @type {Map<unknown, { json: string, el: HTMLElement }>} */
  const cache = new Map(); // key → { json, el }

  const alertSlot = h('div', { class: 'slot' });
  const statusSlot = h('div', { class: 'slot' });
  const loadMore = h(
    'button',
    { type: 'button', class: 'button', 'data-testid': 'load-more', hidden: true, onclick: () => serial(more) },
    'Load more',
  );

  /** @param {Item<P>} item */
  function elementFor(item) {
    const json = JSON.stringify(item);
    const key = /** @type {{ id?: string }} */ (item).id ?? json;
    const hit = cache.get(key);
    if (hit?.json === json) return hit.el;
    const el = render(item);
    cache.set(key, { json, el });
    return el;
  }

  /** @param {Item<P>[]} list @param {string | null} cursor */
  function show(list, cursor) {
    items = list;
    nextCursor = cursor;
    loaded = true;
    frame.hidden = items.length === 0;
    fill(statusSlot, items.length === 0 && emptyState(...empty));
    /** @type {HTMLElement[]} */
    const elements = [];
    for (const item of items) elements.push(elementFor(item));
    syncChildren(container, head ? [head, ...elements] : elements);
    loadMore.hidden = !nextCursor;
  }

  /** @param {() => Promise<unknown> | undefined} task */
  function serial(task) {
    queue = queue.then(task, task);
    return queue;
  }

  /**
   * @template R
   * @param {() => Promise<R>} fetch
   * @param {(result: R) => void} apply
   * @param {(err: Error) => void} onError
   */
  async function current(fetch, apply, onError) {
    const gen = generation;
    try {
      const result = await fetch();
      if (gen === generation) apply(result);
    } catch (err) {
      if (!isAbort(err) && gen === generation) onError(/** @type {Error} */ (err));
    }
  }

  /** @typedef {{ items: Item<P>[], nextCursor: string | null }} Page */
  // fetchItems untyped here on purpose: since the API grew, tsc gives up (TS2590 "union type too
  // complex") relating its P to this one; liveList's own signature types both ends.
  const fetchAny = /** @type {(path: string, options: object) => Promise<Page>} */ (/** @type {unknown} */ (fetchItems));
  /** @type {(count: number, cursor?: string) => Promise<Page>} */
  const fetchPage = (count, cursor) => fetchAny(path, { query, cursor, count, signal });

  function reload() {
    generation += 1;
    loaded = false;
    cache.clear();
    frame.hidden = loadMore.hidden = true;
    fill(alertSlot);
    fill(statusSlot, loading(`Loading ${noun}…`));
    return current(
      () => fetchPage(pageSize),
      (first) => show(first.items, first.nextCursor),
      (err) =>
        fill(
          statusSlot,
          errorAlert(
            `Could not load ${noun}: ${err.message}`,
            h('button', { type: 'button', class: 'button', onclick: reload }, 'Try again'),
          ),
        ),
    );
  }

  async function more() {
    if (!nextCursor) return;
    loadMore.disabled = true;
    loadMore.textContent = 'Loading…';
    await current(
      () => fetchPage(pageSize, nextCursor ?? undefined),
      (page) => show([...items, ...page.items], page.nextCursor),
      (err) => fill(alertSlot, errorAlert(`Could not load more ${noun}: ${err.message}`)),
    );
    loadMore.disabled = false;
    loadMore.textContent = 'Load more';
  }

  function refresh() {
    if (!loaded) return undefined;
    return current(
      () => fetchPage(Math.max(items.length, pageSize)),
      (fresh) => {
        fill(alertSlot);
        show(fresh.items, fresh.nextCursor);
      },
      (err) =>
        fill(alertSlot, errorAlert(`Could not refresh the ${noun} (${err.message}). Showing what was last loaded; retrying shortly.`)),
    );
  }

  every(refreshMs, signal, () => serial(refresh));
  frame.hidden = true;
  const element = h(
    'div',
    { class: 'live-list' },
    alertSlot,
    statusSlot,
    frame === container ? frame : h('div', { class: 'table-wrap' }, frame),
    h('div', { class: 'list-footer' }, loadMore),
  );
  return { element, reload: () => serial(reload), refresh: () => serial(refresh) };
}

/**
 * A table for `liveList`: `{ table, tbody }` with the given column headings.
 * @param {string} testid
 * @param {string[]} headings
 */
export function listTable(testid, headings) {
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table', 'data-testid': testid },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    tbody,
  );
  return { table, tbody };
}

/**
 * A <select> filter kept in the URL: changing it navigates to `pathFor(value)`.
 * @param {{ id: string, label: string, value: string, options: string[][], navigate: (path: string) => void, pathFor: (value: string) => string }} options
 */
export function filterSelect({ id, label, value, options, navigate, pathFor }) {
  return h(
    'div',
    { class: 'field field-inline' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, 'data-testid': id, onchange: (/** @type {Event} */ e) => navigate(pathFor(/** @type {HTMLSelectElement} */ (e.target).value)) },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  );
}
