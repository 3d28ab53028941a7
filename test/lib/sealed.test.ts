import { describe, expect, it } from 'vitest';
import { parseKeyRing, seal, unseal } from '../../lib/sealed.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

describe('sealed secrets', () => {
  it('round-trips under the current key and never stores the plaintext', () => {
    const ring = parseKeyRing(`new:${key(1)}`);
    const { sealed, keyId } = seal(ring, '{"apiKey":"secret-123"}', 'row-1');
    expect(keyId).toBe('new');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('secret-123');
    expect(unseal(ring, sealed, keyId, 'row-1')).toBe('{"apiKey":"secret-123"}');
  });

  it('opens what an older key sealed after rotation, and seals new secrets with the new key', () => {
    const old = parseKeyRing(`old:${key(1)}`);
    const { sealed } = seal(old, 'token', 'row-1');
    const rotated = parseKeyRing(`new:${key(2)},old:${key(1)}`);
    expect(unseal(rotated, sealed, 'old', 'row-1')).toBe('token');
    expect(seal(rotated, 'token', 'row-1').keyId).toBe('new');
  });

  it('refuses a value copied to another row, a tampered value, and an unknown key', () => {
    const ring = parseKeyRing(`k:${key(3)}`);
    const { sealed } = seal(ring, 'token', 'row-1');
    expect(() => unseal(ring, sealed, 'k', 'row-2')).toThrow();
    const tampered = Buffer.from(sealed, 'base64');
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    expect(() => unseal(ring, tampered.toString('base64'), 'k', 'row-1')).toThrow();
    expect(() => unseal(ring, sealed, 'gone', 'row-1')).toThrow(/not in the key ring/);
  });

  it('rejects malformed key rings', () => {
    expect(() => parseKeyRing('')).toThrow();
    expect(() => parseKeyRing('k:short')).toThrow(/32 bytes/);
    expect(() => parseKeyRing(`bad id:${key(1)}`)).toThrow();
  });
});
