/**
 * A placement: its guarantee (live countdown), its money (placement-money.js: the fee collected,
 * paid out, held, refunded, the company's invoice and its history), the commands the signed-in user may
 * give now (activate, report a failure and answer it with a replacement or a refund;
 * platform admins: release the escrow early, extend the guarantee), the collaborators
 * and their splits (editable until the first payout locks them), each tranche's payout
 * per collaborator, and the history. Re-fetched every 10 s while no form is open.
 */
import { api, asError, isAbort } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, formatMoney } from '../format.js';
import { errorAlert, every, field, loading, notice, stateBadge, temporalLink } from './components.js';
import { commandForm, formErrors, formField, reasonField, select } from './form.js';
import { guaranteeCell } from './placements-list.js';
import { moneyCard } from './placement-money.js';
import { splitEditor } from './split-editor.js';
import { bpsToPercent } from '@domain/split-rules.js';

/** @import { FormField } from './form.js' */
/** @import { Me, Placement, Recruiter } from './types' */
/** @typedef {Parameters<typeof api.placementCommand>[1]} Command */
/** @typedef {Parameters<typeof api.placementCommand>[2]} CommandBody */
/** @typedef {ReturnType<typeof formErrors>} FormErrors */

const REFRESH_MS = 10_000;

/** @satisfies {Record<Command, string>} */
const DONE = {
  activate: 'Placement activated: the activation tranche is being paid.',
  'report-failure': 'Failure reported: choose a replacement or a refund.',
  replacement: 'Replacement recorded: the guarantee starts again.',
  refund: 'Refund chosen: the escrow goes back to the company.',
  'release-early': 'Escrow released: the holdback is being paid.',
  'extend-guarantee': 'Guarantee extended.',
  collaborators: 'Splits saved.',
};

/**
 * The commands `me` may give now; mirrors the placement workflow's validators (the API re-checks).
 * @param {Me} me
 * @param {Placement} p
 * @returns {Exclude<Command, 'collaborators'>[]}
 */
export function placementActions(me, p) {
  const company = me.role === 'platform_admin' || (me.role === 'company_admin' && me.companyId === p.companyId);
  const running = p.state === 'active' && !p.failurePending;
  return /** @type {(Exclude<Command, 'collaborators'> | false)[]} */ ([
    company && p.state === 'hired' && 'activate',
    company && running && 'report-failure',
    company && p.failurePending && 'replacement',
    company && p.failurePending && 'refund',
    me.role === 'platform_admin' && running && 'release-early',
    me.role === 'platform_admin' && running && 'extend-guarantee',
  ]).filter((c) => c !== false);
}

/** @param {Placement} p @param {boolean} operator a platform admin, who also sees the workflow id */
function summaryCard(p, operator) {
  const e = p.escrow;
  return h(
    'section',
    { class: 'card', 'data-testid': 'placement-summary' },
    h('h2', {}, 'Guarantee and escrow'),
    h(
      'dl',
      { class: 'fields' },
      field('Fee', formatMoney(p.feeCents, p.currency)),
      field('Start date', p.startDate),
      field('Guarantee', `${p.guaranteeDays} days`, ' · ', guaranteeCell(p)),
      field('Holdback', `${p.holdbackBps / 100} % in escrow`),
      field(
        'Platform fee',
        h(
          'span',
          { 'data-testid': 'platform-fee' },
          p.platformFeeBps === 0 ? 'None' : `${bpsToPercent(p.platformFeeBps)} % of each tranche, kept by the platform`,
        ),
      ),
      field(
        'Escrow',
        e &&
          h('span', { 'data-testid': 'escrow-status', 'data-status': e.status }, `${formatMoney(e.amountCents, e.currency)} · ${e.status}`),
        e?.settledAt && ` ${formatDateTime(e.settledAt)}`,
        e?.reason && h('span', { class: 'muted' }, ` — ${e.reason}`),
      ),
      field(
        'Failure',
        p.failurePending && h('strong', { 'data-testid': 'failure-pending' }, 'Reported: waiting for a replacement or a refund'),
      ),
      field('Splits locked', p.splitsLockedAt && formatDateTime(p.splitsLockedAt)),
      field('Recorded', formatDateTime(p.createdAt)),
      operator && field('Workflow', h('code', { 'data-testid': 'workflow-id' }, p.workflowId)),
    ),
  );
}

