import { loadConfig } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { isMain, runMain } from '../lib/main.js';
import { createResend } from '../lib/providers.js';
import { connectClient } from '../lib/temporal.js';
import { createApp } from './app.js';
import { connectorFor } from '../activities/ats/index.js';
import { parseKeyRing } from '../lib/sealed.js';

if (isMain(import.meta.url)) {
  runMain(async () => {
    const config = loadConfig();
    const logger = createLogger('api', config.LOG_LEVEL);
    const db = createDb(config.DATABASE_URL);
    const temporal = await connectClient(config);
    const ats = config.ATS_CREDENTIALS_KEYS
      ? { keyRing: parseKeyRing(config.ATS_CREDENTIALS_KEYS), connectorFor, allowBaseUrl: config.ATS_ALLOW_BASE_URL === 'true', publicUrl: config.API_PUBLIC_URL }
      : undefined;
    const codec = temporal.options.dataConverter.payloadCodecs?.[0];
    const app = createApp({ temporal, db, config, logger, resend: createResend(config), ats, codec });
    const server = app.listen(config.API_PORT, () => logger.info({ port: config.API_PORT }, 'API listening'));

    // Graceful stop: finish in-flight requests, then release the pools.
    const stop = () => {
      logger.info('API stopping');
      server.close(async () => {
        await temporal.connection.close();
        await db.destroy();
        process.exit(0);
      });
      setTimeout(() => process.exit(1), 10_000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
