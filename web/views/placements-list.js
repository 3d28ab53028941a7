/**
 * Placements: the company's own, a recruiter's as a collaborator, all for platform admins.
 * Each row shows the state, a live countdown to the guarantee's end and the escrow's
 * status; filters (state, escrow) live in the URL, so "Escrow" in the admin's menu is
 * this list filtered to holds still held.
 */
import { fill, h } from '../dom.js';
import { formatDateTime, formatMoney, isOneOf } from '../format.js';
import { countdown, stateBadge } from './components.js';
import { filterSelect, listTable, liveList } from './live-list.js';

/** @import { PlacementSummary, ViewContext } from './types' */
/** @import { Query } from '../api-client' */
/** @typedef {PlacementSummary['state']} PlacementState */
/** @typedef {NonNullable<Query<'/placements', 'get'>['escrowStatus']>} EscrowStatus */

/** @satisfies {Record<PlacementState, true>} every state the API has, so a new one fails the type check */
const PLACEMENT_STATE_SET = { hired: true, active: true, completed: true, failed: true };
export const PLACEMENT_STATES = /** @type {PlacementState[]} */ (Object.keys(PLACEMENT_STATE_SET));
/** @satisfies {Record<EscrowStatus, true>} */
const ESCROW_STATUS_SET = { held: true, released: true, refunded: true };
const ESCROW_STATUSES = /** @type {EscrowStatus[]} */ (Object.keys(ESCROW_STATUS_SET));

/**
 * The guarantee: counting down while it runs, else when it started / ended.
 * @param {Pick<PlacementSummary, 'state' | 'guaranteeEndsAt' | 'startDate'>} p
 */
export function guaranteeCell(p) {
  if (p.state === 'active' && p.guaranteeEndsAt) return countdown(p.guaranteeEndsAt, 'Guarantee ends');
  if (p.state === 'hired') return h('span', { class: 'muted' }, `Starts ${p.startDate}`);
  return h('span', { class: 'muted' }, p.guaranteeEndsAt ? `Ended ${formatDateTime(p.guaranteeEndsAt)}` : '—');
}

/** @param {PlacementSummary} p @param {ViewContext['navigate']} navigate */
function placementRow(p, navigate) {
  return h(
    'tr',
    {
      class: 'row-clickable',
      'data-testid': 'placement-row',
      'data-placement-id': p.id,
      'data-state': p.state,
      'data-escrow': p.escrowStatus ?? '',
      onclick: (/** @type {MouseEvent} */ event) => {
        if (!(/** @type {Element} */ (event.target).closest('a'))) navigate(`/placements/${p.id}`);
      },
    },
    h('td', {}, h('a', { href: `#/placements/${p.id}`, class: 'row-link' }, p.candidateName)),
    h('td', {}, p.jobTitle),
    h('td', {}, stateBadge(p.state)),
    h('td', {}, guaranteeCell(p)),
    h('td', {}, p.escrowStatus ?? '—'),
    h('td', { class: 'num' }, formatMoney(p.feeCents, p.currency)),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function placementsListView(root, { me, query, signal, navigate }) {
  const [askedState, askedEscrow] = [query.get('state'), query.get('escrow')];
  const state = isOneOf(PLACEMENT_STATES, askedState) ? askedState : '';
  const escrow = isOneOf(ESCROW_STATUSES, askedEscrow) ? askedEscrow : '';
  const heldOnly = escrow === 'held' && !state;
  document.title = `${heldOnly ? 'Escrow holds' : 'Placements'} · Splits`;
  const pathFor = (/** @type {string} */ s, /** @type {string} */ e) => {
    const qs = new URLSearchParams(Object.entries({ state: s, escrow: e }).filter(([, v]) => v)).toString();
    return `/placements${qs ? `?${qs}` : ''}`;
  };
  const { table, tbody } = listTable('placement-list', ['Candidate', 'Job', 'State', 'Guarantee', 'Escrow', 'Fee']);
  const list = liveList({
    path: '/placements',
    query: { state: state || undefined, escrowStatus: escrow || undefined },
    signal,
    render: (p) => placementRow(p, navigate),
    container: tbody,
    frame: table,
    noun: 'placements',
    empty: [
      state || escrow ? 'No placements match these filters.' : 'No placements yet.',
      me.role === 'company_admin' ? 'Record a hire from an accepted proposal.' : null,
    ],
  });
  fill(
    root,
    h(
      'div',
      { class: 'page-header' },
      h('h1', {}, heldOnly ? 'Escrow holds' : 'Placements'),
      h(
        'div',
        { class: 'toolbar' },
        filterSelect({
          id: 'placement-state-filter',
          label: 'State',
          value: state,
          navigate,
          options: [['', 'All states'], ...PLACEMENT_STATES.map((s) => [s, s])],
          pathFor: (v) => pathFor(v, escrow),
        }),
        filterSelect({
          id: 'placement-escrow-filter',
          label: 'Escrow',
          value: escrow,
          navigate,
          options: [['', 'Any'], ...ESCROW_STATUSES.map((s) => [s, s])],
          pathFor: (v) => pathFor(state, v),
        }),
      ),
    ),
    heldOnly &&
      h('p', { class: 'muted' }, 'Holdbacks still in escrow. Open one to release it early (with a reason) or to extend its guarantee.'),
    list.element,
  );
  await list.reload();
}
