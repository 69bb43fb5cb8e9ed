/**
 * Connector parameters that read the same in every seed that has them, declared once.
 * Connectors spread them at the place their seed table lists them.
 */
import { param, type ParamSpec } from './spec';

/** Proxy Server Address / Username / Password (read by kit/proxy's httpForProxy). */
export const proxyParams: ParamSpec[] = [
  param('Proxy Server Address', {
    type: 'string',
    required: false,
    description: 'The address of the proxy server to use.',
  }),
  param('Proxy Username', {
    type: 'string',
    required: false,
    description: 'The proxy username to authenticate with.',
  }),
  param('Proxy Password', {
    type: 'password',
    required: false,
    secret: true,
    description: 'The proxy password to authenticate with.',
  }),
];
