/**
 * Marketplace events (platform admins): sourcing claims and conflicts, submissions
 * blocked by another recruiter's protection, protection changes. Newest first, filtered
 * by type (and by candidate, from a link), kept in the URL; a live list. Each event's
 * details read as `key: value` pairs.
 */
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, humanize, shortId } from '../format.js';
import { errorAlert } from './components.js';
import { filterSelect, listTable, liveList } from './live-list.js';

/** The types the workflows write (workflows/protection.ts, activities/db/protection.ts). */
/** @import { Item } from '../api-client' */
/** @typedef {Item<'/marketplace-events'>} MarketplaceEvent */
/** @type {[string, string][]} */
const TYPES = [
  ['candidate_sourced', 'Candidate sourced'],
  ['sourcing_conflict', 'Sourcing conflict'],
  ['protected_submission_blocked', 'Protected submission blocked'],
  ['protected_outreach_blocked', 'Protected outreach blocked'],
  ['protection_release', 'Protection released'],
  ['protection_expired', 'Protection expired'],
  ['protection_extend_protection', 'Protection extended'],
  ['protection_override_attribution', 'Attribution overridden'],
];
const TYPE_LABELS = Object.fromEntries(TYPES);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const typeLabel = (/** @type {string} */ type) => TYPE_LABELS[type] ?? type.replace(/_/g, ' ');

/**
 * `{ from: { recruiterId } }` → `[['From · Recruiter ID', …]]`: nested objects become prefixed keys.
 * @param {unknown} value
 * @returns {[string, unknown][]}
 */
function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix || 'Value', value]];
  return Object.entries(value).flatMap(([key, v]) => {
    const label = prefix ? `${prefix} · ${humanize(key)}` : humanize(key);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v, label) : [/** @type {[string, unknown]} */ ([label, v])];
  });
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function eventsView(root, { me, query, signal, navigate }) {
  document.title = 'Marketplace events · Splits';
  if (me.role !== 'platform_admin') {
    fill(root, h('h1', {}, 'Marketplace events'), errorAlert('Only platform admins can see the marketplace events.'));
    return;
  }
  const [askedType, askedCandidate] = [query.get('type') ?? '', query.get('candidate') ?? ''];
  const type = /^[a-z0-9_.]{1,100}$/i.test(askedType) ? askedType : '';
  const candidateId = UUID.test(askedCandidate) ? askedCandidate : '';
  const pathWith = (/** @type {Record<string, string>} */ change) => {
    const params = new URLSearchParams(Object.entries({ type, candidate: candidateId, ...change }).filter(([, v]) => v));
    const qs = params.toString();
    return `/events${qs ? `?${qs}` : ''}`;
  };

  /** A value made readable: times formatted, ids named (the API's `detailNames`), nothing as —. */
  /** @param {MarketplaceEvent} e @param {string} key @param {unknown} value */
  function showValue(e, key, value) {
    if (value === null || value === undefined || value === '') return '—';
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
    if (typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)))
      return h('time', { datetime: value }, formatDateTime(value));
    if (typeof value === 'string' && UUID.test(value)) {
      const name = e.detailNames[value];
      if (name !== undefined) return h('span', { title: value, 'data-id': value }, name);
      return h('span', { title: value }, /job/i.test(key) ? `job ${shortId(value)}` : shortId(value));
    }
    return String(value);
  }

  /** @param {MarketplaceEvent} e */
  function details(e) {
    if (e.details === null || e.details === undefined) return h('span', { class: 'muted' }, '—');
    const pairs = flatten(e.details);
    if (pairs.length === 0) return h('span', { class: 'muted' }, '—');
    // Lines, not a grid: a table cell sizes a grid to its narrowest content.
    return h(
      'div',
      { class: 'event-details', 'data-testid': 'event-details' },
      pairs.map(([label, value]) => h('div', {}, h('span', { class: 'muted' }, `${label}: `), showValue(e, label, value))),
    );
  }

  /** @param {MarketplaceEvent} e */
  function row(e) {
    return h(
      'tr',
      { 'data-testid': 'event-row', 'data-event-id': e.id, 'data-type': e.type, 'data-candidate-id': e.candidateId ?? '' },
      h(
        'td',
        {},
        h('strong', { 'data-testid': 'event-type', title: e.type }, typeLabel(e.type)),
        h('div', { class: 'muted' }, h('time', { datetime: e.occurredAt }, formatDateTime(e.occurredAt))),
      ),
      h(
        'td',
        {},
        e.candidateId
          ? h(
              'a',
              {
                href: `#${pathWith({ candidate: e.candidateId })}`,
                title: `Only the events of candidate ${e.candidateId}`,
                'data-testid': 'event-candidate',
              },
              e.candidateName ?? shortId(e.candidateId),
            )
          : '—',
      ),
      h(
        'td',
        {},
        h(
          'div',
          { 'data-testid': 'event-recruiter', 'data-recruiter-id': e.recruiterId ?? '' },
          e.recruiterId ? (e.recruiterName ?? shortId(e.recruiterId)) : '—',
        ),
        h('div', { class: 'muted', 'data-testid': 'event-actor' }, 'by ', actorLabel(e)),
      ),
      h('td', { class: 'wrap' }, details(e)),
    );
  }

  const { table, tbody } = listTable('event-list', ['Event', 'Candidate', 'Recruiter', 'Details']);
  const list = liveList({
    path: '/marketplace-events',
    query: { type: type || undefined, candidateId: candidateId || undefined },
    signal,
    render: row,
    container: tbody,
    frame: table,
    noun: 'events',
    empty: [
      type ? `No "${typeLabel(type)}" events.` : 'No marketplace events yet.',
      'Sourcing claims, conflicts and blocked submissions are recorded here.',
    ],
  });
  const options = [['', 'All types'], ...TYPES];
  if (type && !TYPE_LABELS[type]) options.push([type, type]);

  fill(
    root,
    h(
      'section',
      {},
      h(
        'div',
        { class: 'page-header' },
        h('h1', {}, 'Marketplace events'),
        h(
          'div',
          { class: 'toolbar' },
          filterSelect({ id: 'event-type-filter', label: 'Type', value: type, navigate, options, pathFor: (v) => pathWith({ type: v }) }),
        ),
      ),
      candidateId &&
        h(
          'p',
          { 'data-testid': 'candidate-filter' },
          'Only events of ',
          h('a', { href: `#/candidates/${candidateId}` }, `candidate ${shortId(candidateId)}`),
          ' · ',
          h('a', { href: `#${pathWith({ candidate: '' })}` }, 'Show all candidates'),
        ),
      list.element,
    ),
  );
  await list.reload();
}
