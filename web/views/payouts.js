/**
 * Payouts: each tranche with its splits; blocked splits show Stripe's reason and, for
 * platform admins, the three ways out (retry, another connected account, cancel with a
 * reason). Filtered by status (admins land on "blocked") or placement; a live list.
 */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime, formatMoney, isOneOf } from '../format.js';
import { errorAlert, notice, temporalLink } from './components.js';
import { issueList } from './form.js';
import { filterSelect, liveList } from './live-list.js';

/** @import { Payout } from './types' */
/** @import { SplitAction } from '../api.js' */
/** @typedef {Payout['splits'][number]} Split */

/** @satisfies {Record<Payout['status'], true>} */
const STATUS_SET = { processing: true, blocked: true, paid: true, cancelled: true };
const STATUSES = /** @type {Payout['status'][]} */ (Object.keys(STATUS_SET));

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function payoutsView(root, { me, query, signal, navigate, uiConfig }) {
  document.title = 'Payouts · Splits';
  const admin = me.role === 'platform_admin';
  const asked = query.get('status');
  const placementId = query.get('placement') ?? undefined;
  // Platform admins start on what waits for them (blocked), unless they came for one placement's payouts.
  const status = isOneOf(STATUSES, asked) ? asked : admin && !placementId ? 'blocked' : '';
  const alertSlot = h('div', { class: 'slot' });
  const list = liveList({
    path: '/payouts',
    query: { status: status || undefined, placementId },
    signal,
    render: card,
    container: h('div', { class: 'stack', 'data-testid': 'payout-list' }),
    noun: 'payouts',
    empty: [
      status ? `No ${status} payouts.` : 'No payouts yet.',
      'Payouts appear when a placement is activated and when its guarantee ends.',
    ],
  });
  const filter = filterSelect({
    id: 'payout-status-filter',
    label: 'Status',
    value: status,
    navigate,
    options: [['', 'All'], ...STATUSES.map((s) => [s, s.charAt(0).toUpperCase() + s.slice(1)])],
    pathFor: (v) => `/payouts?status=${v}`,
  });
  fill(root, h('section', {}, h('div', { class: 'page-header' }, h('h1', {}, 'Payouts'), filter), alertSlot, list.element));

  /**
   * @param {Payout} payout
   * @param {Split} split
   * @param {SplitAction} action
   * @param {Parameters<typeof api.splitAction>[3]} body
   * @param {HTMLButtonElement} button
   */
  async function act(payout, split, action, body, button) {
    button.disabled = true;
    try {
      await api.splitAction(payout.id, split.id, action, body);
      fill(alertSlot, notice(action === 'cancel' ? 'Split cancelled.' : 'The transfer is being made again.'));
      await list.refresh();
    } catch (caught) {
      const err = asError(caught);
      fill(alertSlot, errorAlert(err.message, issueList(err)));
      button.disabled = false;
    }
  }

  /** @param {Payout} payout @param {Split} split */
  function blockedActions(payout, split) {
    const account = h('input', {
      type: 'text',
      placeholder: 'acct_…',
      'data-testid': 'new-account',
      'aria-label': 'New connected account',
    });
    const reason = h('input', {
      type: 'text',
      placeholder: 'Reason',
      'data-testid': 'cancel-reason',
      'aria-label': 'Reason for cancelling',
    });
    const retry = h('button', { type: 'button', class: 'button', 'data-testid': 'retry-split' }, 'Retry');
    const forFuture = h('input', { type: 'checkbox', 'data-testid': 'update-recruiter-account' });
    const forFutureLabel = h('label', { class: 'checkbox' }, forFuture, ' Also for future payouts');
    const change = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'change-account' }, 'Pay to this account');
    const cancel = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'cancel-split' }, 'Cancel split');
    retry.onclick = () => act(payout, split, 'retry', {}, retry);
    change.onclick = () =>
      act(payout, split, 'change-account', { stripeAccountId: account.value.trim(), updateRecruiterAccount: forFuture.checked }, change);
    cancel.onclick = () => act(payout, split, 'cancel', { reason: reason.value.trim() }, cancel);
    // The recruiter's own payout account: once Stripe enables it, the split is retried by itself.
    const accountStatus = h('p', { class: 'muted', 'data-testid': 'recruiter-payout-account' });
    api
      .recruiterPayoutAccount(split.recruiterId, signal)
      .then((a) => {
        const due = a.stillDue.length ? ` Stripe still needs: ${a.stillDue.join(', ')}.` : '';
        const label = a.status === 'not_connected' ? 'not connected yet' : a.status.replace('_', ' ');
        accountStatus.textContent = `${split.recruiterName}'s payout account: ${label}.${due}`;
        accountStatus.dataset.status = a.status;
      })
      .catch(() => undefined);
    return h(
      'div',
      {},
      accountStatus,
      h('div', { class: 'actions split-actions' }, retry, account, forFutureLabel, change, reason, cancel),
    );
  }

  /** A split's row; a blocked split's admin actions sit in a full-width row under it. */
  /** @param {Payout} payout @param {Split} s */
  function splitRows(payout, s) {
    const row = h(
      'tr',
      { 'data-testid': 'split-row', 'data-split-id': s.id, 'data-status': s.status },
      h('td', {}, s.recruiterName),
      h('td', {}, formatMoney(s.amountCents, payout.currency)),
      h('td', { class: 'wrap' }, s.status, s.blockReason && h('div', { class: 'muted', 'data-testid': 'block-reason' }, s.blockReason)),
      h('td', {}, s.stripeAccountId ?? '—'),
    );
    if (!(admin && s.status === 'blocked')) return [row];
    const actions = h('tr', { 'data-testid': 'split-actions', 'data-split-id': s.id }, h('td', { colspan: 4 }, blockedActions(payout, s)));
    return [row, actions];
  }

  /** @param {Payout} p */
  function card(p) {
    return h(
      'article',
      { class: 'card', 'data-testid': 'payout-card', 'data-payout-id': p.id, 'data-status': p.status },
      h('h2', {}, `${p.tranche === 'activation' ? 'Activation' : 'Holdback'} tranche · ${formatMoney(p.amountCents, p.currency)}`),
      h(
        'p',
        { class: 'muted' },
        `Status ${p.status} · `,
        h('a', { href: `#/placements/${p.placementId}` }, `placement ${p.placementId.slice(0, 8)}`),
        ` · ${formatDateTime(p.createdAt)} · `,
        temporalLink(uiConfig, p.workflowId),
      ),
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Recruiter', 'Amount', 'Status', 'Account'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          p.splits.map((s) => splitRows(p, s)),
          h(
            'tr',
            { 'data-testid': 'payout-platform-fee' },
            h('td', {}, 'Platform fee'),
            h('td', {}, formatMoney(p.platformFeeCents, p.currency)),
            h('td', { class: 'muted', colspan: 2 }, 'kept by the platform, not transferred'),
          ),
        ),
      ),
    );
  }

  await list.reload();
}
