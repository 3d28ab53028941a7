/**
 * The decision log (company and platform admins): every recorded decision, newest first,
 * AI suggestions with their confidence, reasoning and model version, and the human
 * override beside each one. Filtered by source (kept in the URL, with entity and decision
 * type filters passed through from links); an AI decision without an override can be
 * overridden here; the filtered log downloads as CSV or JSON. A live list.
 */
import { ApiError, asError, isAbort, newIdempotencyKey, request, tokenStore } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, isOneOf } from '../format.js';
import { entityLink, errorAlert, notice } from './components.js';
import { formErrors, formField } from './form.js';
import { filterSelect, liveList } from './live-list.js';

/** @import { Item, Query } from '../api-client' */
/** @typedef {Item<'/decisions'>} Decision */
/** @typedef {NonNullable<Decision['override']>} Override */
/** @typedef {NonNullable<Query<'/decisions', 'get'>['source']>} Source */

/** @satisfies {Record<Source, string>} */
const SOURCE_LABELS = { human: 'Human', ai: 'AI', system: 'System' };
const SOURCES = /** @type {[Source, string][]} */ (Object.entries(SOURCE_LABELS));
/** Filters other pages may link with (`#/decisions?entityType=proposal&entityId=…`), passed to the list and the export. */
const PASSED_FILTERS = ['entityType', 'entityId', 'decisionType'];

const confidenceText = (/** @type {number | null | undefined} */ c) => (c === null || c === undefined ? '—' : `${Math.round(c * 100)}%`);

/** `approval_approved` with outcome `approved` → "Approval: approved": the outcome is said once. */
/** @param {Decision} d */
function decisionTitle(d) {
  const suffix = d.outcome ? `_${d.outcome}` : null;
  const type = suffix && d.decisionType.endsWith(suffix) ? d.decisionType.slice(0, -suffix.length) : d.decisionType;
  const words = type.replace(/_/g, ' ');
  return [`${words.charAt(0).toUpperCase()}${words.slice(1)}: `, h('span', { 'data-testid': 'decision-outcome' }, d.outcome ?? '—')];
}

/** @param {string} source */
function sourceBadge(source) {
  return h(
    'span',
    { class: `badge badge-source-${source}`, 'data-testid': 'decision-source', 'data-source': source },
    /** @type {Record<string, string>} */ (SOURCE_LABELS)[source] ?? source,
  );
}

/** The file name the server suggests in Content-Disposition, else ours. */
/** @param {Response} res @param {string} format */
function fileNameOf(res, format) {
  const match = /filename="?([^";]+)"?/i.exec(res.headers.get('Content-Disposition') ?? '');
  return match?.[1] ?? `decision-log.${format}`;
}

