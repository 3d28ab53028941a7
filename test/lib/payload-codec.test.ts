import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, dataConverter } from '../../lib/payload-codec.js';
import { parseKeyRing } from '../../lib/sealed.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const personal = { candidateName: 'Ada Lovelace', email: 'ada@example.com', pitch: 'Wrote the first program.' };

describe('the payload codec', () => {
  it('encrypts the whole payload under the current key, naming the key, and decrypts it back', async () => {
    const codec = new EncryptionCodec(parseKeyRing(`k2:${key(2)},k1:${key(1)}`));
    const plain = defaultPayloadConverter.toPayload(personal);
    const [sealed] = await codec.encode([plain]);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('k2');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toMatch(/Ada|ada@example|first program|json/);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(personal);
    expect(text(opened!.metadata!.encoding)).toBe('json/plain');
  });

  it("decrypts payloads sealed with an older key after rotation; a retired key's payloads fail loudly", async () => {
    const [old] = await new EncryptionCodec(parseKeyRing(`k1:${key(1)}`)).encode([defaultPayloadConverter.toPayload(personal)]);
    const rotated = new EncryptionCodec(parseKeyRing(`k2:${key(2)},k1:${key(1)}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(personal);
    expect(text((await rotated.encode([defaultPayloadConverter.toPayload(1)]))[0]!.metadata![KEY_ID_METADATA])).toBe('k2');
    await expect(new EncryptionCodec(parseKeyRing(`k2:${key(2)}`)).decode([old!])).rejects.toThrow(/"k1".*not in the key ring/);
  });

  it('refuses a tampered payload and passes plaintext from before encryption through', async () => {
    const codec = new EncryptionCodec(parseKeyRing(`k1:${key(1)}`));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(personal)]);
    const data = Buffer.from(sealed!.data!);
    data[data.length - 1]! ^= 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow();
    const legacy = defaultPayloadConverter.toPayload('written before encryption');
    expect(await codec.decode([legacy])).toEqual([legacy]);
  });

  it('is left out when no keys are configured', () => {
    expect(dataConverter(undefined)).toBeUndefined();
    expect(dataConverter(`k1:${key(1)}`)?.payloadCodecs?.[0]).toBeInstanceOf(EncryptionCodec);
  });
});
