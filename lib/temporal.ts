import { readFile } from 'node:fs/promises';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from './config.js';
import { dataConverter } from './payload-codec.js';

type TemporalConfig = Pick<
  AppConfig,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH'
>;

/** Connection options for a local dev server, a self-hosted cluster (mTLS) or Temporal Cloud (API key). */
async function connectionOptions(config: TemporalConfig) {
  const mtls =
    config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
      ? { clientCertPair: { crt: await readFile(config.TEMPORAL_TLS_CERT_PATH), key: await readFile(config.TEMPORAL_TLS_KEY_PATH) } }
      : undefined;
  const tls = mtls ?? (config.TEMPORAL_TLS === 'true' || config.TEMPORAL_API_KEY ? true : undefined);
  return { address: config.TEMPORAL_ADDRESS, tls, apiKey: config.TEMPORAL_API_KEY };
}

/** The API's client; `interceptors` from lib/tracing.ts when tracing is on. */
export async function connectClient(
  config: TemporalConfig & Pick<AppConfig, 'TEMPORAL_NAMESPACE' | 'PAYLOAD_CODEC_KEYS'>,
  { interceptors }: { interceptors?: ClientInterceptors } = {},
): Promise<Client> {
  const connection = await Connection.connect(await connectionOptions(config));
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverter(config.PAYLOAD_CODEC_KEYS),
    interceptors,
  });
}

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(await connectionOptions(config));
}
