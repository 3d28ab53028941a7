/** Entry point: session, header, hash router. Each view renders into <main>. */
import { api, asError, isAbort, onUnauthorized, tokenStore } from './api.js';
import { fill, h } from './dom.js';
import { roleLabel } from './format.js';
import { errorAlert, loading, startCountdownTicker } from './views/components.js';
import { signInView } from './views/sign-in.js';
import { verifyView } from './views/verify.js';
import { devSignInView } from './views/dev-sign-in.js';

const DEFAULT_PATH = '/proposals';
const SESSION_EXPIRED = 'Your session has ended. Please sign in again.';
const UUID = '([0-9a-f-]{36})';

/** Each view is loaded when first opened: `view` names its export. */
const ROUTES = [
  { pattern: '/proposals', load: () => import('./views/proposals-list.js'), view: 'proposalsListView' },
  { pattern: '/proposals/new', load: () => import('./views/proposal-new.js'), view: 'newProposalView' },
  { pattern: `/proposals/${UUID}`, load: () => import('./views/proposal-detail.js'), view: 'proposalDetailView' },
  { pattern: '/jobs', load: () => import('./views/jobs.js'), view: 'jobsView' },
  { pattern: '/jobs/new', load: () => import('./views/job-form.js'), view: 'jobFormView' },
  { pattern: `/jobs/${UUID}`, load: () => import('./views/job-detail.js'), view: 'jobDetailView' },
  { pattern: `/jobs/${UUID}/edit`, load: () => import('./views/job-form.js'), view: 'jobFormView' },
  { pattern: '/candidates', load: () => import('./views/candidates.js'), view: 'candidatesView' },
  { pattern: `/candidates/${UUID}`, load: () => import('./views/candidate-detail.js'), view: 'candidateDetailView' },
  { pattern: '/candidates/new', load: () => import('./views/candidate-profile.js'), view: 'newCandidateView' },
  { pattern: '/candidates/search', load: () => import('./views/candidate-profile.js'), view: 'candidateSearchView' },
  { pattern: `/candidates/${UUID}/profile`, load: () => import('./views/candidate-profile.js'), view: 'candidateProfileView' },
  { pattern: '/placements', load: () => import('./views/placements-list.js'), view: 'placementsListView' },
  { pattern: '/placements/new', load: () => import('./views/placement-new.js'), view: 'newPlacementView' },
  { pattern: `/placements/${UUID}`, load: () => import('./views/placement-detail.js'), view: 'placementDetailView' },
  { pattern: '/payouts', load: () => import('./views/payouts.js'), view: 'payoutsView' },
  { pattern: '/approvals', load: () => import('./views/approvals.js'), view: 'approvalsView' },
  { pattern: '/automation', load: () => import('./views/executions.js'), view: 'executionsView' },
  { pattern: '/decisions', load: () => import('./views/decisions.js'), view: 'decisionsView' },
  { pattern: '/events', load: () => import('./views/events.js'), view: 'eventsView' },
  { pattern: '/integrations', load: () => import('./views/integrations.js'), view: 'integrationsView' },
  { pattern: '/people', load: () => import('./views/people.js'), view: 'peopleView' },
  { pattern: `/people/${UUID}`, load: () => import('./views/people.js'), view: 'personView' },
  { pattern: '/companies', load: () => import('./views/companies.js'), view: 'companiesView' },
  { pattern: '/account', load: () => import('./views/account.js'), view: 'accountView' },
  // Where Stripe's onboarding sends a recruiter back (return_url / refresh_url): the same page.
  { pattern: '/account/payouts', load: () => import('./views/account.js'), view: 'accountView' },
  { pattern: '/settings', load: () => import('./views/terms.js'), view: 'companyTermsView' },
  { pattern: '/marketplace-settings', load: () => import('./views/terms.js'), view: 'marketplaceTermsView' },
].map((r) => ({ ...r, pattern: new RegExp(`^${r.pattern}$`, 'i') }));

const COMPANY = ['company_admin', 'hiring_manager'];
/** @type {[path: string, label: string, testid: string, roles: string[]][]} The main navigation: who sees which link. */
const NAV = [
  ['/proposals', 'Proposals', 'nav-proposals', ['recruiter', ...COMPANY, 'platform_admin']],
  ['/proposals/new', 'New proposal', 'nav-new-proposal', ['recruiter']],
  // Platform admins open #/jobs by address: their menu is full (the header must still fit the signed-in name).
  ['/jobs', 'Jobs', 'nav-jobs', ['recruiter', ...COMPANY]],
  ['/candidates', 'Candidates', 'nav-candidates', ['recruiter', 'platform_admin']],
  ['/placements', 'Placements', 'nav-placements', ['recruiter', ...COMPANY, 'platform_admin']],
  ['/placements?escrow=held', 'Escrow', 'nav-escrow', ['platform_admin']],
  ['/payouts', 'Payouts', 'nav-payouts', ['recruiter', 'company_admin', 'platform_admin']],
  ['/approvals', 'Approvals', 'nav-approvals', [...COMPANY, 'platform_admin']],
  ['/automation', 'Automation', 'nav-automation', ['company_admin', 'platform_admin']],
  ['/decisions', 'Decisions', 'nav-decisions', ['company_admin', 'platform_admin']],
  ['/events', 'Events', 'nav-events', ['platform_admin']],
  ['/integrations', 'Integrations', 'nav-integrations', ['company_admin', 'platform_admin']],
  // Platform admins reach #/companies from the people page.
  ['/people', 'People', 'nav-people', ['company_admin', 'platform_admin']],
];

