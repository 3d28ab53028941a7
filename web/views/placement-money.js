/**
 * A placement's money (product §3.3, "Collecting the fee"): where the fee is (collected from the
 * company, paid out, held in escrow, refunded, the platform's fee, still owed), the company's
 * invoice (status, due date, reminders, Stripe's last decline, the hosted invoice page, the
 * refund), a platform admin's commands on it (mark paid out of band, extend the due date, void;
 * retry or cancel a refund Stripe refused) and its audited history, with names.
 *
 * In development and the tests the invoice lives in the local Stripe fake, whose hosted invoice
 * page is at `<fake>/_fake/invoices/<id>`: the company's users then also get "Pay invoice (demo)"
 * and "Decline card (demo)", which call the fake's control endpoint as the hosted page's buttons
 * would. The fake then sends its signed webhook to the API, which signals the placement's
 * process: the page shows what the process recorded, never what the button assumed.
 */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, formatMoney, humanize } from '../format.js';
import { errorAlert, field, loading, notice } from './components.js';
import { commandForm, formField, reasonField } from './form.js';

/** @import { FormField, formErrors } from './form.js' */
/** @import { PaymentCommand } from '../api.js' */
/** @import { Me, Placement } from './types' */
/** @typedef {Placement['money']} Money */
/** @typedef {NonNullable<Money['payment']>} Payment */
/** @typedef {import('../api-client').Item<'/placements/{id}/payment/history'>} PaymentChange */
/** @typedef {'mark-paid' | 'extend-due' | 'void-invoice' | 'retry-refund' | 'cancel-refund'} AdminAction */

/** @satisfies {Record<Payment['status'], string>} */
export const PAYMENT_STATUS_LABELS = {
  awaiting_payment: 'Awaiting payment',
  payment_failed: 'Payment failed',
  overdue: 'Overdue',
  paid: 'Paid',
  disputed: 'Disputed',
  void: 'Voided',
  refunded: 'Refunded',
  refund_blocked: 'Refund blocked',
};

/** @satisfies {Record<Payment['refundState'], string | null>} */
const REFUND_STATE_LABELS = {
  none: null,
  refunded: 'Refunded to the company',
  blocked: 'Blocked: Stripe refused the refund',
  cancelled: 'Cancelled by the platform',
};

/** @satisfies {Record<PaymentChange['event'], string>} the audit's events in words */
const EVENT_LABELS = {
  invoice_created: 'Invoice sent to the company',
  payment_failed: 'Payment failed',
  paid: 'Paid',
  marked_paid: 'Marked paid outside Stripe',
  due_extended: 'Due date extended',
  voided: 'Invoice voided',
  reminder_sent: 'Reminder sent to the company',
  disputed: 'Payment disputed',
  dispute_closed: 'Dispute closed',
  refunded_outside: 'Refunded outside the platform',
  refund_planned: 'Refund decided',
  refunded: 'Refunded to the company',
  refund_blocked: 'Refund blocked',
  refund_retried: 'Refund retried',
  refund_cancelled: 'Refund cancelled',
};

/** @type {Record<string, string>} the payment's stored states and its refund's, as the audit names them */
const STATE_WORDS = {
  creating: 'Being created',
  open: 'Open',
  paid: 'Paid',
  void: 'Void',
  none: 'No refund',
  refunded: 'Refunded',
  blocked: 'Blocked',
  cancelled: 'Cancelled',
};

/** The statuses in which the company still owes the invoice. */
const OPEN = /** @type {Payment['status'][]} */ (['awaiting_payment', 'payment_failed', 'overdue']);

