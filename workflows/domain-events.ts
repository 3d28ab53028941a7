import { patched, workflowInfo } from '@temporalio/workflow';
import type { DomainEventInput, RaisedEvent } from '../domain/events.js';

/**
 * Raising domain events was added to running workflow types: histories recorded before
 * it have no marker and replay without the publish (the `patched()` versioning rule).
 */
export const DOMAIN_EVENTS_PATCH = 'domain-events-v1';

type Publish = (event: DomainEventInput) => Promise<unknown>;

/**
 * Raises `type` about an entity through the publish activity; `occasion` makes the key
 * unique within this workflow (one event per occasion, however often retried).
 */
export async function raiseDomainEvent(publish: Publish, event: RaisedEvent): Promise<void> {
  if (!patched(DOMAIN_EVENTS_PATCH)) return;
  const { occasion, ...rest } = event;
  await publish({ ...rest, key: `${workflowInfo().workflowId}:${occasion}`, occurredAt: new Date().toISOString() });
}