/** Saves `blob` as a file through a temporary <a download>. */
/** @param {Blob} blob @param {string} name */
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the browser reads the blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function decisionsView(root, { query, signal, navigate }) {
  document.title = 'Decisions · Splits';
  const asked = query.get('source');
  const source = isOneOf(
    SOURCES.map(([s]) => s),
    asked,
  )
    ? asked
    : '';
  /** @type {{ entityType?: string, entityId?: string, decisionType?: string }} */
  const passed = Object.fromEntries(PASSED_FILTERS.map((k) => [k, query.get(k)?.trim() || '']).filter(([, v]) => v));
  const filter = { source, ...passed };
  /** @type {Record<string, string>} the filters in force, for the export */
  const apiFilter = Object.fromEntries(Object.entries(filter).filter(([, v]) => v));

  const pathWith = (/** @type {Record<string, string>} */ change) => {
    const params = new URLSearchParams(Object.entries({ ...filter, ...change }).filter(([, v]) => v));
    const qs = params.toString();
    return `/decisions${qs ? `?${qs}` : ''}`;
  };

  const alertSlot = h('div', { class: 'slot' });
  const list = liveList({
    path: '/decisions',
    query: { source: source || undefined, ...passed },
    signal,
    render: card,
    container: h('div', { class: 'stack', 'data-testid': 'decision-list' }),
    noun: 'decisions',
    empty: [
      source ? `No ${SOURCE_LABELS[source]} decisions.` : 'No decisions recorded yet.',
      'AI suggestions, overrides and admin decisions are recorded here as they happen.',
    ],
  });

  const exportCsv = h('button', { type: 'button', class: 'button', 'data-testid': 'export-csv' }, 'Export CSV');
  const exportJson = h('button', { type: 'button', class: 'button', 'data-testid': 'export-json' }, 'Export JSON');
  exportCsv.onclick = () => download('csv', exportCsv);
  exportJson.onclick = () => download('json', exportJson);

  const passedNote =
    Object.keys(passed).length > 0 &&
    h(
      'p',
      { 'data-testid': 'passed-filters' },
      'Only ',
      passed.decisionType && [h('strong', {}, passed.decisionType), ' decisions '],
      (passed.entityType || passed.entityId) && [
        'about ',
        passed.entityId ? entityLink(passed.entityType || 'entity', passed.entityId) : `${passed.entityType}s`,
        ' ',
      ],
      '· ',
      h('a', { href: `#${pathWith(Object.fromEntries(PASSED_FILTERS.map((k) => [k, ''])))}` }, 'Show all'),
    );

  fill(
    root,
    h(
      'section',
      {},
      h(
        'div',
        { class: 'page-header' },
        h('h1', {}, 'Decisions'),
        h(
          'div',
          { class: 'toolbar' },
          filterSelect({
            id: 'decision-source-filter',
            label: 'Source',
            value: source,
            navigate,
            options: [['', 'All sources'], ...SOURCES],
            pathFor: (v) => pathWith({ source: v }),
          }),
          exportCsv,
          exportJson,
        ),
      ),
      h('p', { class: 'muted' }, 'The decision log: what was decided, by whom or by which model, and why. Exports follow the filter.'),
      passedNote,
      alertSlot,
      list.element,
    ),
  );

  /** The export needs the bearer token, so it is fetched here and saved from a Blob. */
  /** @param {'csv' | 'json'} format @param {HTMLButtonElement} button */
  async function download(format, button) {
    button.disabled = true;
    fill(alertSlot);
    try {
      const params = new URLSearchParams({ format, ...apiFilter });
      /** @type {Record<string, string>} */
      const headers = { Accept: format === 'csv' ? 'text/csv' : 'application/json' };
      const token = tokenStore.get();
      if (token) headers.Authorization = `Bearer ${token}`;
      let res;
      try {
        res = await fetch(`/api/v1/decisions/export?${params}`, { headers, signal });
      } catch (err) {
        if (isAbort(err)) throw err;
        throw new Error('Could not reach the server. Check your connection and try again.');
      }
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `Request failed (HTTP ${res.status}).`);
      }
      saveBlob(await res.blob(), fileNameOf(res, format));
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err)) fill(alertSlot, errorAlert(`Could not export the decision log: ${err.message}`));
    } finally {
      button.disabled = false;
    }
  }

  /** @param {Override} o */
  function overrideSection(o) {
    return h(
      'div',
      { class: 'decision-override', 'data-testid': 'decision-override', 'data-decision-id': o.id },
      h('h3', {}, 'Overridden'),
      h(
        'p',
        {},
        'Outcome ',
        h('strong', { 'data-testid': 'override-outcome' }, o.outcome ?? '—'),
        ` · by ${actorLabel(o)} · ${formatDateTime(o.occurredAt)}`,
      ),
      o.reasoning && h('p', { class: 'reason', 'data-testid': 'override-reason' }, o.reasoning),
    );
  }

  /** The form a person uses to put their decision beside the AI's; hidden until asked for. */
  /** @param {Decision} d */
  function overrideForm(d) {
    const fields = {
      outcome: formField({
        name: `override-${d.id}-outcome`,
        label: 'Your outcome',
        hint: `The AI suggested "${d.outcome ?? '—'}".`,
        control: (attrs) =>
          h('input', { ...attrs, type: 'text', maxlength: 200, autocomplete: 'off', 'data-testid': 'override-outcome-input' }),
      }),
      reason: formField({
        name: `override-${d.id}-reason`,
        label: 'Reason',
        control: (attrs) => h('textarea', { ...attrs, rows: 3, maxlength: 2000, 'data-testid': 'override-reason-input' }),
      }),
    };
    const formAlert = h('div', { class: 'slot' });
    const errors = formErrors(formAlert, () => fields);
    const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'override-submit' }, 'Record override');
    const cancel = h('button', { type: 'button', class: 'button button-ghost' }, 'Cancel');
    /** @type {string | null} */
    let idempotencyKey = null; // one per override, so a retry after a lost answer is not a second one

    const form = h(
      'form',
      { class: 'form reason-form', 'data-testid': 'override-form', novalidate: true, hidden: true, onsubmit: send },
      h('h3', {}, 'Override the AI'),
      formAlert,
      fields.outcome.el,
      fields.reason.el,
      h('div', { class: 'actions' }, submit, cancel),
    );
    const openButton = h('button', { type: 'button', class: 'button', 'data-testid': 'override-open' }, 'Override…');
    openButton.onclick = () => {
      form.hidden = false;
      openButton.hidden = true;
      fields.outcome.input.focus();
    };
    cancel.onclick = () => {
      form.hidden = true;
      openButton.hidden = false;
      errors.clear();
    };

    /** @param {SubmitEvent} event */
    async function send(event) {
      event.preventDefault();
      errors.clear();
      const body = { outcome: fields.outcome.input.value.trim(), reason: fields.reason.input.value.trim() };
      const missing = [
        !body.outcome && { path: ['outcome'], message: 'Enter the outcome you decided on.' },
        !body.reason && { path: ['reason'], message: "Say why you override the AI's suggestion." },
      ].filter((i) => i !== false);
      if (missing.length) {
        errors.showIssues(missing);
        fill(formAlert, errorAlert('Please correct the highlighted fields.'));
        return;
      }
      submit.disabled = true;
      idempotencyKey ??= newIdempotencyKey();
      try {
        await request('/decisions/{id}/override', { method: 'post', params: { id: d.id }, body, idempotencyKey });
        fill(alertSlot, notice(`Override recorded: decision #${d.id} is now "${body.outcome}".`));
        await list.refresh();
      } catch (err) {
        if (isAbort(err)) return;
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 409) {
          fill(alertSlot, errorAlert(`Someone else overrode decision #${d.id} first: ${err.message}`));
          await list.refresh();
        } else {
          errors.show(err);
        }
      } finally {
        submit.disabled = false;
      }
    }

    return h('div', {}, h('div', { class: 'actions' }, openButton), form);
  }

  /** @param {Decision} d */
  function card(d) {
    const overridable = d.source === 'ai' && !d.override;
    return h(
      'article',
      {
        class: 'card',
        'data-testid': 'decision-card',
        'data-decision-id': d.id,
        'data-source': d.source,
        'data-overridden': String(!!d.override),
      },
      h('h2', {}, decisionTitle(d), ' ', sourceBadge(d.source)),
      h(
        'dl',
        { class: 'fields' },
        h('dt', {}, 'Entity'),
        h('dd', {}, entityLink(d.entityType, d.entityId)),
        h('dt', {}, 'Decided'),
        h(
          'dd',
          {},
          h('time', { datetime: d.occurredAt }, formatDateTime(d.occurredAt)),
          ' by ',
          h('span', { 'data-testid': 'decision-actor' }, actorLabel(d)),
        ),
        d.source === 'ai' && [
          h('dt', {}, 'Confidence'),
          h('dd', { 'data-testid': 'decision-confidence' }, confidenceText(d.confidence)),
          h('dt', {}, 'Model'),
          h('dd', { 'data-testid': 'decision-model' }, d.modelVersion ?? '—'),
        ],
        d.overridesDecisionId !== null && [h('dt', {}, 'Overrides'), h('dd', {}, `decision #${d.overridesDecisionId}`)],
        h('dt', {}, 'Decision'),
        h('dd', { class: 'muted' }, `#${d.id}`),
      ),
      d.reasoning && h('p', { class: 'reason', 'data-testid': 'decision-reasoning' }, d.reasoning),
      d.override && overrideSection(d.override),
      overridable && overrideForm(d),
    );
  }

  await list.reload();
}
