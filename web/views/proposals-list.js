/**
 * Proposals list: state filter (kept in the URL), paging, a live countdown for open
 * proposals, and the live list's re-fetch so timer-driven changes (timed_out) appear.
 */
import { h } from '../dom.js';
import { STATES, awaitsDecision, formatDateTime, isOneOf, isOpenState, stateLabel } from '../format.js';
/** @import { ProposalSummary, ViewContext } from './types' */
import { countdown, stateBadge } from './components.js';
import { filterSelect, listTable, liveList } from './live-list.js';

/** @param {ProposalSummary} p */
function decisionCell(p) {
  if (awaitsDecision(p)) return countdown(p.decisionDeadline);
  if (isOpenState(p.state)) return h('span', { class: 'muted', 'data-testid': 'deadline' }, `Due ${formatDateTime(p.decisionDeadline)}`);
  return h('span', { class: 'muted' }, formatDateTime(p.decidedAt ?? p.updatedAt));
}

/** @param {ProposalSummary} p @param {ViewContext['navigate']} navigate */
function proposalRow(p, navigate) {
  const href = `#/proposals/${encodeURIComponent(p.id)}`;
  return h(
    'tr',
    {
      class: 'row-clickable',
      'data-testid': 'proposal-row',
      'data-proposal-id': p.id,
      'data-state': p.state,
      onclick: (/** @type {MouseEvent} */ event) => {
        if (!(/** @type {Element} */ (event.target).closest('a'))) navigate(`/proposals/${p.id}`);
      },
    },
    h('td', {}, h('a', { href, class: 'row-link' }, p.candidateName)),
    h('td', {}, p.jobTitle),
    h('td', {}, stateBadge(p.state)),
    h('td', {}, decisionCell(p)),
    h('td', { class: 'muted' }, formatDateTime(p.createdAt)),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function proposalsListView(root, { me, query, signal, navigate }) {
  document.title = 'Proposals · Splits';
  const asked = query.get('state');
  const state = isOneOf(STATES, asked) ? asked : '';
  const { table, tbody } = listTable('proposal-list', ['Candidate', 'Job', 'State', 'Decision', 'Proposed']);
  const list = liveList({
    path: '/proposals',
    query: { state: state || undefined },
    signal,
    render: (p) => proposalRow(p, navigate),
    container: tbody,
    frame: table,
    noun: 'proposals',
    empty: [
      state ? `No ${stateLabel(state).toLowerCase()} proposals` : 'No proposals yet',
      state ? 'Try another state, or all states.' : me.role === 'recruiter' ? 'Propose a candidate for an open job to get started.' : null,
    ],
  });
  root.append(
    h(
      'div',
      { class: 'page-header' },
      h('h1', {}, 'Proposals'),
      h(
        'div',
        { class: 'toolbar' },
        filterSelect({
          id: 'state-filter',
          label: 'State',
          value: state,
          navigate,
          options: [['', 'All states'], ...STATES.map((s) => [s, stateLabel(s)])],
          pathFor: (v) => `/proposals${v ? `?state=${encodeURIComponent(v)}` : ''}`,
        }),
        me.role === 'recruiter' &&
          h('a', { href: '#/proposals/new', class: 'button button-primary', 'data-testid': 'new-proposal-link' }, 'New proposal'),
      ),
    ),
    list.element,
  );
  await list.reload();
}
