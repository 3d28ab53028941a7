import { loadConfig } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { createLogger } from '../lib/logger.js';
import { isMain, runMain } from '../lib/main.js';
import { createResend, createStripe } from '../lib/providers.js';
import { connectClient } from '../lib/temporal.js';
import { setupTracing } from '../lib/tracing.js';
import { createApp } from './app.js';
import { connectorFor } from '../activities/ats/index.js';
import { parseKeyRing } from '../lib/sealed.js';

if (isMain(import.meta.url)) {
  runMain(async () => {
    const config = loadConfig('api');
    const logger = createLogger('api', config.LOG_LEVEL);
    const db = createDb(config.DATABASE_URL);
    const tracing = setupTracing(config, 'splits-api');
    const temporal = await connectClient(config, { interceptors: tracing?.clientInterceptors() });
    const ats = config.ATS_CREDENTIALS_KEYS
      ? {
          keyRing: parseKeyRing(config.ATS_CREDENTIALS_KEYS),
          connectorFor,
          allowBaseUrl: config.ATS_ALLOW_BASE_URL === 'true',
          publicUrl: config.API_PUBLIC_URL,
        }
      : undefined;
    const codec = temporal.options.dataConverter.payloadCodecs?.[0];
    let draining = false;
    const stripe = config.STRIPE_SECRET_KEY ? createStripe({ ...config, STRIPE_SECRET_KEY: config.STRIPE_SECRET_KEY }) : undefined;
    const app = createApp({
      temporal,
      db,
      config,
      logger,
      resend: createResend(config),
      stripe,
      ats,
      codec,
      tracing,
      isDraining: () => draining,
    });
    const server = app.listen(config.API_PORT, () =>
      logger.info({ port: config.API_PORT, tracing: tracing?.serviceName ?? 'off' }, 'API listening'),
    );

    // Graceful stop: /healthz turns 503 (the load balancer stops sending) for API_DRAIN_DELAY seconds,
    // then no new connections, idle keep-alive ones closed (busy ones close after their response),
    // in-flight requests finish, pending spans are flushed, and the pools are released.
    const stop = () => {
      if (draining) return;
      draining = true;
      logger.info({ drainDelaySeconds: config.API_DRAIN_DELAY }, 'API stopping');
      setTimeout(() => {
        server.close(async () => {
          await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
          await temporal.connection.close();
          await db.destroy();
          process.exit(0);
        });
        server.closeIdleConnections();
        setTimeout(() => process.exit(1), 10_000).unref();
      }, config.API_DRAIN_DELAY * 1000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
