import { createAshbyConnector } from './ashby.js';
import { createGreenhouseConnector } from './greenhouse.js';
import { createLeverConnector } from './lever.js';
import { createWorkableConnector } from './workable.js';
import type { AtsConnector, AtsPlatform, ConnectorConfig } from './types.js';

const FACTORIES: Partial<Record<AtsPlatform, (config: ConnectorConfig) => AtsConnector>> = {
  greenhouse: createGreenhouseConnector,
  lever: createLeverConnector,
  workable: createWorkableConnector,
  ashby: createAshbyConnector,
};

/** The connector of `platform`, talking to the platform (or `config.baseUrl`) with `config.credentials`. */
export function connectorFor(platform: AtsPlatform, config: ConnectorConfig): AtsConnector {
  return FACTORIES[platform]!(config);
}
