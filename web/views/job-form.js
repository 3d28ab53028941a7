/**
 * Post a job or edit one (company admins, product §3.8): title, description, location,
 * remote mode, salary range, fee terms (a percentage of the first-year salary or a fixed
 * fee) and whether the marketplace's recruiters see it. The API's 400 details appear next
 * to their fields. A job synced from an ATS offers only its marketplace settings.
 */
/** @import { Body, Ok } from '../api-client' */
/** @typedef {Ok<'/jobs/{id}'>} Job */
/** @typedef {Body<'/jobs', 'post'>['fee']} Fee */
/** @typedef {NonNullable<Body<'/jobs', 'post'>['salary']>['currency']} Currency */
import { ApiError, asError, isAbort, newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { errorAlert, loading } from './components.js';
import { formErrors, formField, select } from './form.js';
import { amountToCents } from './placement-new.js';
import { REMOTE_LABELS } from './jobs.js';

/** @type {Currency[]} the ones offered (the API takes any ISO 4217 code it lists) */
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD'];

/** "12.5" → 1250 bps; null unless 0.01–100 with at most two decimals (no float arithmetic). @param {string} text */
export function percentTextToBps(text) {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  const bps = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return bps >= 1 && bps <= 10_000 ? bps : null;
}

/** 1250 → "12.5". @param {number} bps */
const bpsToText = (bps) =>
  `${Math.trunc(bps / 100)}${
    bps % 100
      ? `.${String(bps % 100)
          .padStart(2, '0')
          .replace(/0$/, '')}`
      : ''
  }`;
/** 2500050 → "25000.50". @param {number} cents */
const centsToText = (cents) => `${Math.trunc(cents / 100)}${cents % 100 ? `.${String(cents % 100).padStart(2, '0')}` : ''}`;

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function jobFormView(root, { me, params, signal, navigate }) {
  const editing = params.id !== '';
  document.title = `${editing ? 'Edit job' : 'Post a job'} · Splits`;
  if (me.role !== 'company_admin') {
    fill(root, h('h1', {}, 'Jobs'), errorAlert('Only company admins post and edit jobs.'));
    return;
  }
  /** @type {Job | null} */
  let job = null;
  if (editing) {
    root.append(loading('Loading the job…'));
    try {
      job = await request('/jobs/{id}', { params: { id: params.id }, signal });
    } catch (caught) {
      const err = asError(caught);
      if (isAbort(err)) return;
      fill(root, h('a', { href: '#/jobs', class: 'back-link' }, '← Jobs'), errorAlert(`Could not load the job: ${err.message}`));
      return;
    }
  }
  const atsOnly = job?.atsSynced ?? false;

  const text =
    (/** @type {string} */ type, /** @type {Record<string, string>} */ extra = {}) =>
    (/** @type {Record<string, string | undefined>} */ a) =>
      h('input', { ...a, type, autocomplete: 'off', ...extra });
  const fields = {
    title: formField({ name: 'title', label: 'Title', control: text('text', { maxlength: '200' }) }),
    description: formField({
      name: 'description',
      label: 'Description',
      hint: 'What the role is, for recruiters to pitch it; searched with the title and location.',
      control: (a) => h('textarea', { ...a, rows: '8' }),
    }),
    location: formField({ name: 'location', label: 'Location', control: text('text') }),
    remote: formField({ name: 'remote', label: 'Remote', control: select('Not said', Object.entries(REMOTE_LABELS)) }),
    'salary.minCents': formField({
      name: 'salary.minCents',
      label: 'Salary from',
      hint: 'A year, e.g. 80000.',
      control: text('text', { inputmode: 'decimal' }),
    }),
    'salary.maxCents': formField({ name: 'salary.maxCents', label: 'Salary to', control: text('text', { inputmode: 'decimal' }) }),
    'salary.currency': formField({
      name: 'salary.currency',
      label: 'Currency',
      control: select(
        null,
        CURRENCIES.map((c) => [c, c]),
      ),
    }),
    fee: formField({
      name: 'fee',
      label: 'Fee',
      control: select(null, [
        ['percentage', 'Percentage of first-year salary'],
        ['fixed', 'Fixed fee'],
      ]),
    }),
    'fee.percentBps': formField({
      name: 'fee.percentBps',
      label: 'Percentage',
      hint: 'e.g. 20 for 20 %.',
      control: text('text', { inputmode: 'decimal' }),
    }),
    'fee.amountCents': formField({ name: 'fee.amountCents', label: 'Fixed fee', control: text('text', { inputmode: 'decimal' }) }),
    'fee.currency': formField({
      name: 'fee.currency',
      label: 'Fee currency',
      control: select(
        null,
        CURRENCIES.map((c) => [c, c]),
      ),
    }),
  };
  const share = h('input', { type: 'checkbox', id: 'sharedWithMarketplace', 'data-testid': 'field-sharedWithMarketplace' });
  const shareError = h('p', { class: 'field-error', hidden: true });
  const shareField = {
    input: share,
    setError: (/** @type {string | null | undefined} */ m) => {
      shareError.textContent = m ?? '';
      shareError.hidden = !m;
    },
  };
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => ({ ...fields, sharedWithMarketplace: shareField }));
  const submit = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-job' },
    editing ? 'Save' : 'Post the job',
  );
  const percentRow = h('div', { class: 'field-row' }, fields['fee.percentBps'].el);
  const fixedRow = h('div', { class: 'field-row' }, fields['fee.amountCents'].el, fields['fee.currency'].el);
  const showFeeForm = () => {
    percentRow.hidden = fields.fee.input.value !== 'percentage';
    fixedRow.hidden = fields.fee.input.value !== 'fixed';
  };
  fields.fee.input.addEventListener('change', showFeeForm);

  // Start from the job (editing) or sensible defaults.
  fields['salary.currency'].input.value = fields['fee.currency'].input.value = 'USD';
  share.checked = job?.sharedWithMarketplace ?? true;
  if (job) {
    fields.title.input.value = job.title;
    fields.description.input.value = job.description ?? '';
    fields.location.input.value = job.location ?? '';
    fields.remote.input.value = job.remote ?? '';
    if (job.salary) {
      fields['salary.minCents'].input.value = centsToText(job.salary.minCents);
      fields['salary.maxCents'].input.value = centsToText(job.salary.maxCents);
      fields['salary.currency'].input.value = job.salary.currency;
    }
    if (job.fee?.type === 'percentage') fields['fee.percentBps'].input.value = bpsToText(job.fee.percentBps);
    if (job.fee?.type === 'fixed') {
      fields.fee.input.value = 'fixed';
      fields['fee.amountCents'].input.value = centsToText(job.fee.amountCents);
      fields['fee.currency'].input.value = job.fee.currency;
    }
  }
  showFeeForm();
  if (atsOnly) {
    for (const name of /** @type {(keyof typeof fields)[]} */ ([
      'title',
      'description',
      'location',
      'remote',
      'salary.minCents',
      'salary.maxCents',
      'salary.currency',
    ]))
      fields[name].input.disabled = true;
  }

  /** The form as a request body, or the issues that keep it from being one. */
  function read() {
    /** @type {{ path: string[], message: string }[]} */
    const issues = [];
    const amount = (/** @type {string} */ name, /** @type {string} */ value) => {
      const cents = amountToCents(value);
      if (cents === null) issues.push({ path: name.split('.'), message: 'An amount above zero with at most two decimals.' });
      return cents ?? 0;
    };
    /** @type {Fee} */
    let fee;
    if (fields.fee.input.value === 'percentage') {
      const bps = percentTextToBps(fields['fee.percentBps'].input.value);
      if (bps === null) issues.push({ path: ['fee', 'percentBps'], message: 'A percentage from 0.01 to 100, with at most two decimals.' });
      fee = { type: 'percentage', percentBps: bps ?? 0 };
    } else {
      fee = {
        type: 'fixed',
        amountCents: amount('fee.amountCents', fields['fee.amountCents'].input.value),
        currency: /** @type {Currency} */ (fields['fee.currency'].input.value),
      };
    }
    const [min, max] = [fields['salary.minCents'].input.value.trim(), fields['salary.maxCents'].input.value.trim()];
    const salary =
      min || max
        ? {
            minCents: amount('salary.minCents', min),
            maxCents: amount('salary.maxCents', max),
            currency: /** @type {Currency} */ (fields['salary.currency'].input.value),
          }
        : null;
    const remote = /** @type {Job['remote']} */ (fields.remote.input.value || null);
    const body = {
      title: fields.title.input.value,
      description: fields.description.input.value,
      location: fields.location.input.value.trim() || null,
      remote,
      salary,
      fee,
      sharedWithMarketplace: share.checked,
    };
    return { issues, body };
  }

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    const { issues, body } = read();
    if (issues.length) {
      errors.showIssues(issues);
      return;
    }
    submit.disabled = true;
    try {
      /** @type {Job} */
      let saved;
      if (job) {
        const patch = atsOnly ? { fee: body.fee, sharedWithMarketplace: body.sharedWithMarketplace } : body;
        saved = await request('/jobs/{id}', { method: 'patch', params: { id: job.id }, body: patch });
      } else {
        const { location, remote, salary, ...rest } = body;
        saved = await request('/jobs', {
          method: 'post',
          idempotencyKey: newIdempotencyKey(),
          body: { ...rest, ...(location && { location }), ...(remote && { remote }), ...(salary && { salary }) },
        });
      }
      navigate(`/jobs/${saved.id}`, { notice: job ? 'Job saved.' : 'Job posted: it is open.' });
    } catch (err) {
      errors.show(err instanceof ApiError ? err : new ApiError(0, 'unknown', 'Something went wrong.'));
      submit.disabled = false;
    }
  }

  fill(
    root,
    h('a', { href: job ? `#/jobs/${job.id}` : '#/jobs', class: 'back-link' }, job ? '← The job' : '← Jobs'),
    h('h1', {}, job ? `Edit ${job.title}` : 'Post a job'),
    atsOnly &&
      h(
        'p',
        { class: 'muted', 'data-testid': 'ats-note' },
        'This job is synced from your ATS: edit its details there. Here you set whether the marketplace sees it and its fee terms.',
      ),
    alertSlot,
    h(
      'form',
      { class: 'card form', novalidate: true, onsubmit: onSubmit, 'data-testid': 'job-form' },
      fields.title.el,
      fields.description.el,
      h('div', { class: 'field-row' }, fields.location.el, fields.remote.el),
      h('h2', {}, 'Salary'),
      h('div', { class: 'field-row' }, fields['salary.minCents'].el, fields['salary.maxCents'].el, fields['salary.currency'].el),
      h('h2', {}, 'Fee terms'),
      fields.fee.el,
      percentRow,
      fixedRow,
      h(
        'div',
        { class: 'field' },
        h('label', { class: 'checkbox', for: 'sharedWithMarketplace' }, share, " Shared with the marketplace's recruiters"),
        shareError,
      ),
      h('div', { class: 'actions' }, submit),
    ),
  );
}
