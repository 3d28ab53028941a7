/** Entry point: session, header, hash router. Each view renders into <main>. */
import { api, isAbort, onUnauthorized, tokenStore } from './api.js';
import { fill, h } from './dom.js';
import { roleLabel, shortId } from './format.js';
import { errorAlert, startCountdownTicker } from './views/components.js';
import { approvalsView } from './views/approvals.js';
import { integrationsView } from './views/integrations.js';
import { payoutsView } from './views/payouts.js';
import { proposalDetailView } from './views/proposal-detail.js';
import { newProposalView } from './views/proposal-new.js';
import { proposalsListView } from './views/proposals-list.js';
import { signInView } from './views/sign-in.js';

const DEFAULT_PATH = '/proposals';
const SESSION_EXPIRED = 'Your session has expired. Please sign in again.';

const ROUTES = [
  { pattern: /^\/proposals$/, view: proposalsListView },
  { pattern: /^\/proposals\/new$/, view: newProposalView },
  { pattern: /^\/proposals\/([0-9a-f-]{36})$/i, view: proposalDetailView, param: 'id' },
  { pattern: /^\/approvals$/, view: approvalsView },
  { pattern: /^\/payouts$/, view: payoutsView },
  { pattern: /^\/integrations$/, view: integrationsView },
];
const APPROVERS = ['company_admin', 'hiring_manager', 'platform_admin'];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const sessionBox = document.getElementById('session');

/** The signed-in user from GET /me, or null. */
let me = null;
let current = null; // { controller } of the view on screen
let flash = null; // a one-shot message for the next view

function parseHash() {
  const [rawPath, qs = ''] = location.hash.replace(/^#/, '').split('?');
  const path = rawPath.replace(/\/+$/, '') || DEFAULT_PATH;
  return { path, query: new URLSearchParams(qs) };
}

function navigate(path, { notice } = {}) {
  flash = notice ?? null;
  const target = `#${path}`;
  if (location.hash === target) render();
  else location.hash = target;
}

function renderHeader() {
  nav.hidden = sessionBox.hidden = !me;
  if (!me) return;
  fill(
    nav,
    h('a', { href: '#/proposals', 'data-testid': 'nav-proposals' }, 'Proposals'),
    me.role === 'recruiter' && h('a', { href: '#/proposals/new', 'data-testid': 'nav-new-proposal' }, 'New proposal'),
    APPROVERS.includes(me.role) && h('a', { href: '#/approvals', 'data-testid': 'nav-approvals' }, 'Approvals'),
    h('a', { href: '#/payouts', 'data-testid': 'nav-payouts' }, 'Payouts'),
    ['company_admin', 'platform_admin'].includes(me.role) && h('a', { href: '#/integrations', 'data-testid': 'nav-integrations' }, 'Integrations'),
  );
  const scope = me.companyId ? `company ${shortId(me.companyId)}` : me.recruiterId ? `recruiter ${shortId(me.recruiterId)}` : null;
  fill(
    sessionBox,
    h(
      'span',
      { class: 'who', 'data-testid': 'signed-in-as', 'data-role': me.role, title: `user ${me.userId}` },
      'Signed in as ',
      h('strong', {}, roleLabel(me.role)),
      h('span', { class: 'muted' }, ` · user ${shortId(me.userId)}`, scope && ` · ${scope}`),
    ),
    h('button', { type: 'button', class: 'button button-ghost', 'data-testid': 'sign-out', onclick: () => signOut() }, 'Sign out'),
  );
}

function markActiveNav(path) {
  for (const link of nav.querySelectorAll('a')) {
    const active = link.getAttribute('href') === `#${path}`;
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function signIn(token, user) {
  tokenStore.set(token);
  me = user;
  render();
}

function signOut(message) {
  tokenStore.clear();
  me = null;
  flash = message ?? null;
  render();
}

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
  const ctx = { me, query, params: {}, signal: controller.signal, navigate, flash, onSignedIn: signIn };
  flash = null;
  let view = signInView;
  if (me) {
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (route?.param) ctx.params[route.param] = path.match(route.pattern)[1];
    view = route?.view ?? notFoundView;
    markActiveNav(path);
  }
  Promise.resolve()
    .then(() => view(main, ctx))
    .catch((err) => {
      if (isAbort(err) || controller.signal.aborted) return;
      fill(main, errorAlert(err?.message ?? 'Something went wrong.'));
    });
}

/** Checks a stored token once at start; a refused one leads to the sign-in screen. */
async function restoreSession() {
  const token = tokenStore.get();
  if (!token) return;
  try {
    me = await api.me(token);
  } catch (err) {
    if (err.status === 401) {
      tokenStore.clear();
      flash = SESSION_EXPIRED;
    } else {
      throw err;
    }
  }
}

async function start() {
  onUnauthorized(() => {
    if (me) signOut(SESSION_EXPIRED);
  });
  startCountdownTicker();
  window.addEventListener('hashchange', () => {
    render();
    main.focus({ preventScroll: true });
  });
  try {
    await restoreSession();
  } catch (err) {
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
