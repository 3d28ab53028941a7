/**
 * Proposal detail: fields, state history, and the actions the signed-in user may take.
 * A company user opening a `proposed` proposal marks it as in review (product rule).
 */
import { api, asError, isAbort } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, awaitsDecision, formatDateTime, isOpenState, shortId, stateLabel } from '../format.js';
import { countdown, errorAlert, every, loading, notice, stateBadge, temporalLink } from './components.js';

/** @import { Me, Proposal } from './types' */
/** @typedef {Proposal & { stuck?: boolean }} Shown a proposal as shown: `stuck` when its process refused a command as out of state */
/** @typedef {Proposal['history'][number]} HistoryEntry */
/** @typedef {Parameters<typeof api.command>[1]} Command */

const REFRESH_MS = 10_000;
const COMPANY_ROLES = ['company_admin', 'hiring_manager'];

/** @satisfies {Record<Command, string>} */
const DONE = {
  review: 'Marked as reviewed.',
  accept: 'Proposal accepted.',
  decline: 'Proposal declined.',
  withdraw: 'Proposal withdrawn.',
};

/**
 * The commands `me` may issue now; mirrors workflows/proposal-rules.ts (the API re-checks).
 * @param {Me} me
 * @param {Shown} p
 * @returns {Command[]}
 */
export function availableActions(me, p) {
  const companyUser = COMPANY_ROLES.includes(me.role) && me.companyId === p.companyId;
  const ownRecruiter = me.role === 'recruiter' && me.recruiterId === p.recruiterId;
  const open = isOpenState(p.state) && !p.stuck;
  return /** @type {(Command | false)[]} */ ([
    companyUser && open && p.state === 'proposed' && 'review',
    companyUser && open && 'accept',
    companyUser && open && 'decline',
    ownRecruiter && open && 'withdraw',
  ]).filter((c) => c !== false);
}

// --- Read-only parts -------------------------------------------------------------

/** A term and its value; an empty value shows as a dash. */
/** @param {string} label @param {...import('../dom.js').Child} value */
function field(label, ...value) {
  const present = value.filter((v) => v !== undefined && v !== null && v !== false && v !== '');
  return [h('dt', {}, label), h('dd', {}, present.length ? present : '—')];
}

/** @param {string | null} id */
function idText(id) {
  return id && h('code', { title: id }, shortId(id));
}

/** @param {Shown} p @param {boolean} operator a platform admin, who also sees the workflow id */
function detailsCard(p, operator) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'details-title', 'data-testid': 'proposal-fields' },
    h('h2', { id: 'details-title' }, 'Details'),
    h(
      'dl',
      { class: 'fields' },
      field('Candidate', p.candidateName),
      field('Job', p.jobTitle),
      field('Company', p.companyName),
      field('Recruiter', p.recruiterName),
      field('Decision due', formatDateTime(p.decisionDeadline), awaitsDecision(p) && [' · ', countdown(p.decisionDeadline)]),
      field('Reminder', p.reminderAt && formatDateTime(p.reminderAt)),
      field('Decided', p.decidedAt && formatDateTime(p.decidedAt)),
      field('Decision reason', p.decisionReason),
      field('Application', idText(p.applicationId)),
      field('Proposed', formatDateTime(p.createdAt)),
      field('Last update', formatDateTime(p.updatedAt)),
      operator && field('Workflow', p.workflowId && h('code', { 'data-testid': 'workflow-id' }, p.workflowId)),
    ),
    h('h3', {}, 'Pitch'),
    h('p', { class: 'pitch', 'data-testid': 'proposal-pitch' }, p.pitch),
  );
}

/** @param {HistoryEntry} entry */
function historyEntry(entry) {
  return h(
    'li',
    { class: 'timeline-entry', 'data-testid': 'history-entry', 'data-new-state': entry.newState },
    h(
      'p',
      { class: 'timeline-change' },
      entry.oldState
        ? [
            stateBadge(entry.oldState, 'history-state'),
            h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
            h('span', { class: 'visually-hidden' }, 'to'),
          ]
        : 'Created as ',
      stateBadge(entry.newState, 'history-state'),
    ),
    h(
      'p',
      { class: 'muted' },
      h('span', { 'data-testid': 'history-actor' }, actorLabel(entry)),
      ' · ',
      h('time', { datetime: entry.occurredAt }, formatDateTime(entry.occurredAt)),
    ),
    entry.reason && h('blockquote', { class: 'reason' }, entry.reason),
  );
}