// index.html has all three.
const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const sessionBox = /** @type {HTMLElement} */ (document.getElementById('session'));

/** The signed-in user from GET /me, or null; `uiConfig` from GET /ui-config. */
/** @import { Me, UiConfig, View, ViewContext } from './views/types' */
/** @type {Me | null} */
let me = null;
/** @type {UiConfig | null} */
let uiConfig = null;
/** @type {{ controller: AbortController } | null} the view on screen */
let current = null;
/** @type {string | null} a one-shot message for the next view */
let flash = null;

function parseHash() {
  const [rawPath, qs = ''] = location.hash.replace(/^#/, '').split('?');
  const path = (rawPath ?? '').replace(/\/+$/, '') || DEFAULT_PATH;
  return { path, query: new URLSearchParams(qs) };
}

/**
 * @param {string} path
 * @param {{ notice?: string }} [options] a one-shot message for the next view
 */
function navigate(path, { notice } = {}) {
  flash = notice ?? null;
  const target = `#${path}`;
  if (location.hash === target) render();
  else location.hash = target;
}

function renderHeader() {
  nav.hidden = sessionBox.hidden = !me;
  if (!me) return;
  const { role } = me;
  fill(
    nav,
    NAV.filter(([, , , roles]) => roles.includes(role)).map(([path, label, testid]) =>
      h('a', { href: `#${path}`, 'data-testid': testid }, label),
    ),
  );
  // Names, not ids: the person (when the directory knows them), their role, their company.
  const [first, ...rest] = [me.name, roleLabel(me.role), me.companyName].filter(Boolean);
  // The user menu: a disclosure, so it works without scripts of its own and closes like any other.
  const menu = h(
    'details',
    { class: 'user-menu', 'data-testid': 'user-menu' },
    h(
      'summary',
      { 'aria-label': 'Your account' },
      h(
        'span',
        { class: 'who', 'data-testid': 'signed-in-as', 'data-role': me.role, title: [first, ...rest].join(' · ') }, // in full, where a wide menu cuts it short
        h('span', { class: 'who-prefix' }, 'Signed in as '),
        h('strong', {}, first),
        rest.length > 0 && h('span', { class: 'muted' }, ` · ${rest.join(' · ')}`),
      ),
    ),
    h(
      'div',
      { class: 'user-menu-items' },
      h('a', { href: '#/account', 'data-testid': 'menu-account', onclick: () => menu.removeAttribute('open') }, 'Profile and API keys'),
      // Terms live in the user menu: the main navigation is full for admins.
      COMPANY.includes(me.role) &&
        h('a', { href: '#/settings', 'data-testid': 'menu-settings', onclick: () => menu.removeAttribute('open') }, 'Company terms'),
      me.role === 'platform_admin' &&
        h(
          'a',
          { href: '#/marketplace-settings', 'data-testid': 'menu-marketplace-settings', onclick: () => menu.removeAttribute('open') },
          'Marketplace terms',
        ),
      h('button', { type: 'button', class: 'button button-ghost', 'data-testid': 'sign-out', onclick: () => void signOut() }, 'Sign out'),
      tokenStore.get() === null &&
        h(
          'button',
          {
            type: 'button',
            class: 'button button-ghost',
            'data-testid': 'sign-out-everywhere',
            onclick: () => void signOut(undefined, { everywhere: true }),
          },
          'Sign out everywhere',
        ),
    ),
  );
  fill(sessionBox, menu);
}

/** The link to exactly this address, else the one to its path (`#/payouts?status=paid` → Payouts). */
/** @param {string} path */
function markActiveNav(path) {
  const links = [...nav.querySelectorAll('a')];
  const target = links.find((l) => l.getAttribute('href') === location.hash) ?? links.find((l) => l.getAttribute('href') === `#${path}`);
  for (const link of links) {
    const active = link === target;
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** What a session needs beyond /me; platform admins also get the codec cookie for the Temporal Web UI. */
async function startSession() {
  if (me?.role === 'platform_admin') api.openOperatorSession().catch(() => undefined);
  uiConfig = await api.uiConfig().catch(() => null);
}

/**
 * A pasted token is kept in this tab's storage; a sign-in link's session lives in its
 * HttpOnly cookie (token null), which the browser sends by itself.
 * @param {string | null} token @param {Me} user
 */
async function signIn(token, user) {
  if (token) tokenStore.set(token);
  me = user;
  await startSession();
  if (parseHash().path.startsWith('/sign-in') || parseHash().path === '/dev-sign-in') navigate(DEFAULT_PATH);
  else render();
}

/**
 * Ends the session: the cookie's on the server (this one, or all of the user's), a pasted
 * token by forgetting it. `message` explains an end the user did not ask for (already expired).
 * @param {string} [message] @param {{ everywhere?: boolean }} [options]
 */
async function signOut(message, { everywhere = false } = {}) {
  if (me?.role === 'platform_admin') api.closeOperatorSession().catch(() => undefined);
  if (!message && tokenStore.get() === null) {
    await (everywhere ? api.signOutEverywhere() : api.signOut()).catch(() => undefined);
  }
  tokenStore.clear();
  me = uiConfig = null;
  flash = message ?? (everywhere ? 'You are signed out on every device.' : 'You are signed out.');
  if (parseHash().path !== DEFAULT_PATH) navigate(DEFAULT_PATH, { notice: flash });
  else render();
}

/** @param {HTMLElement} root */
function notFoundView(root) {
  document.title = 'Not found · Splits';
  root.append(
    h('h1', {}, 'Page not found'),
    h('p', {}, 'There is nothing at this address. ', h('a', { href: '#/proposals' }, 'Go to the proposals'), '.'),
  );
}

function render() {
  current?.controller.abort();
  const controller = new AbortController();
  current = { controller };
  renderHeader();
  main.replaceChildren();

  const { path, query } = parseHash();
  // Signed in already: the sign-in pages lead on to the app.
  if (me && (path.startsWith('/sign-in') || path === '/dev-sign-in')) {
    navigate(DEFAULT_PATH);
    return;
  }
  // Only the sign-in views are rendered without `me`.
  /** @type {ViewContext} */
  const ctx = {
    me: /** @type {Me} */ (me),
    uiConfig,
    query,
    params: { id: '' },
    signal: controller.signal,
    navigate,
    flash,
    onSignedIn: signIn,
  };
  flash = null;
  /** @type {() => Promise<View>} */
  let view = async () => (path === '/sign-in/verify' ? verifyView : path === '/dev-sign-in' ? devSignInView : signInView);
  if (me) {
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (route) ctx.params.id = path.match(route.pattern)?.[1] ?? '';
    view = route
      ? async () => /** @type {View} */ (/** @type {Record<string, unknown>} */ (await route.load())[route.view])
      : async () => notFoundView;
    markActiveNav(path);
    main.append(loading());
  }
  view()
    .then((render) => {
      if (controller.signal.aborted) return undefined;
      main.replaceChildren();
      return render(main, ctx);
    })
    .catch((err) => {
      if (isAbort(err) || controller.signal.aborted) return;
      fill(main, errorAlert(err?.message ?? 'Something went wrong.'));
    });
}

/**
 * Checks the session once at start: a stored token, else the session cookie (GET /me). A
 * refused token leads to the sign-in screen with a word; no cookie simply to the sign-in screen.
 * An e-mailed link is used first (its view signs in), whatever session the browser had.
 */
async function restoreSession() {
  if (parseHash().path === '/sign-in/verify') return;
  const token = tokenStore.get();
  try {
    me = await api.me(token ?? undefined);
    await startSession();
  } catch (caught) {
    const err = asError(caught);
    if (err.status === 401) {
      if (token) flash = SESSION_EXPIRED;
      tokenStore.clear();
    } else {
      throw err;
    }
  }
}

/**
 * Every table cell carries its column's heading as `data-label`, so on a phone (where
 * rows are shown as cards and the headings are hidden) each value says what it is.
 * Views and live lists add rows at any time, hence an observer rather than each view.
 */
function labelTableCells() {
  const label = () => {
    for (const table of main.querySelectorAll('table')) {
      const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim());
      for (const row of table.querySelectorAll('tbody tr')) {
        [...row.children].forEach((/** @type {Element} */ el, i) => {
          const cell = /** @type {HTMLElement} */ (el);
          if (cell.tagName === 'TD' && !cell.hasAttribute('colspan') && headings[i] && cell.dataset.label !== headings[i])
            cell.dataset.label = headings[i];
        });
      }
    }
  };
  new MutationObserver(label).observe(main, { childList: true, subtree: true });
}

async function start() {
  onUnauthorized(() => {
    if (me) void signOut(SESSION_EXPIRED);
  });
  startCountdownTicker();
  labelTableCells();
  window.addEventListener('hashchange', () => {
    render();
    main.focus({ preventScroll: true });
  });
  try {
    await restoreSession();
  } catch (caught) {
    const err = asError(caught);
    fill(
      main,
      errorAlert(`Could not check your session: ${err.message}`),
      h('button', { type: 'button', class: 'button', onclick: () => location.reload() }, 'Try again'),
    );
    return;
  }
  render();
}

void start();
