/**
 * The automation rule language (product §3.5): which domain events can trigger a rule,
 * what its conditions may compare, and which actions it may take. Pure and
 * deterministic: the workflow evaluates conditions with it, the API validates rules
 * with it, so both read the same catalog.
 */

/** Every domain event a rule can listen to, with the fields its data carries (what conditions may compare). */
export const TRIGGERS = {
  'proposal.accepted': ['proposalId', 'candidateId', 'jobId', 'companyId', 'recruiterId', 'applicationId'],
  'proposal.declined': ['proposalId', 'candidateId', 'jobId', 'companyId', 'recruiterId', 'reason'],
  'proposal.timed_out': ['proposalId', 'candidateId', 'jobId', 'companyId', 'recruiterId'],
  'application.stage_changed': ['applicationId', 'candidateId', 'jobId', 'companyId', 'recruiterId', 'stageFrom', 'stageTo', 'source'],
  'placement.failed': ['placementId', 'candidateId', 'jobId', 'companyId', 'recruiterId', 'feeCents', 'currency', 'reason'],
  'payout.blocked': ['payoutId', 'placementId', 'companyId', 'recruiterId', 'amountCents', 'currency', 'reason'],
  'sourcing.conflict': ['candidateId', 'recruiterId', 'ownerRecruiterId', 'jobId'],
  'protection.expired': ['candidateId', 'recruiterId'],
} as const satisfies Record<string, readonly string[]>;
export type TriggerEvent = keyof typeof TRIGGERS;
export const TRIGGER_EVENTS = Object.keys(TRIGGERS) as TriggerEvent[];

/** Events raised by automation actions (e.g. a stage change) may trigger rules again, up to this many steps: no endless loops. */
export const MAX_AUTOMATION_DEPTH = 3;

/**
 * The canonical stages an application moves through (an ATS's own stage names map onto
 * them, see activities/ats/stages.ts); `rejected` only by the reject action, `hired` and
 * `left` also by the placement (a hire recorded; the hire left inside the guarantee).
 */
export const APPLICATION_STAGES = ['submitted', 'screening', 'interview', 'offer', 'hired', 'rejected', 'left'] as const;
export type ApplicationStage = (typeof APPLICATION_STAGES)[number];

export const EMAIL_TEMPLATES = ['stage_update', 'interview_invitation', 'offer', 'rejection', 'follow_up'] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];
export const EMAIL_RECIPIENTS = ['candidate', 'recruiter', 'hiring_manager', 'company_admins'] as const;
export type EmailRecipient = (typeof EMAIL_RECIPIENTS)[number];

export type AutomationAction =
  | { type: 'advance_stage'; stage: Exclude<ApplicationStage, 'submitted' | 'rejected' | 'left'> }
  | { type: 'reject_application'; reason: string }
  | { type: 'send_email'; template: EmailTemplate; to: EmailRecipient }
  | { type: 'create_task'; title: string; dueInDays: number };
export type ActionType = AutomationAction['type'];

/** The event data each action needs, so a rule whose trigger cannot supply it is refused when saved. */
export const ACTION_NEEDS: Record<ActionType, readonly string[]> = {
  advance_stage: ['applicationId'],
  reject_application: ['applicationId'],
  send_email: [],
  create_task: ['recruiterId'],
};

/** Where each e-mail recipient is found in the event data. */
export const RECIPIENT_NEEDS: Record<EmailRecipient, string> = {
  candidate: 'candidateId',
  recruiter: 'recruiterId',
  hiring_manager: 'jobId',
  company_admins: 'companyId',
};

/**
 * Actions that change a candidate's fate or speak to them for the company: a rule that
 * takes one must wait for a person's approval (product §3.5 "high-impact").
 */
export function isHighImpact(action: AutomationAction): boolean {
  switch (action.type) {
    case 'reject_application':
      return true;
    case 'advance_stage':
      return action.stage === 'offer' || action.stage === 'hired';
    case 'send_email':
      return action.to === 'candidate' && (action.template === 'offer' || action.template === 'rejection');
    case 'create_task':
      return false;
  }
}

