/**
 * Record a hire (company admins, platform admins): from an accepted proposal, the fee,
 * the start date and the collaborators with their splits. Without a proposal in the
 * address, the accepted proposals to choose from.
 */
/** @import { Body } from '../api-client' */
/** @import { PlacementSummary, ProposalSummary, Proposal, Recruiter, ViewContext } from './types' */
/** @typedef {Body<'/placements', 'post'>['currency']} Currency */
import { api, ApiError, asError, isAbort, newIdempotencyKey } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { emptyState, errorAlert, loading } from './components.js';
import { formErrors, formField, select } from './form.js';
import { splitEditor } from './split-editor.js';

/** @type {Currency[]} the ones offered (the API takes any ISO 4217 code it lists) */
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD'];

/** "25,000.50" → 2500050; null unless a positive amount with at most two decimals. @param {string} text */
export function amountToCents(text) {
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(String(text).replace(/[,\s]/g, ''));
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents > 0 ? cents : null;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * The accepted proposals still to hire from: one per candidate × job (the newest), and
 * none whose candidate is already placed in that job (a failed placement does not count).
 * @param {ProposalSummary[]} proposals
 * @param {PlacementSummary[]} placements
 */
export function hireable(proposals, placements) {
  const key = (/** @type {{ candidateId: string, jobId: string }} */ x) => `${x.candidateId}:${x.jobId}`;
  const placed = new Set(placements.filter((p) => p.state !== 'failed').map(key));
  const seen = new Set();
  return proposals.filter((p) => {
    if (placed.has(key(p)) || seen.has(key(p))) return false;
    seen.add(key(p));
    return true;
  });
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
async function chooseProposal(root, { signal }) {
  root.append(h('h1', {}, 'Record a hire'), loading('Loading accepted proposals…'));
  const [{ items: accepted }, placements] = await Promise.all([api.acceptedProposals(signal), api.recentPlacements(signal)]);
  const items = hireable(accepted, placements);
  fill(
    root,
    h('h1', {}, 'Record a hire'),
    h('p', { class: 'muted' }, 'A placement starts from an accepted proposal: choose the candidate who was hired.'),
    items.length
      ? h(
          'ul',
          { class: 'stack', 'data-testid': 'accepted-proposals' },
          items.map((p) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: `#/placements/new?proposal=${p.id}`, 'data-testid': 'hire-from-proposal' },
                `${p.candidateName} for ${p.jobTitle}`,
              ),
              h('span', { class: 'muted' }, ` · accepted ${formatDateTime(p.decidedAt)}`),
            ),
          ),
        )
      : emptyState('No accepted proposals yet.', 'Accept a proposal first; then record the hire here.'),
  );
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
export async function newPlacementView(root, ctx) {
  document.title = 'Record a hire · Splits';
  const { query, signal, navigate } = ctx;
  const proposalId = query.get('proposal');
  if (!proposalId) return chooseProposal(root, ctx);

  root.append(loading('Loading the proposal…'));
  /** @type {Proposal} */
  let proposal;
  /** @type {Recruiter[]} */
  let recruiters;
  try {
    [proposal, recruiters] = await Promise.all([api.getProposal(proposalId, signal), api.allRecruiters(signal)]);
  } catch (caught) {
    const err = asError(caught);
    if (isAbort(err)) return undefined;
    fill(
      root,
      h('a', { href: '#/placements/new', class: 'back-link' }, '← Accepted proposals'),
      errorAlert(`Could not load the proposal: ${err.message}`),
    );
    return undefined;
  }
  if (proposal.state !== 'accepted') {
    fill(
      root,
      errorAlert(
        `Only an accepted proposal becomes a placement; this one is ${proposal.state}.`,
        h('a', { href: `#/proposals/${proposal.id}` }, 'Open the proposal'),
      ),
    );
    return undefined;
  }

  const fields = {
    feeCents: formField({
      name: 'feeCents',
      label: 'Placement fee',
      hint: 'The fee the company pays, e.g. 25000.00.',
      control: (a) => h('input', { ...a, type: 'text', inputmode: 'decimal', autocomplete: 'off' }),
    }),
    currency: formField({
      name: 'currency',
      label: 'Currency',
      control: select(
        null,
        CURRENCIES.map((c) => [c, c]),
      ),
    }),
    startDate: formField({
      name: 'startDate',
      label: 'Start date',
      hint: 'The guarantee starts on this day.',
      control: (a) => h('input', { ...a, type: 'date', value: today() }),
    }),
  };
  const editor = splitEditor({
    recruiters,
    initial: [{ recruiterId: proposal.recruiterId, role: 'sourcer', splitBps: 10_000 }],
    jobId: proposal.jobId,
    signal,
  });
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => ({ ...fields, ...editor.fields() }));
  const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-placement' }, 'Record the hire');
  /** @type {{ key: string, body: string | null }} */
  let idempotency = { key: '', body: null };

  fields.feeCents.input.addEventListener('input', () => editor.setFee(amountToCents(fields.feeCents.input.value)));
  fields.currency.input.value = 'USD';

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    const feeCents = amountToCents(fields.feeCents.input.value);
    const issues = [
      feeCents === null && { path: ['feeCents'], message: 'An amount above zero with at most two decimals.' },
      !fields.startDate.input.value && { path: ['startDate'], message: 'Choose the start date.' },
      ...editor.issues(),
    ].filter((i) => i !== false);
    if (issues.length) {
      errors.showIssues(issues);
      return;
    }
    if (feeCents === null) return; // reported among the issues above
    const body = {
      jobId: proposal.jobId,
      candidateId: proposal.candidateId,
      feeCents,
      currency: /** @type {Currency} */ (fields.currency.input.value), // the <select> offers only CURRENCIES
      startDate: fields.startDate.input.value,
      collaborators: editor.value(),
    };
    const text = JSON.stringify(body);
    if (idempotency.body !== text) idempotency = { key: newIdempotencyKey(), body: text };
    submit.disabled = true;
    try {
      const created = await api.createPlacement(body, idempotency.key);
      navigate(`/placements/${created.id}`, { notice: 'Hire recorded: the placement is running.' });
    } catch (err) {
      errors.show(err instanceof ApiError ? err : new ApiError(0, 'unknown', 'Something went wrong.'));
      submit.disabled = false;
    }
  }

  fill(
    root,
    h('a', { href: `#/proposals/${proposal.id}`, class: 'back-link' }, '← The proposal'),
    h('h1', {}, `Record the hire of ${proposal.candidateName}`),
    h('p', { class: 'muted' }, `For ${proposal.jobTitle}, proposed by ${proposal.recruiterName}.`),
    alertSlot,
    h(
      'form',
      { class: 'card form', novalidate: true, onsubmit: onSubmit, 'data-testid': 'placement-form' },
      h('div', { class: 'field-row' }, fields.feeCents.el, fields.currency.el, fields.startDate.el),
      h('h2', {}, 'Collaborators and splits'),
      editor.el,
      h('div', { class: 'actions' }, submit),
    ),
  );
  return undefined;
}
