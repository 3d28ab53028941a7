import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { CommandCheck } from '../domain/command-rules.js';

/**
 * What every workflow's update validators and update-with-start gates share. Validators call a
 * domain `check…Command()` rule and `refuseIf` its answer, so a workflow's validator reads as
 * the list of what it checks.
 */

/** Refuses the update with `type` and `message` (thrown from a validator: nothing is recorded in the history). */
export function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message });
}

/** Refuses the update if the rule returned a refusal. */
export function refuseIf(check: CommandCheck): void {
  if (check) refuse(check.type, check.message);
}

/** Where a workflow's first write stands, for the update that an update-with-start waits on. */
export interface RecordedGate<View> {
  /** The process is recorded (its first write succeeded). */
  recorded(): boolean;
  /** The first write's refusal (e.g. a duplicate), for the caller. */
  refusal(): ApplicationFailure | undefined;
  view(): View;
}

/**
 * Answers `update` once the process is recorded, with its view; or fails it with the refusal
 * of the first write. The API starts a workflow with this update, so its caller learns at once
 * whether the process exists.
 */
export function answerWhenRecorded<View>(update: UpdateDefinition<View, []>, gate: RecordedGate<View>): void {
  setHandler(update, async () => {
    await condition(() => gate.recorded() || gate.refusal() !== undefined);
    const refusal = gate.refusal();
    if (refusal) throw refusal;
    return gate.view();
  });
}
