export * from './events.js';
export { JetStreamEventBus, EVENTS_STREAM, EVENTS_SUBJECT, MAX_BATCH_BYTES, natsDependency, type JetStreamBusOptions } from './jetstream-bus.js';