/** @satisfies {Record<AdminAction, { path: PaymentCommand, button: string, submit: string, danger?: boolean, fields: () => Record<string, FormField>, done: string }>} */
const ADMIN_ACTIONS = {
  'mark-paid': {
    path: 'payment/mark-paid',
    button: 'Mark paid…',
    submit: 'Record the payment',
    fields: () => ({ reason: reasonField(false) }),
    done: 'Recorded as paid outside Stripe.',
  },
  'extend-due': {
    path: 'payment/extend',
    button: 'Extend due date…',
    submit: 'Extend the due date',
    fields: () => ({
      days: formField({
        name: 'days',
        label: 'Days to add (1–90)',
        hint: 'Reminders follow the new due date.',
        control: (a) => h('input', { ...a, type: 'number', min: 1, max: 90 }),
      }),
      reason: reasonField(false),
    }),
    done: 'Due date extended.',
  },
  'void-invoice': {
    path: 'payment/void',
    button: 'Void invoice…',
    submit: 'Void the invoice',
    danger: true,
    fields: () => ({ reason: reasonField(false) }),
    done: 'Invoice voided: the fee will not be collected and nothing more is paid out.',
  },
  'retry-refund': {
    path: 'refund/retry',
    button: 'Retry refund…',
    submit: 'Retry the refund',
    fields: () => ({ reason: reasonField(true) }),
    done: 'Refund retried.',
  },
  'cancel-refund': {
    path: 'refund/cancel',
    button: 'Cancel refund…',
    submit: 'Cancel the refund',
    danger: true,
    fields: () => ({ reason: reasonField(false) }),
    done: 'Refund cancelled: the company keeps no claim through the platform.',
  },
};

/** How often, and how many times, the page looks for the fake's webhook to have reached the placement. */
const WATCH_MS = 1000;
const WATCH_TRIES = 30;

/**
 * The commands a platform admin may give on this payment now; mirrors the placement workflow's
 * validators (the API re-checks).
 * @param {Me} me @param {Placement} p
 * @returns {AdminAction[]}
 */
export function paymentActions(me, p) {
  const payment = p.money.payment;
  if (me.role !== 'platform_admin' || !payment) return [];
  if (OPEN.includes(payment.status)) return ['mark-paid', 'extend-due', 'void-invoice'];
  return payment.refundState === 'blocked' ? ['retry-refund', 'cancel-refund'] : [];
}

/**
 * The Stripe fake's address when this invoice's hosted page is the fake's (`npm run dev`, the
 * tests; testkit/fakes/stripe/billing.ts); null with real Stripe, whose pages are on invoice.stripe.com.
 * @param {Payment | null} payment
 */
export function fakeStripeOrigin(payment) {
  if (!payment?.hostedInvoiceUrl || !payment.invoiceId) return null;
  try {
    const url = new URL(payment.hostedInvoiceUrl);
    return url.pathname === `/_fake/invoices/${payment.invoiceId}` ? url.origin : null;
  } catch {
    return null;
  }
}

/** @param {Money} money */
function figures(money) {
  /** @type {[key: string, label: string, cents: number, hint: string][]} */
  const rows = [
    ['collected', 'Collected', money.collectedCents, 'paid by the company'],
    ['paid-out', 'Paid out', money.paidOutCents, 'to the recruiters'],
    ['held', 'Held', money.heldCents, 'in escrow until the guarantee ends'],
    ['platform-fee', 'Platform fee', money.platformFeeCents, 'kept by the platform'],
    ['refunded', 'Refunded', money.refundedCents, 'returned to the company'],
    ['outstanding', 'Outstanding', money.outstandingCents, 'still owed by the company'],
  ];
  return h(
    'dl',
    { class: 'money-figures' },
    rows.map(([key, label, cents, hint]) =>
      h(
        'div',
        { class: 'money-figure', 'data-testid': `money-${key}`, 'data-cents': cents },
        h('dt', {}, label),
        h('dd', {}, formatMoney(cents, money.currency)),
        h('dd', { class: 'muted' }, hint),
      ),
    ),
  );
}

