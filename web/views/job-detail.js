/**
 * One job (product §3.8): its terms for everyone who may see it; for company admins the
 * edit link and status commands; for the company and platform admins its audit (who changed
 * what, old → new); for recruiters a link to propose a candidate while it is open.
 */
/** @import { Ok, Item } from '../api-client' */
/** @typedef {Ok<'/jobs/{id}'>} Job */
/** @typedef {Item<'/jobs/{id}/changes'>} JobChange */
import { asError, fetchItems, isAbort, request } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, humanize } from '../format.js';
import { errorAlert, loading, notice } from './components.js';
import { issueList } from './form.js';
import { commandsFor, feeText, jobCommand, jobStatusBadge, JOB_STATUS_LABELS, REMOTE_LABELS, salaryText } from './jobs.js';

/** A changed value as a person reads it. @param {string} field @param {unknown} value */
function valueText(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'fee') return feeText(/** @type {Job['fee']} */ (value));
  if (field === 'salary') return salaryText(/** @type {Job['salary']} */ (value));
  if (field === 'remote') return REMOTE_LABELS[/** @type {keyof typeof REMOTE_LABELS} */ (value)] ?? String(value);
  if (field === 'status') return JOB_STATUS_LABELS[/** @type {Job['status']} */ (value)] ?? String(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function jobDetailView(root, { me, params, signal, flash }) {
  document.title = 'Job · Splits';
  const admin = me.role === 'company_admin';
  const seesAudit = admin || me.role === 'hiring_manager' || me.role === 'platform_admin';
  const alertSlot = h('div', { class: 'slot', 'data-testid': 'messages' }, flash && notice(flash));
  const body = h('div', {}, loading('Loading the job…'));
  fill(root, h('a', { href: '#/jobs', class: 'back-link' }, '← Jobs'), alertSlot, body);

  async function load() {
    try {
      const [job, changes] = await Promise.all([
        request('/jobs/{id}', { params: { id: params.id }, signal }),
        seesAudit
          ? fetchItems('/jobs/{id}/changes', { params: { id: params.id }, count: 50, signal }).then((r) => r.items)
          : Promise.resolve([]),
      ]);
      render(job, changes);
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err)) fill(body, errorAlert(`Could not load the job: ${err.message}`));
    }
  }

  /** @param {Job} job @param {'open' | 'pause' | 'close'} command @param {HTMLButtonElement} button */
  async function act(job, command, button) {
    button.disabled = true;
    try {
      const after = await jobCommand(job.id, command);
      fill(alertSlot, notice(`The job is ${JOB_STATUS_LABELS[after.status].toLowerCase()}.`));
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      fill(alertSlot, errorAlert(`Could not change the job: ${err.message}`, issueList(err)));
    }
    await load();
  }

  /** @param {Job} job @param {JobChange[]} changes */
  function render(job, changes) {
    document.title = `${job.title} · Splits`;
    const term = (/** @type {string} */ label, /** @type {string} */ value, /** @type {string} */ testid) => [
      h('dt', {}, label),
      h('dd', { 'data-testid': testid }, value),
    ];
    const commands =
      admin &&
      !job.atsSynced &&
      commandsFor(job.status).map(([command, label]) => {
        const button = h(
          'button',
          { type: 'button', class: `button ${command === 'close' ? 'button-danger' : ''}`, 'data-testid': `job-${command}` },
          label,
        );
        button.onclick = () => act(job, command, button);
        return button;
      });
    fill(
      body,
      h(
        'div',
        { class: 'page-header' },
        h('h1', { 'data-testid': 'job-title' }, job.title),
        jobStatusBadge(job.status),
        h(
          'div',
          { class: 'actions' },
          admin &&
            job.status !== 'closed' &&
            h(
              'a',
              { href: `#/jobs/${job.id}/edit`, class: 'button', 'data-testid': 'edit-job' },
              job.atsSynced ? 'Marketplace settings' : 'Edit',
            ),
          commands,
          me.role === 'recruiter' &&
            job.status === 'open' &&
            h(
              'a',
              { href: `#/proposals/new?job=${job.id}`, class: 'button button-primary', 'data-testid': 'propose-for-job' },
              'Propose a candidate',
            ),
        ),
      ),
      job.atsSynced && h('p', { class: 'muted' }, "Synced from the company's ATS."),
      h(
        'dl',
        { class: 'card details', 'data-testid': 'job-details' },
        term('Company', job.companyName ?? '—', 'job-company'),
        term('Location', [job.location, job.remote && REMOTE_LABELS[job.remote]].filter(Boolean).join(' · ') || '—', 'job-location'),
        term('Salary', salaryText(job.salary), 'job-salary'),
        term('Fee', feeText(job.fee), 'job-fee'),
        me.role !== 'recruiter' && term('Shared with the marketplace', job.sharedWithMarketplace ? 'Yes' : 'No', 'job-shared'),
        term('Posted', formatDateTime(job.createdAt), 'job-created'),
      ),
      job.description &&
        h(
          'section',
          { class: 'card' },
          h('h2', {}, 'Description'),
          h('p', { class: 'prewrap', 'data-testid': 'job-description' }, job.description),
        ),
      seesAudit &&
        h(
          'section',
          {},
          h('h2', {}, 'History'),
          h(
            'ol',
            { class: 'timeline', 'data-testid': 'job-history' },
            changes.map((c) =>
              h(
                'li',
                { class: 'timeline-entry', 'data-testid': 'job-change', 'data-change': c.change },
                h('strong', {}, humanize(c.change)),
                ` by ${actorLabel(c)} · ${formatDateTime(c.occurredAt)}`,
                c.change !== 'created' &&
                  h(
                    'ul',
                    {},
                    Object.entries(c.changes).map(([field, [was, now]]) =>
                      h('li', {}, `${humanize(field)}: ${valueText(field, was)} → ${valueText(field, now)}`),
                    ),
                  ),
              ),
            ),
          ),
        ),
    );
  }

  await load();
}
