// The apiextensions server's place in the delegation, after the core API: requests for the
// resources of established CustomResourceDefinitions. Until custom resources are served, every
// request passes on to the not-found handler. A handler that serves them implements
// FrontDoorHandler (a RequestHandler of libs/apiserver's handler-chain.ts): it answers a request
// for a resource it serves and calls `next()` for every other one; it replaces this one in
// front-door-chain.ts's chain.
import type { FrontDoorHandler } from './front-door-chain.js';

export const customResources: FrontDoorHandler = {
  name: 'custom resources',
  handle: (_request, next) => next(),
};
