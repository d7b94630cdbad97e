// kube-aggregator's place in the delegation: a request for a group/version an APIService with a
// `service` serves is proxied to that server. Every APIService kapi has today is Local (served by
// the core API or custom resources), so every request passes on; the proxy goes here.
import type { FrontDoorHandler } from './front-door-chain.js';

export const apiServiceProxy: FrontDoorHandler = {
  name: 'aggregator (APIService proxy)',
  handle: (_request, next) => next(),
};
