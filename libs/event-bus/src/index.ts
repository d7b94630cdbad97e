export * from './events.js';
export { JetStreamEventBus, EVENTS_STREAM, EVENTS_SUBJECT, MAX_BATCH_BYTES, natsDependency, natsEndpoint, natsConnectionOptions, inboxPrefixOf, type EventBusRole, type JetStreamBusOptions, type NatsEndpoint } from './jetstream-bus.js';
