/** `#/sign-in/verify?token=…`: the e-mailed link. Uses its token once; the API sets the session cookie. */
import { api, asError } from '../api.js';
import { h } from '../dom.js';
import { errorAlert, loading } from './components.js';

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function verifyView(root, { query, onSignedIn }) {
  document.title = 'Signing in · Splits';
  const token = query.get('token') ?? '';
  // The token leaves the address bar (and the history) before anything else: it is single use anyway.
  history.replaceState(null, '', `${location.pathname}${location.search}#/sign-in/verify`);
  root.append(loading('Signing you in…'));
  try {
    if (!token) throw new Error('This sign-in link is incomplete.');
    await api.verifyMagicLink(token);
    await onSignedIn(null, await api.me(undefined));
  } catch (caught) {
    const err = asError(caught);
    root.replaceChildren(
      h(
        'section',
        { class: 'card narrow' },
        h('h1', {}, 'This link did not work'),
        errorAlert(err.status === 400 ? 'This sign-in link is invalid, already used or expired.' : err.message),
        h('p', {}, h('a', { href: '#/sign-in', 'data-testid': 'sign-in-again' }, 'Ask for a new link'), '.'),
      ),
    );
  }
}