/** @param {Placement} p */
function payoutsCard(p) {
  return h(
    'section',
    { class: 'card', 'data-testid': 'placement-payouts' },
    h('h2', {}, 'Payouts'),
    p.payouts.length === 0
      ? h(
          'p',
          { class: 'muted' },
          'Nothing paid yet: the activation tranche is paid when the placement becomes active, the holdback when the guarantee ends.',
        )
      : p.payouts.map((payout) =>
          h(
            'div',
            { class: 'payout', 'data-testid': 'placement-payout', 'data-tranche': payout.tranche, 'data-status': payout.status },
            h(
              'h3',
              {},
              `${payout.tranche === 'activation' ? 'Activation' : 'Holdback'} tranche · ${formatMoney(payout.amountCents, payout.currency)} · ${payout.status}`,
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
                  ['Recruiter', 'Amount', 'Status'].map((t) => h('th', { scope: 'col' }, t)),
                ),
              ),
              h(
                'tbody',
                {},
                payout.splits.map((s) =>
                  h(
                    'tr',
                    { 'data-testid': 'payout-split', 'data-status': s.status },
                    h('td', {}, s.recruiterName),
                    h('td', { class: 'num' }, formatMoney(s.amountCents, payout.currency)),
                    h('td', { class: 'wrap' }, s.status, s.blockReason && h('div', { class: 'muted block-reason' }, s.blockReason)),
                  ),
                ),
                h(
                  'tr',
                  { 'data-testid': 'payout-platform-fee' },
                  h('td', {}, 'Platform fee'),
                  h('td', { class: 'num' }, formatMoney(payout.platformFeeCents, payout.currency)),
                  h('td', { class: 'muted' }, 'kept by the platform'),
                ),
              ),
            ),
          ),
        ),
    p.payouts.length > 0 && h('p', {}, h('a', { href: `#/payouts?placement=${p.id}` }, 'See these payouts in the payouts view')),
  );
}

