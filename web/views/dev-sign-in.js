/**
 * Development only (`npm run dev`, DEV_SIGN_IN_INBOX_URL): one click signs a seeded user in
 * the real way: it asks for a magic link, reads it from the Resend fake's inbox and follows it.
 */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { roleLabel } from '../format.js';
import { errorAlert, loading } from './components.js';

/** The newest sign-in link the fake inbox holds for `email`, sent after `since`. */
async function linkFrom(/** @type {string} */ inboxUrl, /** @type {string} */ email, /** @type {number} */ since) {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const res = await fetch(inboxUrl);
    /** @type {{ to: string[], text: string | null, created_at: string }[]} */
    const mails = await res.json();
    const mail = mails
      .filter((m) => m.to.includes(email) && Date.parse(m.created_at) >= since && m.text?.includes('#/sign-in/verify?token='))
      .pop();
    const link = mail?.text?.match(/https?:\/\/\S+#\/sign-in\/verify\?token=[A-Za-z0-9_-]+/)?.[0];
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`No sign-in e-mail for ${email} arrived in the fake inbox.`);
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function devSignInView(root, { signal, navigate }) {
  document.title = 'Development sign-in · Splits';
  root.append(loading());
  const { devSignIn } = await api.authOptions(signal);
  root.replaceChildren();
  if (!devSignIn) {
    root.append(
      h(
        'section',
        { class: 'card narrow' },
        h('h1', {}, 'Not available'),
        h('p', {}, 'One-click sign-in exists only in development. ', h('a', { href: '#/sign-in' }, 'Sign in by e-mail'), '.'),
      ),
    );
    return;
  }
  const { inboxUrl } = devSignIn;
  const alertSlot = h('div', { class: 'slot' });
  /** @param {string} email */
  async function signIn(email) {
    fill(alertSlot, loading(`Sending a link to ${email}…`));
    try {
      const since = Date.now();
      await api.requestMagicLink(email);
      const link = new URL(await linkFrom(inboxUrl, email, since));
      navigate(link.hash.replace(/^#/, ''));
    } catch (caught) {
      fill(alertSlot, errorAlert(asError(caught).message));
    }
  }
  root.append(
    h(
      'section',
      { class: 'card narrow' },
      h('h1', {}, 'Development sign-in'),
      h(
        'p',
        { class: 'muted' },
        'Each button asks for a sign-in link, reads it from the local Resend fake and follows it, as the e-mail would.',
      ),
      alertSlot,
      h(
        'ul',
        { class: 'dev-users' },
        ...devSignIn.users.map((u) =>
          h(
            'li',
            {},
            h(
              'button',
              { type: 'button', class: 'button', 'data-testid': 'dev-sign-in-user', 'data-email': u.email, onclick: () => signIn(u.email) },
              `${u.name} · ${roleLabel(u.role)}`,
            ),
            h('span', { class: 'muted' }, ` ${u.email}`),
          ),
        ),
      ),
    ),
  );
}
