export * from './events.js';
export { JetStreamEventBus, EVENTS_STREAM, EVENTS_SUBJECT, natsDependency, natsEndpoint, natsConnectionOptions, inboxPrefixOf, type EventBusRole, type JetStreamBusOptions, type NatsEndpoint } from './jetstream-bus.js';
