/**
 * O365 Management API — Office 365 Management API Audit General Events Connector
 * (seed: o365-management-api 7.0; behaviour.md 4, 17, 19, 22, 24).
 * Needs an Audit.General subscription (Start a Subscription). Connection parameters default to
 * the environment's o365-management-api instance (instanceParamMap).
 */
import { param, slug, type ConnectorSpec, type ParamSpec } from '../../kit/spec';
import { certificateParams, connectionParams, eventFieldParams, fetchWindowParams, instanceParamMapOf, proxyParams, verifySslParam } from '../common-params';
import { auditAlertBuilder } from '../feed/audit-alert';
import { httpForProxy } from '../../kit/proxy';
import { runFeedCycle } from '../feed/cycle';
import { windowProblem } from '../feed/windows';

const NAME = 'Office 365 Management API Audit General Events Connector';

/** In the seed table's order; the groups both connectors share are in common-params. */
const PARAMS: ParamSpec[] = [
  ...eventFieldParams,
  ...connectionParams,
  ...certificateParams(false),
  verifySslParam,
  param('Type of Operation Filter', {
    type: 'list',
    required: false,
    description: 'Audit.General operation types (e.g. SearchAirBatch, SearchCustomTag) whose events are not ingested (a blacklist unless used as whitelist).',
  }),
  param('Status Filter', {
    type: 'list',
    required: false,
    // behaviour.md 22 calls it "Type of Status Filter".
    aliases: ['type-of-status-filter'],
    description: 'Statuses that, if present in an event, keep the event from being ingested (a blacklist unless used as whitelist).',
  }),
  param('Use operation and status filters as whitelist', {
    type: 'boolean',
    required: true,
    default: false,
    description: "If enabled, operation and status filters will work as a whitelist, by default it's a blacklist.",
  }),
  param('Entity Keys to Create Additional Events', {
    type: 'list',
    required: false,
    description: 'Keys that, if seen in the Audit.General entities section of data, make the related subsection an additional event.',
  }),
  ...fetchWindowParams,
  ...proxyParams,
];

export const spec: ConnectorSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Fetch Audit.General events from Office 365 Management API (start an Audit.General subscription first).',
  params: PARAMS,
  instanceParamMap: instanceParamMapOf(PARAMS),
  validate: windowProblem,
  run(ctx, params) {
    const toAlert = auditAlertBuilder({ params, rules: ctx.rules, environment: ctx.environment });
    return runFeedCycle({ ...ctx, http: httpForProxy(ctx.http, params) }, params, { contentType: 'Audit.General', toAlert });
  },
};
