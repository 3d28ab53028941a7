/**
 * Payouts: each tranche with its splits; blocked splits show Stripe's reason and, for
 * platform admins, the three ways out (retry, another connected account, cancel with a
 * reason). Filtered by status (admins land on "blocked"), re-fetched every 10 s.
 */
import { api, isAbort } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime, formatMoney } from '../format.js';
import { emptyState, errorAlert, every, loading, notice } from './components.js';

const REFRESH_MS = 10_000;
const STATUSES = ['processing', 'blocked', 'paid', 'cancelled'];

export async function payoutsView(root, { me, query, signal, navigate }) {
  document.title = 'Payouts · Splits';
  const admin = me.role === 'platform_admin';
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : admin ? 'blocked' : '';
  const alertSlot = h('div', { class: 'slot' });
  const list = h('div', { class: 'stack', 'data-testid': 'payout-list' });
  const filter = h(
    'select',
    { id: 'payout-status', 'data-testid': 'payout-status-filter', onchange: (e) => navigate(`/payouts?status=${e.target.value}`) },
    h('option', { value: '', selected: status === '' }, 'All'),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, s[0].toUpperCase() + s.slice(1))),
  );
  fill(root, h('section', {},
    h('div', { class: 'page-header' }, h('h1', {}, 'Payouts'), h('div', { class: 'field field-inline' }, h('label', { for: 'payout-status' }, 'Status'), filter)),
    alertSlot, list));
  fill(list, loading());

  async function act(payout, split, action, body, button) {
    button.disabled = true;
    try {
      await api.splitAction(payout.id, split.id, action, body);
      fill(alertSlot, notice(action === 'cancel' ? 'Split cancelled.' : 'The transfer is being made again.'));
      await refresh();
    } catch (err) {
      const fields = err.details?.map?.((d) => `${(d.path ?? []).join('.')}: ${d.message}`) ?? [];
      fill(alertSlot, errorAlert(err.message, fields.length ? h('ul', {}, fields.map((f) => h('li', {}, f))) : null));
      button.disabled = false;
    }
  }

  function blockedActions(payout, split) {
    const account = h('input', { type: 'text', placeholder: 'acct_…', 'data-testid': 'new-account', 'aria-label': 'New connected account' });
    const reason = h('input', { type: 'text', placeholder: 'Reason', 'data-testid': 'cancel-reason', 'aria-label': 'Reason for cancelling' });
    const retry = h('button', { type: 'button', class: 'button', 'data-testid': 'retry-split' }, 'Retry');
    const change = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'change-account' }, 'Pay to this account');
    const cancel = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'cancel-split' }, 'Cancel split');
    retry.onclick = () => act(payout, split, 'retry', {}, retry);
    change.onclick = () => act(payout, split, 'change-account', { stripeAccountId: account.value.trim() }, change);
    cancel.onclick = () => act(payout, split, 'cancel', { reason: reason.value.trim() }, cancel);
    return h('div', { class: 'actions split-actions' }, retry, account, change, reason, cancel);
  }

  /** A split's row; a blocked split's admin actions sit in a full-width row under it. */
  function splitRows(payout, s) {
    const row = h('tr', { 'data-testid': 'split-row', 'data-split-id': s.id, 'data-status': s.status },
      h('td', {}, s.recruiterId.slice(0, 8)),
      h('td', {}, formatMoney(s.amountCents, payout.currency)),
      h('td', { class: 'wrap' }, s.status, s.blockReason && h('div', { class: 'muted', 'data-testid': 'block-reason' }, s.blockReason)),
      h('td', {}, s.stripeAccountId ?? '—'));
    if (!(admin && s.status === 'blocked')) return [row];
    const actions = h('tr', { 'data-testid': 'split-actions', 'data-split-id': s.id }, h('td', { colspan: 4 }, blockedActions(payout, s)));
    return [row, actions];
  }

  function card(p) {
    return h('article', { class: 'card', 'data-testid': 'payout-card', 'data-payout-id': p.id, 'data-status': p.status },
      h('h2', {}, `${p.tranche === 'activation' ? 'Activation' : 'Holdback'} tranche · ${formatMoney(p.amountCents, p.currency)}`),
      h('p', { class: 'muted' }, `Status ${p.status} · placement ${p.placementId.slice(0, 8)} · ${formatDateTime(p.createdAt)} · workflow ${p.workflowId}`),
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['Recruiter', 'Amount', 'Status', 'Account'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, p.splits.map((s) => splitRows(p, s)))));
  }

  async function refresh() {
    try {
      const page = await api.listPayouts({ status: status || undefined, limit: 50 }, signal);
      // An admin typing an account id keeps the form: only re-render when nothing is being typed.
      if (root.contains(document.activeElement) && document.activeElement?.tagName === 'INPUT') return;
      fill(list, page.data.length ? page.data.map(card) : emptyState(status ? `No ${status} payouts.` : 'No payouts yet.'));
    } catch (err) {
      if (!isAbort(err)) fill(alertSlot, errorAlert(err.message));
    }
  }
  await refresh();
  every(REFRESH_MS, signal, refresh);
}
