/**
 * `#/account`: who the user is, a recruiter's payout account (Stripe Connect onboarding; `#/account/payouts`
 * is where Stripe sends them back), and their personal API keys (create: shown once; list; revoke).
 */
import { api, asError } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime, roleLabel } from '../format.js';
import { emptyState, errorAlert, loading, notice } from './components.js';

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function accountView(root, { me, signal, query }) {
  document.title = 'Your account · Splits';
  const keysSlot = h('div', { class: 'slot', 'data-testid': 'api-keys' }, loading());
  const createdSlot = h('div', { class: 'slot' });
  const alertSlot = h('div', { class: 'slot' });

  async function showKeys() {
    const { data } = await api.listApiKeys(signal);
    if (data.length === 0) {
      fill(keysSlot, emptyState('No API keys', 'Create one for a script or an integration; it acts as you, with your role.'));
      return;
    }
    fill(
      keysSlot,
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Key'), h('th', {}, 'Created'), h('th', {}, 'Last used'), h('th', {}, '')),
        ),
        h(
          'tbody',
          {},
          ...data.map((key) =>
            h(
              'tr',
              { 'data-testid': 'api-key-row', 'data-id': key.id },
              h('td', {}, key.name),
              h('td', {}, h('code', {}, `${key.prefix}…`)),
              h('td', {}, formatDateTime(key.createdAt)),
              h('td', {}, key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'Never'),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'button button-ghost',
                    'data-testid': 'revoke-api-key',
                    onclick: async () => {
                      if (!confirm(`Revoke "${key.name}"? Scripts using it stop working at once.`)) return;
                      try {
                        await api.revokeApiKey(key.id);
                        fill(alertSlot, notice(`"${key.name}" is revoked.`));
                        await showKeys();
                      } catch (caught) {
                        fill(alertSlot, errorAlert(asError(caught).message));
                      }
                    },
                  },
                  'Revoke',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  const name = h('input', {
    id: 'key-name',
    name: 'name',
    required: true,
    maxlength: 100,
    placeholder: 'e.g. Weekly report script',
    'data-testid': 'api-key-name',
  });
  const create = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'create-api-key' }, 'Create key');
  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    if (!name.value.trim()) {
      fill(alertSlot, errorAlert('Name the key after what will use it.'));
      return;
    }
    create.disabled = true;
    try {
      const created = await api.createApiKey(name.value.trim());
      name.value = '';
      const secret = h('code', { class: 'secret', 'data-testid': 'new-api-key' }, created.key);
      const copy = h(
        'button',
        {
          type: 'button',
          class: 'button',
          'data-testid': 'copy-api-key',
          onclick: async () => {
            await navigator.clipboard?.writeText(created.key).catch(() => undefined);
            copy.textContent = 'Copied';
          },
        },
        'Copy',
      );
      fill(
        createdSlot,
        h(
          'div',
          { class: 'alert alert-success', role: 'status' },
          h('p', {}, h('strong', {}, `"${created.name}" is ready. `), 'Copy it now: it is shown only this once.'),
          h('p', {}, secret, ' ', copy),
        ),
      );
      fill(alertSlot);
      await showKeys();
    } catch (caught) {
      fill(alertSlot, errorAlert(asError(caught).message));
    } finally {
      create.disabled = false;
    }
  }

  const payouts = me.role === 'recruiter' ? payoutAccountSection(signal, query) : null;
  root.append(
    h('h1', {}, 'Your account'),
    h(
      'section',
      { class: 'card', 'data-testid': 'profile' },
      h('h2', {}, 'Profile'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Name'),
        h('dd', { 'data-testid': 'profile-name' }, me.name ?? '—'),
        h('dt', {}, 'E-mail'),
        h('dd', { 'data-testid': 'profile-email' }, me.email ?? '—'),
        h('dt', {}, 'Role'),
        h('dd', {}, roleLabel(me.role)),
        ...(me.companyName ? [h('dt', {}, 'Company'), h('dd', {}, me.companyName)] : []),
      ),
    ),
    ...(payouts ? [payouts.section] : []),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'API keys'),
      h(
        'p',
        { class: 'muted' },
        'For scripts: send ',
        h('code', {}, 'Authorization: Bearer <key>'),
        '. A key acts as you, with your current role; revoke it when it is no longer needed.',
      ),
      alertSlot,
      createdSlot,
      h(
        'form',
        { onsubmit: submit, novalidate: true, class: 'inline-form' },
        h('div', { class: 'field' }, h('label', { for: 'key-name' }, "New key's name"), name),
        h('div', { class: 'actions' }, create),
      ),
      keysSlot,
    ),
  );
  await Promise.all([showKeys(), payouts?.show()]);
}

/** @type {Record<string, string>} */
const PAYOUT_STATUS_LABELS = {
  not_connected: 'Not connected',
  onboarding: 'Onboarding not finished',
  restricted: 'Stripe needs more information',
  enabled: 'Enabled: payouts reach you',
};

/**
 * The recruiter's Stripe payout account (product §3.3): its status, what Stripe still needs, and the
 * button that sends them through Stripe's onboarding (a fresh link each time).
 * @param {AbortSignal} signal @param {URLSearchParams} query
 */
function payoutAccountSection(signal, query) {
  const body = h('div', { class: 'slot', 'data-testid': 'payout-account' }, loading());
  const alertSlot = h('div', { class: 'slot' });
  const returned = query.get('onboarding');
  if (returned === 'returned') fill(alertSlot, notice('Back from Stripe. The status below updates once Stripe confirms your details.'));
  if (returned === 'refresh') fill(alertSlot, notice('That Stripe link expired or was used: continue setup for a new one.'));

  async function show() {
    const account = await api.myPayoutAccount(signal);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'button button-primary',
        'data-testid': 'connect-payout-account',
        onclick: async () => {
          button.disabled = true;
          try {
            const { url } = await api.connectPayoutAccount();
            location.assign(url);
          } catch (caught) {
            fill(alertSlot, errorAlert(asError(caught).message));
            button.disabled = false;
          }
        },
      },
      account.status === 'not_connected' ? 'Connect with Stripe' : 'Continue setup',
    );
    fill(
      body,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Status'),
        h(
          'dd',
          { 'data-testid': 'payout-account-status', 'data-status': account.status },
          PAYOUT_STATUS_LABELS[account.status] ?? account.status,
        ),
        ...(account.disabledExplanation ? [h('dt', {}, 'Why'), h('dd', {}, account.disabledExplanation)] : []),
      ),
      ...(account.stillDue.length
        ? [
            h('p', {}, 'Stripe still needs:'),
            h('ul', { 'data-testid': 'payout-account-due' }, ...account.stillDue.map((line) => h('li', {}, line))),
          ]
        : []),
      ...(account.status === 'enabled' ? [] : [h('div', { class: 'actions' }, button)]),
    );
  }

  const section = h(
    'section',
    { class: 'card', 'data-testid': 'payout-account-section' },
    h('h2', {}, 'Payout account'),
    h(
      'p',
      { class: 'muted' },
      'Your share of each placement fee is paid to your own Stripe account. Splits that could not be paid yet are paid by themselves once Stripe enables it.',
    ),
    alertSlot,
    body,
  );
  return { section, show };
}
