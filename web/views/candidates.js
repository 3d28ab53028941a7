/**
 * Candidates and who sourced them (product §3.4). Recruiters see their own ("Mine", the
 * default) or all candidates (`?scope=all`), claim unclaimed ones and release their own;
 * platform admins see all candidates with the sourcer's id. Another recruiter's protection
 * is shown owner-neutrally (the API never names the owner to them). A live list, so
 * claims by others and expiries appear by themselves.
 */
import { asError, newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime, shortId } from '../format.js';
import { countdown, errorAlert, notice } from './components.js';
import { issueList } from './form.js';
import { filterSelect, listTable, liveList } from './live-list.js';

/** @import { Item, Ok } from '../api-client' */
/** @typedef {Item<'/candidates'>} Candidate */
/** @typedef {Ok<'/candidates/{id}/sourcing'>} Sourcing a candidate's sourcing status */

const SCOPES = ['mine', 'all'];

/**
 * A sourcing status's key for labels and styles: `mine` (protected by you), `protected` (someone else), or its state.
 * @param {Pick<Sourcing, 'state' | 'ownedByYou'>} s
 */
export function sourcingKey(s) {
  if (s.state === 'protected') return s.ownedByYou ? 'mine' : 'protected';
  return s.state;
}

/** @satisfies {Record<Sourcing['state'] | 'mine', string>} */
const SOURCING_LABELS = {
  mine: 'Protected by you',
  protected: 'Protected',
  unclaimed: 'Unclaimed',
  released: 'Released',
  expired: 'Expired',
};

export const sourcingLabel = (/** @type {Pick<Sourcing, 'state' | 'ownedByYou'>} */ s) => SOURCING_LABELS[sourcingKey(s)] ?? s.state;

/** The sourcing state as a badge; `data-state` is the API's state, `data-owned` says whether it is yours. */
/** @param {Pick<Sourcing, 'state' | 'ownedByYou'>} s */
export function sourcingBadge(s, testid = 'sourcing-badge') {
  const key = sourcingKey(s);
  return h(
    'span',
    { class: `badge badge-sourcing-${key}`, 'data-testid': testid, 'data-state': s.state, 'data-owned': String(s.ownedByYou) },
    SOURCING_LABELS[key] ?? s.state,
  );
}

/** The live countdown to the end of the protection while it blocks others; otherwise the end date or a dash. */
/** @param {Pick<Sourcing, 'protectedNow' | 'protectionEndsAt'>} s */
export function protectionCell(s) {
  if (s.protectedNow && s.protectionEndsAt) return countdown(s.protectionEndsAt, 'Protection ends');
  if (s.protectionEndsAt) return h('span', { class: 'muted' }, `Ended ${formatDateTime(s.protectionEndsAt)}`);
  return h('span', { class: 'muted' }, '—');
}

/**
 * A recruiter by their display name (the id stays on the element, for tests and hover); a
 * short id only if the API could not name them.
 * @param {string | null} id
 * @param {string | null | undefined} name
 */
export function recruiterText(id, name) {
  if (!id) return null;
  return h('span', { 'data-testid': 'sourcer', 'data-recruiter-id': id, title: id }, name ?? shortId(id));
}

/**
 * POST /candidates/:id/source (claim) or /source/release; resolves with the new sourcing status.
 * @param {string} id
 * @param {'claim' | 'release'} command
 * @param {{ reason?: string }} [body]
 */
