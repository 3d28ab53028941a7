/**
 * Integrations (company admins): connect an ATS (credentials are sent once and never shown
 * again; the webhook secret is shown once), then per integration its state, each entity's
 * last sync, sync now / full re-sync / pause / resume, and the latest sync log lines with
 * their errors. Re-fetched every 5 s so running syncs show their progress.
 */
import { api, asError, isAbort } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { emptyState, errorAlert, every, loading, notice, temporalLink } from './components.js';
import { issueList } from './form.js';

/** @import { Body, Item } from '../api-client' */
/** @import { IntegrationCommand } from '../api.js' */
/** @typedef {Item<'/integrations'>} Integration */
/** @typedef {Body<'/integrations', 'post'>['platform']} Platform */

const REFRESH_MS = 5_000;
/** @satisfies {Record<Platform, string[]>} The credentials each platform asks for (as the API validates them). */
const CREDENTIALS = {
  greenhouse: ['clientId', 'clientSecret', 'userId'],
  // Lever shows one signature token per webhook event type enabled in its settings.
  lever: [
    'apiKey',
    'performAs',
    ...['candidateStageChange', 'candidateHired', 'candidateArchiveChange', 'candidateDeleted', 'applicationCreated'].map(
      (e) => `signatureToken.${e}`,
    ),
  ],
  // clientSecret: only for an OAuth app (it then signs the webhooks instead of the token).
  workable: ['subdomain', 'token', 'clientSecret'],
  ashby: ['apiKey'],
  bamboohr: ['companyDomain', 'apiKey'],
};
const SECRET = /secret|key|token/i;

