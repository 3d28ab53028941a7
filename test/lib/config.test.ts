import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configProblems, loadConfig, PROCESS_NAMES, PROCESS_REQUIREMENTS } from '../../lib/config.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const valid = {
  DATABASE_URL: 'postgres://localhost/x',
  JWT_SECRET: 's'.repeat(32),
  STRIPE_SECRET_KEY: 'sk_test',
  RESEND_API_KEY: 're_test',
};
/** Everything every process needs, in production. */
const production = {
  ...valid,
  NODE_ENV: 'production',
  PAYLOAD_CODEC_KEYS: key('p1'),
  ATS_CREDENTIALS_KEYS: key('k1'),
  METRICS_TOKEN: 'm'.repeat(32),
  STRIPE_WEBHOOK_SECRET: 'whsec_test',
};
const without = (env: Record<string, string>, name: string) => Object.fromEntries(Object.entries(env).filter(([k]) => k !== name));

describe('configuration', () => {
  it('reads a valid environment with its defaults', () => {
    expect(loadConfig('api', valid)).toMatchObject({ NODE_ENV: 'development', TEMPORAL_ADDRESS: '127.0.0.1:7233', API_PORT: 3000 });
  });

  it('names every problem at once, an empty variable counting as not set', () => {
    const attempt = () =>
      loadConfig('api', { NODE_ENV: 'production', DATABASE_URL: 'postgres://localhost/x', JWT_SECRET: 'short', RESEND_API_KEY: '' });
    expect(attempt).toThrow(
      [
        'Invalid configuration:',
        '  JWT_SECRET: JWT_SECRET must be at least 32 characters',
        '  RESEND_API_KEY: not set (required by api)',
        '  PAYLOAD_CODEC_KEYS: required in production by api: workflow payloads carry personal data',
        '  METRICS_TOKEN: required in production by api: /metrics must not be public',
      ].join('\n'),
    );
  });

  it('requires the payload keys in production only', () => {
    expect(() => loadConfig('worker-proposals', { ...valid, NODE_ENV: 'production' })).toThrow(
      /PAYLOAD_CODEC_KEYS: required in production by worker-proposals/,
    );
    const keys = key('p1');
    expect(loadConfig('worker-proposals', { ...valid, NODE_ENV: 'production', PAYLOAD_CODEC_KEYS: keys }).PAYLOAD_CODEC_KEYS).toBe(keys);
  });

  it('rejects a malformed key ring at start instead of when the first payload is sealed', () => {
    expect(() => loadConfig('worker-proposals', { ...valid, PAYLOAD_CODEC_KEYS: 'p1:key' })).toThrow(
      /PAYLOAD_CODEC_KEYS: invalid key "p1": expected id:base64 of 32 bytes/,
    );
    expect(() => loadConfig('worker-ats-sync', { ...valid, ATS_CREDENTIALS_KEYS: `${key('k2')},broken` })).toThrow(
      /ATS_CREDENTIALS_KEYS: invalid key "broken"/,
    );
  });

  it('requires the ATS credential keys of the ats-sync worker, which cannot start without them, and not of the API, which answers 503', () => {
    expect(() => loadConfig('worker-ats-sync', without(production, 'ATS_CREDENTIALS_KEYS'))).toThrow(
      'ATS_CREDENTIALS_KEYS: not set (required by worker-ats-sync)',
    );
    expect(loadConfig('api', without(production, 'ATS_CREDENTIALS_KEYS')).ATS_CREDENTIALS_KEYS).toBeUndefined();
  });

  it('requires a metrics token of the API in production, so /metrics is never public there', () => {
    expect(() => loadConfig('api', without(production, 'METRICS_TOKEN'))).toThrow(/METRICS_TOKEN: required in production by api/);
    expect(loadConfig('api', without(valid, 'METRICS_TOKEN')).METRICS_TOKEN).toBeUndefined();
  });

  it("requires the Stripe webhook secret of a production API that has a Stripe key (payout accounts follow Stripe's webhooks), and a whsec_ form", () => {
    expect(() => loadConfig('api', without(production, 'STRIPE_WEBHOOK_SECRET'))).toThrow(
      /STRIPE_WEBHOOK_SECRET: required in production by api when STRIPE_SECRET_KEY is set/,
    );
    const noStripe = without(without(production, 'STRIPE_WEBHOOK_SECRET'), 'STRIPE_SECRET_KEY');
    expect(loadConfig('api', noStripe).STRIPE_WEBHOOK_SECRET).toBeUndefined();
    expect(loadConfig('worker-placements', without(production, 'STRIPE_WEBHOOK_SECRET')).STRIPE_SECRET_KEY).toBe('sk_test');
    expect(() => loadConfig('api', { ...valid, STRIPE_WEBHOOK_SECRET: 'secret' })).toThrow(/STRIPE_WEBHOOK_SECRET must start with whsec_/);
  });

  it('refuses the development sign-in page in production, and reads the sign-in defaults', () => {
    const inbox = { DEV_SIGN_IN_INBOX_URL: 'http://127.0.0.1:12112/_fake/emails' };
    expect(() => loadConfig('api', { ...production, ...inbox })).toThrow(/DEV_SIGN_IN_INBOX_URL: must not be set in production/);
    expect(loadConfig('api', { ...valid, ...inbox }).DEV_SIGN_IN_INBOX_URL).toBe(inbox.DEV_SIGN_IN_INBOX_URL);
    expect(loadConfig('api', valid)).toMatchObject({
      MAGIC_LINK_TTL_MINUTES: 15,
      SIGN_IN_RATE_LIMIT: 5,
      SIGN_IN_RATE_WINDOW_MINUTES: 15,
      SESSION_MAX_AGE_HOURS: 168,
      SESSION_IDLE_HOURS: 12,
      INVITATION_TTL_HOURS: 168,
    });
    expect(() => loadConfig('api', { ...valid, MAGIC_LINK_TTL_MINUTES: '0' })).toThrow(/MAGIC_LINK_TTL_MINUTES/);
    expect(() => loadConfig('api', { ...valid, INVITATION_TTL_HOURS: '0' })).toThrow(/INVITATION_TTL_HOURS/);
  });

  it('asks each process for exactly what it needs: each required setting stops that process alone', () => {
    for (const name of PROCESS_NAMES) expect(configProblems([name], production), name).toEqual([]);
    for (const name of PROCESS_NAMES) {
      const { always, production: inProduction } = PROCESS_REQUIREMENTS[name];
      for (const setting of [...always, ...inProduction]) {
        const failing = PROCESS_NAMES.filter((p) => configProblems([p], without(production, setting)).length > 0);
        const needing = PROCESS_NAMES.filter((p) =>
          ([...PROCESS_REQUIREMENTS[p].always, ...PROCESS_REQUIREMENTS[p].production] as string[]).includes(setting),
        );
        expect(failing, setting).toEqual(needing);
      }
    }
    // Only the placements worker talks to Stripe; the API does not sign tokens for workers.
    expect(configProblems(['worker-proposals'], without(without(production, 'STRIPE_SECRET_KEY'), 'JWT_SECRET'))).toEqual([]);
    expect(configProblems(['migrate'], { DATABASE_URL: 'postgres://localhost/x', NODE_ENV: 'production' })).toEqual([]);
  });

  it('refuses an mTLS certificate without its key, which would silently connect without a client certificate', () => {
    expect(() => loadConfig('worker-proposals', { ...valid, TEMPORAL_TLS_CERT_PATH: '/run/secrets/temporal-tls-cert' })).toThrow(
      'TEMPORAL_TLS_CERT_PATH: set without TEMPORAL_TLS_KEY_PATH (mTLS needs both)',
    );
    expect(
      loadConfig('worker-proposals', { ...valid, TEMPORAL_TLS_CERT_PATH: '/c', TEMPORAL_TLS_KEY_PATH: '/k' }).TEMPORAL_TLS_KEY_PATH,
    ).toBe('/k');
  });

  it('checks several processes at once, naming each process a missing setting is for', () => {
    expect(
      configProblems(['worker-placements', 'worker-ats-sync'], { DATABASE_URL: 'postgres://localhost/x', RESEND_API_KEY: 're' }),
    ).toEqual([
      '  STRIPE_SECRET_KEY: not set (required by worker-placements)',
      '  ATS_CREDENTIALS_KEYS: not set (required by worker-ats-sync)',
    ]);
  });
});
