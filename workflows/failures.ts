import { ActivityFailure, ApplicationFailure, condition, log, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../domain/temporal.js';

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

/**
 * A projection write the database refused (e.g. data it cannot store): logged, the workflow flagged
 * `NeedsAttention` for ops, and the refusal returned for the caller of the update. The caller's state
 * must not have changed: workflows apply a command only after its write succeeded.
 */
export function flagRefusedWrite(what: string, err: unknown): ApplicationFailure {
  const refusal = asRefusal(err);
  log.error(`${what} refused; nothing changed`, { type: refusal.type, message: refusal.message });
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.NeedsAttention, value: true }]);
  return refusal;
}

/** Runs commands whose effect on the workflow's state must follow their projection write. */
export interface CommandWriter {
  /** A command's write is in flight: validators refuse other commands, timers wait for it (`settled`). */
  readonly writing: boolean;
  /** Writes, then applies; a refused write changes nothing, is flagged (flagRefusedWrite) and thrown for the caller. */
  run(what: string, write: () => Promise<unknown>, apply: () => void): Promise<void>;
  settled(): Promise<void>;
}

/**
 * The command writer of one workflow run. Behind `patchId`: runs from before it applied a command
 * first and wrote it after, and replay the same way.
 */
export function commandWriter(patchId: string): CommandWriter {
  let writing = false;
  return {
    get writing() {
      return writing;
    },
    async run(what, write, apply) {
      if (!patched(patchId)) {
        apply();
        await write();
        return;
      }
      writing = true;
      try {
        await write();
      } catch (err) {
        throw flagRefusedWrite(what, err);
      } finally {
        writing = false;
      }
      apply();
    },
    async settled() {
      if (writing) await condition(() => !writing);
    },
  };
}