/** @param {() => Promise<unknown>} onConnected @param {HTMLElement} alertSlot */
function connectForm(onConnected, alertSlot) {
  const platform = h(
    'select',
    { id: 'ats-platform', 'data-testid': 'ats-platform' },
    Object.keys(CREDENTIALS).map((p) => h('option', { value: p }, p)),
  );
  const fields = h('div', { class: 'stack' });
  const baseUrl = h('input', {
    type: 'url',
    id: 'ats-base-url',
    'data-testid': 'ats-base-url',
    placeholder: 'https://… (only where the server allows another host)',
  });
  const authUrl = h('input', {
    type: 'url',
    id: 'ats-auth-url',
    'data-testid': 'ats-auth-url',
    placeholder: 'token endpoint host (Greenhouse)',
  });
  /** @type {Record<string, HTMLInputElement>} */
  const inputs = {};
  const renderFields = () => {
    for (const key of Object.keys(inputs)) delete inputs[key];
    fill(
      fields,
      CREDENTIALS[/** @type {Platform} */ (platform.value)].map((name) => {
        const input = h('input', {
          type: SECRET.test(name) ? 'password' : 'text',
          id: `cred-${name}`,
          'data-testid': `cred-${name}`,
          autocomplete: 'off',
        });
        inputs[name] = input;
        return h('div', { class: 'field' }, h('label', { for: `cred-${name}` }, name), input);
      }),
    );
  };
  platform.onchange = renderFields;
  renderFields();
  const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'ats-connect' }, 'Connect');
  return h(
    'form',
    {
      class: 'card',
      'data-testid': 'connect-form',
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        submit.disabled = true;
        const credentials = Object.fromEntries(
          Object.entries(inputs)
            .map(([k, el]) => [k, el.value.trim()])
            .filter(([, v]) => v),
        );
        try {
          const created = await api.connectIntegration({
            platform: /** @type {Platform} */ (platform.value),
            credentials,
            ...(baseUrl.value && { baseUrl: baseUrl.value.trim() }),
            ...(authUrl.value && { authUrl: authUrl.value.trim() }),
          });
          fill(alertSlot, notice(`Connected. Webhook URL: ${created.webhookUrl} — webhook secret (shown once): ${created.webhookSecret}`));
          for (const el of Object.values(inputs)) el.value = '';
          await onConnected();
        } catch (caught) {
          const err = asError(caught);
          fill(alertSlot, errorAlert(err.message, issueList(err)));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, 'Connect an ATS'),
    h('div', { class: 'field' }, h('label', { for: 'ats-platform' }, 'Platform'), platform),
    fields,
    h('div', { class: 'field' }, h('label', { for: 'ats-base-url' }, 'API host (optional)'), baseUrl),
    h('div', { class: 'field' }, h('label', { for: 'ats-auth-url' }, 'Auth host (optional)'), authUrl),
    h('div', { class: 'actions' }, submit),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function integrationsView(root, { signal, uiConfig }) {
  document.title = 'Integrations · Splits';
  const alertSlot = h('div', { class: 'slot' });
  const list = h('div', { class: 'stack', 'data-testid': 'integration-list' });
  fill(
    root,
    h(
      'section',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, 'Integrations')),
      alertSlot,
      list,
      connectForm(() => refresh(), alertSlot),
    ),
  );
  fill(list, loading());
  /** @type {Set<string>} */
  const logsOpen = new Set(); // integrations whose sync log is unfolded, kept across refreshes

  /**
   * @param {Integration} i
   * @param {IntegrationCommand} name
   * @param {Parameters<typeof api.integrationCommand>[2]} body
   * @param {HTMLButtonElement} button
   */
  async function command(i, name, body, button) {
    button.disabled = true;
    try {
      await api.integrationCommand(i.id, name, body);
      fill(alertSlot, notice(name === 'sync' ? 'Sync requested.' : `Integration ${name === 'pause' ? 'paused' : 'resumed'}.`));
      await refresh();
    } catch (caught) {
      const err = asError(caught);
      fill(alertSlot, errorAlert(err.message));
    } finally {
      button.disabled = false;
    }
  }

  /** @param {Integration} i */
  async function card(i) {
    // What this view reads of the sync workflow's live status (the API declares `live` as unknown).
    const live = /** @type {{ runs?: number, syncing?: boolean } | null} */ (i.live);
    const logs = await api.syncLogs(i.id, signal).then(
      (r) => r.data,
      () => [],
    );
    /** @param {string} label @param {IntegrationCommand} name @param {Parameters<typeof api.integrationCommand>[2]} body @param {string} testid */
    const button = (label, name, body, testid) => {
      const b = h('button', { type: 'button', class: 'button', 'data-testid': testid }, label);
      b.onclick = () => command(i, name, body, b);
      return b;
    };
    return h(
      'article',
      {
        class: 'card',
        'data-testid': 'integration-card',
        'data-integration-id': i.id,
        'data-state': i.state,
        'data-runs': live?.runs ?? 0,
      },
      h('div', { class: 'title-row' }, h('h2', {}, `${i.platform} · ${i.name}`), temporalLink(uiConfig, i.workflowId)),
      h(
        'p',
        {},
        'State ',
        h('strong', { 'data-testid': 'integration-state' }, i.state),
        i.lastError && h('span', { class: 'muted' }, ` — ${i.lastError}`),
        ` · every ${i.intervalMinutes} min · ${live?.runs ?? 0} runs${live?.syncing ? ' · syncing now' : ''}`,
      ),
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Entity', 'Last success', 'Pages', 'Error'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          Object.entries(i.sync).map(([entity, s]) =>
            h(
              'tr',
              { 'data-testid': 'entity-row', 'data-entity': entity },
              h('td', {}, entity),
              h('td', {}, s.lastSuccessAt ? formatDateTime(s.lastSuccessAt) : '—'),
              h('td', {}, String(s.pagesDone)),
              h('td', { class: 'wrap' }, s.lastError ?? '—'),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        button('Sync now', 'sync', { mode: 'incremental' }, 'sync-now'),
        button('Full re-sync', 'sync', { mode: 'full' }, 'full-resync'),
        i.state === 'active' ? button('Pause', 'pause', {}, 'pause') : button('Resume', 'resume', {}, 'resume'),
      ),
      logs.length > 0 &&
        h(
          'details',
          {
            open: logsOpen.has(i.id),
            ontoggle: (/** @type {Event} */ e) =>
              /** @type {HTMLDetailsElement} */ (e.target).open ? logsOpen.add(i.id) : logsOpen.delete(i.id),
          },
          h('summary', {}, 'Latest sync log'),
          h(
            'ul',
            { 'data-testid': 'sync-log' },
            logs.map((l) =>
              h(
                'li',
                { class: l.status === 'error' ? 'is-error' : '' },
                `${formatDateTime(l.occurredAt)} · ${l.entity} page ${l.page}: ${l.status === 'ok' ? `${l.received} received, ${l.created} new, ${l.updated} changed, ${l.deleted} deleted` : l.error}`,
              ),
            ),
          ),
        ),
    );
  }

  async function refresh() {
    try {
      const page = await api.listIntegrations(signal);
      fill(list, page.data.length ? await Promise.all(page.data.map(card)) : emptyState('No ATS connected yet.', 'Connect one below.'));
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err)) fill(alertSlot, errorAlert(err.message));
    }
  }
  await refresh();
  every(REFRESH_MS, signal, refresh);
}
