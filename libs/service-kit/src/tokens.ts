// Injection tokens for what every service has.
export const CONFIG = Symbol('kapi.config');
export const LOGGER = Symbol('kapi.logger');
/** The process's ServiceCredentials (@kapi/grpc): its identity among the services, for every gRPC and NATS connection. */
export const CREDENTIALS = Symbol('kapi.credentials');
