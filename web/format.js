/**
 * Display helpers: labels, ids, dates and durations.
 * The state lists are typed by the API's enums (web/api-types.d.ts): a state added to or
 * removed from the API fails the type check here until its label is.
 * @import { Ok } from './api-client'
 * @typedef {Ok<'/proposals/{id}'>['state']} ProposalState
 * @typedef {Ok<'/placements/{id}'>['state']} PlacementState
 */

/** @satisfies {Record<ProposalState, string>} */
const PROPOSAL_STATE_LABELS = {
  proposed: 'Proposed',
  company_reviewing: 'In review',
  accepted: 'Accepted',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  timed_out: 'Timed out',
};
/** @satisfies {Record<PlacementState, string>} */
const PLACEMENT_STATE_LABELS = {
  hired: 'Hired',
  active: 'Active',
  completed: 'Completed',
  failed: 'Failed',
};
export const STATE_LABELS = { ...PROPOSAL_STATE_LABELS, ...PLACEMENT_STATE_LABELS };

/** Every proposal state, in the order of the state machine. */
export const STATES = /** @type {ProposalState[]} */ (Object.keys(PROPOSAL_STATE_LABELS));
/** @type {ProposalState[]} the states awaiting the company (workflows/proposal-rules.ts OPEN_STATES) */
export const OPEN_STATES = ['proposed', 'company_reviewing'];

/** @type {Record<string, string>} the API declares roles as strings */
export const ROLE_LABELS = {
  recruiter: 'Recruiter',
  company_admin: 'Company admin',
  hiring_manager: 'Hiring manager',
  platform_admin: 'Platform admin',
  system: 'System',
};

/** @param {string} state */
export const isOpenState = (state) => /** @type {string[]} */ (OPEN_STATES).includes(state);
/**
 * Whether `value` (e.g. a filter read from the URL) is one of `values`.
 * @template {string} T
 * @param {readonly T[]} values
 * @param {string | null} value
 * @returns {value is T}
 */
export const isOneOf = (values, value) => /** @type {readonly (string | null)[]} */ (values).includes(value);
/**
 * A proposal still waiting for the company: open, undecided and before its deadline. A
 * proposal whose state says open but whose deadline passed, whose decision was recorded,
 * or whose process refused a command as out of state (`stuck`, set by the detail view)
 * is wedged, not waiting: it gets no live countdown.
 * @param {{ state: string, decidedAt: string | null, decisionDeadline: string, stuck?: boolean }} p
 */
export const awaitsDecision = (p, now = Date.now()) =>
  isOpenState(p.state) && !p.decidedAt && !p.stuck && Date.parse(p.decisionDeadline) > now;
/** @param {string} state */
export const stateLabel = (state) => /** @type {Record<string, string>} */ (STATE_LABELS)[state] ?? state;
/** @param {string} role */
export const roleLabel = (role) => ROLE_LABELS[role] ?? role;

/**
 * "Carol (Company admin, Acme)", or "Company admin of Acme" / "System" when the directory has no name: never an id.
 * @param {{ actorName?: string | null, actorRole: string, companyName?: string | null }} actor
 */
export function actorLabel({ actorName, actorRole, companyName }) {
  const role = roleLabel(actorRole);
  if (actorName) return `${actorName} (${[role, companyName].filter(Boolean).join(', ')})`;
  return companyName ? `${role} of ${companyName}` : role;
}

/**
 * `05e40000-0000-4000-8000-000000000005` → `05e4…0005`: short, still distinct for sequential ids.
 * @param {string | null | undefined} id
 */
export function shortId(id) {
  return id && id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : (id ?? '');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** @param {string | null | undefined} iso */
export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** 93784000 → `1d 02:03:04`; under a day → `02:03:04`. @param {number} ms */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return days > 0 ? `${days}d ${clock}` : clock;
}

/**
 * Integer minor units → "USD 1,234.56" (no floats in the arithmetic: the cents stay integers).
 * @param {number} cents
 * @param {string} currency
 */
export function formatMoney(cents, currency) {
  const whole = Math.trunc(cents / 100).toLocaleString('en-US');
  return `${currency} ${whole}.${String(Math.abs(cents % 100)).padStart(2, '0')}`;
}

/** `protectionEndsAt` → `Protection ends at`, `recruiter_id` → `Recruiter ID`. @param {string} key */
export function humanize(key) {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .replace(/\bid\b/g, 'ID');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * An automation action as one line a person can read (as the approval e-mail says it).
 * @param {any} action an automation action as the API sends it (its schema is a union the views read loosely)
 */
export function describeAction(action) {
  switch (action?.type) {
    case 'advance_stage':
      return `Move the application to ${action.stage}`;
    case 'reject_application':
      return `Reject the application (${action.reason})`;
    case 'send_email':
      return `E-mail the ${String(action.to).replace('_', ' ')} (${String(action.template).replace('_', ' ')})`;
    case 'create_task':
      return `Create the task "${action.title}" for the recruiter${action.dueInDays ? `, due in ${action.dueInDays} day(s)` : ''}`;
    default:
      return action?.type ?? 'Unknown action';
  }
}
