/** The catalogue: every integration, action, connector and job of the seeds. */
import type { ActionSpec, ConnectorSpec, IntegrationId, IntegrationSpec, JobSpec, ParamSpec } from './kit/spec';
import { integration as azureApi } from './azure-api/integration';
import { integration as graphMail } from './microsoft-graph-mail/integration';
import { integration as o365 } from './o365-management-api/integration';

export const catalog: IntegrationSpec[] = [azureApi, graphMail, o365];

export function findIntegration(idOrAlias: string): IntegrationSpec | undefined {
  const key = idOrAlias.toLowerCase();
  return catalog.find((i) => i.id === key || i.alias === key);
}

export function findAction(integration: IntegrationId, actionId: string): ActionSpec | undefined {
  return findIntegration(integration)?.actions.find((a) => a.id === actionId);
}

export function instanceParams(integration: IntegrationId): ParamSpec[] {
  return findIntegration(integration)?.params ?? [];
}

export function allConnectors(): ConnectorSpec[] {
  return catalog.flatMap((i) => i.connectors);
}

export function allJobs(): JobSpec[] {
  return catalog.flatMap((i) => i.jobs);
}

export function isSecretParam(integration: IntegrationId, paramId: string): boolean {
  return instanceParams(integration).some((p) => p.id === paramId && p.secret);
}
