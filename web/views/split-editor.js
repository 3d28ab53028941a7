/**
 * Collaborators and their splits (product §3.3): one row per recruiter and role, a split in
 * percent with at most two decimals, each at least 5 %, all summing to exactly 100 %.
 * Checked as it is typed (a running total), previewed in cents per tranche by the API's
 * calculator, and read-only once the first payout has locked the splits.
 */
/** @import { Body } from '../api-client' */
/** @typedef {Body<'/placements', 'post'>['collaborators'][number]} Collaborator as the API takes it */
import { api, isAbort } from '../api.js';
import { h } from '../dom.js';
import { formatMoney } from '../format.js';
import { formField, select } from './form.js';
import {
  COLLABORATOR_ROLES,
  MAX_COLLABORATORS,
  MIN_SPLIT_BPS,
  TOTAL_BPS,
  bpsToPercent,
  percentToBps as sharedPercentToBps,
} from '@domain/split-rules.js';
/** @import { ErrorTarget, FormField } from './form.js' */
/** @import { Recruiter } from './types' */
/** @typedef {{ recruiterId: string, role: Collaborator['role'], splitPercent: string }} RowValue a row as typed */
/** @typedef {{ path: (string | number)[], message: string }} Issue */

/** The collaborator roles: the shared list, which must equal the API's generated enum (either side changing alone fails the type check). */
/** @type {readonly Collaborator['role'][]} */
export const ROLES = COLLABORATOR_ROLES;
/** @type {Collaborator['role'] extends (typeof COLLABORATOR_ROLES)[number] ? true : never} */
const _apiRolesAreShared = true;

/** "33.33" → 3333 (the server's own rule); null when it is not a percentage from 0 to 100 with at most two decimals. */
export function percentToBps(/** @type {string} */ text) {
  try {
    return sharedPercentToBps(text);
  } catch {
    return null;
  }
}

/**
 * The problems a person can fix before sending, with the API's paths.
 * @param {RowValue[]} rows
 */
export function splitIssues(rows) {
  /** @type {Issue[]} */
  const issues = [];
  const seen = new Set();
  rows.forEach((r, i) => {
    if (!r.recruiterId) issues.push({ path: ['collaborators', i, 'recruiterId'], message: 'Choose a recruiter.' });
    const key = `${r.recruiterId}:${r.role}`;
    if (r.recruiterId && seen.has(key))
      issues.push({ path: ['collaborators', i, 'role'], message: 'This recruiter already has this role.' });
    seen.add(key);
    const bps = percentToBps(r.splitPercent);
    if (bps === null)
      issues.push({
        path: ['collaborators', i, 'splitPercent'],
        message: 'A percentage from 0 to 100 with at most two decimals, e.g. 33.33.',
      });
    else if (bps < MIN_SPLIT_BPS)
      issues.push({ path: ['collaborators', i, 'splitPercent'], message: `Each split is at least ${bpsToPercent(MIN_SPLIT_BPS)} %.` });
  });
  const all = rows.map((r) => percentToBps(r.splitPercent));
  if (rows.length && all.every((b) => b !== null)) {
    const sum = /** @type {number[]} */ (all).reduce((a, b) => a + b, 0);
    if (sum !== TOTAL_BPS)
      issues.push({ path: ['collaborators'], message: `The splits must add up to exactly 100 % (now ${bpsToPercent(sum)} %).` });
  }
  return issues;
}

/**
 * The preview's terms (holdback, platform fee): a recorded placement's own (`placementId`), else
 * those of the job's company (`jobId`).
 * @param {{
 *   recruiters: Recruiter[], signal: AbortSignal, locked?: boolean, feeCents?: number | null, currency?: string,
 *   initial: { recruiterId: string, role: Collaborator['role'], splitBps: number, recruiterName?: string | null }[],
 *   jobId?: string, placementId?: string,
 * }} options
 */