export function sourcingCommand(id, command, body = {}) {
  const path = command === 'claim' ? '/candidates/{id}/source' : '/candidates/{id}/source/release';
  return request(path, { method: 'post', params: { id }, body, idempotencyKey: newIdempotencyKey() });
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function candidatesView(root, { me, query, signal, navigate }) {
  document.title = 'Candidates · Splits';
  const recruiter = me.role === 'recruiter';
  const admin = me.role === 'platform_admin';
  if (!recruiter && !admin) {
    fill(root, h('h1', {}, 'Candidates'), notice('Only recruiters and platform admins can see candidates.', 'info'));
    return;
  }
  const asked = query.get('scope');
  const scope = recruiter && asked !== null && SCOPES.includes(asked) ? asked : recruiter ? 'mine' : 'all';
  const alertSlot = h('div', { class: 'slot', 'data-testid': 'messages' });
  const headings = /** @type {string[]} */ (
    ['Candidate', 'E-mail', 'Sourcing', 'Protection', admin && 'Sourcer', recruiter && 'Actions'].filter(Boolean)
  );
  const { table, tbody } = listTable('candidate-list', headings);
  const list = liveList({
    path: '/candidates',
    query: { sourcedByMe: recruiter ? (scope === 'mine' ? 'true' : 'false') : undefined },
    signal,
    render: row,
    container: tbody,
    frame: table,
    noun: 'candidates',
    empty:
      scope === 'mine'
        ? ['You have not sourced anyone yet', 'Claim a candidate in "All candidates" to protect them for the protection window.']
        : ['No candidates yet'],
  });

  const filter =
    recruiter &&
    filterSelect({
      id: 'candidate-scope-filter',
      label: 'Show',
      value: scope,
      navigate,
      options: [
        ['mine', 'Mine'],
        ['all', 'All candidates'],
      ],
      pathFor: (/** @type {string} */ v) => (v === 'all' ? '/candidates?scope=all' : '/candidates'),
    });
  // Search and add live on their own pages (candidate-profile.js), reached from here so the header stays short.
  const links = h(
    'div',
    { class: 'actions' },
    h('a', { href: '#/candidates/search', class: 'button', 'data-testid': 'search-candidates' }, 'Search'),
    recruiter && h('a', { href: '#/candidates/new', class: 'button button-primary', 'data-testid': 'new-candidate' }, 'Add a candidate'),
  );
  fill(root, h('section', {}, h('div', { class: 'page-header' }, h('h1', {}, 'Candidates'), filter, links), alertSlot, list.element));

  /** @param {Candidate} candidate @param {'claim' | 'release'} command @param {HTMLButtonElement} button */
  async function act(candidate, command, button) {
    button.disabled = true;
    fill(alertSlot);
    try {
      const s = await sourcingCommand(candidate.id, command);
      fill(
        alertSlot,
        notice(
          command === 'claim'
            ? `${candidate.fullName} is yours: protected until ${formatDateTime(s.protectionEndsAt)}.`
            : `You released ${candidate.fullName}: other recruiters may now propose them.`,
        ),
      );
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      fill(
        alertSlot,
        errorAlert(
          command === 'claim'
            ? `Could not claim ${candidate.fullName}: ${err.message}`
            : `Could not release ${candidate.fullName}: ${err.message}`,
          issueList(err),
        ),
      );
      button.disabled = false;
    }
    // Whatever happened, show the candidate's current status (a refused claim means someone else has them).
    await list.refresh();
  }

  /** @param {Candidate} c */
  function releaseControls(c) {
    const cell = h('div', { class: 'actions' });
    const ask = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'release' }, 'Release');
    const confirm = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'confirm-release' }, 'Confirm release');
    const cancel = h('button', { type: 'button', class: 'button button-ghost', 'data-testid': 'cancel-release' }, 'Keep');
    ask.onclick = () => fill(cell, h('span', { class: 'muted' }, 'Release the protection?'), confirm, cancel);
    cancel.onclick = () => fill(cell, ask);
    confirm.onclick = () => act(c, 'release', confirm);
    return fill(cell, ask);
  }

  /** @param {Candidate} c */
  function actionsCell(c) {
    const s = c.sourcing;
    if (s.state === 'unclaimed') {
      const claim = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'claim' }, 'Claim');
      claim.onclick = () => act(c, 'claim', claim);
      return claim;
    }
    if (s.ownedByYou && s.state === 'protected') return releaseControls(c);
    return null;
  }

  /** @param {Candidate} c */
  function row(c) {
    const s = c.sourcing;
    return h(
      'tr',
      { 'data-testid': 'candidate-row', 'data-candidate-id': c.id, 'data-state': s.state, 'data-owned': String(s.ownedByYou) },
      h(
        'td',
        {},
        h('a', { href: `#/candidates/${encodeURIComponent(c.id)}`, class: 'row-link', 'data-testid': 'candidate-link' }, c.fullName),
      ),
      h('td', {}, c.email ?? h('span', { class: 'muted' }, '—')),
      h('td', {}, sourcingBadge(s)),
      h('td', {}, protectionCell(s)),
      admin && h('td', {}, recruiterText(s.recruiterId, s.recruiterName) ?? h('span', { class: 'muted' }, '—')),
      recruiter && h('td', {}, actionsCell(c)),
    );
  }

  await list.reload();
}
