import type { Actor } from './actors.js';
import { type CommandCheck, actsForCompany, forbidden, requireThat } from './command-rules.js';
import { type IntegrationState, type SyncConfigChange, SYNC_INTERVAL_MINUTES } from './ats.js';

/** A company admin's command on its ATS integration. */
export type IntegrationCommandCall =
  | { command: 'pause' | 'resume' | 'testConnection' | 'disconnect'; actor: Actor }
  | { command: 'changeConfig'; actor: Actor; config: SyncConfigChange };

export interface IntegrationSituation {
  companyId: string;
  state: IntegrationState;
}

const MANAGER_ROLES = ['company_admin', 'platform_admin'] as const;

/** The one check behind an integration command (product §3.6): a company admin of a live integration. */
export function checkIntegrationCommand(call: IntegrationCommandCall, integration: IntegrationSituation): CommandCheck {
  const manage = requireManager(call.actor, integration);
  switch (call.command) {
    case 'pause':
      return manage ?? requireThat(integration.state !== 'paused', 'the integration is already paused');
    case 'resume':
      return manage ?? requireThat(integration.state !== 'active', 'the integration is already running');
    case 'changeConfig':
      return manage ?? requireInterval(call.config.intervalMinutes);
    case 'testConnection':
    case 'disconnect':
      return manage;
  }
}

function requireManager(actor: Actor, integration: IntegrationSituation): CommandCheck {
  if (!actsForCompany(actor, MANAGER_ROLES, integration.companyId)) {
    return forbidden('only a company admin of this company can manage its integration');
  }
  return requireThat(integration.state !== 'deleted', 'this integration is disconnected');
}

function requireInterval(minutes: number | undefined): CommandCheck {
  if (minutes === undefined) return undefined;
  const ok = Number.isInteger(minutes) && minutes >= SYNC_INTERVAL_MINUTES.min && minutes <= SYNC_INTERVAL_MINUTES.max;
  return requireThat(ok, `the interval is ${SYNC_INTERVAL_MINUTES.min} to ${SYNC_INTERVAL_MINUTES.max} minutes`);
}
