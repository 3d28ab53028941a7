/**
 * Automation executions (company and platform admins): every run of a rule, newest first,
 * filtered by status and rule (kept in the URL); a live list. A row opens in place to the
 * run's record: the rule as it ran, what each condition found, the actions with their
 * results, the approval and the error; platform admins also get the Temporal link.
 */
import { asError, fetchItems, isAbort, request } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, describeAction, formatDateTime, formatDuration, humanize, isOneOf, roleLabel, shortId } from '../format.js';
import { countdown, entityLink, errorAlert, loading, temporalLink } from './components.js';
import { filterSelect, liveList } from './live-list.js';

/** @import { Item, Ok } from '../api-client' */
/** @typedef {Item<'/automation/executions'>} Execution */
/** @typedef {Ok<'/automation/executions/{id}'>} ExecutionDetail */
/** @typedef {NonNullable<ExecutionDetail['approval']>} Approval */
/**
 * What this view reads of the JSON the API declares as unknown: the rule as it ran, the
 * condition trace, and each action's outcome (see workflows/automation-rules.ts).
 * @typedef {{ field?: string, op?: string, value?: unknown, all?: Condition[], any?: Condition[], not?: Condition }} Condition
 * @typedef {{ ruleName?: string, requiresApproval?: boolean, conditions?: Condition | null, actions?: { type: string }[] }} RuleSnapshot
 * @typedef {{ field: string, op: string, expected?: unknown, actual?: unknown, met: boolean }} TraceRow
 * @typedef {{ type?: string, status?: string, error?: string, result?: unknown }} ActionOutcome
 */

/** @satisfies {Record<Execution['status'], string>} */
const STATUS_LABELS = {
  pending: 'Pending',
  awaiting_approval: 'Awaiting approval',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  rejected: 'Rejected',
  expired: 'Expired',
};
const STATUSES = /** @type {Execution['status'][]} */ (Object.keys(STATUS_LABELS));
/** @satisfies {Record<Approval['status'], string>} */
const APPROVAL_LABELS = {
  pending: 'Waiting for a decision',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired (nobody decided in time)',
};
const UUID = /^[0-9a-f-]{36}$/i;
const HEADINGS = ['Rule', 'Entity', 'Status', 'When', ''];
/** @type {Record<string, string>} */
const OPS = { eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'is one of', contains: 'contains', exists: 'is present' };

const statusLabel = (/** @type {string} */ s) => /** @type {Record<string, string>} */ (STATUS_LABELS)[s] ?? s;

/** @param {string} status */
function statusBadge(status) {
  return h('span', { class: `badge badge-${status}`, 'data-testid': 'execution-status', 'data-status': status }, statusLabel(status));
}