/** @param {Placement} p */
function historyCard(p) {
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'History'),
    h(
      'ol',
      { class: 'timeline', 'data-testid': 'history' },
      p.history.map((e) =>
        h(
          'li',
          { class: 'timeline-entry', 'data-testid': 'history-entry' },
          h(
            'p',
            { class: 'timeline-change' },
            e.oldState
              ? [stateBadge(e.oldState, 'history-state'), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→')]
              : 'Created as ',
            stateBadge(e.newState, 'history-state'),
          ),
          h('p', { class: 'muted' }, h('span', { 'data-testid': 'history-actor' }, actorLabel(e)), ' · ', formatDateTime(e.occurredAt)),
          e.reason && h('blockquote', { class: 'reason' }, e.reason),
        ),
      ),
    ),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function placementDetailView(root, { me, uiConfig, params, signal, flash }) {
  document.title = 'Placement · Splits';
  root.append(loading('Loading the placement…'));
  /** @type {Placement} */
  let placement;
  /** @type {Recruiter[]} */
  let recruiters;
  let formOpen = false;
  let busy = false;
  const back = () => h('a', { href: '#/placements', class: 'back-link' }, '← All placements');
  try {
    [placement, recruiters] = await Promise.all([api.getPlacement(params.id, signal), api.allRecruiters(signal)]);
  } catch (caught) {
    const err = asError(caught);
    if (isAbort(err)) return;
    fill(
      root,
      back(),
      errorAlert(
        err.status === 404
          ? 'This placement does not exist, or you are not allowed to see it.'
          : `Could not load the placement: ${err.message}`,
      ),
    );
    return;
  }
  const messages = h('div', { class: 'slot', 'data-testid': 'messages' });
  const panel = h('div', { class: 'slot' });

  /** @param {Command} command @param {CommandBody} body @param {FormErrors} [errors] */
  async function run(command, body, errors) {
    if (busy) return;
    busy = true;
    try {
      const fresh = await api.placementCommand(placement.id, command, body);
      render(fresh, notice(DONE[command]));
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      if (errors && (err.status === 400 || err.status === 422)) errors.show(err);
      else
        render(
          await api.getPlacement(placement.id, signal).catch(() => placement),
          errorAlert(err.status === 409 ? `${err.message}. The placement has been reloaded.` : err.message),
        );
    } finally {
      busy = false;
    }
  }

  /** @param {Command} command @param {Record<string, FormField>} fields @param {string} label @param {boolean} [danger] */
  function openForm(command, fields, label, danger) {
    formOpen = true;
    fill(
      panel,
      commandForm({
        command,
        fields,
        label,
        danger,
        // The fields are named after the command's body properties; the API validates what they hold.
        onSubmit: (body, errors) => run(command, /** @type {CommandBody} */ (/** @type {unknown} */ (body)), errors),
        onCancel: () => {
          fill(panel);
          formOpen = false;
        },
      }),
    );
    panel.querySelector(/** @type {'input'} */ ('input, textarea, select'))?.focus();
  }

  async function replacementForm() {
    // The replacement is another candidate accepted for this job.
    const { items } = await api.acceptedProposals(signal);
    const options = items
      .filter((p) => p.jobId === placement.jobId && p.candidateId !== placement.candidateId)
      .map((p) => [p.candidateId, p.candidateName]);
    openForm(
      'replacement',
      {
        candidateId: formField({
          name: 'candidateId',
          label: 'Replacement candidate',
          hint: options.length ? 'Candidates accepted for this job.' : 'No other candidate has been accepted for this job yet.',
          control: select('Choose a candidate…', options),
        }),
      },
      'Record the replacement',
    );
  }

  /** @type {Record<Exclude<Command, 'collaborators'>, () => [string, string, () => unknown]>} */
  const BUTTONS = {
    activate: () => ['Activate now', 'button-primary', () => run('activate', {})],
    'report-failure': () => [
      'Report failure…',
      'button-danger',
      () => openForm('report-failure', { reason: reasonField(false) }, 'Report the failure', true),
    ],
    replacement: () => ['Replacement…', 'button-primary', replacementForm],
    refund: () => ['Refund…', 'button-danger', () => openForm('refund', { reason: reasonField(true) }, 'Refund the escrow', true)],
    'release-early': () => [
      'Release escrow early…',
      '',
      () => openForm('release-early', { reason: reasonField(false) }, 'Release the escrow'),
    ],
    'extend-guarantee': () => [
      'Extend guarantee…',
      '',
      () =>
        openForm(
          'extend-guarantee',
          {
            days: formField({
              name: 'days',
              label: 'Days to add (1–365)',
              control: (a) => h('input', { ...a, type: 'number', min: 1, max: 365 }),
            }),
            reason: reasonField(false),
          },
          'Extend the guarantee',
        ),
    ],
  };

  /** @param {Placement} p */
  function actionsCard(p) {
    const actions = placementActions(me, p);
    return h(
      'section',
      { class: 'card actions-card', 'data-testid': 'actions' },
      h('h2', {}, 'Actions'),
      actions.length
        ? [
            h(
              'div',
              { class: 'actions' },
              actions.map((command) => {
                const [label, style, onclick] = BUTTONS[command]();
                return h('button', { type: 'button', class: `button ${style}`, 'data-testid': `action-${command}`, onclick }, label);
              }),
            ),
            panel,
          ]
        : h('p', { class: 'muted', 'data-testid': 'no-actions' }, `Nothing to do here now (${p.state}).`),
    );
  }

  /** @param {Placement} p */
  function collaboratorsCard(p) {
    const editable = p.state === 'hired' && !p.splitsLockedAt && placementActions(me, p).includes('activate');
    const editor = splitEditor({
      recruiters,
      initial: p.collaborators,
      locked: !editable,
      feeCents: p.feeCents,
      currency: p.currency,
      placementId: p.id,
      signal,
    });
    if (!editable) {
      return h(
        'section',
        { class: 'card', 'data-testid': 'collaborators' },
        h('h2', {}, 'Collaborators and splits'),
        editor.el,
        h(
          'p',
          { class: 'muted' },
          p.splitsLockedAt
            ? `Locked by the first payout on ${formatDateTime(p.splitsLockedAt)}.`
            : "Only the company's admins change the splits, before the first payout.",
        ),
      );
    }
    const alertSlot = h('div', { class: 'slot' });
    const errors = formErrors(alertSlot, editor.fields);
    editor.el.addEventListener('focusin', () => (formOpen = true));
    return h(
      'section',
      { class: 'card', 'data-testid': 'collaborators' },
      h('h2', {}, 'Collaborators and splits'),
      alertSlot,
      h(
        'form',
        {
          novalidate: true,
          'data-testid': 'collaborators-form',
          onsubmit: (/** @type {SubmitEvent} */ event) => {
            event.preventDefault();
            errors.clear();
            const issues = editor.issues();
            if (issues.length) errors.showIssues(issues);
            else void run('collaborators', { collaborators: editor.value() }, errors);
          },
        },
        editor.el,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'save-splits' }, 'Save splits'),
        ),
      ),
    );
  }

  /** @param {Placement} p @param {...import('../dom.js').Child} notes */
  function render(p, ...notes) {
    placement = p;
    formOpen = false;
    fill(panel);
    document.title = `${p.candidateName} · Placement · Splits`;
    fill(messages, notes);
    fill(
      root,
      back(),
      h(
        'div',
        { class: 'title-row' },
        h('h1', { 'data-testid': 'placement-title' }, `${p.candidateName} — ${p.jobTitle}`),
        h('span', { 'data-testid': 'placement-state', 'data-state': p.state }, stateBadge(p.state)),
        temporalLink(uiConfig, p.workflowId),
      ),
      messages,
      actionsCard(p),
      summaryCard(p, me.role === 'platform_admin'),
      moneyCard(p, {
        me,
        signal,
        setFormOpen: (open) => {
          formOpen = open;
        },
        show: render,
        reload: async (note) => render(await api.getPlacement(placement.id, signal).catch(() => placement), note),
      }),
      collaboratorsCard(p),
      payoutsCard(p),
      historyCard(p),
    );
  }

  async function refresh() {
    if (busy || formOpen) return;
    try {
      const fresh = await api.getPlacement(placement.id, signal);
      if (JSON.stringify(fresh) !== JSON.stringify(placement) && !busy && !formOpen)
        render(fresh, notice('This placement was updated.', 'info'));
    } catch {
      // Retried on the next tick; the page keeps the last state.
    }
  }

  render(placement, flash && notice(flash));
  every(REFRESH_MS, signal, refresh);
}
