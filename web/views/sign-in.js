/** Sign-in: paste a bearer token; it is checked with GET /me before it is kept. */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { errorAlert, notice } from './components.js';

/** @param {Error & { status?: number }} err */
function explain(err) {
  if (err.status === 401) return 'This token was not accepted: it may be expired, mistyped or signed for another server.';
  return err.message;
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export function signInView(root, { flash, onSignedIn }) {
  document.title = 'Sign in · Splits';
  const alertSlot = h('div', { class: 'slot' }, flash && notice(flash, 'info'));
  const input = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    placeholder: 'eyJhbGciOi…',
    'aria-describedby': 'token-hint',
    'data-testid': 'sign-in-token',
  });
  const button = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'sign-in-submit' }, 'Sign in');

  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) {
      fill(alertSlot, errorAlert('Paste a token to sign in.'));
      input.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Checking…';
    try {
      await onSignedIn(token, await api.me(token));
    } catch (caught) {
      const err = asError(caught);
      fill(alertSlot, errorAlert(explain(err)));
      button.disabled = false;
      button.textContent = 'Sign in';
      input.focus();
    }
  }

  root.append(
    h(
      'section',
      { class: 'card narrow' },
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'The back office uses bearer tokens.'),
      alertSlot,
      h(
        'form',
        { onsubmit: submit, novalidate: true, 'data-testid': 'sign-in-form' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'token' }, 'Access token'),
          input,
          h('p', { id: 'token-hint', class: 'hint' }, 'Paste one of the demo tokens printed by ', h('code', {}, 'npm run dev'), '.'),
        ),
        h('div', { class: 'actions' }, button),
      ),
    ),
  );
  input.focus();
}