// ---- Conditions: field comparisons joined by all / any / not. Data, never code. ----

export const COMPARISON_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
export type Scalar = string | number | boolean | null;

export type Condition =
  { all: Condition[] } | { any: Condition[] } | { not: Condition } | { field: string; op: ComparisonOp; value?: Scalar | Scalar[] };

/** Bounds that keep a rule cheap to evaluate and to store. */
export const CONDITION_LIMITS = { maxDepth: 6, maxNodes: 50, maxListValues: 50 } as const;

export interface ConditionTrace {
  field: string;
  op: ComparisonOp;
  expected: Scalar | Scalar[] | undefined;
  actual: Scalar | undefined;
  met: boolean;
}

export interface ConditionResult {
  met: boolean;
  /** Every comparison that was evaluated, for the execution log. */
  trace: ConditionTrace[];
}

type EventData = Record<string, unknown>;

/** Reads a top-level own field of the event data (never the prototype chain); non-scalars read as missing. */
function read(data: EventData, field: string): Scalar | undefined {
  if (!Object.prototype.hasOwnProperty.call(data, field)) return undefined;
  const v = data[field];
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/** Ordering only between two numbers or two strings; anything else does not compare. */
function order(a: Scalar | undefined, b: Scalar | Scalar[] | undefined): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function compare(op: ComparisonOp, actual: Scalar | undefined, expected: Scalar | Scalar[] | undefined): boolean {
  const ordered = order(actual, expected);
  switch (op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'eq':
      return actual !== undefined && actual === expected;
    case 'neq':
      return actual !== expected;
    case 'gt':
      return ordered !== undefined && ordered > 0;
    case 'gte':
      return ordered !== undefined && ordered >= 0;
    case 'lt':
      return ordered !== undefined && ordered < 0;
    case 'lte':
      return ordered !== undefined && ordered <= 0;
    case 'in':
      return actual !== undefined && Array.isArray(expected) && expected.includes(actual);
    case 'contains':
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
  }
}

/** Evaluates a (validated) condition against an event's data. No condition means "always". */
export function evaluateCondition(condition: Condition | null, data: EventData): ConditionResult {
  const trace: ConditionTrace[] = [];
  const walk = (c: Condition): boolean => {
    if ('all' in c) return c.all.every(walk);
    if ('any' in c) return c.any.some(walk);
    if ('not' in c) return !walk(c.not);
    const actual = read(data, c.field);
    const met = compare(c.op, actual, c.value);
    trace.push({ field: c.field, op: c.op, expected: c.value, actual, met });
    return met;
  };
  return { met: condition === null ? true : walk(condition), trace };
}

/** The condition's field names, to check them against the trigger's fields. */
export function conditionFields(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(conditionFields);
  if ('any' in c) return c.any.flatMap(conditionFields);
  if ('not' in c) return conditionFields(c.not);
  return [c.field];
}

/** One line a person can read, for approval requests and the execution log. */
export function describeAction(action: AutomationAction): string {
  switch (action.type) {
    case 'advance_stage':
      return `move the application to ${action.stage}`;
    case 'reject_application':
      return `reject the application (${action.reason})`;
    case 'send_email':
      return `e-mail the ${action.to.replace('_', ' ')} (${action.template.replace('_', ' ')})`;
    case 'create_task':
      return `create the task "${action.title}" for the recruiter, due in ${action.dueInDays} day(s)`;
  }
}

// ---- Validation of rules as people write them (the API's 400s). ----

export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 500) || (typeof v === 'number' && Number.isFinite(v));

/**
 * Reads untrusted JSON as a condition: only the shapes above, only known operators, scalar
 * values of the right kind, bounded depth and size (checked while walking, so a hostile
 * nesting never recurses deeper than the limit). Returns the condition or every problem.
 */
