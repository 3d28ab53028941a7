import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The permanent reason an activity refused (e.g. a duplicate), to hand to the caller of an update as is. */
export function asRefusal(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({ type: cause.type ?? undefined, message: cause.message, nonRetryable: true });
  }
  throw err;
}

/** The ApplicationFailure behind a failed activity (its type says why), if that is what failed. */
export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
}
