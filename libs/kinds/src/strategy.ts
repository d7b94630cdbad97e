// What makes one kind different from another. The generic engine owns the order of a write; a kind
// only answers the questions below, and is stateless.
import { badRequest, type FieldError, type KubeObject, type MessageSchema, type NameValidator, type TableColumn } from '@kapi/api-machinery';

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
  /** The etcd key segment when it is not the plural, e.g. `apiregistration.k8s.io/apiservices`. */
  storagePrefix?: string;
}

export interface KindStrategy {
  readonly info: ResourceInfo;
  readonly validateName: NameValidator;
  readonly tableColumns: TableColumn[];
  /** The kind's protobuf message, for typed clients that send `application/vnd.kubernetes.protobuf`. */
  readonly protobuf?: MessageSchema;
  /** The messages of subresources whose bodies are other kinds (e.g. serviceaccounts/token: TokenRequest). */
  readonly subresourceProtobuf?: Record<string, MessageSchema>;
  /** Normalise a new object before validation: set defaults, drop what clients may not set. */
  prepareForCreate(obj: KubeObject): void;
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
   * For kinds deleted gracefully (pods): the seconds a delete waits, given the period the request
   * asked for. More than 0 marks the object (deletionTimestamp in the future) and leaves it for its
   * owner (the kubelet) to remove; 0 removes it at once.
   */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
  /**
   * Subresources that write one part of the object (pods/ephemeralcontainers, pods/resize, or a
   * status with rules of its own): what of the client's object is kept, and the rules for it, in
   * place of the kind's own update rules.
   */
  readonly subresourceUpdates?: Record<string, SubresourceUpdate>;
}

export interface SubresourceUpdate {
  /** The object to store: the stored one with the subresource's part taken from the client's. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): KubeObject;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
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
  return {
    info: full,
    validateName: parts.validateName,
    tableColumns: parts.tableColumns ?? [],
    protobuf: parts.protobuf,
    subresourceProtobuf: parts.subresourceProtobuf,
    prepareForCreate: parts.prepareForCreate ?? (() => {}),
    prepareForUpdate: parts.prepareForUpdate ?? (() => {}),
    validate: parts.validate ?? (() => []),
    validateUpdate: parts.validateUpdate ?? (() => []),
    selectableFields:
      parts.selectableFields ?? ((obj) => objectMetaFields(obj, full.namespaced)),
    finalizesOnDelete: parts.finalizesOnDelete,
    prepareForDelete: parts.prepareForDelete,
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