/** 350 → `350 ms`, 2400 → `2.4 s`, longer → `00:01:05`. */
/** @param {number | null | undefined} ms */
function formatElapsed(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

/** A scalar as a rule shows it: strings quoted, lists joined, missing values named. */
/** @param {unknown} v @returns {string} */
function showValue(v) {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return v.map(showValue).join(', ');
  return typeof v === 'string' ? `"${v}"` : String(v);
}

/** `{all: [{field: 'stageTo', op: 'eq', value: 'interview'}, …]}` → `stageTo = "interview" and …`. */
/** @param {Condition | null | undefined} c @returns {string} */
function describeCondition(c, nested = false) {
  if (!c) return 'none: the rule always runs';
  const group = (/** @type {Condition[]} */ parts, /** @type {string} */ joiner) => {
    const text = parts.map((p) => describeCondition(p, true)).join(joiner);
    return nested && parts.length > 1 ? `(${text})` : text;
  };
  if (c.all) return group(c.all, ' and ');
  if (c.any) return group(c.any, ' or ');
  if (c.not) return `not ${describeCondition(c.not, true)}`;
  return c.op === 'exists' ? `${c.field} is present` : `${c.field} ${OPS[c.op ?? ''] ?? c.op} ${showValue(c.value)}`;
}

/** An action's result value: an id as the record it names (`applicationId` → `application 67b1…9556`, the full id on hover). */
/** @param {string} key @param {unknown} value */
function resultValue(key, value) {
  if (typeof value === 'string' && UUID.test(value))
    return entityLink(
      key.replace(/Id$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      value,
    );
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value ?? '—');
}

/** An action's result (any JSON) as `key: value` pairs. */
/** @param {unknown} result */
function resultList(result) {
  if (result === null || result === undefined) return null;
  if (typeof result !== 'object' || Array.isArray(result)) return h('span', {}, JSON.stringify(result));
  const entries = Object.entries(result);
  if (entries.length === 0) return null;
  return h(
    'dl',
    { class: 'fields', 'data-testid': 'action-result' },
    entries.map(([key, value]) => [h('dt', {}, humanize(key)), h('dd', {}, resultValue(key, value))]),
  );
}

/** The rule's workflow id, from the execution (or derived as workflows/constants.ts does). */
const workflowIdOf = (/** @type {ExecutionDetail} */ e) =>
  e.workflowId || `${/** @type {RuleSnapshot | null} */ (e.rule)?.requiresApproval || e.approval ? 'approval' : 'automation'}-${e.id}`;

/** `/automation?status=…&rule=…`: the current address with `change` applied. */
/** @param {Record<string, string>} current @param {Record<string, string>} change */
function pathWith(current, change) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...current, ...change })) if (value) params.set(key, value);
  const qs = params.toString();
  return `/automation${qs ? `?${qs}` : ''}`;
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function executionsView(root, { me, query, signal, navigate, uiConfig }) {
  const operator = me.role === 'platform_admin';
  document.title = 'Automation · Splits';
  const asked = { status: query.get('status'), rule: query.get('rule') ?? '', entityId: query.get('entityId') ?? '' };
  const status = isOneOf(STATUSES, asked.status) ? asked.status : '';
  const ruleId = UUID.test(asked.rule) ? asked.rule : '';
  const entityType = query.get('entityType')?.trim() || '';
  const entityId = UUID.test(asked.entityId) ? asked.entityId : '';
  const current = { status, rule: ruleId, entityType, entityId };

  /** Rule names: the rules list, then (retired rules, marketplace-wide ones) the execution's own snapshot. */
  const rulesLoaded = fetchItems('/automation/rules', { count: 200, signal }).then(
    (r) => r.items,
    () => [],
  );
  /** @type {Map<string, Promise<string>>} */
  const names = new Map();
  /** @param {Execution} e */
  function ruleName(e) {
    if (!names.has(e.ruleId)) {
      names.set(
        e.ruleId,
        rulesLoaded
          .then(async (rules) => {
            const rule = rules.find((r) => r.id === e.ruleId);
            if (rule) return rule.name;
            const detail = await request('/automation/executions/{id}', { params: { id: e.id }, signal });
            return /** @type {RuleSnapshot | null} */ (detail.rule)?.ruleName ?? `Rule ${shortId(e.ruleId)}`;
          })
          .catch(() => `Rule ${shortId(e.ruleId)}`),
      );
    }
    const el = h('span', { 'data-testid': 'execution-rule', title: `rule ${e.ruleId}` }, '…');
    void names.get(e.ruleId)?.then((name) => {
      el.textContent = name;
    });
    return el;
  }

  /** @type {Set<string>} */
  const expanded = new Set(); // execution ids whose detail is open, kept across refreshes
  const thead = h(
    'thead',
    {},
    h(
      'tr',
      {},
      HEADINGS.map((t) => h('th', { scope: 'col' }, t)),
    ),
  );
  // One <tbody> per execution (its row and the detail under it), so the live list's
  // container is the table itself, after its head.
  const table = h('table', { class: 'table', 'data-testid': 'execution-list' }, thead);
  const list = liveList({
    path: '/automation/executions',
    query: {
      status: status || undefined,
      ruleId: ruleId || undefined,
      entityType: entityType || undefined,
      entityId: entityId || undefined,
    },
    signal,
    render: executionGroup,
    container: table,
    frame: h('div', {}, table),
    noun: 'executions',
    empty: [
      status ? `No ${statusLabel(status).toLowerCase()} executions.` : 'No automation executions yet.',
      'An execution is recorded each time an event triggers an enabled rule.',
    ],
    head: thead,
  });

  const ruleSlot = h('div', { class: 'slot' });
  const filters = h(
    'div',
    { class: 'toolbar' },
    filterSelect({
      id: 'execution-status-filter',
      label: 'Status',
      value: status,
      navigate,
      options: [['', 'All'], ...STATUSES.map((s) => [s, statusLabel(s)])],
      pathFor: (v) => pathWith(current, { status: v }),
    }),
    ruleSlot,
  );
  fill(
    root,
    h(
      'section',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, 'Automation'), filters),
      h(
        'p',
        { class: 'muted' },
        'Every run of an automation rule, newest first. Open a run to see what its conditions found and what its actions did.',
      ),
      entityId &&
        h(
          'p',
          { 'data-testid': 'entity-filter' },
          'Runs for ',
          entityLink(entityType || 'entity', entityId),
          ' · ',
          h('a', { href: `#${pathWith(current, { entityType: '', entityId: '' })}` }, 'Show all'),
        ),
      list.element,
    ),
  );
  void rulesLoaded.then((rules) => {
    if (signal.aborted) return;
    const options = rules.map((r) => [r.id, r.enabled ? r.name : `${r.name} (disabled)`]);
    if (ruleId && !rules.some((r) => r.id === ruleId)) options.push([ruleId, `Rule ${shortId(ruleId)}`]);
    fill(
      ruleSlot,
      filterSelect({
        id: 'execution-rule-filter',
        label: 'Rule',
        value: ruleId,
        navigate,
        options: [['', 'All rules'], ...options],
        pathFor: (v) => pathWith(current, { rule: v }),
      }),
    );
  });

  /** @param {Execution} e */
  function executionGroup(e) {
    const detailId = `execution-detail-${e.id}`;
    const cell = h('td', { colspan: HEADINGS.length, class: 'wrap execution-detail-cell' });
    const detailRow = h('tr', { id: detailId, 'data-testid': 'execution-detail', 'data-execution-id': e.id, hidden: true }, cell);
    const toggle = h(
      'button',
      { type: 'button', class: 'button', 'data-testid': 'execution-details-toggle', 'aria-expanded': 'false', 'aria-controls': detailId },
      'Details',
    );

    /** @param {boolean} isOpen */
    function open(isOpen) {
      if (isOpen) expanded.add(e.id);
      else expanded.delete(e.id);
      detailRow.hidden = !isOpen;
      toggle.setAttribute('aria-expanded', String(isOpen));
      toggle.textContent = isOpen ? 'Hide' : 'Details';
      if (isOpen) void loadDetail(e, cell);
    }
    toggle.onclick = (/** @type {MouseEvent} */ event) => {
      event.stopPropagation();
      open(detailRow.hidden);
    };
    const row = h(
      'tr',
      {
        class: 'row-clickable',
        'data-testid': 'execution-row',
        'data-execution-id': e.id,
        'data-status': e.status,
        onclick: (/** @type {MouseEvent} */ event) => {
          if (!(/** @type {Element} */ (event.target).closest('a, button'))) open(detailRow.hidden);
        },
      },
      h(
        'td',
        {},
        h('strong', {}, ruleName(e)),
        h('div', { class: 'muted' }, 'on ', h('code', { 'data-testid': 'execution-trigger' }, e.trigger)),
      ),
      h('td', {}, entityLink(e.entityType, e.entityId)),
      h('td', {}, statusBadge(e.status)),
      h(
        'td',
        {},
        h('time', { datetime: e.createdAt }, formatDateTime(e.createdAt)),
        h(
          'div',
          { class: 'muted', 'data-testid': 'execution-duration' },
          e.durationMs === null ? 'not finished' : `took ${formatElapsed(e.durationMs)}`,
        ),
      ),
      h('td', {}, toggle),
    );
    if (expanded.has(e.id)) open(true);
    return h('tbody', { 'data-testid': 'execution', 'data-execution-id': e.id }, row, detailRow);
  }

  /** @param {Execution} e @param {HTMLElement} cell */
  async function loadDetail(e, cell) {
    fill(cell, loading('Loading the execution…'));
    try {
      const detail = await request('/automation/executions/{id}', { params: { id: e.id }, signal });
      fill(cell, executionDetail(detail));
    } catch (caught) {
      const err = asError(caught);
      if (isAbort(err)) return;
      fill(
        cell,
        errorAlert(
          `Could not load the execution: ${err.message}`,
          h('button', { type: 'button', class: 'button', onclick: () => loadDetail(e, cell) }, 'Try again'),
        ),
      );
    }
  }

  /** @param {ExecutionDetail} d */
  function executionDetail(d) {
    const rule = /** @type {RuleSnapshot} */ (d.rule ?? {});
    return h(
      'div',
      { class: 'execution-detail', 'data-testid': 'execution-detail-body' },
      h(
        'dl',
        { class: 'fields' },
        h('dt', {}, 'Rule'),
        h('dd', {}, rule.ruleName ?? shortId(d.ruleId), rule.requiresApproval ? ' · needs approval' : ''),
        h('dt', {}, 'Trigger'),
        h('dd', {}, h('code', {}, d.trigger), ' on ', entityLink(d.entityType, d.entityId)),
        h('dt', {}, 'Conditions'),
        h('dd', {}, describeCondition(rule.conditions)),
        h('dt', {}, 'Started'),
        h('dd', {}, formatDateTime(d.createdAt)),
        h('dt', {}, 'Finished'),
        h('dd', {}, d.finishedAt ? `${formatDateTime(d.finishedAt)} (${formatElapsed(d.durationMs)})` : 'not yet'),
        // The workflow id is an operator's key into the Temporal Web UI: platform admins only.
        operator && [
          h('dt', {}, 'Workflow'),
          h('dd', {}, h('code', { 'data-testid': 'workflow-id' }, workflowIdOf(d)), ' ', temporalLink(uiConfig, workflowIdOf(d))),
        ],
      ),
      d.error && h('div', { class: 'alert alert-error', 'data-testid': 'execution-error' }, h('p', {}, d.error)),
      conditionSection(d, rule),
      approvalSection(d.approval),
      actionSection(d, rule),
    );
  }

  /** @param {ExecutionDetail} d @param {RuleSnapshot} rule */
  function conditionSection(d, rule) {
    const verdict =
      d.conditionsMet === null
        ? 'Not evaluated yet.'
        : d.conditionsMet
          ? 'The conditions were met.'
          : 'The conditions were not met: no action was taken.';
    const trace = /** @type {TraceRow[]} */ (Array.isArray(d.conditionTrace) ? d.conditionTrace : []);
    return h(
      'div',
      { 'data-testid': 'condition-trace', 'data-met': String(d.conditionsMet) },
      h('h3', {}, 'Conditions'),
      h('p', {}, verdict),
      trace.length > 0
        ? h(
            'table',
            { class: 'table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Field', 'Test', 'Found', 'Result'].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              {},
              trace.map((t) =>
                h(
                  'tr',
                  { 'data-testid': 'condition-row', 'data-met': String(t.met) },
                  h('td', {}, h('code', {}, t.field)),
                  h('td', {}, t.op === 'exists' ? 'is present' : `${OPS[t.op] ?? t.op} ${showValue(t.expected)}`),
                  h('td', {}, showValue(t.actual)),
                  h('td', {}, t.met ? '✓ met' : '✗ not met'),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, rule.conditions ? 'No comparison was recorded.' : 'The rule has no conditions: it always runs.'),
    );
  }

  /** @param {Approval | null} a */
  function approvalSection(a) {
    if (!a) return null;
    const decided = a.decidedAt
      ? [
          h('dt', {}, 'Decided'),
          h(
            'dd',
            { 'data-testid': 'approval-decider' },
            `${formatDateTime(a.decidedAt)} by ${actorLabel({ actorName: a.decidedByName, actorRole: a.decidedByRole ?? 'system' })}`,
          ),
        ]
      : [
          h('dt', {}, 'Expires'),
          h(
            'dd',
            {},
            a.status === 'pending'
              ? [countdown(a.expiresAt), ' · ', h('a', { href: '#/approvals' }, 'Open the approvals inbox')]
              : formatDateTime(a.expiresAt),
          ),
        ];
    return h(
      'div',
      { 'data-testid': 'execution-approval', 'data-status': a.status },
      h('h3', {}, 'Approval'),
      h(
        'dl',
        { class: 'fields' },
        h('dt', {}, 'Status'),
        h('dd', {}, APPROVAL_LABELS[a.status] ?? a.status),
        h('dt', {}, 'Approver'),
        h('dd', {}, roleLabel(a.approverRole)),
        h('dt', {}, 'Requested'),
        h('dd', {}, formatDateTime(a.requestedAt)),
        decided,
        a.comment && [h('dt', {}, 'Comment'), h('dd', { 'data-testid': 'approval-comment' }, a.comment)],
      ),
    );
  }

  /** @param {ExecutionDetail} d @param {RuleSnapshot} rule */
  function actionSection(d, rule) {
    const actions = Array.isArray(rule.actions) ? rule.actions : [];
    const taken = /** @type {ActionOutcome[]} */ (Array.isArray(d.actionsTaken) ? d.actionsTaken : []);
    const finished = !['pending', 'awaiting_approval', 'running'].includes(d.status);
    const rows = Math.max(actions.length, taken.length);
    return h(
      'div',
      { 'data-testid': 'execution-actions' },
      h('h3', {}, 'Actions'),
      rows === 0
        ? h('p', { class: 'muted' }, 'The rule has no actions.')
        : h(
            'ol',
            {},
            Array.from({ length: rows }, (_, i) => {
              const outcome = taken[i];
              const state = outcome?.status ?? (finished ? 'not_taken' : 'waiting');
              const label =
                /** @type {Record<string, string>} */ ({ done: '✓ Done', failed: '✗ Failed', not_taken: 'Not taken', waiting: 'Waiting' })[
                  state
                ] ?? state;
              return h(
                'li',
                { 'data-testid': 'action-outcome', 'data-action-type': actions[i]?.type ?? outcome?.type, 'data-status': state },
                h('p', {}, h('strong', {}, describeAction(actions[i] ?? { type: outcome?.type })), ` — ${label}`),
                outcome?.error && h('p', { class: 'field-error' }, outcome.error),
                resultList(outcome?.result),
              );
            }),
          ),
    );
  }

  await list.reload();
}