/** "in 12 days" / "3 days ago", for a due date. @param {string} iso */
function relativeDays(iso) {
  const days = Math.round((Date.parse(iso) - Date.now()) / 86_400_000);
  if (days === 0) return 'today';
  const n = Math.abs(days);
  return days > 0 ? `in ${n} day${n === 1 ? '' : 's'}` : `${n} day${n === 1 ? '' : 's'} ago`;
}

/**
 * @param {Payment} payment @param {string} currency
 * @param {{ insider: boolean, operator: boolean }} viewer insider: sees the invoice and Stripe's declines;
 *   operator: a platform admin, who also sees the invoice id
 */
function paymentFacts(payment, currency, { insider, operator }) {
  const refund = REFUND_STATE_LABELS[payment.refundState];
  return h(
    'dl',
    { class: 'fields' },
    field(
      'Status',
      h(
        'span',
        { class: `badge badge-pay-${payment.status}`, 'data-testid': 'payment-status', 'data-status': payment.status },
        PAYMENT_STATUS_LABELS[payment.status],
      ),
    ),
    field('Amount', formatMoney(payment.amountCents, currency)),
    field(
      'Due',
      payment.dueAt &&
        h(
          'span',
          { 'data-testid': 'payment-due', 'data-due': payment.dueAt },
          formatDateTime(payment.dueAt),
          OPEN.includes(payment.status) && h('span', { class: 'muted' }, ` (${relativeDays(payment.dueAt)})`),
        ),
    ),
    field(
      'Paid',
      payment.paidAt && formatDateTime(payment.paidAt),
      payment.paidOutOfBand && h('span', { class: 'muted', 'data-testid': 'paid-out-of-band' }, ' outside Stripe'),
    ),
    field('Reminders sent', h('span', { 'data-testid': 'payment-reminders' }, String(payment.remindersSent))),
    insider &&
      field('Last payment error', payment.lastPaymentError && h('span', { 'data-testid': 'payment-error' }, payment.lastPaymentError)),
    insider &&
      payment.hostedInvoiceUrl &&
      field(
        'Invoice',
        h(
          'a',
          { href: payment.hostedInvoiceUrl, target: '_blank', rel: 'noopener', 'data-testid': 'hosted-invoice' },
          "Open Stripe's invoice page ↗",
        ),
        operator && payment.invoiceId && [' ', h('code', { 'data-testid': 'invoice-id' }, payment.invoiceId)],
      ),
    refund &&
      field(
        'Refund',
        h('span', { 'data-testid': 'refund-state', 'data-state': payment.refundState }, refund),
        payment.refundDueCents !== null && ` · ${formatMoney(payment.refundDueCents, currency)} due to the company`,
        payment.refundBlockReason &&
          h('div', { class: 'muted block-reason', 'data-testid': 'refund-block-reason' }, payment.refundBlockReason),
      ),
  );
}

/** @param {PaymentChange} e */
function historyEntry(e) {
  const change =
    e.oldState && e.newState && e.oldState !== e.newState
      ? ` · ${STATE_WORDS[e.oldState] ?? humanize(e.oldState)} → ${STATE_WORDS[e.newState] ?? humanize(e.newState)}`
      : '';
  return h(
    'li',
    { class: 'timeline-entry', 'data-testid': 'payment-history-entry', 'data-event': e.event },
    h('p', { class: 'timeline-change' }, h('strong', {}, EVENT_LABELS[e.event]), change),
    h('p', { class: 'muted' }, h('span', { 'data-testid': 'payment-history-actor' }, actorLabel(e)), ' · ', formatDateTime(e.occurredAt)),
    e.reason && h('blockquote', { class: 'reason' }, e.reason),
  );
}

/**
 * The payment's audited history, newest first as the API sends it; "Load more" follows its cursor.
 * @param {string} placementId @param {AbortSignal} signal
 */
