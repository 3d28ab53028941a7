/**
 * Sign-in by e-mail: the API sends a single-use link (the same answer whether or not the
 * address has an account). Pasting a bearer token remains, folded away, for operators and
 * for the browser tests' quick sign-in.
 */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { errorAlert, notice } from './components.js';

/** @param {Error & { status?: number, code?: string }} err */
function explainToken(err) {
  if (err.status === 401) return 'This token was not accepted: it may be expired, mistyped or signed for another server.';
  return err.message;
}

/** @param {Error & { status?: number, code?: string }} err */
function explainEmail(err) {
  if (err.status === 429)
    return 'Too many sign-in links were asked for this address or from this network. Wait a few minutes and try again.';
  if (err.status === 400) return 'Enter a valid e-mail address.';
  return err.message;
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export function signInView(root, { flash, onSignedIn }) {
  document.title = 'Sign in · Splits';
  const alertSlot = h('div', { class: 'slot' }, flash && notice(flash, 'info'));
  const email = h('input', {
    id: 'email',
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'email',
    autocapitalize: 'off',
    spellcheck: 'false',
    placeholder: 'you@company.com',
    'aria-describedby': 'email-hint',
    'data-testid': 'sign-in-email',
  });
  const send = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'sign-in-email-submit' },
    'E-mail me a sign-in link',
  );

  /** @param {SubmitEvent} event */
  async function submitEmail(event) {
    event.preventDefault();
    const address = email.value.trim();
    if (!address) {
      fill(alertSlot, errorAlert('Enter your e-mail address.'));
      email.focus();
      return;
    }
    send.disabled = true;
    send.textContent = 'Sending…';
    try {
      await api.requestMagicLink(address);
      fill(
        alertSlot,
        h(
          'div',
          { class: 'alert alert-success', role: 'status', 'data-testid': 'sign-in-sent' },
          h('strong', {}, 'Check your inbox. '),
          `If ${address} belongs to an account, a sign-in link is on its way. It works once, for a few minutes.`,
        ),
      );
    } catch (caught) {
      fill(alertSlot, errorAlert(explainEmail(asError(caught))));
    } finally {
      send.disabled = false;
      send.textContent = 'E-mail me a sign-in link';
    }
  }

  const token = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 4,
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    placeholder: 'eyJhbGciOi… or spk_…',
    'aria-describedby': 'token-hint',
    'data-testid': 'sign-in-token',
  });
  const useToken = h('button', { type: 'submit', class: 'button', 'data-testid': 'sign-in-submit' }, 'Sign in with the token');

  /** @param {SubmitEvent} event */
  async function submitToken(event) {
    event.preventDefault();
    const value = token.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) {
      fill(alertSlot, errorAlert('Paste a token to sign in.'));
      token.focus();
      return;
    }
    useToken.disabled = true;
    useToken.textContent = 'Checking…';
    try {
      await onSignedIn(value, await api.me(value));
    } catch (caught) {
      fill(alertSlot, errorAlert(explainToken(asError(caught))));
      useToken.disabled = false;
      useToken.textContent = 'Sign in with the token';
      token.focus();
    }
  }

  root.append(
    h(
      'section',
      { class: 'card narrow' },
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'We e-mail you a link that signs you in: no password to remember.'),
      alertSlot,
      h(
        'form',
        { onsubmit: submitEmail, novalidate: true, 'data-testid': 'sign-in-email-form' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'email' }, 'Work e-mail'),
          email,
          h('p', { id: 'email-hint', class: 'hint' }, 'The address your company or the marketplace registered for you.'),
        ),
        h('div', { class: 'actions' }, send),
      ),
      h(
        'details',
        { class: 'token-sign-in', 'data-testid': 'sign-in-with-token' },
        h('summary', {}, 'Sign in with an access token'),
        h(
          'form',
          { onsubmit: submitToken, novalidate: true, 'data-testid': 'sign-in-form' },
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'token' }, 'Access token'),
            token,
            h('p', { id: 'token-hint', class: 'hint' }, 'A personal API key or a bearer token issued for this server.'),
          ),
          h('div', { class: 'actions' }, useToken),
        ),
      ),
    ),
  );
  email.focus();
}
