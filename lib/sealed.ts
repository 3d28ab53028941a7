import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (ATS credentials, webhook secrets): AES-256-GCM under a key ring. New
 * secrets are sealed with the first (current) key; every key in the ring still opens
 * what it sealed, so keys rotate by putting a new one first and re-sealing at leisure.
 * The row's id is bound in as associated data: a sealed value copied to another row
 * does not open.
 */
export interface KeyRing {
  currentId: string;
  keys: Map<string, Buffer>;
}

/** `ATS_CREDENTIALS_KEYS`: `id:base64key[,id:base64key…]`, 32-byte keys, current first. */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [id, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) throw new Error(`invalid key "${id ?? ''}": expected id:base64 of 32 bytes`);
    keys.set(id, key);
  }
  const currentId = keys.keys().next().value;
  if (!currentId) throw new Error('the key ring is empty');
  return { currentId, keys };
}

export function seal(ring: KeyRing, plaintext: string, boundTo: string): { sealed: string; keyId: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(ring.currentId)!, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyId: ring.currentId };
}

export function unseal(ring: KeyRing, sealed: string, keyId: string, boundTo: string): string {
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`secret sealed with key "${keyId}", which is not in the key ring`);
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  decipher.setAAD(Buffer.from(boundTo));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