function historySection(placementId, signal) {
  const list = h('ol', { class: 'timeline', 'data-testid': 'payment-history' });
  const more = h('div', { class: 'slot' });
  const section = h('div', { class: 'payment-history' }, h('h3', {}, 'Payment history'), list, more);
  fill(more, loading('Loading the payment history…'));

  /** @param {string | undefined} cursor */
  async function load(cursor) {
    try {
      const page = await api.paymentHistory(placementId, cursor, signal);
      list.append(...page.items.map(historyEntry));
      if (!cursor && page.items.length === 0)
        fill(more, h('p', { class: 'muted', 'data-testid': 'payment-history-empty' }, 'Nothing yet.'));
      else if (page.nextCursor) {
        const next = page.nextCursor;
        fill(
          more,
          h(
            'button',
            { type: 'button', class: 'button button-ghost', 'data-testid': 'payment-history-more', onclick: () => void load(next) },
            'Load more',
          ),
        );
      } else fill(more);
    } catch (caught) {
      if (!signal.aborted) fill(more, h('p', { class: 'muted' }, `Could not load the payment history: ${asError(caught).message}`));
    }
  }
  void load(undefined);
  return section;
}

/**
 * The money card of placement `p`. `setFormOpen` tells the page a form is open (it then stops
 * re-rendering itself); `show(placement, note)` renders the page anew, `reload(note)` after
 * re-fetching the placement.
 * @param {Placement} p
 * @param {{
 *   me: Me, signal: AbortSignal, setFormOpen: (open: boolean) => void,
 *   show: (placement: Placement, note: Node) => void, reload: (note: Node) => Promise<void>,
 * }} ctx
 */
