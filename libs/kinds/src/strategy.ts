// What makes one kind different from another. The generic engine owns the order of a write; a kind
// only answers the questions below, and is stateless.
import {  type ScaleSubresource } from './scale.js';
import { badRequest, StatusError, type FieldError, type KubeObject, type MessageSchema, type NameValidator, protobufMessageForKind, type TableColumn } from '@kapi/api-machinery';

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: the URL segment and the etcd key segment. */
  resource: string;
  kind: string;
  listKind: string;
  singularName: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources this kind serves, e.g. `status`. */
  subresources: string[];
  /** Whether a delete answers with the deleted object rather than a Status (kube's ReturnDeletedObject, e.g. pods). */
  returnsDeletedObject?: boolean;
  /** Whether metadata.generation counts changes of the desired state (kinds with spec and status). */
  tracksGeneration?: boolean;
  /** Served from a CustomResourceDefinition (discovery lists such a kind as kube's CRD handler does). */
  customResource?: boolean;
  /** The etcd key segment when it is not the plural, e.g. `apiregistration.k8s.io/apiservices`. */
  storagePrefix?: string;
  /**
   * The group, version and kind its objects are stored as, when not its own (kube's storage
   * version: core/v1 Event for events.k8s.io/v1, autoscaling/v2 for autoscaling/v1
   * HorizontalPodAutoscalers, a CRD's storage version); `null` for a resource nothing is stored
   * for (the access and token reviews). Discovery's `storageVersionHash` is computed from it.
   */
  storageVersion?: { group: string; version: string; kind: string } | null;
  /** For a deprecated group/version of a kind: the release that deprecated it and what replaces it. */
  deprecation?: { since: string; replacement?: { groupVersion: string; kind: string }; /** The whole warning, when the API says it (a CRD version's deprecationWarning). */ warning?: string };
}

/**
 * The warning kube-apiserver adds to every request for a deprecated kind, e.g.
 * `v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice`.
 */
export function deprecationWarning(info: ResourceInfo): string | undefined {
  if (!info.deprecation) return undefined;
  if (info.deprecation.warning) return info.deprecation.warning;
  const groupVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const { since, replacement } = info.deprecation;
  return `${groupVersion} ${info.kind} is deprecated in v${since}+${replacement ? `; use ${replacement.groupVersion} ${replacement.kind}` : ''}`;
}

/** Who makes a request, as the authenticator answered (the fields a kind may record, e.g. a CSR's requestor). */
export interface RequestUser {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, { values: string[] }>;
}

/**
 * How a kind that shares another version's storage converts at the storage boundary (kube stores
 * events.k8s.io/v1 Events as core/v1 Events under /registry/events, for both APIs to serve them).
 */