/** @param {HistoryEntry[]} history */
function historyCard(history) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'History'),
    history.length
      ? h('ol', { class: 'timeline', 'data-testid': 'history' }, history.map(historyEntry))
      : h('p', { class: 'muted' }, 'No state changes recorded yet.'),
  );
}

// --- Actions ---------------------------------------------------------------------

/** @param {'decline' | 'withdraw'} command @param {{ onConfirm: (reason: string) => void, onCancel: () => void }} handlers */
function reasonForm(command, { onConfirm, onCancel }) {
  const id = `${command}-reason`;
  const verb = command === 'decline' ? 'Decline' : 'Withdraw';
  const textarea = h('textarea', { id, rows: 3, maxlength: 2000, 'data-testid': id });
  const form = h(
    'form',
    {
      class: 'reason-form',
      'data-testid': `${command}-form`,
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        onConfirm(textarea.value.trim());
      },
    },
    h('div', { class: 'field' }, h('label', { for: id }, 'Reason ', h('span', { class: 'muted' }, '(optional)')), textarea),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-danger', 'data-testid': `confirm-${command}` }, `${verb} proposal`),
      h('button', { type: 'button', class: 'button button-ghost', 'data-testid': `cancel-${command}`, onclick: onCancel }, 'Cancel'),
    ),
  );
  return { form, focus: () => textarea.focus() };
}

/** @param {Shown} p */
function noActionsText(p) {
  if (p.stuck)
    return `Its process refused the last command although this record still says ${stateLabel(p.state).toLowerCase()}: it is out of step and needs an operator before anyone can act on it.`;
  if (!isOpenState(p.state)) return `This proposal is closed (${stateLabel(p.state).toLowerCase()}); no further actions.`;
  return 'You can view this proposal but not act on it.';
}

/**
 * The action bar; `run(command, reason?)` performs one, `onReasonToggle(open)` tracks the reason form.
 * @param {Shown} p
 * @param {Command[]} actions
 * @param {{ run: (command: Command, reason?: string) => unknown, onReasonToggle: (open: boolean) => void }} handlers
 */
