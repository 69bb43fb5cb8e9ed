/**
 * O365 Management API — Office 365 Management API DLP Events Connector
 * (seed: o365-management-api 7.0; behaviour.md 4, 17, 19, 22, 23, 24).
 * Connection parameters default to the environment's o365-management-api instance (instanceParamMap).
 */
import { param, slug, type ConnectorSpec, type ParamSpec } from '../../kit/spec';
import { certificateParams, connectionParams, eventFieldParams, fetchWindowParams, instanceParamMapOf, proxyParams, verifySslParam } from '../common-params';
import { dlpAlertBuilder } from '../feed/dlp-alert';
import { httpForProxy } from '../../kit/proxy';
import { runFeedCycle } from '../feed/cycle';
import { windowProblem } from '../feed/windows';

const NAME = 'Office 365 Management API DLP Events Connector';

/** In the seed table's order; the groups both connectors share are in common-params. */
const PARAMS: ParamSpec[] = [
  ...eventFieldParams,
  ...connectionParams,
  verifySslParam,
  param('Type of Operation Filter', {
    type: 'list',
    required: false,
    description: 'Operation types (DlpRuleMatch, DlpRuleUndo, DlpInfo) whose events are not ingested (a blacklist).',
  }),
  param('Type of Policy Filter', {
    type: 'list',
    required: false,
    description: 'Policy names that, if present in an event, keep the event from being ingested (a blacklist).',
  }),
  param('Mask findings?', {
    type: 'boolean',
    required: false,
    default: false,
    description: 'Specify whether the connector should mask sensitive findings that triggered DLP policies hits.',
  }),
  ...fetchWindowParams,
  ...proxyParams,
  ...certificateParams(true),
];

export const spec: ConnectorSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Fetch DLP events from Office 365 Management API.',
  params: PARAMS,
  instanceParamMap: instanceParamMapOf(PARAMS),
  validate: windowProblem,
  run(ctx, params) {
    const toAlert = dlpAlertBuilder({ params, rules: ctx.rules, environment: ctx.environment });
    return runFeedCycle({ ...ctx, http: httpForProxy(ctx.http, params) }, params, { contentType: 'DLP.All', toAlert });
  },
};
