import { createAshbyConnector } from './ashby.js';
import { createBambooHrConnector } from './bamboohr.js';
import { createGreenhouseConnector } from './greenhouse.js';
import { createLeverConnector } from './lever.js';
import { createWorkableConnector } from './workable.js';
import type { AtsConnector, AtsPlatform, ConnectorConfig } from './types.js';

const FACTORIES: Record<AtsPlatform, (config: ConnectorConfig) => AtsConnector> = {
  greenhouse: createGreenhouseConnector,
  lever: createLeverConnector,
  workable: createWorkableConnector,
  ashby: createAshbyConnector,
  bamboohr: createBambooHrConnector,
};

/** The connector of `platform`, talking to the platform (or `config.baseUrl`) with `config.credentials`. */
export function connectorFor(platform: AtsPlatform, config: ConnectorConfig): AtsConnector {
  return FACTORIES[platform](config);
}
