import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { decrypt, encrypt, parseKeyRing, type KeyRing } from './sealed.js';

/**
 * Workflow and activity payloads carry personal data (candidate names, e-mails, pitches),
 * so the API and the workers encrypt every payload before it reaches Temporal: the whole
 * payload (metadata and data) is serialized and sealed with AES-256-GCM under the current
 * key of `PAYLOAD_CODEC_KEYS`; the key's id travels in the new payload's metadata, so any
 * key still in the ring decrypts it (rotation: put a new key first, keep the old ones
 * until no open workflow and no retained history holds payloads sealed with them).
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** Associated data: a sealed payload only opens as a payload. */
const BOUND_TO = 'temporal-payload';
/** The protobuf Payload message (the package is CommonJS: Node's ESM loader sees only its default export). */
const PayloadMessage = proto.temporal.api.common.v1.Payload;

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | null | undefined) => (data ? new TextDecoder().decode(data) : undefined);

export const isEncrypted = (p: Payload) => text(p.metadata?.encoding) === ENCRYPTED_ENCODING;

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { data, keyId } = encrypt(this.ring, PayloadMessage.encode(payload).finish(), BOUND_TO);
      return { metadata: { encoding: bytes(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: bytes(keyId) }, data };
    });
  }

  /** Payloads written before encryption was turned on pass through as they are. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isEncrypted(payload)) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      if (!keyId) throw new Error('an encrypted payload without its key id');
      const { metadata, data } = PayloadMessage.decode(decrypt(this.ring, keyId, payload.data ?? new Uint8Array(), BOUND_TO));
      return { metadata, data };
    });
  }
}

/** The failure converter that encodes messages and stack traces (bundle it into prebuilt workflow bundles). */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * The data converter of every client and worker: payloads encrypted, and failure messages
 * and stack traces with them (operators read them through the codec, like the payloads).
 * Without keys, payloads and failures stay plaintext.
 */
export function dataConverter(keys: string | undefined): DataConverter | undefined {
  return keys ? { payloadCodecs: [new EncryptionCodec(parseKeyRing(keys))], failureConverterPath: FAILURE_CONVERTER_PATH } : undefined;
}
