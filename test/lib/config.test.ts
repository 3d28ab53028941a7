import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';

const valid = { DATABASE_URL: 'postgres://localhost/x', JWT_SECRET: 's'.repeat(32), STRIPE_SECRET_KEY: 'sk_test', RESEND_API_KEY: 're_test' };

describe('configuration', () => {
  it('reads a valid environment with its defaults', () => {
    expect(loadConfig(valid)).toMatchObject({ NODE_ENV: 'development', TEMPORAL_ADDRESS: '127.0.0.1:7233', API_PORT: 3000 });
  });

  it('names every problem at once, an empty variable counting as not set', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://localhost/x', JWT_SECRET: 'short', STRIPE_SECRET_KEY: '' });
    expect(attempt).toThrow([
      'Invalid configuration:',
      '  JWT_SECRET: JWT_SECRET must be at least 32 characters',
      '  STRIPE_SECRET_KEY: not set',
      '  RESEND_API_KEY: not set',
      '  PAYLOAD_CODEC_KEYS: required in production: workflow payloads carry personal data',
    ].join('\n'));
  });

  it('requires the payload keys in production only', () => {
    expect(() => loadConfig({ ...valid, NODE_ENV: 'production' })).toThrow(/PAYLOAD_CODEC_KEYS: required in production/);
    expect(loadConfig({ ...valid, NODE_ENV: 'production', PAYLOAD_CODEC_KEYS: 'p1:key' }).PAYLOAD_CODEC_KEYS).toBe('p1:key');
  });
});