export function parseCondition(value: unknown): { condition: Condition | null; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  let nodes = 0;
  const fail = (path: (string | number)[], message: string) => {
    issues.push({ path, message });
    return null;
  };

  const walk = (v: unknown, path: (string | number)[], depth: number): Condition | null => {
    if (depth > CONDITION_LIMITS.maxDepth) return fail(path, `conditions may nest at most ${CONDITION_LIMITS.maxDepth} levels`);
    if (++nodes > CONDITION_LIMITS.maxNodes) return fail(path, `conditions may have at most ${CONDITION_LIMITS.maxNodes} parts`);
    if (!isPlainObject(v)) return fail(path, 'a condition is an object: {all: [...]}, {any: [...]}, {not: {...}} or {field, op, value}');
    const keys = Object.keys(v);
    for (const group of ['all', 'any'] as const) {
      if (!keys.includes(group)) continue;
      if (keys.length !== 1) return fail(path, `"${group}" stands alone in its object`);
      const list = v[group];
      if (!Array.isArray(list) || list.length === 0) return fail([...path, group], `"${group}" takes a non-empty list of conditions`);
      const parts = list.map((c, i) => walk(c, [...path, group, i], depth + 1));
      return parts.every((p) => p !== null) ? ({ [group]: parts } as Condition) : null;
    }
    if (keys.includes('not')) {
      if (keys.length !== 1) return fail(path, '"not" stands alone in its object');
      const inner = walk(v.not, [...path, 'not'], depth + 1);
      return inner && { not: inner };
    }
    const extra = keys.filter((k) => !['field', 'op', 'value'].includes(k));
    if (extra.length) return fail(path, `unknown key(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
    const { field, op, value: expected } = v;
    if (typeof field !== 'string' || !FIELD_NAME.test(field))
      return fail([...path, 'field'], 'field must be a field name of the trigger event');
    if (typeof op !== 'string' || !(COMPARISON_OPS as readonly string[]).includes(op)) {
      return fail([...path, 'op'], `op must be one of ${COMPARISON_OPS.join(', ')}`);
    }
    const comparison = op as ComparisonOp;
    if (comparison === 'exists') {
      return expected === undefined ? { field, op: comparison } : fail([...path, 'value'], '"exists" takes no value');
    }
    if (comparison === 'in') {
      const ok =
        Array.isArray(expected) && expected.length > 0 && expected.length <= CONDITION_LIMITS.maxListValues && expected.every(isScalar);
      return ok
        ? { field, op: comparison, value: expected }
        : fail([...path, 'value'], `"in" takes a list of 1 to ${CONDITION_LIMITS.maxListValues} strings, numbers or booleans`);
    }
    if (!isScalar(expected))
      return fail([...path, 'value'], `"${comparison}" takes one string (≤ 500 characters), number, boolean or null`);
    if (['gt', 'gte', 'lt', 'lte'].includes(comparison) && typeof expected !== 'number' && typeof expected !== 'string') {
      return fail([...path, 'value'], `"${comparison}" compares numbers or strings`);
    }
    if (comparison === 'contains' && typeof expected !== 'string') return fail([...path, 'value'], '"contains" takes a string');
    return { field, op: comparison, value: expected };
  };

  if (value === null || value === undefined) return { condition: null, issues };
  const condition = walk(value, [], 1);
  return { condition: issues.length ? null : condition, issues };
}

/** A rule's parts that must fit its trigger: condition fields, and the data its actions need. */
export function ruleIssues(rule: { trigger: TriggerEvent; conditions: Condition | null; actions: AutomationAction[] }): RuleIssue[] {
  const fields: readonly string[] = TRIGGERS[rule.trigger];
  const issues: RuleIssue[] = [];
  for (const field of new Set(rule.conditions ? conditionFields(rule.conditions) : [])) {
    if (!fields.includes(field))
      issues.push({ path: ['conditions'], message: `${rule.trigger} has no field "${field}" (it has ${fields.join(', ')})` });
  }
  rule.actions.forEach((action, i) => {
    const needs = [...ACTION_NEEDS[action.type], ...(action.type === 'send_email' ? [RECIPIENT_NEEDS[action.to]] : [])];
    for (const need of needs) {
      if (!fields.includes(need))
        issues.push({ path: ['actions', i], message: `${describeAction(action)} needs ${need}, which ${rule.trigger} does not carry` });
    }
  });
  return issues;
}
