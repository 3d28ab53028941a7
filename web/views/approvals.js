/**
 * Approvals inbox: automation rules waiting for the signed-in approver (pending by
 * default), each with what it wants to do, a live countdown to its expiry, and
 * approve / reject. A live list, so expiries and others' answers appear by themselves.
 */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, describeAction, formatDateTime, isOneOf } from '../format.js';
import { countdown, entityLink, errorAlert, notice, temporalLink } from './components.js';
import { filterSelect, liveList } from './live-list.js';

/** @import { Item } from '../api-client' */
/** @typedef {Item<'/approvals'>} Approval */
/**
 * What this view reads of an approval's `summary` (the API declares it as unknown).
 * @typedef {{ ruleName?: string, trigger?: string, entityType?: string, entityId?: string, actions?: unknown[] }} ApprovalSummary
 */

/** @satisfies {Record<Approval['status'], true>} */
const STATUS_SET = { pending: true, approved: true, rejected: true, expired: true };
const STATUSES = /** @type {Approval['status'][]} */ (Object.keys(STATUS_SET));

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function approvalsView(root, { query, signal, navigate, uiConfig }) {
  document.title = 'Approvals · Splits';
  const asked = query.get('status');
  const status = isOneOf(STATUSES, asked) ? asked : 'pending';
  const alertSlot = h('div', { class: 'slot' });
  const list = liveList({
    path: '/approvals',
    query: { status },
    signal,
    render: card,
    container: h('div', { class: 'stack', 'data-testid': 'approval-list' }),
    noun: 'approvals',
    empty: [status === 'pending' ? 'Nothing is waiting for you.' : `No ${status} approvals.`],
  });
  const filter = filterSelect({
    id: 'approval-status-filter',
    label: 'Status',
    value: status,
    navigate,
    options: STATUSES.map((s) => [s, s.charAt(0).toUpperCase() + s.slice(1)]),
    pathFor: (v) => `/approvals?status=${v}`,
  });
  fill(root, h('section', {}, h('div', { class: 'page-header' }, h('h1', {}, 'Approvals'), filter), alertSlot, list.element));

  /** @param {Approval} approval @param {'approve' | 'reject'} verb @param {HTMLButtonElement} button */
  async function decide(approval, verb, button) {
    button.disabled = true;
    try {
      await api.decideApproval(approval.executionId, verb);
      fill(alertSlot, notice(verb === 'approve' ? "Approved: the rule's actions are running." : 'Rejected: nothing will be done.'));
      await list.refresh();
    } catch (caught) {
      const err = asError(caught);
      fill(alertSlot, errorAlert(err.status === 409 ? `Too late: ${err.message}` : err.message));
      button.disabled = false;
    }
  }

  /** @param {Approval} a */
  function card(a) {
    const s = /** @type {ApprovalSummary} */ (a.summary ?? {});
    const pending = a.status === 'pending';
    const approve = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'approve' }, 'Approve');
    const reject = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'reject' }, 'Reject');
    approve.onclick = () => decide(a, 'approve', approve);
    reject.onclick = () => decide(a, 'reject', reject);
    return h(
      'article',
      { class: 'card', 'data-testid': 'approval-card', 'data-execution-id': a.executionId, 'data-status': a.status },
      h('h2', {}, s.ruleName ?? 'Automation rule'),
      h(
        'p',
        { class: 'muted' },
        `On ${s.trigger} · `,
        s.entityId ? entityLink(s.entityType ?? 'entity', s.entityId) : s.entityType,
        ' ',
        temporalLink(uiConfig, a.workflowId),
      ),
      h(
        'ul',
        {},
        (s.actions ?? []).map((action) => h('li', {}, describeAction(action))),
      ),
      pending
        ? h('p', {}, 'Expires in ', countdown(a.expiresAt), ` (${formatDateTime(a.expiresAt)})`)
        : h(
            'p',
            { class: 'muted', 'data-testid': 'approval-outcome' },
            `${a.status} ${a.decidedAt ? `${formatDateTime(a.decidedAt)} by ${actorLabel({ actorName: a.decidedByName, actorRole: a.decidedByRole ?? 'system' })}` : ''}${a.comment ? ` — ${a.comment}` : ''}`,
          ),
      pending && h('div', { class: 'actions' }, approve, reject),
    );
  }

  await list.reload();
}