export function moneyCard(p, { me, signal, setFormOpen, show, reload }) {
  const { money } = p;
  const payment = money.payment;
  const alertSlot = h('div', { class: 'slot', 'data-testid': 'money-messages' });
  const panel = h('div', { class: 'slot' });
  let busy = false;

  /** @param {AdminAction} action @param {Record<string, string | number>} body @param {ReturnType<typeof formErrors>} errors */
  async function submit(action, body, errors) {
    if (busy) return;
    busy = true;
    try {
      // The fields are named after the command's body properties; the API validates what they hold.
      const fresh = await api.paymentCommand(
        p.id,
        ADMIN_ACTIONS[action].path,
        /** @type {Parameters<typeof api.paymentCommand>[2]} */ (body),
      );
      show(fresh, notice(ADMIN_ACTIONS[action].done));
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      if (err.status === 400 || err.status === 422) errors.show(err);
      else await reload(errorAlert(err.status === 409 ? `${err.message}. The placement has been reloaded.` : err.message));
    } finally {
      busy = false;
    }
  }

  /** @param {AdminAction} action */
  function openForm(action) {
    const spec = ADMIN_ACTIONS[action];
    setFormOpen(true);
    fill(
      panel,
      commandForm({
        command: action,
        fields: spec.fields(),
        label: spec.submit,
        danger: 'danger' in spec && spec.danger,
        onSubmit: (body, errors) => submit(action, body, errors),
        onCancel: () => {
          fill(panel);
          setFormOpen(false);
        },
      }),
    );
    panel.querySelector(/** @type {'input'} */ ('input, textarea'))?.focus();
  }

  /**
   * Does what the company would on Stripe's hosted invoice page, through the fake's control
   * endpoint, then watches the placement until the fake's webhook has reached its process.
   * @param {string} origin @param {Payment} paid @param {'succeed' | 'fail'} outcome @param {HTMLButtonElement[]} buttons
   */
  async function demoPay(origin, paid, outcome, buttons) {
    buttons.forEach((b) => (b.disabled = true));
    fill(alertSlot, loading(outcome === 'succeed' ? 'Paying the invoice in the Stripe fake…' : 'Declining the card in the Stripe fake…'));
    try {
      // A form-encoded POST, as Stripe's API takes: a simple cross-origin request (the fake answers any origin).
      const res = await fetch(`${origin}/_fake/invoices/${encodeURIComponent(paid.invoiceId ?? '')}/pay`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ outcome }),
        signal,
      });
      /** @type {{ error?: { message?: string } }} */
      const answer = await res.json().catch(() => ({}));
      // A declined card is the fake's 402, the outcome asked for; anything else is a refusal (e.g. not open any more).
      if (!res.ok && !(outcome === 'fail' && res.status === 402))
        throw new Error(`The Stripe fake refused: ${answer.error?.message ?? `HTTP ${res.status}`}`);
    } catch (caught) {
      if (signal.aborted) return;
      fill(alertSlot, errorAlert(asError(caught).message));
      buttons.forEach((b) => (b.disabled = false));
      return;
    }
    fill(alertSlot, loading("Waiting for Stripe's webhook to reach the placement…"));
    for (let i = 0; i < WATCH_TRIES && !signal.aborted; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
      const fresh = await api.getPlacement(p.id, signal).catch(() => null);
      const now = fresh?.money.payment;
      if (now && (now.status !== paid.status || now.lastPaymentError !== paid.lastPaymentError)) {
        await reload(notice(`Stripe says: ${PAYMENT_STATUS_LABELS[now.status]}.`));
        return;
      }
    }
    if (!signal.aborted)
      fill(alertSlot, notice("Stripe's webhook has not reached the placement yet: this page keeps checking every 10 s.", 'info'));
  }

  /** @param {Payment} open */
  function demoButtons(open) {
    const origin = fakeStripeOrigin(open);
    const companyUser = (me.role === 'company_admin' || me.role === 'hiring_manager') && me.companyId === p.companyId;
    if (!origin || !companyUser || !OPEN.includes(open.status)) return null;
    const pay = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'demo-pay-invoice' }, 'Pay invoice (demo)');
    const decline = h('button', { type: 'button', class: 'button', 'data-testid': 'demo-decline-card' }, 'Decline card (demo)');
    pay.addEventListener('click', () => void demoPay(origin, open, 'succeed', [pay, decline]));
    decline.addEventListener('click', () => void demoPay(origin, open, 'fail', [pay, decline]));
    return h(
      'div',
      { class: 'demo-payment', 'data-testid': 'demo-payment' },
      h(
        'p',
        { class: 'muted' },
        "Development only: the invoice is in the local Stripe fake. These buttons do what the company would on Stripe's invoice page.",
      ),
      h('div', { class: 'actions' }, pay, decline),
    );
  }

  const actions = paymentActions(me, p);
  // The company's users and platform admins; the API sends no one else the invoice, Stripe's declines or the audit.
  const insider = me.role === 'platform_admin' || me.companyId === p.companyId;
  return h(
    'section',
    { class: 'card', 'data-testid': 'placement-money' },
    h('h2', {}, 'Money'),
    h(
      'p',
      { class: 'muted' },
      'The company pays the fee through Stripe; nothing is paid out before that. The holdback stays in escrow until the guarantee ends.',
    ),
    figures(money),
    h('h3', {}, "The company's payment"),
    alertSlot,
    payment
      ? [
          paymentFacts(payment, money.currency, { insider, operator: me.role === 'platform_admin' }),
          demoButtons(payment),
          actions.length > 0 && [
            h(
              'div',
              { class: 'actions payment-actions' },
              actions.map((action) =>
                h(
                  'button',
                  {
                    type: 'button',
                    class: `button ${'danger' in ADMIN_ACTIONS[action] ? 'button-danger' : ''}`,
                    'data-testid': `action-${action}`,
                    onclick: () => openForm(action),
                  },
                  ADMIN_ACTIONS[action].button,
                ),
              ),
            ),
            panel,
          ],
          insider && historySection(p.id, signal),
        ]
      : h('p', { class: 'muted', 'data-testid': 'no-payment' }, 'No invoice yet: it is sent to the company when the hire is recorded.'),
  );
}
