/**
 * Jobs (product §3.8). Company users see their company's jobs in every status, company
 * admins with the status commands (pause, reopen, close) and a link to post one; recruiters
 * browse the open jobs companies share with the marketplace, and the ones they hold or a holder
 * shared with them (each says so: "Held by you", "Shared with you by …"), with filters and a full-text
 * search whose results come best match first; platform admins see every job.
 */
/** @import { Item, Query } from '../api-client' */
/** @typedef {Item<'/jobs'>} Job */
/** @typedef {'open' | 'pause' | 'close'} JobCommand */
import { asError, newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { formatMoney } from '../format.js';
import { errorAlert, notice } from './components.js';
import { issueList } from './form.js';
import { listTable, liveList } from './live-list.js';

/** @type {Record<Job['status'], string>} */
export const JOB_STATUS_LABELS = { open: 'Open', paused: 'Paused', closed: 'Closed' };
/** @type {Record<NonNullable<Job['remote']>, string>} */
export const REMOTE_LABELS = { on_site: 'On-site', hybrid: 'Hybrid', remote: 'Remote' };

/** @param {Job['status']} status */
export const jobStatusBadge = (status) =>
  h('span', { class: `badge badge-job-${status}`, 'data-testid': 'job-status', 'data-state': status }, JOB_STATUS_LABELS[status] ?? status);

/** "20 % of first-year salary" or "USD 15,000.00 fixed"; a dash without terms. @param {Job['fee']} fee */
export function feeText(fee) {
  if (!fee) return '—';
  if (fee.type === 'percentage') return `${(fee.percentBps / 100).toFixed(2).replace(/\.?0+$/, '')} % of first-year salary`;
  return `${formatMoney(fee.amountCents, fee.currency)} fixed`;
}

/** @param {Job['salary']} salary */
export const salaryText = (salary) =>
  salary ? `${formatMoney(salary.minCents, salary.currency)} – ${formatMoney(salary.maxCents, salary.currency)}` : '—';

/**
 * POST /jobs/:id/open|pause|close; resolves with the job.
 * @param {string} id @param {JobCommand} command
 */
export function jobCommand(id, command) {
  const path = /** @type {const} */ ({ open: '/jobs/{id}/open', pause: '/jobs/{id}/pause', close: '/jobs/{id}/close' })[command];
  return request(path, { method: 'post', params: { id }, idempotencyKey: newIdempotencyKey() });
}

/** The commands a job in `status` offers (a closed job is final). @param {Job['status']} status @returns {[JobCommand, string][]} */
export const commandsFor = (status) =>
  status === 'open'
    ? [
        ['pause', 'Pause'],
        ['close', 'Close'],
      ]
    : status === 'paused'
      ? [
          ['open', 'Reopen'],
          ['close', 'Close'],
        ]
      : [];

/**
 * How a recruiter got a job, as they read it: "Held by you", "Shared with you by <holder>";
 * null for a job they see only because the marketplace shares it (and for everyone else).
 * @param {Pick<Job, 'access' | 'holder'>} job
 */
export function accessText(job) {
  if (job.access === 'holder') return 'Held by you';
  if (job.access === 'partner') return `Shared with you by ${job.holder?.displayName ?? 'its holder'}`;
  return null;
}

const FILTERS = ['q', 'remote', 'location', 'salaryAtLeast', 'feeType', 'status'];

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function jobsView(root, { me, query, signal, navigate }) {
  document.title = 'Jobs · Splits';
  const recruiter = me.role === 'recruiter';
  const admin = me.role === 'company_admin';
  /** @type {Record<string, string>} */
  const given = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? '']).filter(([, v]) => v));
  const salary = Number(given.salaryAtLeast);
  /** @type {Query<'/jobs', 'get'>} */
  const apiQuery = {
    q: given.q,
    location: given.location,
    remote: /** @type {Query<'/jobs', 'get'>['remote']} */ (given.remote || undefined),
    feeType: /** @type {Query<'/jobs', 'get'>['feeType']} */ (given.feeType || undefined),
    status: /** @type {Query<'/jobs', 'get'>['status']} */ (given.status || undefined),
    // The form asks for whole units a year; the API takes cents.
    salaryAtLeast: Number.isFinite(salary) && salary > 0 ? Math.round(salary * 100) : undefined,
  };
  const alertSlot = h('div', { class: 'slot', 'data-testid': 'messages' });
  const headings = /** @type {string[]} */ (
    [
      // Recruiters see open jobs only: no status column for them.
      'Job',
      (recruiter || me.role === 'platform_admin') && 'Company',
      'Location',
      'Salary',
      'Fee',
      !recruiter && 'Status',
      admin && 'Actions',
    ].filter(Boolean)
  );
  const { table, tbody } = listTable('job-list', headings);
  const list = liveList({
    path: '/jobs',
    query: apiQuery,
    signal,
    render: row,
    container: tbody,
    frame: table,
    noun: 'jobs',
    empty: recruiter
      ? ['No open jobs match', given.q ? 'Try other words or fewer filters.' : 'Companies have not shared any open jobs yet.']
      : ['No jobs yet', admin ? 'Post your first job to start receiving proposals.' : null],
  });

  /** @param {string} name @param {string} label @param {HTMLElement} control */
  const field = (name, label, control) =>
    h('div', { class: 'field field-inline' }, h('label', { for: `job-filter-${name}` }, label), control);
  const input = (/** @type {string} */ name, /** @type {Record<string, string>} */ attrs = {}) =>
    h('input', { id: `job-filter-${name}`, name, 'data-testid': `job-filter-${name}`, value: given[name] ?? '', ...attrs });
  const choice = (/** @type {string} */ name, /** @type {string[][]} */ options) =>
    h(
      'select',
      { id: `job-filter-${name}`, name, 'data-testid': `job-filter-${name}` },
      options.map(([v, t]) => h('option', { value: v, selected: v === (given[name] ?? '') }, t)),
    );

  /** @param {SubmitEvent} event */
  function onFilter(event) {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const params = new URLSearchParams();
    for (const [k, v] of data) if (String(v).trim()) params.set(k, String(v).trim());
    const qs = params.toString();
    navigate(qs ? `/jobs?${qs}` : '/jobs');
  }
  const filters = h(
    'form',
    { class: 'card filters', role: 'search', 'data-testid': 'job-filters', onsubmit: onFilter },
    field('q', 'Search', input('q', { type: 'search', placeholder: 'Title, location, description…' })),
    field('remote', 'Remote', choice('remote', [['', 'Any'], ...Object.entries(REMOTE_LABELS)])),
    field('location', 'Location', input('location', { type: 'text' })),
    field('salaryAtLeast', 'Salary at least', input('salaryAtLeast', { type: 'number', min: '0', step: '1000' })),
    field(
      'feeType',
      'Fee',
      choice('feeType', [
        ['', 'Any'],
        ['percentage', 'Percentage'],
        ['fixed', 'Fixed'],
      ]),
    ),
    !recruiter && field('status', 'Status', choice('status', [['', 'Any'], ...Object.entries(JOB_STATUS_LABELS)])),
    h('button', { type: 'submit', class: 'button', 'data-testid': 'job-search' }, 'Search'),
  );

  fill(
    root,
    h(
      'section',
      {},
      h(
        'div',
        { class: 'page-header' },
        h('h1', {}, recruiter ? 'Marketplace jobs' : 'Jobs'),
        admin && h('a', { href: '#/jobs/new', class: 'button button-primary', 'data-testid': 'post-job' }, 'Post a job'),
      ),
      filters,
      alertSlot,
      list.element,
    ),
  );

  /** @param {Job} job @param {JobCommand} command @param {HTMLButtonElement} button */
  async function act(job, command, button) {
    button.disabled = true;
    fill(alertSlot);
    try {
      const after = await jobCommand(job.id, command);
      fill(alertSlot, notice(`${job.title} is ${JOB_STATUS_LABELS[after.status].toLowerCase()}.`));
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      fill(alertSlot, errorAlert(`Could not change ${job.title}: ${err.message}`, issueList(err)));
      button.disabled = false;
    }
    await list.refresh();
  }

  /** @param {Job} job */
  function actions(job) {
    if (job.atsSynced) return h('span', { class: 'muted' }, 'Synced from your ATS');
    return h(
      'div',
      { class: 'actions' },
      commandsFor(job.status).map(([command, label]) => {
        const button = h(
          'button',
          { type: 'button', class: `button ${command === 'close' ? 'button-danger' : ''}`, 'data-testid': `job-${command}` },
          label,
        );
        button.onclick = () => act(job, command, button);
        return button;
      }),
    );
  }

  /** @param {Job} job */
  function row(job) {
    return h(
      'tr',
      { 'data-testid': 'job-row', 'data-job-id': job.id, 'data-state': job.status },
      h(
        'td',
        {},
        h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'row-link', 'data-testid': 'job-link' }, job.title),
        accessText(job) && h('div', { class: 'muted', 'data-testid': 'job-access' }, accessText(job)),
      ),
      headings.includes('Company') && h('td', {}, job.companyName ?? '—'),
      h('td', {}, [job.location, job.remote && REMOTE_LABELS[job.remote]].filter(Boolean).join(' · ') || '—'),
      h('td', {}, salaryText(job.salary)),
      h('td', { 'data-testid': 'job-fee' }, feeText(job.fee)),
      !recruiter && h('td', {}, jobStatusBadge(job.status), !job.sharedWithMarketplace && h('span', { class: 'muted' }, ' · not shared')),
      admin && h('td', {}, actions(job)),
    );
  }

  await list.reload();
}