function actionsCard(p, actions, { run, onReasonToggle }) {
  const panel = h('div', { class: 'slot' });
  const buttons = h('div', { class: 'actions' });

  /** @param {'decline' | 'withdraw'} command */
  function openReason(command) {
    const { form, focus } = reasonForm(command, {
      onConfirm: (reason) => run(command, reason),
      onCancel: () => {
        fill(panel);
        onReasonToggle(false);
      },
    });
    fill(panel, form);
    onReasonToggle(true);
    focus();
  }

  const button = (
    /** @type {Command} */ command,
    /** @type {string} */ label,
    /** @type {string} */ style,
    /** @type {() => void} */ onclick,
  ) => h('button', { type: 'button', class: `button ${style}`, 'data-testid': `action-${command}`, onclick }, label);
  /** @type {Record<Command, () => HTMLButtonElement>} */
  const byCommand = {
    review: () => button('review', 'Mark reviewed', '', () => run('review')),
    accept: () => button('accept', 'Accept', 'button-primary', () => run('accept')),
    decline: () => button('decline', 'Decline…', 'button-danger', () => openReason('decline')),
    withdraw: () => button('withdraw', 'Withdraw…', 'button-danger', () => openReason('withdraw')),
  };
  fill(
    buttons,
    actions.map((command) => byCommand[command]()),
  );

  return h(
    'section',
    { class: 'card actions-card', 'aria-labelledby': 'actions-title', 'data-testid': 'actions' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    actions.length ? [buttons, panel] : h('p', { class: 'muted', 'data-testid': 'no-actions' }, noActionsText(p)),
  );
}

// --- The view --------------------------------------------------------------------

/** @param {Error & { status?: number }} err */
function notFoundMessage(err) {
  return err.status === 404
    ? 'This proposal does not exist, or you are not allowed to see it.'
    : `Could not load the proposal: ${err.message}`;
}

/**
 * A state conflict (409) from the process while the record still says open: the two
 * disagree (a wedged proposal), so it is shown as stuck, without countdown or actions.
 */
const stuckAfter = (/** @type {Error & { status?: number }} */ err, /** @type {Proposal} */ fresh) =>
  err.status === 409 && isOpenState(fresh.state) ? { ...fresh, stuck: true } : fresh;

const backLink = () => h('a', { href: '#/proposals', class: 'back-link' }, '← All proposals');

/** Company admins record the hire of an accepted candidate as a placement. */
const hireLink = (/** @type {Me} */ me, /** @type {Shown} */ p) =>
  p.state === 'accepted' &&
  (me.role === 'platform_admin' || (me.role === 'company_admin' && me.companyId === p.companyId)) &&
  h(
    'a',
    { href: `#/placements/new?proposal=${encodeURIComponent(p.id)}`, class: 'button button-primary', 'data-testid': 'record-hire' },
    'Record the hire',
  );

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function proposalDetailView(root, { me, uiConfig, params, signal, flash }) {
  document.title = 'Proposal · Splits';
  root.append(loading('Loading proposal…'));

  /** @type {Shown} */
  let proposal;
  let busy = false;
  let reasonOpen = false;

  try {
    proposal = await api.getProposal(params.id, signal);
  } catch (caught) {
    const err = asError(caught);
    if (isAbort(err)) return;
    fill(root, backLink(), errorAlert(notFoundMessage(err)));
    return;
  }

  /** @param {Shown} p @param {...import('../dom.js').Child} messages */
  function render(p, ...messages) {
    proposal = p;
    reasonOpen = false;
    const title = `${p.candidateName} for ${p.jobTitle}`;
    document.title = `${title} · Splits`;
    fill(
      root,
      backLink(),
      h(
        'div',
        { class: 'title-row' },
        h('h1', { tabindex: -1, 'data-testid': 'proposal-title' }, title),
        stateBadge(p.state),
        hireLink(me, p),
        temporalLink(uiConfig, p.workflowId),
      ),
      h('div', { class: 'slot', 'data-testid': 'messages' }, messages),
      actionsCard(p, availableActions(me, p), { run, onReasonToggle: (open) => (reasonOpen = open) }),
      h('div', { class: 'columns' }, detailsCard(p, me.role === 'platform_admin'), historyCard(p.history)),
    );
  }

  /** @param {boolean} value */
  function setBusy(value) {
    busy = value;
    for (const b of root.querySelectorAll('[data-testid="actions"] button')) {
      if (b instanceof HTMLButtonElement) b.disabled = value;
    }
    root.querySelector('[data-testid="actions"]')?.setAttribute('aria-busy', String(value));
  }

  /** After a refused command the state may have moved on: show why, then the current proposal. */
  /** @param {Error & { status?: number }} err */
  async function reloadAfter(err) {
    const message = err.status === 409 ? `${err.message}. The proposal has been reloaded.` : err.message;
    try {
      render(stuckAfter(err, await api.getProposal(proposal.id, signal)), errorAlert(message));
    } catch (reloadErr) {
      if (!isAbort(reloadErr)) render(proposal, errorAlert(message));
    }
  }

  /** @param {Command} command @param {string} [reason] */
  async function run(command, reason) {
    if (busy) return;
    setBusy(true);
    try {
      render(await api.command(proposal.id, command, reason), notice(DONE[command]));
      root.querySelector('h1')?.focus();
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      await reloadAfter(err);
    } finally {
      busy = false;
    }
  }

  async function refresh() {
    if (busy || reasonOpen || !isOpenState(proposal.state)) return;
    try {
      const fresh = await api.getProposal(proposal.id, signal);
      if (fresh.updatedAt !== proposal.updatedAt && !busy && !reasonOpen) {
        render(fresh, notice(`This proposal was updated: it is now ${stateLabel(fresh.state).toLowerCase()}.`, 'info'));
      }
    } catch {
      // A missed refresh is retried on the next tick; the page still shows the last state.
    }
  }

  const messages = [flash && notice(flash)];
  if (availableActions(me, proposal).includes('review')) {
    fill(root, loading('Opening the proposal for review…'));
    try {
      proposal = await api.command(proposal.id, 'review');
      messages.push(notice('You opened this proposal, so it is now in review.'));
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      messages.push(errorAlert(`Could not mark the proposal as in review: ${err.message}`));
      proposal = stuckAfter(err, await api.getProposal(proposal.id, signal));
    }
  }
  render(proposal, messages);
  every(REFRESH_MS, signal, refresh);
}
