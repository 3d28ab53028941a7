/**
 * New proposal (recruiters): pick an open job and a candidate, write a pitch, POST it.
 * Validation issues (400) appear next to their fields; refusals (403/404/409/422) in an alert.
 */
import { api, ApiError, asError, isAbort, newIdempotencyKey } from '../api.js';
import { h } from '../dom.js';
import { emptyState, errorAlert, loading, notice } from './components.js';
import { formErrors, formField, select } from './form.js';

/** @import { Body, Item } from '../api-client' */
/** @import { ViewContext } from './types' */
/** @typedef {Body<'/proposals', 'post'>} NewProposal */

const PITCH_MAX = 5000;
/** @type {Record<keyof NewProposal, string>} */
const REQUIRED = {
  jobId: 'Choose a job.',
  candidateId: 'Choose a candidate.',
  pitch: 'Write a short pitch for the company.',
};

/** @param {NewProposal} body */
function requiredIssues(body) {
  return Object.entries(REQUIRED)
    .filter(([name]) => !body[/** @type {keyof NewProposal} */ (name)].trim())
    .map(([name, message]) => ({ path: [name], message }));
}

/** @param {{ jobs: Item<'/jobs'>[], candidates: Item<'/candidates'>[], navigate: ViewContext['navigate'], jobId?: string | null }} options */
function proposalForm({ jobs, candidates, navigate, jobId }) {
  const fields = {
    jobId: formField({
      name: 'jobId',
      label: 'Job',
      hint: 'Only open jobs take proposals.',
      control: select(
        'Choose a job…',
        jobs.map((j) => [j.id, j.title]),
      ),
    }),
    candidateId: formField({
      name: 'candidateId',
      label: 'Candidate',
      control: select(
        'Choose a candidate…',
        candidates.map((c) => [c.id, c.email ? `${c.fullName} (${c.email})` : c.fullName]),
      ),
    }),
    pitch: formField({
      name: 'pitch',
      label: 'Pitch',
      hint: `Why this candidate fits the role (up to ${PITCH_MAX.toLocaleString()} characters).`,
      control: (attrs) => h('textarea', { ...attrs, rows: 7, maxlength: PITCH_MAX }),
    }),
  };
  // Opened from a job's page (`?job=`): that job chosen.
  if (jobId && jobs.some((j) => j.id === jobId)) fields.jobId.input.value = jobId;
  const alertSlot = h('div', { class: 'slot' });
  const submitButton = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-proposal' }, 'Send proposal');
  // One key per distinct request: retrying the same body after a lost response is then answered from the first try.
  /** @type {{ key: string, body: string | null }} */
  let idempotency = { key: '', body: null };

  /** @param {NewProposal} body */
  function keyFor(body) {
    const text = JSON.stringify(body);
    if (idempotency.body !== text) idempotency = { key: newIdempotencyKey(), body: text };
    return idempotency.key;
  }

  const errors = formErrors(alertSlot, () => fields);

  /** @param {ApiError} err */
  function showError(err) {
    const details = /** @type {{ proposalId?: string } | undefined} */ (err.details);
    const existing = err.status === 409 && details?.proposalId;
    errors.show(err, existing && h('a', { href: `#/proposals/${encodeURIComponent(existing)}` }, 'Open the existing proposal'));
  }

  /** @param {boolean} submitting */
  function setSubmitting(submitting) {
    submitButton.disabled = submitting;
    submitButton.textContent = submitting ? 'Sending…' : 'Send proposal';
  }

  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    errors.clear();
    const body = { jobId: fields.jobId.input.value, candidateId: fields.candidateId.input.value, pitch: fields.pitch.input.value };
    const missing = requiredIssues(body);
    if (missing.length) {
      errors.showIssues(missing);
      return;
    }
    setSubmitting(true);
    try {
      const created = await api.createProposal(body, keyFor(body));
      navigate(`/proposals/${created.id}`, { notice: 'Proposal sent.' });
    } catch (err) {
      showError(err instanceof ApiError ? err : new ApiError(0, 'unknown', 'Something went wrong.'));
      setSubmitting(false);
    }
  }

  return h(
    'form',
    { class: 'card form', novalidate: true, onsubmit: submit, 'data-testid': 'proposal-form' },
    alertSlot,
    Object.values(fields).map((f) => f.el),
    h('div', { class: 'actions' }, submitButton, h('a', { href: '#/proposals', class: 'button button-ghost' }, 'Cancel')),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function newProposalView(root, { me, query, signal, navigate }) {
  document.title = 'New proposal · Splits';
  root.append(h('a', { href: '#/proposals', class: 'back-link' }, '← All proposals'), h('h1', {}, 'New proposal'));
  if (me.role !== 'recruiter') {
    root.append(notice('Only recruiters can propose candidates.', 'info'));
    return;
  }
  const status = loading('Loading open jobs and candidates…');
  root.append(status);
  let jobs;
  let candidates;
  try {
    [jobs, candidates] = await Promise.all([api.allJobs({ status: 'open' }, signal), api.allCandidates(signal)]);
  } catch (caught) {
    const err = asError(caught);
    if (isAbort(err)) return;
    status.replaceWith(errorAlert(`Could not load jobs and candidates: ${err.message}`));
    return;
  }
  if (!jobs.length || !candidates.length) {
    status.replaceWith(
      jobs.length
        ? emptyState('No candidates yet', 'There is nobody to propose yet.')
        : emptyState('No open jobs', 'A proposal needs an open job.'),
    );
    return;
  }
  status.replaceWith(proposalForm({ jobs, candidates, navigate, jobId: query.get('job') }));
}
