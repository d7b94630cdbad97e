// core/v1 Event: what components report about objects. Writes through core/v1 get kube's legacy
// validation only (a new-style event, one with eventTime, must name its reporter, action and reason);
// `kubectl get events` prints LAST SEEN TYPE REASON OBJECT MESSAGE, and -o wide adds the rest.
import { ageOf, field, isDns1123Subdomain, isQualifiedName, nameColumn, type FieldError, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { defineStrategy, objectMetaFields } from '../strategy.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface CoreEvent {
  involvedObject?: ObjectReference;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  type?: string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string | null };
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

const ev = (obj: KubeObject) => obj as KubeObject & CoreEvent;

/** Event names are not DNS names in core/v1; kube only requires them to be usable as a path segment. */
export function validatePathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** kube's legacyValidateEvent: what every event must satisfy, whichever API wrote it. */
export function legacyValidate(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const e = ev(obj);
  const namespace = obj.metadata?.namespace ?? '';
  const involvedNamespace = e.involvedObject?.namespace ?? '';
  if (!e.eventTime) {
    if (!involvedNamespace) {
      // An event about a cluster-scoped object lives in no namespace, or in "default" for old clients.
      if (namespace !== '' && namespace !== 'default') errs.push(field.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    } else if (namespace !== involvedNamespace) {
      errs.push(field.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNamespace && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(field.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    }
    // kube reports these under their internal names (reportingController).
    const controller = e.reportingComponent ?? '';
    if (!controller) errs.push(field.required('reportingController'));
    for (const msg of isQualifiedName(controller)) errs.push(field.invalid('reportingController', controller, msg));
    const instance = e.reportingInstance ?? '';
    if (!instance) errs.push(field.required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(field.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = e.action ?? '';
    if (!action) errs.push(field.required('action'));
    if (action.length > ACTION_LIMIT) errs.push(field.invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = e.reason ?? '';
    if (!reason) errs.push(field.required('reason'));
    if (reason.length > REASON_LIMIT) errs.push(field.invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if ((e.message ?? '').length > NOTE_LIMIT) errs.push(field.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const msg of isDns1123Subdomain(namespace)) errs.push(field.invalid('namespace', namespace, msg));
  return errs;
}

/** When the event was first seen: firstTimestamp, else (new-style events) eventTime. */
function firstSeen(e: CoreEvent, now: number): string {
  return e.firstTimestamp ? ageOf(e.firstTimestamp, now) : ageOf(e.eventTime, now);
}

function lastSeen(e: CoreEvent, now: number): string {
  if (e.series) return ageOf(e.series.lastObservedTime, now);
  return e.lastTimestamp ? ageOf(e.lastTimestamp, now) : firstSeen(e, now);
}

function eventCount(e: CoreEvent): number {
  if (e.series) return e.series.count ?? 0;
  // Singleton events of the new API carry no count.
  return e.count || 1;
}

function target(e: CoreEvent): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

function source(e: CoreEvent): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

const column = (name: string, description: string, cell: TableColumn['cell'], priority = 0): TableColumn => ({ name, type: 'string', format: '', description, priority, cell });

export const eventTableColumns: TableColumn[] = [
  column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.', (obj, now) => lastSeen(ev(obj), now)),
  column('Type', 'Type of this event (Normal, Warning), new types could be added in the future', (obj) => ev(obj).type ?? ''),
  column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", (obj) => ev(obj).reason ?? ''),
  column('Object', 'The object that this event is about.', (obj) => target(ev(obj))),
  column(
    'Subobject',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    (obj) => ev(obj).involvedObject?.fieldPath ?? '',
    1,
  ),
  column('Source', 'The component reporting this event. Should be a short machine understandable string.', (obj) => source(ev(obj)), 1),
  column('Message', 'A human-readable description of the status of this operation.', (obj) => (ev(obj).message ?? '').trim()),
  column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', (obj, now) => firstSeen(ev(obj), now), 1),
  column('Count', 'The number of times this event has occurred.', (obj) => eventCount(ev(obj)), 1),
  { ...nameColumn, priority: 1 },
];

/** The fields Go writes even when empty (zero times as null), so reads look as they do from kube. */
function fillZeroValues(obj: KubeObject): void {
  const e = ev(obj);
  e.involvedObject ??= {};
  e.source ??= {};
  e.firstTimestamp ??= null;
  e.lastTimestamp ??= null;
  e.eventTime ??= null;
  e.reportingComponent ??= '';
  e.reportingInstance ??= '';
}

export const eventStrategy = defineStrategy(
  {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  },
  {
    validateName: validatePathSegmentName,
    // Events take no part in garbage collection: a delete never adds its finalizers.
    defaultGarbageCollectionPolicy: 'Unsupported',
    tableColumns: eventTableColumns,
    defaults: fillZeroValues,
    validate: legacyValidate,
    selectableFields: (obj) => {
      const e = ev(obj);
      const ref = e.involvedObject ?? {};
      return {
        ...objectMetaFields(obj, true),
        'involvedObject.kind': ref.kind ?? '',
        'involvedObject.namespace': ref.namespace ?? '',
        'involvedObject.name': ref.name ?? '',
        'involvedObject.uid': ref.uid ?? '',
        'involvedObject.apiVersion': ref.apiVersion ?? '',
        'involvedObject.resourceVersion': ref.resourceVersion ?? '',
        'involvedObject.fieldPath': ref.fieldPath ?? '',
        reason: e.reason ?? '',
        reportingComponent: e.reportingComponent ?? '',
        source: e.source?.component ?? '',
        type: e.type ?? '',
      };
    },
  },
);
