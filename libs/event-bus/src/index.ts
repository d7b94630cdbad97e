export * from './events.js';
export { JetStreamEventBus, EVENTS_STREAM, EVENTS_SUBJECT, natsDependency, type JetStreamBusOptions } from './jetstream-bus.js';
