/**
 * Company terms and marketplace defaults (product §3.11). `#/settings`: a company's terms,
 * each with its source (the company's own or the marketplace default); company admins edit
 * them (not the platform fee), hiring managers read them, platform admins open any company's
 * with `?company=<id>`. `#/marketplace-settings`: the defaults, for platform admins. Each page
 * says that running proposals and placements keep the terms they started with, shows the API's
 * 400 details next to their fields, and lists the history with names.
 */
/** @import { Body, Ok, Item } from '../api-client' */
/** @typedef {Ok<'/companies/{id}/terms'>} CompanyTermsDto */
/** @typedef {Ok<'/marketplace/terms'>} MarketplaceTermsDto */
/** @typedef {keyof CompanyTermsDto['terms']} TermName */
/** @typedef {Item<'/companies/{id}/terms/changes'>} TermsChange */
/** @typedef {CompanyTermsDto['terms']['guaranteeDays']['limits'] | CompanyTermsDto['terms']['refundPolicy']['limits']} Limits */
/**
 * One term as either page shows it.
 * @typedef {{ value: number | string, label: string, limits: Limits,
 *   source?: 'company' | 'marketplace', companyValue?: number | string | null, marketplaceDefault?: number | string, platformAdminOnly?: boolean }} TermView
 */
import { ApiError, asError, fetchItems, isAbort, request } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime, roleLabel } from '../format.js';
import { errorAlert, loading, notice } from './components.js';
import { formErrors, formField, select } from './form.js';

export const RUNNING_PROCESSES_NOTE =
  'Running proposals and placements keep the terms they started with: a change applies to proposals, placements and candidate protections started after it.';

/** @type {Record<string, string>} */
const REFUND_LABELS = { full: 'full refund', pro_rata: 'pro rata (by days worked)', none: 'no refund' };

/** @param {string} text */
const capitalised = (text) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** 2000 → "20", 1250 → "12.5". @param {number} bps */
const bpsToPercent = (bps) => {
  const cents = bps % 100;
  return `${Math.trunc(bps / 100)}${cents ? `.${String(cents).padStart(2, '0').replace(/0$/, '')}` : ''}`;
};
/** "12.5" → 1250; null unless a number with at most two decimals (no float arithmetic). @param {string} text */
const percentToBps = (text) => {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  return match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : null;
};

/** A term's value as a person reads it. @param {Limits} limits @param {number | string | null | undefined} value */
export function termValueText(limits, value) {
  if (value === null || value === undefined) return 'the marketplace default';
  if ('values' in limits) return REFUND_LABELS[String(value)] ?? String(value);
  const n = Number(value);
  if (limits.unit === 'bps') return `${bpsToPercent(n)} %`;
  if (limits.unit === 'days' && n === 0) return 'due at once';
  return `${n} ${limits.unit === 'hours' ? (n === 1 ? 'hour' : 'hours') : n === 1 ? 'day' : 'days'}`;
}

/** The limits as a hint. @param {Limits} limits */
const limitsText = (limits) =>
  'values' in limits
    ? ''
    : limits.unit === 'bps'
      ? `From ${bpsToPercent(limits.min)} to ${bpsToPercent(limits.max)} %, up to two decimals.`
      : `From ${limits.min} to ${limits.max} ${limits.unit}.`;

/**
 * The terms form and history, for a company or the marketplace.
 * @param {HTMLElement} root
 * @param {{ title: string, subtitle?: string | null, terms: Record<TermName, TermView>, editable: (t: TermName) => boolean, readOnlyNote?: string | null, whose?: string,
 *   save: (body: Record<string, number | string | null>) => Promise<unknown>, canReset: boolean, changes: TermsChange[], flash?: string | null }} page
 */