export interface StorageConversion {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/**
 * A conversion made by a call elsewhere (a CRD's conversion webhook), so asynchronous: objects
 * written go to the storage version through it, and stored objects come back in the strategy's
 * version through it, many in one call. Where a kind has one, it is used instead of
 * `storageConversion`, which then only stands for the stored objects' shape (filters, selectors).
 */
/** The kinds the bodies of subresources are, where they are not the resource's own kind. */
const SUBRESOURCE_KINDS: Readonly<Record<string, readonly [group: string, version: string, kind: string]>> = {
  scale: ['autoscaling', 'v1', 'Scale'],
  binding: ['', 'v1', 'Binding'],
  eviction: ['policy', 'v1', 'Eviction'],
  token: ['authentication.k8s.io', 'v1', 'TokenRequest'],
};

/**
 * The messages of a kind's subresources: k8s.io/api's for those whose bodies are other kinds, the
 * kind's own for the rest (status, which kube-controller-manager writes so; ephemeralcontainers; …).
 */
function subresourceMessages(info: ResourceInfo, kindMessage: MessageSchema | undefined): Record<string, MessageSchema> | undefined {
  const messages: Record<string, MessageSchema> = {};
  for (const name of info.subresources) {
    const kind = SUBRESOURCE_KINDS[name];
    const message = kind ? protobufMessageForKind(...kind) : kindMessage;
    if (message) messages[name] = message;
  }
  return Object.keys(messages).length > 0 ? messages : undefined;
}

export interface AsyncStorageConversion {
  toStorage(obj: KubeObject): Promise<KubeObject>;
  fromStorage(stored: readonly KubeObject[]): Promise<KubeObject[]>;
}

export interface KindStrategy {
  readonly info: ResourceInfo;
  readonly storageConversion?: StorageConversion;
  readonly asyncStorageConversion?: AsyncStorageConversion;
  readonly validateName: NameValidator;
  readonly tableColumns: TableColumn[];
  /** The kind's protobuf message, for typed clients that send `application/vnd.kubernetes.protobuf`. */
  readonly protobuf?: MessageSchema;
  /** The messages of subresources whose bodies are other kinds (e.g. serviceaccounts/token: TokenRequest). */
  readonly subresourceProtobuf?: Record<string, MessageSchema>;
  /**
   * kube's defaulting (the scheme's SetDefaults_*): what decoding a body of this kind sets. It runs
   * on every object written, created, updated or patched, before admission sees it, and again on an
   * object a mutating webhook patched. Only fills what is unset: running it twice changes nothing.
   */
  defaults?(obj: KubeObject): void;
  /**
   * Normalise a new object before validation, after admission: drop what clients may not set, set
   * what the server owns (status); `user` is the requester.
   */
  prepareForCreate(obj: KubeObject, user?: RequestUser): void;
  /** The same for an update; `old` is the stored object. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Kind-specific validation; never mutates. */
  validate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /** The fields a field selector may use for this kind, with their values for one object. */
  selectableFields(obj: KubeObject): Record<string, string>;
  /** Whether a delete only marks the object, for a controller to finish (e.g. namespaces). */
  finalizesOnDelete?(obj: KubeObject): boolean;
  /** Changes made to an object when it is marked for deletion. */
  prepareForDelete?(obj: KubeObject): void;
  /**
   * What a delete that names no propagation does to the object's dependents (kube's
   * DefaultGarbageCollectionPolicy): DeleteDependents when absent; OrphanDependents keeps them (a v1
   * ReplicationController, a batch/v1 Job, for compatibility); Unsupported takes no part in garbage
   * collection (events).
   */
  readonly defaultGarbageCollectionPolicy?: 'OrphanDependents' | 'DeleteDependents' | 'Unsupported';
  /** A warning for a delete that falls back to orphaning (a Job's, whose pods would otherwise stay unnoticed). */
  readonly orphanByDefaultWarning?: string;
  /** How the object maps to an autoscaling/v1 Scale, for kinds that serve the `scale` subresource. */
  readonly scale?: ScaleSubresource;
  /**
   * For kinds deleted gracefully (pods): the seconds a delete waits, given the period the request
   * asked for. More than 0 marks the object (deletionTimestamp in the future) and leaves it for its
   * owner (the kubelet) to remove; 0 removes it at once.
   */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
  /**
   * Subresources that write one part of the object (pods/ephemeralcontainers, pods/resize, a CSR's
   * approval, or a status with rules of its own): what of the client's object is kept, and the rules
   * for it, in place of the kind's own update rules. Without an entry, `status` replaces the status
   * alone and other subresources write as the main resource.
   */
  readonly subresourceUpdates?: Record<string, SubresourceUpdate>;
  /**
   * Whether `validate` and `validateUpdate` check the whole object, metadata included, as a custom
   * resource's schema does: the engine then adds neither the shared metadata checks nor `validate`
   * on an update.
   */
  readonly validatesObjectMeta?: boolean;
  /** The 422 of an invalid object, when the kind words it itself (a custom resource's kind and group). */
  invalid?(obj: KubeObject, errors: FieldError[]): Error;
  /** The patch types the kind takes, when not all of them (custom resources take no strategic merge patch). */
  readonly patchTypes?: readonly string[];
  /** What the kind warns of on a write that passed validation (kube's WarningsOnCreate/WarningsOnUpdate). */
  warnings?(obj: KubeObject, old?: KubeObject): string[];
}

export interface SubresourceUpdate {
  /** The object to store: the stored one with the subresource's part taken from the client's. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): KubeObject;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}

/** A patch the kind does not take: 415, listing the types it does take (kube's patch handler). */
export function checkPatchType(strategy: Pick<KindStrategy, 'patchTypes'>, patchType: string): void {
  if (!strategy.patchTypes || strategy.patchTypes.includes(patchType)) return;
  throw new StatusError('KAPI_ERR_UNSUPPORTED_MEDIA_TYPE', `the body of the request was in an unknown format - accepted media types include: ${strategy.patchTypes.join(', ')}`);
}

export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The parts of a strategy most kinds share, so that a kind spells out only what is its own. */
export function defineStrategy(
  info: Omit<ResourceInfo, 'listKind' | 'singularName' | 'verbs' | 'subresources' | 'categories' | 'shortNames'> &
    Partial<ResourceInfo>,
  parts: Partial<Omit<KindStrategy, 'info'>> & Pick<KindStrategy, 'validateName'>,
): KindStrategy {
  const full: ResourceInfo = {
    listKind: `${info.kind}List`,
    singularName: info.kind.toLowerCase(),
    verbs: STANDARD_VERBS,
    subresources: [],
    categories: [],
    shortNames: [],
    ...info,
  };
  // k8s.io/api's message (generated/k8s-protobuf-messages.ts): every built-in kind has one.
  const kindMessage = protobufMessageForKind(full.group, full.version, full.kind);
  return {
    info: full,
    validateName: parts.validateName,
    tableColumns: parts.tableColumns ?? [],
    protobuf: kindMessage,
    storageConversion: parts.storageConversion,
    subresourceProtobuf: subresourceMessages(full, kindMessage),
    defaults: parts.defaults,
    prepareForCreate: parts.prepareForCreate ?? (() => {}),
    prepareForUpdate: parts.prepareForUpdate ?? (() => {}),
    validate: parts.validate ?? (() => []),
    validateUpdate: parts.validateUpdate ?? (() => []),
    selectableFields:
      parts.selectableFields ?? ((obj) => objectMetaFields(obj, full.namespaced)),
    finalizesOnDelete: parts.finalizesOnDelete,
    prepareForDelete: parts.prepareForDelete,
    defaultGarbageCollectionPolicy: parts.defaultGarbageCollectionPolicy,
    orphanByDefaultWarning: parts.orphanByDefaultWarning,
    scale: parts.scale,
    gracePeriod: parts.gracePeriod,
    subresourceUpdates: parts.subresourceUpdates,
  };
}

/** Every kind can be selected by name, and namespaced kinds by namespace. */
export function objectMetaFields(obj: KubeObject, namespaced: boolean): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (namespaced) fields['metadata.namespace'] = obj.metadata?.namespace ?? '';
  return fields;
}

/**
 * Refuses a field selector on a field the kind does not support, in kube-apiserver's words, rather
 * than answering an empty list.
 */
export function checkFieldSelector(strategy: KindStrategy, fields: { requirements: { field: string }[] }): void {
  const supported = new Set(Object.keys(strategy.selectableFields({ metadata: {} })));
  const unsupported = fields.requirements.find((r) => !supported.has(r.field));
  if (unsupported) throw badRequest(`field label not supported: ${unsupported.field}`);
}

/** What the engine does to a new object before validation: the kind's defaults, then its prepare. */
export function prepareNew(strategy: Pick<KindStrategy, 'defaults' | 'prepareForCreate'>, obj: KubeObject, user?: RequestUser): void {
  strategy.defaults?.(obj);
  strategy.prepareForCreate(obj, user);
}

/** What the engine does to an updated object before validation: the kind's defaults, then its prepare. */
export function prepareChanged(strategy: Pick<KindStrategy, 'defaults' | 'prepareForUpdate'>, obj: KubeObject, old: KubeObject): void {
  strategy.defaults?.(obj);
  strategy.prepareForUpdate(obj, old);
}
