import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (ATS credentials, webhook secrets, Temporal payloads): AES-256-GCM under
 * a key ring. New secrets are sealed with the first (current) key; every key in the ring still opens
 * what it sealed, so keys rotate by putting a new one first and re-sealing at leisure.
 * The row's id is bound in as associated data: a sealed value copied to another row
 * does not open.
 */
export interface KeyRing {
  currentId: string;
  keys: Map<string, Buffer>;
}

/** `ATS_CREDENTIALS_KEYS`, `PAYLOAD_CODEC_KEYS`: `id:base64key[,id:base64key…]`, 32-byte keys, current first. */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [id, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32)
      throw new Error(`invalid key "${id ?? ''}": expected id:base64 of 32 bytes`);
    keys.set(id, key);
  }
  const currentId = keys.keys().next().value;
  if (!currentId) throw new Error('the key ring is empty');
  return { currentId, keys };
}

/** Bytes under the current key: iv (12) ‖ tag (16) ‖ ciphertext; `boundTo` is the associated data. */
export function encrypt(ring: KeyRing, plaintext: Uint8Array, boundTo: string): { data: Buffer; keyId: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(ring.currentId)!, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { data: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId: ring.currentId };
}

/** Opens what `encrypt` made with the key `keyId` (any key of the ring); throws if it was tampered with. */
export function decrypt(ring: KeyRing, keyId: string, data: Uint8Array, boundTo: string): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`encrypted with key "${keyId}", which is not in the key ring`);
  const raw = Buffer.from(data);
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  decipher.setAAD(Buffer.from(boundTo));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

export function seal(ring: KeyRing, plaintext: string, boundTo: string): { sealed: string; keyId: string } {
  const { data, keyId } = encrypt(ring, Buffer.from(plaintext, 'utf8'), boundTo);
  return { sealed: data.toString('base64'), keyId };
}

export function unseal(ring: KeyRing, sealed: string, keyId: string, boundTo: string): string {
  return decrypt(ring, keyId, Buffer.from(sealed, 'base64'), boundTo).toString('utf8');
}
