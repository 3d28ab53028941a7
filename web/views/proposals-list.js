/**
 * Proposals list: state filter (kept in the URL), "Load more" paging by cursor, a live
 * countdown for open proposals, and a re-fetch every 10 s so timer-driven changes
 * (timed_out) appear without a reload.
 */
import { api, isAbort } from '../api.js';
import { fill, h, syncChildren } from '../dom.js';
import { STATES, formatDateTime, isOpenState, stateLabel } from '../format.js';
import { countdown, emptyState, errorAlert, every, loading, stateBadge } from './components.js';

const PAGE_SIZE = 20;
const REFRESH_MS = 10_000;

function decisionCell(p) {
  if (isOpenState(p.state)) return countdown(p.decisionDeadline);
  return h('span', { class: 'muted' }, formatDateTime(p.decidedAt ?? p.updatedAt));
}

function proposalRow(p, navigate) {
  const href = `#/proposals/${encodeURIComponent(p.id)}`;
  return h(
    'tr',
    {
      class: 'row-clickable',
      'data-testid': 'proposal-row',
      'data-proposal-id': p.id,
      'data-state': p.state,
      onclick: (event) => {
        if (!event.target.closest('a')) navigate(`/proposals/${p.id}`);
      },
    },
    h('td', {}, h('a', { href, class: 'row-link' }, p.candidateName)),
    h('td', {}, p.jobTitle),
    h('td', {}, stateBadge(p.state)),
    h('td', {}, decisionCell(p)),
    h('td', { class: 'muted' }, formatDateTime(p.createdAt)),
  );
}

function stateFilter(value, onChange) {
  return h(
    'div',
    { class: 'field field-inline' },
    h('label', { for: 'state-filter' }, 'State'),
    h(
      'select',
      { id: 'state-filter', 'data-testid': 'state-filter', value, onchange: (event) => onChange(event.target.value) },
      h('option', { value: '' }, 'All states'),
      STATES.map((s) => h('option', { value: s }, stateLabel(s))),
    ),
  );
}

export async function proposalsListView(root, { me, query, signal, navigate }) {
  document.title = 'Proposals · Splits';
  let state = STATES.includes(query.get('state')) ? query.get('state') : '';
  let rows = [];
  let nextCursor = null;
  let loaded = false;
  let generation = 0; // bumped by a filter change; older responses are dropped
  let queue = Promise.resolve(); // "Load more" and refreshes run one at a time
  const rowCache = new Map(); // id → { version, el }: unchanged rows keep their element

  const alertSlot = h('div', { class: 'slot' });
  const statusSlot = h('div', { class: 'slot' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table', 'data-testid': 'proposal-list', hidden: true },
    h('thead', {}, h('tr', {}, ['Candidate', 'Job', 'State', 'Decision', 'Proposed'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody,
  );
  const loadMoreButton = h(
    'button',
    { type: 'button', class: 'button', 'data-testid': 'load-more', hidden: true, onclick: () => serial(loadMore) },
    'Load more',
  );

  function rowElement(p) {
    const version = `${p.state}|${p.updatedAt}`;
    const hit = rowCache.get(p.id);
    if (hit?.version === version) return hit.el;
    const el = proposalRow(p, navigate);
    rowCache.set(p.id, { version, el });
    return el;
  }

  function setRows(items, cursor) {
    rows = items;
    nextCursor = cursor;
    loaded = true;
    table.hidden = rows.length === 0;
    fill(statusSlot, rows.length === 0 && emptyState(
      state ? `No ${stateLabel(state).toLowerCase()} proposals` : 'No proposals yet',
      state ? 'Try another state, or all states.' : me.role === 'recruiter' ? 'Propose a candidate for an open job to get started.' : null,
    ));
    syncChildren(tbody, rows.map(rowElement));
    loadMoreButton.hidden = !nextCursor;
  }

  function serial(task) {
    queue = queue.then(task, task);
    return queue;
  }

  /** Runs `fetch` for the current filter and applies `apply` unless the filter changed meanwhile. */
  async function forCurrentFilter(fetch, apply, onError) {
    const gen = generation;
    try {
      const result = await fetch();
      if (gen === generation) apply(result);
    } catch (err) {
      if (!isAbort(err) && gen === generation) onError(err);
    }
  }

  function reload() {
    generation += 1;
    loaded = false;
    rowCache.clear();
    table.hidden = loadMoreButton.hidden = true;
    fill(alertSlot);
    fill(statusSlot, loading('Loading proposals…'));
    return forCurrentFilter(
      () => api.firstProposals({ state, count: PAGE_SIZE }, signal),
      (first) => setRows(first.items, first.nextCursor),
      (err) => fill(statusSlot, errorAlert(`Could not load proposals: ${err.message}`, retryButton())),
    );
  }

  async function loadMore() {
    if (!nextCursor) return;
    loadMoreButton.disabled = true;
    loadMoreButton.textContent = 'Loading…';
    await forCurrentFilter(
      () => api.listProposals({ state, cursor: nextCursor, limit: PAGE_SIZE }, signal),
      (page) => setRows([...rows, ...page.data], page.nextCursor),
      (err) => fill(alertSlot, errorAlert(`Could not load more proposals: ${err.message}`)),
    );
    loadMoreButton.disabled = false;
    loadMoreButton.textContent = 'Load more';
  }

  /** Re-fetches as many rows as are shown, so paging survives the refresh. */
  function refresh() {
    if (!loaded) return undefined;
    return forCurrentFilter(
      () => api.firstProposals({ state, count: Math.max(rows.length, PAGE_SIZE) }, signal),
      (fresh) => {
        fill(alertSlot);
        setRows(fresh.items, fresh.nextCursor);
      },
      (err) => fill(alertSlot, errorAlert(`Could not refresh the list (${err.message}). Showing what was last loaded; retrying shortly.`)),
    );
  }

  function retryButton() {
    return h('button', { type: 'button', class: 'button', onclick: reload }, 'Try again');
  }

  function changeFilter(value) {
    state = value;
    history.replaceState(null, '', `#/proposals${state ? `?state=${encodeURIComponent(state)}` : ''}`);
    void reload();
  }

  root.append(
    h(
      'div',
      { class: 'page-header' },
      h('h1', {}, 'Proposals'),
      h(
        'div',
        { class: 'toolbar' },
        stateFilter(state, changeFilter),
        me.role === 'recruiter' && h('a', { href: '#/proposals/new', class: 'button button-primary', 'data-testid': 'new-proposal-link' }, 'New proposal'),
      ),
    ),
    alertSlot,
    statusSlot,
    h('div', { class: 'table-wrap' }, table),
    h('div', { class: 'list-footer' }, loadMoreButton),
  );

  every(REFRESH_MS, signal, () => serial(refresh));
  await reload();
}
