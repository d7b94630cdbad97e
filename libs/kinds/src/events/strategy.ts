// events.k8s.io/v1 Event: the newer shape of the same events core/v1 serves. As in kube, both APIs
// read and write the same objects under /registry/events, stored as core/v1 Events; this kind
// converts at the storage boundary (regarding ↔ involvedObject, note ↔ message, reportingController
// ↔ reportingComponent, deprecated* ↔ the legacy fields). Creates through this API are held to the
// strict rules: eventTime, a Normal or Warning type, and none of the deprecated fields.
import { field, isDns1123Subdomain, type FieldError, type KubeObject } from '@kapi/api-machinery';
import { eventStrategy, legacyValidate, type CoreEvent } from '../event/strategy.js';
import { defineStrategy, type StorageConversion } from '../strategy.js';

type Reference = CoreEvent['involvedObject'];

export interface EventsV1Event {
  eventTime?: string | null;
  series?: CoreEvent['series'];
  reportingController?: string;
  reportingInstance?: string;
  action?: string;
  reason?: string;
  regarding?: Reference;
  related?: Reference;
  note?: string;
  type?: string;
  deprecatedSource?: { component?: string; host?: string };
  deprecatedFirstTimestamp?: string | null;
  deprecatedLastTimestamp?: string | null;
  deprecatedCount?: number;
}

/** Drops undefined entries, so a conversion writes only what the object has. */
function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** events.k8s.io/v1 → core/v1, as kube's conversion maps the fields. */
export function toCoreEvent(obj: KubeObject): KubeObject {
  const e = obj as KubeObject & EventsV1Event;
  return defined({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: obj.metadata,
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    source: e.deprecatedSource ?? {},
    firstTimestamp: e.deprecatedFirstTimestamp ?? null,
    lastTimestamp: e.deprecatedLastTimestamp ?? null,
    count: e.deprecatedCount || undefined,
    type: e.type,
    eventTime: e.eventTime ?? null,
    series: e.series,
    action: e.action,
    related: e.related,
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
  });
}

/** core/v1 → events.k8s.io/v1. */
export function fromCoreEvent(obj: KubeObject): KubeObject {
  const e = obj as KubeObject & CoreEvent;
  return defined({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: obj.metadata,
    eventTime: e.eventTime ?? null,
    series: e.series,
    reportingController: e.reportingComponent || undefined,
    reportingInstance: e.reportingInstance || undefined,
    action: e.action,
    reason: e.reason,
    regarding: e.involvedObject,
    related: e.related,
    note: e.message,
    type: e.type,
    deprecatedSource: e.source ?? {},
    deprecatedFirstTimestamp: e.firstTimestamp ?? null,
    deprecatedLastTimestamp: e.lastTimestamp ?? null,
    deprecatedCount: e.count || undefined,
  });
}

/** kube's field label conversion of events.k8s.io/v1: each selectable field and its core/v1 name. */
const FIELD_LABELS: Record<string, string> = {
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
  ...Object.fromEntries(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [`regarding.${f}`, `involvedObject.${f}`])),
  reason: 'reason',
  reportingController: 'reportingComponent',
  type: 'type',
};

const conversion: StorageConversion = { toStorage: toCoreEvent, fromStorage: fromCoreEvent };
const ev = (obj: KubeObject) => obj as KubeObject & EventsV1Event;

/** kube's strict validation of events created through events.k8s.io/v1. */
function validateCreate(obj: KubeObject): FieldError[] {
  const e = ev(obj);
  const errs = legacyValidate(toCoreEvent(obj));
  if (e.series) {
    if ((e.series.count ?? 0) < 2) errs.push(field.invalid('series.count', '', 'should be at least 2'));
    if (!e.series.lastObservedTime) errs.push(field.required('series.lastObservedTime'));
  }
  if (!e.eventTime) errs.push(field.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(field.invalid('type', '', `has invalid value: ${e.type ?? ''}`));
  if (e.deprecatedFirstTimestamp) errs.push(field.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (e.deprecatedLastTimestamp) errs.push(field.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (e.deprecatedCount) errs.push(field.invalid('deprecatedCount', '', 'needs to be unset'));
  if (e.deprecatedSource?.component || e.deprecatedSource?.host) errs.push(field.invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

/** Go writes these even when empty, so a read looks as it does from kube. */
function fillZeroValues(obj: KubeObject): void {
  const e = ev(obj);
  e.eventTime ??= null;
  e.deprecatedSource ??= {};
  e.deprecatedFirstTimestamp ??= null;
  e.deprecatedLastTimestamp ??= null;
}

export const eventsV1EventStrategy = defineStrategy(
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    storagePrefix: 'events',
    storageVersion: { group: '', version: 'v1', kind: 'Event' },
  },
  {
    validateName: isDns1123Subdomain,
    defaultGarbageCollectionPolicy: 'Unsupported',
    storageConversion: conversion,
    // kube prints events the same way whichever API they are read through.
    tableColumns: eventStrategy.tableColumns.map((c) => ({ ...c, cell: (obj, now) => c.cell(toCoreEvent(obj), now) })),
    defaults: fillZeroValues,
    validate: validateCreate,
    validateUpdate: (obj) => legacyValidate(toCoreEvent(obj)),
    selectableFields(obj) {
      const core = eventStrategy.selectableFields(toCoreEvent(obj));
      return Object.fromEntries(Object.entries(FIELD_LABELS).map(([label, coreLabel]) => [label, core[coreLabel] ?? '']));
    },
  },
);