function renderTerms(root, page) {
  const names = /** @type {TermName[]} */ (Object.keys(page.terms));
  const alertSlot = h('div', { class: 'slot', 'data-testid': 'messages' }, page.flash && notice(page.flash));
  const anyEditable = names.some(page.editable);

  /** @type {Record<string, import('./form.js').FormField>} */
  const fields = {};
  const rows = names.map((name) => {
    const term = page.terms[name];
    const limits = term.limits;
    const hint = [limitsText(limits), term.platformAdminOnly && !page.editable(name) ? 'Set by the platform.' : '']
      .filter(Boolean)
      .join(' ');
    const field = formField({
      name,
      label: `${term.label}${'unit' in limits ? ` (${limits.unit === 'bps' ? '%' : limits.unit})` : ''}`,
      hint: hint || undefined,
      control:
        'values' in limits
          ? select(
              null,
              limits.values.map((v) => [v, capitalised(REFUND_LABELS[v] ?? v)]),
            )
          : (a) => h('input', { ...a, type: 'text', inputmode: limits.unit === 'bps' ? 'decimal' : 'numeric', autocomplete: 'off' }),
    });
    field.input.value = 'unit' in limits && limits.unit === 'bps' ? bpsToPercent(Number(term.value)) : String(term.value);
    field.input.disabled = !page.editable(name);
    fields[name] = field;
    const source =
      term.source &&
      h(
        'p',
        { class: 'muted', 'data-testid': `term-source-${name}`, 'data-source': term.source },
        term.source === 'company'
          ? `${page.whose ?? 'Your company'}'s own (the marketplace default is ${termValueText(limits, term.marketplaceDefault)}).`
          : 'The marketplace default.',
      );
    const reset =
      page.canReset &&
      page.editable(name) &&
      term.source === 'company' &&
      h(
        'button',
        {
          type: 'button',
          class: 'button button-ghost',
          'data-testid': `term-reset-${name}`,
          onclick: () => void submit({ [name]: null }),
        },
        'Use the default',
      );
    return h('div', { class: 'card', 'data-testid': `term-${name}` }, field.el, source, reset);
  });

  const reason = formField({
    name: 'reason',
    label: 'Why (optional, kept in the history)',
    control: (a) => h('input', { ...a, type: 'text', maxlength: '2000', autocomplete: 'off' }),
  });
  const errors = formErrors(alertSlot, () => ({ ...fields, reason }));
  const saveButton = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'save-terms' }, 'Save');

  /** The changed terms as a request body, or the issues that keep it from being one. */
  function read() {
    /** @type {{ path: string[], message: string }[]} */
    const issues = [];
    /** @type {Record<string, number | string | null>} */
    const body = {};
    for (const name of names.filter(page.editable)) {
      const term = page.terms[name];
      const raw = fields[name]?.input.value.trim() ?? '';
      /** @type {number | string | null} */
      let value = raw;
      if ('unit' in term.limits) {
        value = term.limits.unit === 'bps' ? percentToBps(raw) : /^\d+$/.test(raw) ? Number(raw) : null;
        if (value === null) {
          issues.push({
            path: [name],
            message: term.limits.unit === 'bps' ? 'A percentage with at most two decimals.' : 'A whole number.',
          });
          continue;
        }
        // In percent here, so the limits are said in percent too (the API's message counts bps); other terms' limits the API checks.
        if (term.limits.unit === 'bps' && (value < term.limits.min || value > term.limits.max)) {
          issues.push({ path: [name], message: limitsText(term.limits) });
          continue;
        }
      }
      if (value !== term.value) body[name] = value;
    }
    return { issues, body };
  }

  /** @param {Record<string, number | string | null>} body */
  async function submit(body) {
    errors.clear();
    const why = reason.input.value.trim();
    saveButton.disabled = true;
    try {
      await page.save({ ...body, ...(why && { reason: why }) });
    } catch (err) {
      if (isAbort(err)) return;
      errors.show(err instanceof ApiError ? err : new ApiError(0, 'unknown', 'Something went wrong.'));
      saveButton.disabled = false;
    }
  }

  /** @param {SubmitEvent} event */
  function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    const { issues, body } = read();
    if (issues.length) {
      errors.showIssues(issues);
      return;
    }
    if (Object.keys(body).length === 0) {
      fill(alertSlot, notice('Nothing changed.', 'info'));
      return;
    }
    void submit(body);
  }

  /** @param {TermsChange} c */
  const changeText = (c) => {
    const limits = page.terms[c.term].limits;
    const side = (/** @type {TermsChange['oldValue']} */ own, /** @type {TermsChange['oldEffective']} */ effective) =>
      c.scope === 'company' && own === null
        ? `the marketplace default (${termValueText(limits, effective)})`
        : termValueText(limits, effective);
    return `${page.terms[c.term].label}: ${side(c.oldValue, c.oldEffective)} → ${side(c.newValue, c.newEffective)}`;
  };

  fill(
    root,
    h('h1', { 'data-testid': 'terms-title' }, page.title),
    page.subtitle && h('p', { class: 'muted', 'data-testid': 'terms-subtitle' }, page.subtitle),
    h('div', { class: 'alert alert-info', 'data-testid': 'terms-note' }, h('p', {}, RUNNING_PROCESSES_NOTE)),
    page.readOnlyNote && h('p', { class: 'muted', 'data-testid': 'terms-read-only' }, page.readOnlyNote),
    alertSlot,
    h(
      'form',
      { class: 'form', novalidate: true, onsubmit: onSubmit, 'data-testid': 'terms-form' },
      h('div', { class: 'terms-grid' }, rows),
      anyEditable && reason.el,
      anyEditable && h('div', { class: 'actions' }, saveButton),
    ),
    h(
      'section',
      { class: 'terms-history' },
      h('h2', {}, 'History'),
      page.changes.length === 0
        ? h('p', { class: 'muted', 'data-testid': 'terms-history-empty' }, 'No change yet.')
        : h(
            'ol',
            { class: 'timeline', 'data-testid': 'terms-history' },
            page.changes.map((c) =>
              h(
                'li',
                { class: 'timeline-entry', 'data-testid': 'terms-change', 'data-term': c.term },
                h('p', {}, h('strong', {}, changeText(c))),
                h(
                  'p',
                  { class: 'muted' },
                  `by ${c.actorName ?? 'someone no longer in the directory'} (${roleLabel(c.actorRole)}) · ${formatDateTime(c.occurredAt)}`,
                ),
                c.reason && h('p', { class: 'prewrap' }, `“${c.reason}”`),
              ),
            ),
          ),
    ),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function companyTermsView(root, { me, query, signal, flash }) {
  document.title = 'Company terms · Splits';
  const companyId = me.role === 'platform_admin' ? query.get('company') : me.companyId;
  if (me.role === 'recruiter' || !companyId) {
    fill(
      root,
      h('h1', {}, 'Company terms'),
      me.role === 'platform_admin'
        ? h(
            'p',
            { 'data-testid': 'terms-pick-company' },
            'Open a company’s terms from its address (#/settings?company=…), or change the ',
            h('a', { href: '#/marketplace-settings' }, 'marketplace defaults'),
            '.',
          )
        : errorAlert('Company terms are for the company’s users.'),
    );
    return;
  }
  const admin = me.role === 'company_admin' || me.role === 'platform_admin';

  /** @param {string | null} [message] */
  async function load(message) {
    fill(root, loading('Loading the terms…'));
    try {
      const [terms, changes] = await Promise.all([
        request('/companies/{id}/terms', { params: { id: /** @type {string} */ (companyId) }, signal }),
        fetchItems('/companies/{id}/terms/changes', { params: { id: /** @type {string} */ (companyId) }, count: 50, signal }),
      ]);
      renderTerms(root, {
        title: 'Company terms',
        subtitle: terms.companyName,
        terms: terms.terms,
        editable: (t) => admin && (me.role === 'platform_admin' || !terms.terms[t].platformAdminOnly),
        readOnlyNote: admin ? null : 'Only your company’s admins change these terms.',
        whose: me.role === 'platform_admin' ? 'The company' : 'Your company',
        canReset: true,
        changes: changes.items,
        flash: message,
        save: async (body) => {
          await request('/companies/{id}/terms', {
            method: 'patch',
            params: { id: /** @type {string} */ (companyId) },
            body: /** @type {Body<'/companies/{id}/terms', 'patch'>} */ (body),
          });
          await load('Terms saved. They apply to proposals and placements started from now on.');
        },
      });
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err)) fill(root, h('h1', {}, 'Company terms'), errorAlert(`Could not load the terms: ${err.message}`));
    }
  }
  await load(flash);
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function marketplaceTermsView(root, { me, signal, flash }) {
  document.title = 'Marketplace terms · Splits';
  if (me.role !== 'platform_admin') {
    fill(root, h('h1', {}, 'Marketplace terms'), errorAlert('Only platform admins manage the marketplace defaults.'));
    return;
  }

  /** @param {string | null} [message] */
  async function load(message) {
    fill(root, loading('Loading the defaults…'));
    try {
      const [terms, changes] = await Promise.all([
        request('/marketplace/terms', { signal }),
        fetchItems('/marketplace/terms/changes', { count: 50, signal }),
      ]);
      renderTerms(root, {
        title: 'Marketplace terms',
        subtitle: 'The defaults of every company that has not set its own.',
        terms: terms.terms,
        editable: () => true,
        canReset: false,
        changes: changes.items,
        flash: message,
        save: async (body) => {
          await request('/marketplace/terms', { method: 'patch', body: /** @type {Body<'/marketplace/terms', 'patch'>} */ (body) });
          await load('Defaults saved. They apply to proposals and placements started from now on.');
        },
      });
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err)) fill(root, h('h1', {}, 'Marketplace terms'), errorAlert(`Could not load the defaults: ${err.message}`));
    }
  }
  await load(flash);
}
