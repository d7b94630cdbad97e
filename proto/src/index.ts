// The gRPC contracts between kapi's services, generated from the .proto files beside this package.
// Each package is exported under its own namespace so that equally named messages do not collide.
export * as commonV1 from './gen/kapi/common/v1/common.js';
export * as healthV1 from './gen/kapi/health/v1/health.js';
export * as authnV1 from './gen/kapi/authn/v1/authn.js';
export * as authzV1 from './gen/kapi/authz/v1/authz.js';
export * as admissionV1 from './gen/kapi/admission/v1/admission.js';
export * as registryV1 from './gen/kapi/registry/v1/registry.js';
export * as watchcacheV1 from './gen/kapi/watchcache/v1/watchcache.js';
