/**
 * One job (product §3.8): its terms for everyone who may see it; for company admins the
 * edit link and status commands, and the choice of its holder (a recruiter); for the holder
 * the partners they share it with; for the company and platform admins its audit (who changed
 * what, old → new); for recruiters how they got it and a link to propose a candidate while it is open.
 */
/** @import { Ok, Item } from '../api-client' */
/** @typedef {Ok<'/jobs/{id}'>} Job */
/** @typedef {Item<'/jobs/{id}/changes'>} JobChange */
/** @typedef {Ok<'/jobs/{id}/partners'>} Sharing */
/** @typedef {Item<'/recruiters'>} Recruiter */
import { asError, fetchItems, isAbort, newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, humanize } from '../format.js';
import { errorAlert, loading, notice } from './components.js';
import { issueList } from './form.js';
import { accessText, commandsFor, feeText, jobCommand, jobStatusBadge, JOB_STATUS_LABELS, REMOTE_LABELS, salaryText } from './jobs.js';

/** A changed value as a person reads it. @param {string} field @param {unknown} value */
function valueText(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'fee') return feeText(/** @type {Job['fee']} */ (value));
  if (field === 'salary') return salaryText(/** @type {Job['salary']} */ (value));
  if (field === 'remote') return REMOTE_LABELS[/** @type {keyof typeof REMOTE_LABELS} */ (value)] ?? String(value);
  if (field === 'status') return JOB_STATUS_LABELS[/** @type {Job['status']} */ (value)] ?? String(value);
  // Holders and partners are recorded with the name they had then.
  if (field === 'holder' || field === 'partner') return /** @type {{ name?: string }} */ (value).name ?? '—';
  if (field === 'partners') return /** @type {{ name?: string }[]} */ (value).map((p) => p.name).join(', ') || '—';
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

  /** @type {Promise<Recruiter[]> | null} the recruiters a holder or partner is chosen from, loaded once */
  let recruiters = null;

  async function load() {
    try {
      const [job, changes] = await Promise.all([
        request('/jobs/{id}', { params: { id: params.id }, signal }),
        seesAudit
          ? fetchItems('/jobs/{id}/changes', { params: { id: params.id }, count: 50, signal }).then((r) => r.items)
          : Promise.resolve([]),
      ]);
      // Who holds it and whom it is shared with: the company's users, platform admins and the holder read it.
      const sharing =
        me.role !== 'recruiter' || job.access === 'holder'
          ? await request('/jobs/{id}/partners', { params: { id: params.id }, signal })
          : null;
      const choosing = job.status !== 'closed' && (admin || job.access === 'holder');
      if (choosing && !recruiters) recruiters = fetchItems('/recruiters', { count: 1000, signal }).then((r) => r.items);
      render(job, changes, sharing, choosing && recruiters ? await recruiters : []);
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

  /**
   * Runs one sharing change, reloads, then says what happened (so the page already shows it).
   * @param {HTMLButtonElement} button @param {string} done @param {() => Promise<unknown>} call
   */
  async function share(button, done, call) {
    button.disabled = true;
    try {
      await call();
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      fill(alertSlot, errorAlert(`Could not change the sharing: ${err.message}`, issueList(err)));
      await load();
      return;
    }
    await load();
    if (!signal.aborted) fill(alertSlot, notice(done));
  }

  /**
   * A recruiter picker (names, never ids) and its button.
   * @param {Recruiter[]} options @param {string} testid @param {string} label
   * @param {(recruiter: Recruiter, button: HTMLButtonElement) => void} onPick
   */
  function picker(options, testid, label, onPick) {
    const choice = h(
      'select',
      { 'data-testid': `${testid}-select`, 'aria-label': label },
      h('option', { value: '' }, 'Choose a recruiter…'),
      options.map((r) => h('option', { value: r.id }, r.displayName)),
    );
    const button = h('button', { type: 'button', class: 'button', 'data-testid': `${testid}-submit` }, label);
    button.onclick = () => {
      const recruiter = options.find((r) => r.id === choice.value);
      if (recruiter) onPick(recruiter, button);
      else fill(alertSlot, errorAlert('Choose a recruiter first.'));
    };
    return h('div', { class: 'actions' }, choice, button);
  }

  /**
   * The holder (company admins choose it) and the partners (the holder adds and removes them).
   * @param {Job} job @param {Sharing} sharing @param {Recruiter[]} recruiters
   */
  function sharingSection(job, sharing, recruiters) {
    const open = job.status !== 'closed';
    const holderId = sharing.holder?.recruiterId;
    const holding = job.access === 'holder';
    const partnerIds = new Set(sharing.partners.map((p) => p.recruiterId));
    return h(
      'section',
      { class: 'card', 'data-testid': 'job-sharing' },
      h('h2', {}, holding ? 'Share with partners' : 'Holder and partners'),
      !holding &&
        h(
          'p',
          {},
          'Holder: ',
          h('strong', { 'data-testid': 'job-holder' }, sharing.holder?.displayName ?? 'None'),
          ' — the recruiter who holds this job for your company and may share it with partner recruiters.',
        ),
      admin &&
        open &&
        h(
          'div',
          {},
          picker(
            recruiters.filter((r) => r.id !== holderId),
            'holder',
            sharing.holder ? 'Change holder' : 'Make holder',
            (r, button) =>
              share(button, `${r.displayName} now holds this job.`, () =>
                request('/jobs/{id}/holder', { method: 'put', params: { id: job.id }, body: { recruiterId: r.id } }),
              ),
          ),
          sharing.holder &&
            (() => {
              const button = h(
                'button',
                { type: 'button', class: 'button button-danger', 'data-testid': 'holder-remove' },
                'Remove holder',
              );
              button.onclick = () =>
                share(button, 'The job has no holder now; its partners no longer have it.', () =>
                  request('/jobs/{id}/holder', { method: 'delete', params: { id: job.id } }),
                );
              return button;
            })(),
        ),
      h('h3', {}, 'Partners'),
      sharing.partners.length === 0
        ? h('p', { class: 'muted', 'data-testid': 'partners-empty' }, 'Not shared with any partner.')
        : h(
            'ul',
            { 'data-testid': 'job-partners' },
            sharing.partners.map((p) => {
              const button =
                holding && open && h('button', { type: 'button', class: 'button', 'data-testid': 'partner-remove' }, 'Stop sharing');
              if (button) {
                button.onclick = () =>
                  share(button, `No longer shared with ${p.displayName}.`, () =>
                    request('/jobs/{id}/partners/{recruiterId}', { method: 'delete', params: { id: job.id, recruiterId: p.recruiterId } }),
                  );
              }
              return h('li', { 'data-testid': 'job-partner' }, h('span', { 'data-testid': 'partner-name' }, p.displayName), ' ', button);
            }),
          ),
      holding &&
        open &&
        picker(
          recruiters.filter((r) => r.id !== holderId && !partnerIds.has(r.id)),
          'partner',
          'Share',
          (r, button) =>
            share(button, `Shared with ${r.displayName}.`, () =>
              request('/jobs/{id}/partners', {
                method: 'post',
                params: { id: job.id },
                body: { recruiterId: r.id },
                idempotencyKey: newIdempotencyKey(),
              }),
            ),
        ),
    );
  }

  /** @param {Job} job @param {JobChange[]} changes @param {Sharing | null} sharing @param {Recruiter[]} recruiters */
  function render(job, changes, sharing, recruiters) {
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
        accessText(job) && term('How you have it', accessText(job) ?? '', 'job-access'),
        term('Posted', formatDateTime(job.createdAt), 'job-created'),
      ),
      job.description &&
        h(
          'section',
          { class: 'card' },
          h('h2', {}, 'Description'),
          h('p', { class: 'prewrap', 'data-testid': 'job-description' }, job.description),
        ),
      sharing && sharingSection(job, sharing, recruiters),
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
