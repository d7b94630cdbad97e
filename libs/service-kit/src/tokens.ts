// Injection tokens for what every service has.
export const CONFIG = Symbol('kapi.config');
export const LOGGER = Symbol('kapi.logger');
