import type { TriggerEvent } from './automation-rules.js';

/** Domain events (product §3.5): what processes raise, and what the automation rules react to. */

/** A domain event as the rule engine sees it. */
export interface DomainEvent {
  id: string;
  type: string;
  companyId: string | null;
  entityType: string;
  entityId: string;
  data: Record<string, unknown>;
  depth: number;
}

/** An event as a workflow raises it through the publish activity (the key makes it once-only). */
export interface DomainEventInput {
  key: string;
  type: string;
  companyId: string | null;
  entityType: string;
  entityId: string;
  data: Record<string, unknown>;
  occurredAt: string;
  /** Automation steps that led here (0 for events of people and timers). */
  depth?: number;
}

/** What a workflow says about an event it raises; `occasion` makes the key unique within the workflow. */
export interface RaisedEvent {
  type: TriggerEvent;
  occasion: string;
  companyId: string | null;
  entityType: string;
  entityId: string;
  data: Record<string, unknown>;
}