export function splitEditor({ recruiters, initial, locked = false, feeCents = null, currency = 'USD', jobId, placementId, signal }) {
  const nameOf = new Map(recruiters.map((r) => [r.id, r.displayName]));
  /** @type {{ tr: HTMLElement, recruiter: FormField, role: FormField, percent: FormField, amounts: HTMLElement }[]} */
  let rows = [];
  let fee = feeCents;
  let previewGen = 0;
  const tbody = h('tbody');
  const platformFee = h('p', { class: 'muted', 'data-testid': 'split-platform-fee', hidden: true });
  const total = h('span', { 'data-testid': 'split-total' });
  const totalError = h('p', { class: 'field-error', 'data-testid': 'field-error-collaborators', role: 'alert', hidden: true });
  const addButton = h(
    'button',
    { type: 'button', class: 'button', 'data-testid': 'add-collaborator', onclick: () => addRow({ role: 'support', splitPercent: '' }) },
    'Add collaborator',
  );
  const totalField = {
    input: addButton,
    /** @param {string | null | undefined} message */
    setError(message) {
      totalError.textContent = message ?? '';
      totalError.hidden = !message;
    },
  };

  /** @param {Partial<RowValue> & Pick<RowValue, 'role'>} value */
  function addRow(value) {
    const index = rows.length;
    const recruiter = formField({
      name: `collaborators.${index}.recruiterId`,
      label: 'Recruiter',
      control: select(
        'Choose a recruiter…',
        recruiters.map((r) => [r.id, r.displayName]),
      ),
    });
    const role = formField({
      name: `collaborators.${index}.role`,
      label: 'Role',
      control: select(
        null,
        ROLES.map((r) => [r, r.charAt(0).toUpperCase() + r.slice(1)]),
      ),
    });
    const percent = formField({
      name: `collaborators.${index}.splitPercent`,
      label: 'Split %',
      control: (attrs) => h('input', { ...attrs, type: 'text', inputmode: 'decimal', size: 6, placeholder: '0.00' }),
    });
    recruiter.input.value = value.recruiterId ?? '';
    role.input.value = value.role;
    percent.input.value = value.splitPercent ?? '';
    const amounts = h('td', { class: 'muted', 'data-testid': 'split-amounts' });
    const remove = h(
      'button',
      { type: 'button', class: 'button button-ghost', 'aria-label': 'Remove this collaborator', 'data-testid': 'remove-collaborator' },
      'Remove',
    );
    const tr = h(
      'tr',
      { 'data-testid': 'collaborator-row' },
      h('td', {}, recruiter.el),
      h('td', {}, role.el),
      h('td', {}, percent.el),
      amounts,
      h('td', {}, remove),
    );
    const row = { tr, recruiter, role, percent, amounts };
    remove.onclick = () => {
      rows = rows.filter((r) => r !== row);
      tr.remove();
      changed();
    };
    for (const f of [recruiter, role, percent]) f.input.addEventListener('input', changed);
    rows.push(row);
    tbody.append(tr);
    changed();
  }

  /** @returns {RowValue[]} the rows as typed (the <select> offers only ROLES) */
  const value = () =>
    rows.map((r) => ({
      recruiterId: r.recruiter.input.value,
      role: /** @type {Collaborator['role']} */ (r.role.input.value),
      splitPercent: r.percent.input.value.trim(),
    }));

  function changed() {
    const sum = rows.map((r) => percentToBps(r.percent.input.value)).reduce((/** @type {number} */ a, b) => a + (b ?? 0), 0);
    total.textContent = `Total ${bpsToPercent(sum)} %`;
    total.classList.toggle('is-ok', sum === TOTAL_BPS);
    addButton.disabled = rows.length >= MAX_COLLABORATORS;
    rows.forEach((r) => r.percent.setError(null));
    totalField.setError(null);
    void preview();
  }

  /** Each row's cents per tranche, once the splits are valid (the API's own arithmetic). */
  async function preview() {
    const gen = ++previewGen;
    rows.forEach((r) => (r.amounts.textContent = ''));
    platformFee.hidden = true;
    const collaborators = value();
    if (!fee || splitIssues(collaborators).some((i) => i.path.length === 1 || i.path[2] === 'splitPercent')) return;
    try {
      const calc = await api.calculateSplits(
        {
          feeCents: fee,
          ...(placementId ? { placementId } : jobId ? { jobId } : {}),
          collaborators: collaborators.map(({ role, splitPercent }) => ({ role, splitPercent })),
        },
        signal,
      );
      if (gen !== previewGen) return;
      calc.collaborators.forEach((c, i) => {
        if (rows[i])
          rows[i].amounts.textContent = `${formatMoney(c.activationCents, currency)} + ${formatMoney(c.holdbackCents, currency)}`;
      });
      const f = calc.platformFee;
      platformFee.textContent =
        calc.platformFeeBps === 0
          ? 'Platform fee: none. The collaborators share the whole fee.'
          : `Platform fee (${bpsToPercent(calc.platformFeeBps)} %): ${formatMoney(f.activationCents, currency)} + ${formatMoney(f.holdbackCents, currency)}, kept by the platform; the collaborators share the rest.`;
      platformFee.hidden = false;
    } catch (err) {
      if (!isAbort(err) && gen === previewGen) rows.forEach((r) => (r.amounts.textContent = '—'));
    }
  }

  if (locked) {
    const el = h(
      'table',
      { class: 'table', 'data-testid': 'collaborators-locked' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Recruiter', 'Role', 'Split'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        initial.map((c) =>
          h(
            'tr',
            { 'data-testid': 'collaborator-row' },
            h('td', {}, c.recruiterName ?? nameOf.get(c.recruiterId) ?? c.recruiterId),
            h('td', {}, c.role),
            h('td', {}, `${bpsToPercent(c.splitBps)} %`),
          ),
        ),
      ),
    );
    return { el, value, fields: () => /** @type {Record<string, ErrorTarget>} */ ({}), issues: () => [], setFee() {} };
  }

  for (const c of initial) addRow({ recruiterId: c.recruiterId, role: c.role, splitPercent: bpsToPercent(c.splitBps) });
  const el = h(
    'div',
    { class: 'split-editor', 'data-testid': 'split-editor' },
    h(
      'table',
      { class: 'table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Recruiter', 'Role', 'Split', 'Activation + holdback', ''].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      tbody,
    ),
    platformFee,
    h('div', { class: 'actions' }, addButton, total),
    totalError,
    h(
      'p',
      { class: 'hint' },
      `Each split is at least ${bpsToPercent(MIN_SPLIT_BPS)} % and they add up to exactly 100 %. The splits lock when the first payout is made.`,
    ),
  );

  return {
    el,
    value,
    issues: () => splitIssues(value()),
    /** The fields by API path, for the form's error mapping (the API names the split splitBps). */
    fields() {
      /** @type {Record<string, ErrorTarget>} */
      const map = { collaborators: totalField };
      rows.forEach((r, i) => {
        map[`collaborators.${i}.recruiterId`] = r.recruiter;
        map[`collaborators.${i}.role`] = r.role;
        map[`collaborators.${i}.splitPercent`] = r.percent;
        map[`collaborators.${i}.splitBps`] = r.percent;
        map[`collaborators.${i}`] = r.role;
      });
      return map;
    },
    /** @param {number | null} cents */
    setFee(cents) {
      fee = cents;
      void preview();
    },
  };
}
