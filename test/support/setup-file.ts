import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log expected failures (a refused duplicate, a replayed non-determinism probe)
// at WARN; tests assert those outcomes instead of printing them.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
});
