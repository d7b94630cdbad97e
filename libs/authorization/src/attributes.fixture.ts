// Request attributes for the authorizers' tests: alice reading a configmap, with what a test changes.
import type { RequestAttributes } from './authorizer.js';

export const requestAttributes = (over: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: { username: 'alice', groups: ['system:authenticated'] },
  verb: 'get',
  resourceRequest: true,
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'configmaps',
  subresource: '',
  namespace: 'ns',
  name: 'x',
  path: '/api/v1/namespaces/ns/configmaps/x',
  ...over,
});
