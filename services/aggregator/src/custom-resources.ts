// The apiextensions server's place in the delegation, after the core API: requests for the
// resources of established CustomResourceDefinitions. Until custom resources are served, every
// request passes on to the not-found handler.
//
// A handler that serves them is a FrontDoorHandler (front-door-chain.ts; a RequestHandler of
// libs/apiserver's handler-chain.ts): `handle(request, next)` answers a request for a resource (or
// the discovery of a group) it serves, and calls `next()` for every other one. It is given to the
// front door as `FrontDoorParts.customResources` (http-server.ts builds the parts), and takes this
// pass-through's place in the chain. By then the request is authenticated (`requestUser(request)`),
// authorized, counted against the in-flight limit, and has its deadline (`request.deadline`).
import type { FrontDoorHandler } from './front-door-chain.js';

export const customResources: FrontDoorHandler = {
  name: 'custom resources',
  handle: (_request, next) => next(),
};
