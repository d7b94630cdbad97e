// The generic storage engine. It owns the order of every write, kube-apiserver's, so that no kind
// re-implements it:
// create:  wipe server-owned metadata → defaults → managedFields → mutating admission → fill uid,
//          creationTimestamp and a generated name → BeginCreate → prepare → validate (kind, then shared
//          metadata) → validating admission → persist
// update:  read → the client's object (or the patched one) → defaults → managedFields → mutating admission
//          (with the stored object) → resourceVersion precondition → prepare → validate → validating
//          admission → persist, all retried on a storage conflict unless the client pinned a resourceVersion.
// delete:  read → preconditions → admission (mutating, then validating, with the stored object) → persist.
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  apiVersionOf,
  applyPatch,
  badRequest,
  conflict,
  continueExpired,
  decodeContinue,
  deepEqual,
  encodeContinue,
  field,
  generateName,
  invalid,
  isPlainObject,
  isStatusError,
  notFound,
  nowTimestamp,
  OPTIMISTIC_LOCK_MESSAGE,
  parseFieldSelector,
  PatchType,
  parseLabelSelector,
  parseResourceVersion,
  serviceUnavailable,
  StatusError,
  validateObjectMeta,
  validateObjectMetaUpdate,
  type FieldError,
  type KubeList,
  type KubeObject,
  type ManagedFieldsEntry,
  type Status,
} from '@kapi/api-machinery';
import { applyScale, checkFieldSelector, checkPatchType, checkPatchedScale, checkScaleBody, scaleOf, storageKey, subresourceKind, type KindStrategy, type ScaleSubresource } from '@kapi/kinds';
import { builtinSchemas, firstTypeError, patchMetaFor, pruneUnknownFields } from '@kapi/schema';
import { isStorageError, type RecordedWrite, type RequestRecord, type StorageBackend, type StoredValue } from '@kapi/storage';
import { metrics } from '@kapi/telemetry';
import {
  deleteOptionsForAdmission,
  writeOptions,
  type AdmissionHook,
  type AdmissionOperation,
  type AdmissionRequest,
  type UserInfo,
  type WriteRecorder,
} from './admission.js';
import { applyConfiguration, updatedManagedFields, type FieldManagerContext } from './managed-fields.js';
import { schemaStructure, type StructureLookup } from './structure.js';

export interface WriteContext {
  user: UserInfo;
  dryRun: boolean;
  fieldManager: string;
  /**
   * What the request's query said of its options (dryRun, fieldManager, fieldValidation), as the
   * client sent them: admission sees them as the operation's CreateOptions or UpdateOptions.
   */
  options?: Record<string, unknown>;
  /** Where the write's warnings (Warning headers) and audit annotations are collected. */
  recorder?: WriteRecorder;
  /** Server-side apply: take fields other managers own instead of failing with a conflict. */
  force?: boolean;
  /**
   * The client request this write serves (`id`: the front door's Audit-Id), and whether this call
   * retries it after an attempt that may have written already. Its write is recorded with it (see
   * RequestRecord), so that a retry is answered with what the first attempt wrote, never applied
   * twice nor refused for its own effect. Only for a request that makes a single write.
   */
  request?: { id: string; retry: boolean };
  /**
   * When the client request must be answered, in epoch milliseconds (the front door's deadline,
   * carried as the call's gRPC deadline): admission is asked within it.
   */
  deadline?: number;
}

const retriesAnswered = metrics.counter(
  'kapi_registry_retried_writes_answered_total',
  'Writes retried after their first attempt had written, answered with that write instead of being applied again.',
);

/** What an earlier attempt of the request wrote: the operation, and the object as it answered it. */
interface EarlierWrite {
  op: RecordedWrite['op'];
  object: KubeObject;
}

/** Computes an object's managedFields for a write; by default the write is an Update by its field manager. */
type ManagedFieldsOf = (obj: KubeObject, old: KubeObject | undefined) => ManagedFieldsEntry[];

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** Deprecated form of propagationPolicy Orphan (true) or Background (false); wins over it when set. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/**
 * Per-kind work around a write that needs more than the object itself, such as allocating a
 * Service's cluster IP. `beginCreate` runs after mutating admission and before the kind's prepare
 * and validation, as kube-apiserver's BeginCreate does; its result is called with whether the
 * create succeeded, so an allocation is released when the object was not stored.
 */
export interface StoreHooks {
  /** A first check of a create, on the object as sent (no generated name yet): throws a StatusError to refuse it. */
  refuseCreate?(obj: KubeObject): void;
  beginCreate?(obj: KubeObject, ctx: WriteContext): Promise<(succeeded: boolean) => Promise<void>>;
  /** After the object is gone from storage, e.g. to release what it held. */
  afterDelete?(obj: KubeObject): Promise<void>;
  /**
   * A last check of a create (`old` undefined) or update, after validation and admission: throws a
   * StatusError to refuse it (e.g. RBAC's escalation prevention).
   */
  checkWrite?(obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext): Promise<void>;
}

/** Objects are stored without their resourceVersion: it is the key's mod revision. */
export function decodeStored(stored: StoredValue): KubeObject {
  const obj = JSON.parse(stored.value.toString('utf8')) as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: String(stored.modRevision) };
  return obj;
}

function encodeForStorage(obj: KubeObject): Buffer {
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  return Buffer.from(JSON.stringify({ ...obj, metadata: meta }));
}

const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** The finalizers through which a delete asks the garbage collector to orphan or delete dependents first. */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * The finalizers a delete leaves on an object for the garbage collector, as kube's store decides
 * them: the request's orphanDependents, else its propagationPolicy, else a GC finalizer the object
 * already has, else the kind's default policy — Orphan adds `orphan`, Foreground `foregroundDeletion`,
 * and each drops the other. Undefined when the finalizers stay as they are.
 */
export function garbageCollectionFinalizers(
  finalizers: readonly string[],
  options: Pick<DeleteOptions, 'orphanDependents' | 'propagationPolicy'>,
  defaultPolicy: KindStrategy['defaultGarbageCollectionPolicy'],
): string[] | undefined {
  if (defaultPolicy === 'Unsupported') return undefined;
  const decide = (): 'orphan' | 'foreground' | 'background' => {
    if (options.orphanDependents !== undefined) return options.orphanDependents ? 'orphan' : 'background';
    if (options.propagationPolicy === 'Orphan') return 'orphan';
    if (options.propagationPolicy === 'Foreground') return 'foreground';
    if (options.propagationPolicy === 'Background') return 'background';
    if (finalizers.includes(ORPHAN_FINALIZER)) return 'orphan';
    if (finalizers.includes(FOREGROUND_FINALIZER)) return 'foreground';
    return defaultPolicy === 'OrphanDependents' ? 'orphan' : 'background';
  };
  const policy = decide();
  const next = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'orphan') next.push(ORPHAN_FINALIZER);
  if (policy === 'foreground') next.push(FOREGROUND_FINALIZER);
  const same = next.length === finalizers.length && next.every((f) => finalizers.includes(f));
  return same ? undefined : next;
}
const MAX_RETRIES = 16;

/** Whether two versions differ beyond what the server itself maintains. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !deepEqual(strip(a), strip(b));
}

function sameForWrite(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, managedFields: o.metadata?.managedFields ?? [], resourceVersion: undefined } });
  return deepEqual(strip(a), strip(b));
}

function setManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[] | undefined): void {
  const { managedFields: _mf, ...meta } = obj.metadata ?? {};
  obj.metadata = entries?.length ? { ...meta, managedFields: entries } : meta;
}

/** managedFields as kube's field manager can read them: entries with a manager, an operation and FieldsV1. */
function wellFormedManagedFields(entries: unknown): boolean {
  if (entries === undefined) return true;
  if (!Array.isArray(entries)) return false;
  return entries.every(
    (e) =>
      isPlainObject(e) &&
      (e.operation === 'Apply' || e.operation === 'Update') &&
      (e.fieldsType === undefined || e.fieldsType === 'FieldsV1') &&
      (e.fieldsV1 === undefined || isPlainObject(e.fieldsV1)),
  );
}

/** Two versions that differ at most in the times of their managedFields entries. */
function sameButManagedFieldsTimes(a: KubeObject, b: KubeObject): boolean {
  const untimed = (o: KubeObject) => ({
    ...o,
    metadata: { ...o.metadata, resourceVersion: undefined, managedFields: (o.metadata?.managedFields ?? []).map(({ time: _t, ...e }) => e) },
  });
  return deepEqual(untimed(a), untimed(b));
}

/**
 * kube's duplicate ownerReferences: an entry equal to an earlier one is dropped, with a warning naming
 * the UIDs (worded apart when mutating admission made the duplicate).
 */
export function dedupOwnerReferences(obj: KubeObject, recorder: WriteRecorder | undefined, afterMutatingAdmission: boolean): void {
  const refs = obj.metadata?.ownerReferences;
  if (!Array.isArray(refs) || refs.length < 2) return;
  const kept: typeof refs = [];
  const duplicates: string[] = [];
  for (const ref of refs) {
    if (kept.some((k) => k?.uid === ref?.uid && deepEqual(k, ref))) duplicates.push(String(ref?.uid ?? ''));
    else kept.push(ref);
  }
  if (!duplicates.length) return;
  obj.metadata = { ...obj.metadata, ownerReferences: kept };
  const after = afterMutatingAdmission ? ' after mutating admission happens' : '';
  recorder?.warnings.push(
    `.metadata.ownerReferences contains duplicate entries${after}; API server dedups owner references in 1.20+, and may reject such requests as early as 1.24; please fix your requests; duplicate UID(s) observed: ${duplicates.join(', ')}`,
  );
}

/**
 * How admission sees a write to a subresource whose objects are not the resource's own (a Scale):
 * the stored object and the written one are shown as such, and what admission changes is written back.
 */
interface AdmissionView {
  show(obj: KubeObject): KubeObject;
  apply(obj: KubeObject, shown: KubeObject): KubeObject;
}

export class GenericStore {
  constructor(
    readonly strategy: KindStrategy,
    private readonly backend: StorageBackend,
    private readonly admission: AdmissionHook,
    private readonly hooks: StoreHooks = {},
    private readonly structure: StructureLookup = schemaStructure(builtinSchemas()),
  ) {}

  /** What admission is told of a request to this resource (or a subresource of it). */
  private admissionRequest(
    operation: AdmissionOperation,
    namespace: string | undefined,
    name: string,
    subresource: string,
    ctx: WriteContext,
    objects: { object?: KubeObject; oldObject?: KubeObject; options?: Record<string, unknown> },
  ): AdmissionRequest {
    return {
      operation,
      kind: subresourceKind(this.info, subresource),
      resource: { group: this.info.group, version: this.info.version, resource: this.info.resource },
      // A request to a namespace is, for admission, in that namespace (kube's request info says so).
      namespace: this.info.namespaced ? (namespace ?? '') : this.info.resource === 'namespaces' && !this.info.group ? name : '',
      name,
      subresource,
      ...objects,
      user: ctx.user,
      dryRun: ctx.dryRun,
      uid: ctx.request?.id,
      recorder: ctx.recorder,
      ...(ctx.deadline === undefined ? {} : { deadline: ctx.deadline }),
    };
  }

  /**
   * Mutating admission of a write: the object as admission left it. managedFields that admission
   * made unreadable are put back as they were (kube's managed-fields admission guard).
   */
  private async mutate(request: AdmissionRequest, obj: KubeObject, view?: AdmissionView): Promise<KubeObject> {
    const managedFields = obj.metadata?.managedFields;
    const shown = request.object!;
    const mutated = (await this.admission.mutate(request)) ?? shown;
    const result = view ? (mutated === shown ? obj : view.apply(obj, mutated)) : mutated;
    if (!wellFormedManagedFields(result.metadata?.managedFields)) setManagedFields(result, managedFields);
    return result;
  }

  /**
   * Admission of a subresource request the registry answers itself (pods/binding, pods/eviction,
   * serviceaccounts/token, the connecting ones): mutating, then validating, on the request's own
   * object, as kube's create and connect handlers run them. Resolves to the object as admitted.
   */
  async admitSubresource(
    operation: 'CREATE' | 'CONNECT',
    namespace: string | undefined,
    name: string,
    subresource: string,
    object: KubeObject,
    ctx: WriteContext,
  ): Promise<KubeObject> {
    const options = operation === 'CREATE' ? writeOptions('CreateOptions', ctx.options) : undefined;
    const request = this.admissionRequest(operation, namespace, name, subresource, ctx, { object, options });
    const admitted = (await this.admission.mutate(request)) ?? object;
    await this.admission.validate({ ...request, object: admitted });
    return admitted;
  }

  private fieldManager(ctx: WriteContext, subresource: string): FieldManagerContext {
    return { manager: ctx.fieldManager, subresource, gvk: this.info, structure: this.structure };
  }

  get info() {
    return this.strategy.info;
  }

  private get gvk() {
    return { group: this.info.group, version: this.info.version, kind: this.info.kind };
  }

  private get groupResource() {
    return { group: this.info.group, resource: this.info.resource };
  }

  private key(namespace: string | undefined, name?: string): string {
    return storageKey(this.info, namespace, name);
  }

  /** The stored bytes of an object, in the storage version when the kind shares another's storage. */
  private async encode(obj: KubeObject): Promise<Buffer> {
    const converter = this.strategy.asyncStorageConversion;
    if (converter) return encodeForStorage(await converter.toStorage(obj));
    return encodeForStorage(this.strategy.storageConversion?.toStorage(obj) ?? obj);
  }

  /**
   * A written object as a read will answer it, as kube answers a write with the object decoded from
   * the bytes it stored (a dry run's too: kube's dry-run storage encodes and decodes it): a kind
   * stored in another version's shape (autoscaling/v1 HorizontalPodAutoscalers) comes back through
   * that shape, with what its conversion fills in (v1's CPU target at 80%); a custom resource
   * written in a version other than its storage version goes to its conversion webhook and back,
   * and fails as a write does when the webhook fails. `value` is what was stored, when it was;
   * a dry run encodes the object here.
   */
  private async asStored(obj: KubeObject, value?: Buffer): Promise<KubeObject> {
    if (!this.strategy.asyncStorageConversion && !this.strategy.storageConversion) return obj;
    const stored = JSON.parse((value ?? (await this.encode(obj))).toString('utf8')) as KubeObject;
    const resourceVersion = obj.metadata?.resourceVersion;
    if (resourceVersion !== undefined) stored.metadata = { ...stored.metadata, resourceVersion };
    return (await this.convertFromStorage([stored]))[0];
  }

  /** An object read from storage, in this kind's version. */
  private async decode(stored: StoredValue): Promise<KubeObject> {
    return (await this.decodeAll([stored]))[0];
  }

  /** Stored objects in the strategy's version; a conversion made elsewhere (a webhook) takes them all in one call. */
  private async decodeAll(stored: readonly StoredValue[]): Promise<KubeObject[]> {
    return this.convertFromStorage(stored.map(decodeStored));
  }

  private async convertFromStorage(objects: KubeObject[]): Promise<KubeObject[]> {
    const converter = this.strategy.asyncStorageConversion;
    if (converter) return objects.length ? converter.fromStorage(objects) : [];
    const sync = this.strategy.storageConversion;
    return sync ? objects.map((o) => sync.fromStorage(o)) : objects;
  }

  private storageFailure(err: unknown): never {
    if (isStorageError(err, 'Unavailable')) {
      throw serviceUnavailable(`storage is unavailable: ${err.message}`, 1, 'KAPI_ERR_STORAGE_UNAVAILABLE');
    }
    throw err;
  }

  /** The record a write of this request carries; none for a dry run or a write no client asked for. */
  private recordOf(ctx: WriteContext): RequestRecord | undefined {
    return ctx.request && !ctx.dryRun ? { id: ctx.request.id, user: ctx.user.username } : undefined;
  }

  /**
   * Runs a client's write once, whatever the retries. A retry first looks for what an earlier
   * attempt of its request wrote and answers with that. A retry that fails anyway (a Conflict or
   * AlreadyExists for its own write, a NotFound for its own delete, because that attempt landed in
   * the meantime) and a write refused because its request has written (RequestDone) look again.
   */
  private async once<T>(ctx: WriteContext, answer: (earlier: EarlierWrite) => T, write: () => Promise<T>): Promise<T> {
    const answered = (earlier: EarlierWrite, when: string) => {
      retriesAnswered.inc({ resource: this.info.resource, op: earlier.op, when });
      return answer(earlier);
    };
    if (ctx.request?.retry && !ctx.dryRun) {
      const earlier = await this.earlierWrite(ctx);
      if (earlier) return answered(earlier, 'before');
    }
    try {
      return await write();
    } catch (err) {
      if (ctx.request && !ctx.dryRun && (ctx.request.retry || isStorageError(err, 'RequestDone'))) {
        const earlier = await this.earlierWrite(ctx).catch(() => undefined);
        if (earlier) return answered(earlier, 'after');
      }
      if (isStorageError(err, 'RequestDone')) throw new StatusError('KAPI_ERR_INTERNAL', `Internal error occurred: ${err.message}`);
      throw err;
    }
  }

  /** What the request wrote to this resource earlier, read back at the revision it wrote at. */
  private async earlierWrite(ctx: WriteContext): Promise<EarlierWrite | undefined> {
    let write: RecordedWrite | undefined;
    try {
      write = await this.backend.recordedWrite(ctx.request!.id);
    } catch (err) {
      this.storageFailure(err);
    }
    // A record is an answer only for the same user and this resource.
    if (!write || write.user !== ctx.user.username || !write.key.startsWith(this.key(undefined))) return undefined;
    let stored: StoredValue | undefined;
    try {
      // A delete answers with the object as it was just before.
      stored = await this.backend.getAt(write.key, write.op === 'delete' ? write.revision - 1 : write.revision);
    } catch (err) {
      if (isStorageError(err, 'Compacted')) return undefined;
      this.storageFailure(err);
    }
    if (!stored) return undefined;
    const object = await this.decode(stored);
    if (write.op === 'delete') object.metadata = { ...object.metadata, resourceVersion: String(write.revision) };
    return { op: write.op, object };
  }

  private checkTypeMeta(obj: KubeObject): void {
    const expected = apiVersionOf(this.info);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== undefined && obj.kind !== this.info.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${this.info.kind})`);
    }
    obj.apiVersion = expected;
    obj.kind = this.info.kind;
  }

  private checkNamespace(obj: KubeObject, namespace: string | undefined): void {
    if (!this.info.namespaced) {
      if (obj.metadata?.namespace) obj.metadata = { ...obj.metadata, namespace: undefined };
      return;
    }
    const own = obj.metadata?.namespace;
    if (own && namespace && own !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata = { ...obj.metadata, namespace: own || namespace };
  }

  private validateCreate(obj: KubeObject, ctx: WriteContext): void {
    const errors = this.strategy.validatesObjectMeta
      ? this.strategy.validate(obj)
      : [...this.strategy.validate(obj), ...validateObjectMeta(obj.metadata, { namespaced: this.info.namespaced, validateName: this.strategy.validateName })];
    if (errors.length) throw this.invalid(obj, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errors);
    ctx.recorder?.warnings.push(...(this.strategy.warnings?.(obj) ?? []));
  }

  private validateUpdate(obj: KubeObject, old: KubeObject, subresource: string, ctx: WriteContext): void {
    const rules = this.strategy.subresourceUpdates?.[subresource] ?? this.strategy;
    const errors = this.strategy.validatesObjectMeta
      ? rules.validateUpdate(obj, old)
      : [
          ...rules.validateUpdate(obj, old),
          ...this.strategy.validate(obj),
          ...validateObjectMeta(obj.metadata, { namespaced: this.info.namespaced, validateName: this.strategy.validateName }),
          ...validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}),
        ];
    if (errors.length) throw this.invalid(obj, obj.metadata?.name ?? '', errors);
    ctx.recorder?.warnings.push(...(this.strategy.warnings?.(obj, old) ?? []));
  }

  private invalid(obj: KubeObject, name: string, errors: FieldError[]): Error {
    return this.strategy.invalid?.(obj, errors) ?? invalid(this.info.kind, this.info.group, name, errors);
  }

  private checkSize(value: Buffer): void {
    if (value.length > MAX_OBJECT_BYTES) {
      throw new StatusError('KAPI_ERR_REQUEST_TOO_LARGE', 'Request entity too large: etcdserver: request is too large');
    }
  }

  async create(namespace: string | undefined, input: KubeObject, ctx: WriteContext, managedFieldsOf?: ManagedFieldsOf): Promise<KubeObject> {
    return this.once(ctx, (earlier) => earlier.object, () => this.createOnce(namespace, input, ctx, managedFieldsOf));
  }

  private async createOnce(
    namespace: string | undefined,
    input: KubeObject,
    ctx: WriteContext,
    managedFieldsOf?: ManagedFieldsOf,
    options: Record<string, unknown> = writeOptions('CreateOptions', ctx.options),
  ): Promise<KubeObject> {
    let obj = structuredClone(input);
    this.checkTypeMeta(obj);
    this.checkNamespace(obj, namespace);
    this.hooks.refuseCreate?.(obj);
    // What only the server sets is wiped before anyone sees the object (kube's create handler).
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...meta } = obj.metadata ?? {};
    obj.metadata = meta;
    this.strategy.defaults?.(obj);
    dedupOwnerReferences(obj, ctx.recorder, false);
    // Field ownership is the client's write as it was sent and defaulted: what admission or the
    // kind's prepare add afterwards belongs to no manager, as in kube.
    setManagedFields(obj, managedFieldsOf ? managedFieldsOf(obj, undefined) : updatedManagedFields(undefined, obj, this.fieldManager(ctx, '')));

    // Mutating admission sees the object before its name is generated (name "" for generateName).
    const request = (name: string) => this.admissionRequest('CREATE', obj.metadata?.namespace ?? namespace, name, '', ctx, { object: obj, options });
    obj = await this.mutate(request(obj.metadata?.name ?? ''), obj);
    dedupOwnerReferences(obj, ctx.recorder, true);

    // kube's store: the server-owned metadata, a generated name, then BeginCreate and BeforeCreate.
    this.checkNamespace(obj, namespace);
    const wantsGeneratedName = !obj.metadata?.name && !!obj.metadata?.generateName;
    obj.metadata = { ...obj.metadata, uid: randomUUID(), creationTimestamp: nowTimestamp() };
    if (wantsGeneratedName) obj.metadata.name = generateName(obj.metadata.generateName!);
    if (this.info.tracksGeneration) obj.metadata.generation = 1;
    const finish = this.hooks.beginCreate ? await this.hooks.beginCreate(obj, ctx) : undefined;
    let stored = false;
    try {
      this.strategy.prepareForCreate(obj, ctx.user);
      this.validateCreate(obj, ctx);
      await this.admission.validate(request(obj.metadata?.name ?? ''));
      await this.hooks.checkWrite?.(obj, undefined, ctx);
      if (ctx.dryRun) return await this.dryRunCreated(obj);
      const created = await this.persistNew(obj, wantsGeneratedName, ctx);
      stored = true;
      return created;
    } finally {
      await finish?.(stored);
    }
  }

  /** A dry-run create writes nothing, but meets an object already there as a create would (kube's dry-run storage). */
  private async dryRunCreated(obj: KubeObject): Promise<KubeObject> {
    let existing: StoredValue | undefined;
    try {
      existing = await this.backend.get(this.key(obj.metadata?.namespace, obj.metadata?.name));
    } catch (err) {
      this.storageFailure(err);
    }
    if (existing) throw alreadyExists(this.groupResource, obj.metadata?.name ?? '');
    return this.asStored(obj);
  }

  private async persistNew(obj: KubeObject, wantsGeneratedName: boolean, ctx: WriteContext): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const value = await this.encode(obj);
      this.checkSize(value);
      try {
        const revision = await this.backend.create(this.key(obj.metadata?.namespace, obj.metadata?.name), value, this.recordOf(ctx));
        obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
        return await this.asStored(obj, value);
      } catch (err) {
        if (isStorageError(err, 'KeyExists')) {
          // A generated name that collided is drawn again, as kube-apiserver does.
          if (wantsGeneratedName && attempt < 8) {
            obj.metadata = { ...obj.metadata, name: generateName(obj.metadata!.generateName!) };
            continue;
          }
          throw alreadyExists(this.groupResource, obj.metadata?.name ?? '');
        }
        this.storageFailure(err);
      }
    }
  }

  private async read(namespace: string | undefined, name: string): Promise<StoredValue> {
    let stored: StoredValue | undefined;
    try {
      stored = await this.backend.get(this.key(namespace, name));
    } catch (err) {
      this.storageFailure(err);
    }
    if (!stored) throw notFound(this.groupResource, name);
    return stored;
  }

  /** The object, or with `scale` its autoscaling/v1 Scale. */
  async get(namespace: string | undefined, name: string, subresource = ''): Promise<KubeObject> {
    const obj = await this.decode(await this.read(namespace, name));
    return subresource === 'scale' ? scaleOf(this.scaling(), obj) : obj;
  }

  private scaling(): ScaleSubresource {
    if (!this.strategy.scale) throw new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'the server could not find the requested resource', {});
    return this.strategy.scale;
  }

  /**
   * A write through the Scale: `transform` turns the current Scale into the desired one, whose
   * replicas then go through the owning kind's own update (prepare, generation, validation).
   * Admission sees Scales, the stored one and the written one, as kube's scale storage shows them.
   */
  private async updateScale(namespace: string | undefined, name: string, ctx: WriteContext, transform: (scale: KubeObject) => KubeObject, patch = false): Promise<KubeObject> {
    const scale = this.scaling();
    const view: AdmissionView = { show: (obj) => scaleOf(scale, obj), apply: (obj, shown) => applyScale(obj, shown, scale) };
    const updated = await this.guaranteedUpdate(namespace, name, 'scale', ctx, (current) => applyScale(current, transform(scaleOf(scale, current)), scale), { view, patch });
    return scaleOf(scale, updated);
  }

  /**
   * Reads, transforms and writes back, retrying when another writer got there first (kube's
   * GuaranteedUpdate). `transform` gets the stored object and returns the desired one, as the
   * client wrote it; everything after it (defaults, managedFields, admission, the kind's prepare and
   * validation) runs again on each attempt, with the object then stored.
   */
  private async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    subresource: string,
    ctx: WriteContext,
    transform: (current: KubeObject) => KubeObject,
    how: { managedFieldsOf?: ManagedFieldsOf; view?: AdmissionView; patch?: boolean } = {},
  ): Promise<KubeObject> {
    const { managedFieldsOf, view } = how;
    const options = writeOptions('UpdateOptions', ctx.options);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(namespace, name);
      const old = await this.decode(stored);
      let obj = transform(structuredClone(old));
      this.checkTypeMeta(obj);
      this.checkNamespace(obj, namespace);
      this.strategy.defaults?.(obj);
      // kube dedups a patched object's ownerReferences only after mutating admission.
      if (!how.patch) dedupOwnerReferences(obj, ctx.recorder, false);
      // A subresource that writes one part of the object (pods/resize, a CSR's approval) is owned
      // by what its prepare keeps of the client's object, so its fields are counted after it.
      const partial = this.strategy.subresourceUpdates?.[subresource];
      if (!partial) setManagedFields(obj, managedFieldsOf ? managedFieldsOf(obj, old) : updatedManagedFields(old, obj, this.fieldManager(ctx, subresource)));

      // A Scale's writes are shown to admission as Scales, the stored one and the written one.
      const show = (o: KubeObject) => (view ? view.show(o) : o);
      const request = () => this.admissionRequest('UPDATE', namespace, name, subresource, ctx, { object: show(obj), oldObject: show(old), options });
      obj = await this.mutate(request(), obj, view);
      dedupOwnerReferences(obj, ctx.recorder, true);
      this.checkNamespace(obj, namespace);

      const pinned = obj.metadata?.resourceVersion;
      if (pinned && pinned !== old.metadata?.resourceVersion) {
        throw conflict(this.groupResource, name, OPTIMISTIC_LOCK_MESSAGE);
      }
      // kube's BeforeUpdate: server-owned metadata is carried over, whatever the client sent.
      obj.metadata = {
        ...obj.metadata,
        name: obj.metadata?.name ?? old.metadata?.name,
        uid: old.metadata?.uid,
        creationTimestamp: old.metadata?.creationTimestamp,
        deletionTimestamp: old.metadata?.deletionTimestamp,
        deletionGracePeriodSeconds: old.metadata?.deletionGracePeriodSeconds,
        generation: old.metadata?.generation,
        resourceVersion: old.metadata?.resourceVersion,
      };
      for (const [k, v] of Object.entries(obj.metadata)) if (v === undefined) delete (obj.metadata as Record<string, unknown>)[k];
      const managedFields = obj.metadata.managedFields;
      if (partial) {
        obj = partial.prepareForUpdate(obj, structuredClone(old));
        setManagedFields(obj, updatedManagedFields(old, obj, this.fieldManager(ctx, subresource)));
      } else if (subresource === 'status') {
        obj = { ...old, status: obj.status, metadata: { ...old.metadata, managedFields } };
      } else {
        if (this.info.subresources.includes('status')) obj.status = old.status;
        this.strategy.prepareForUpdate(obj, old);
        setManagedFields(obj, managedFields);
      }
      if (this.info.tracksGeneration && specChanged(obj, old)) obj.metadata = { ...obj.metadata, generation: (old.metadata?.generation ?? 0) + 1 };

      this.validateUpdate(obj, old, subresource, ctx);
      // A change of nothing but managedFields times is no change (kube ignores those timestamps).
      if (sameButManagedFieldsTimes(obj, old)) setManagedFields(obj, old.metadata?.managedFields);
      await this.admission.validate(request());
      await this.hooks.checkWrite?.(obj, old, ctx);

      // A write that changes nothing is not a write: the resourceVersion stays, no event is sent.
      if (sameForWrite(obj, old)) return old;
      if (ctx.dryRun) return this.asStored(obj);

      const value = await this.encode(obj);
      this.checkSize(value);
      try {
        // An object being deleted goes once its last finalizer is removed, as kube-apiserver does,
        // unless it still waits out a grace period (a pod its kubelet has yet to stop).
        if (
          obj.metadata?.deletionTimestamp &&
          (obj.metadata.finalizers?.length ?? 0) === 0 &&
          !this.strategy.finalizesOnDelete?.(obj) &&
          (old.metadata?.deletionGracePeriodSeconds ?? 0) === 0
        ) {
          const revision = await this.backend.delete(this.key(namespace, name), stored.modRevision, this.recordOf(ctx));
          await this.hooks.afterDelete?.(obj);
          obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
          return obj;
        }
        const revision = await this.backend.update(this.key(namespace, name), value, stored.modRevision, this.recordOf(ctx));
        obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
        return await this.asStored(obj, value);
      } catch (err) {
        if (isStorageError(err, 'KeyNotFound')) throw notFound(this.groupResource, name);
        if (isStorageError(err, 'Conflict')) {
          if (pinned || attempt >= MAX_RETRIES) throw conflict(this.groupResource, name, OPTIMISTIC_LOCK_MESSAGE);
          continue;
        }
        this.storageFailure(err);
      }
    }
  }

  async update(namespace: string | undefined, name: string, input: KubeObject, ctx: WriteContext, subresource = ''): Promise<KubeObject> {
    if (input.metadata?.name && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    const replace = () => structuredClone(input);
    return this.once(
      ctx,
      (earlier) => this.asSubresource(earlier.object, subresource),
      () => {
        if (subresource !== 'scale') return this.guaranteedUpdate(namespace, name, subresource, ctx, replace);
        checkScaleBody(input);
        return this.updateScale(namespace, name, ctx, replace);
      },
    );
  }

  /** An object as a write to `subresource` answers with it: a Scale for scale, else itself. */
  private asSubresource(obj: KubeObject, subresource: string): KubeObject {
    return subresource === 'scale' ? scaleOf(this.scaling(), obj) : obj;
  }

  async patch(namespace: string | undefined, name: string, patchType: string, patch: unknown, ctx: WriteContext, subresource = ''): Promise<KubeObject> {
    checkPatchType(this.strategy, patchType);
    if (patchType === PatchType.apply) return (await this.apply(namespace, name, patch, ctx, subresource)).object;
    const patcher = (current: KubeObject) => {
      const schemas = builtinSchemas();
      const patched = applyPatch(patchType, current, patch, patchMetaFor(schemas, this.gvk));
      if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
        throw badRequest('the patch did not produce an object');
      }
      if (subresource === 'scale') checkPatchedScale(patched as KubeObject);
      // The patched object is decoded into the kind's types, as kube-apiserver does: a value of the
      // wrong type makes the patch invalid (422), and what the kind does not declare is dropped (the
      // front door has already reported it as fieldValidation asked).
      const typeError = firstTypeError(schemas, this.gvk, patched);
      if (typeError) throw invalid('', '', '', [field.invalid('patch', JSON.stringify(patched), typeError)]);
      pruneUnknownFields(schemas, this.gvk, patched);
      // A patch that sets another resourceVersion pins it; otherwise it applies to whatever is
      // current (kubectl's JSON patch of managedFields replaces it with the one it read).
      const obj = patched as KubeObject;
      if (obj.metadata?.resourceVersion === current.metadata?.resourceVersion) {
        const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
        obj.metadata = meta;
      }
      return obj;
    };
    return this.once(
      ctx,
      (earlier) => this.asSubresource(earlier.object, subresource),
      () => (subresource === 'scale' ? this.updateScale(namespace, name, ctx, patcher, true) : this.guaranteedUpdate(namespace, name, subresource, ctx, patcher, { patch: true })),
    );
  }

  /**
   * Server-side apply (application/apply-patch+yaml): merges the configuration into the live object
   * and records what its manager owns; creates the object when there is none, as kube does.
   */
  async apply(namespace: string | undefined, name: string, patch: unknown, ctx: WriteContext, subresource = ''): Promise<{ object: KubeObject; created: boolean }> {
    return this.once(ctx, (earlier) => ({ object: earlier.object, created: earlier.op === 'create' }), () => this.applyOnce(namespace, name, patch, ctx, subresource));
  }

  private async applyOnce(namespace: string | undefined, name: string, patch: unknown, ctx: WriteContext, subresource: string): Promise<{ object: KubeObject; created: boolean }> {
    if (!isPlainObject(patch)) throw badRequest('the applied configuration must be an object');
    const config = patch as KubeObject;
    const expected = apiVersionOf(this.info);
    if (config.apiVersion !== expected) {
      throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion ?? ''}, expected: ${expected}`);
    }
    if (config.metadata?.managedFields !== undefined && config.metadata.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
    if (config.metadata?.name !== undefined && config.metadata.name !== name) {
      throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
    }
    const fm = this.fieldManager(ctx, subresource);
    const force = ctx.force ?? false;
    let managedFields: ManagedFieldsEntry[] = [];
    const transform = (current: KubeObject) => {
      const result = applyConfiguration(current, config, force, fm);
      managedFields = result.managedFields;
      const pinned = config.metadata?.resourceVersion;
      const { resourceVersion: _rv, ...meta } = result.object.metadata ?? {};
      return { ...result.object, metadata: pinned ? { ...meta, resourceVersion: pinned } : meta };
    };
    const failedWith = (err: unknown, code: string) => isStatusError(err) && err.code === code;
    for (let attempt = 0; ; attempt++) {
      try {
        return { object: await this.guaranteedUpdate(namespace, name, subresource, ctx, transform, { managedFieldsOf: () => managedFields, patch: true }), created: false };
      } catch (err) {
        if (subresource || !failedWith(err, 'KAPI_ERR_OBJECT_NOT_FOUND')) throw err;
      }
      const created = applyConfiguration(undefined, { ...config, metadata: { ...config.metadata, name, namespace: config.metadata?.namespace ?? namespace } }, force, fm);
      try {
        return { object: await this.createOnce(namespace, created.object, ctx, () => created.managedFields), created: true };
      } catch (err) {
        // Someone created it in between: apply to theirs.
        if (attempt >= MAX_RETRIES || !failedWith(err, 'KAPI_ERR_OBJECT_ALREADY_EXISTS')) throw err;
      }
    }
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions, ctx: WriteContext): Promise<KubeObject | Status> {
    return this.once(ctx, (earlier) => (earlier.op === 'delete' ? this.deleted(earlier.object) : earlier.object), () => this.deleteOnce(namespace, name, options, ctx));
  }

  /** What a delete that removed `obj` answers: the object for kinds that return it, else a Status. */
  private deleted(obj: KubeObject): KubeObject | Status {
    if (this.info.returnsDeletedObject) return obj;
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: obj.metadata?.name ?? '', group: this.info.group || undefined, kind: this.info.resource, uid: obj.metadata?.uid },
    } as unknown as Status;
  }

  private async deleteOnce(namespace: string | undefined, name: string, options: DeleteOptions, ctx: WriteContext): Promise<KubeObject | Status> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(namespace, name);
      const old = await this.decode(stored);
      const pre = options.preconditions ?? {};
      if (pre.uid && pre.uid !== old.metadata?.uid) {
        throw conflict(this.groupResource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata?.uid}`);
      }
      if (pre.resourceVersion && pre.resourceVersion !== old.metadata?.resourceVersion) {
        throw conflict(
          this.groupResource,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${old.metadata?.resourceVersion}`,
        );
      }
      // A delete is admitted with the stored object: mutating admission first (which can only
      // refuse it), then validating, as kube's delete handler does.
      const request = this.admissionRequest('DELETE', namespace, name, '', ctx, { oldObject: old, options: deleteOptionsForAdmission(options) });
      await this.admission.mutate(request);
      await this.admission.validate(request);

      // Orphan and Foreground hand the object to the garbage collector through a finalizer: it
      // orphans or deletes the dependents first, then removes the finalizer.
      const finalizers = old.metadata?.finalizers ?? [];
      const gcFinalizers = garbageCollectionFinalizers(finalizers, options, this.strategy.defaultGarbageCollectionPolicy);
      const finalizing = (gcFinalizers ?? finalizers).length > 0 || this.strategy.finalizesOnDelete?.(old);
      const grace = this.strategy.gracePeriod?.(old, options.gracePeriodSeconds) ?? 0;
      try {
        if (grace > 0) return await this.markGraceful(old, stored.modRevision, grace, gcFinalizers, ctx);
        if (finalizing) {
          // The object stays until its finalizers are gone; deleting it again changes nothing,
          // unless it ends a grace period still running (a pod deleted again with no grace period).
          const ending = (old.metadata?.deletionGracePeriodSeconds ?? 0) > 0;
          if (old.metadata?.deletionTimestamp && !ending) return old;
          const marked = structuredClone(old);
          marked.metadata = {
            ...marked.metadata,
            deletionTimestamp: nowTimestamp(),
            deletionGracePeriodSeconds: 0,
            ...(gcFinalizers ? { finalizers: gcFinalizers } : {}),
          };
          this.strategy.prepareForDelete?.(marked);
          if (ctx.dryRun) return marked;
          const revision = await this.backend.update(this.key(namespace, name), await this.encode(marked), stored.modRevision, this.recordOf(ctx));
          marked.metadata = { ...marked.metadata, resourceVersion: String(revision) };
          return marked;
        }
        if (ctx.dryRun) return this.deleted(old);
        const revision = await this.backend.delete(this.key(namespace, name), stored.modRevision, this.recordOf(ctx));
        await this.hooks.afterDelete?.(old);
        return this.deleted({ ...old, metadata: { ...old.metadata, resourceVersion: String(revision) } });
      } catch (err) {
        if (isStorageError(err, 'KeyNotFound')) throw notFound(this.groupResource, name);
        if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
        this.storageFailure(err);
      }
    }
  }

  /**
   * A graceful delete (BeforeDelete with a grace period): the object stays, with a deletionTimestamp
   * `grace` seconds ahead, for its owner to finish. A second delete may only shorten the period.
   */
  private async markGraceful(old: KubeObject, modRevision: number, grace: number, gcFinalizers: string[] | undefined, ctx: WriteContext): Promise<KubeObject> {
    const current = old.metadata?.deletionGracePeriodSeconds;
    if (old.metadata?.deletionTimestamp && current !== undefined && current <= grace) return old;
    const marked = structuredClone(old);
    marked.metadata = {
      ...marked.metadata,
      deletionTimestamp: nowTimestamp(new Date(Date.now() + grace * 1000)),
      deletionGracePeriodSeconds: grace,
      ...(gcFinalizers ? { finalizers: gcFinalizers } : {}),
    };
    this.strategy.prepareForDelete?.(marked);
    if (ctx.dryRun) return marked;
    const revision = await this.backend.update(this.key(old.metadata?.namespace, old.metadata?.name ?? ''), encodeForStorage(marked), modRevision, this.recordOf(ctx));
    marked.metadata = { ...marked.metadata, resourceVersion: String(revision) };
    return marked;
  }

  /**
   * Rewrites a stored object without the kind's update rules, for subresources that own a field
   * no client may change directly (a pod's binding sets spec.nodeName). `transform` may throw a
   * StatusError to refuse; it is retried on a storage conflict.
   */
  async updateStored(namespace: string | undefined, name: string, transform: (current: KubeObject) => KubeObject, ctx: WriteContext): Promise<KubeObject> {
    return this.once(ctx, (earlier) => earlier.object, () => this.updateStoredOnce(namespace, name, transform, ctx));
  }

  private async updateStoredOnce(namespace: string | undefined, name: string, transform: (current: KubeObject) => KubeObject, ctx: WriteContext): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(namespace, name);
      const old = decodeStored(stored);
      const obj = transform(structuredClone(old));
      setManagedFields(obj, updatedManagedFields(old, obj, this.fieldManager(ctx, '')));
      if (ctx.dryRun) return obj;
      const value = encodeForStorage(obj);
      this.checkSize(value);
      try {
        const revision = await this.backend.update(this.key(namespace, name), value, stored.modRevision, this.recordOf(ctx));
        obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
        return obj;
      } catch (err) {
        if (isStorageError(err, 'KeyNotFound')) throw notFound(this.groupResource, name);
        if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
        this.storageFailure(err);
      }
    }
  }

  /** Removes an object whose finalizers are all gone; used by controllers that finish a deletion. */
  async deleteIfFinalized(namespace: string | undefined, name: string): Promise<boolean> {
    const stored = await this.read(namespace, name);
    const obj = await this.decode(stored);
    if (!obj.metadata?.deletionTimestamp || (obj.metadata.finalizers?.length ?? 0) > 0 || this.strategy.finalizesOnDelete?.(obj)) return false;
    try {
      await this.backend.delete(this.key(namespace, name), stored.modRevision);
      await this.hooks.afterDelete?.(obj);
      return true;
    } catch (err) {
      if (isStorageError(err, 'KeyNotFound') || isStorageError(err, 'Conflict')) return false;
      this.storageFailure(err);
    }
  }

  async list(query: ListQuery): Promise<KubeList> {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector);
    checkFieldSelector(this.strategy, fields);
    const prefix = this.key(this.info.namespaced ? query.namespace || undefined : undefined);
    const limit = query.limit && query.limit > 0 ? query.limit : 0;
    let revision = 0;
    let startKey: string | undefined;
    if (query.continue) {
      const token = decodeContinue(query.continue);
      revision = token.revision;
      startKey = prefix + token.start;
    } else if (query.resourceVersionMatch === 'Exact') {
      revision = parseResourceVersion(query.resourceVersion) ?? 0;
    } else {
      parseResourceVersion(query.resourceVersion);
    }

    const items: KubeObject[] = [];
    let nextKey: string | undefined;
    // Without selectors every key is an item, so etcd's count tells how many remain after the page (kube's remainingItemCount).
    let remainingItemCount: number | undefined;
    const unselected = !query.labelSelector && fields.isEmpty();
    let listRevision = revision;
    try {
      // Selectors filter after reading, so a page is refilled until it holds `limit` matches.
      for (;;) {
        const page = await this.backend.list(prefix, { startKey, limit: limit ? limit + 1 : 0, revision: listRevision || undefined });
        // etcd's header carries its current revision; a read at an older one keeps that one.
        listRevision ||= page.revision;
        let lastKey: string | undefined;
        // The page's objects are decoded together: a conversion webhook converts them in one review.
        const decoded = await this.decodeAll(page.items);
        for (const [i, stored] of page.items.entries()) {
          if (limit && items.length === limit) {
            nextKey = stored.key;
            if (unselected) remainingItemCount = page.items.length - i + page.remaining;
            break;
          }
          lastKey = stored.key;
          const obj = decoded[i];
          if (!labels.matches(obj.metadata?.labels)) continue;
          if (!fields.isEmpty() && !fields.matches(this.strategy.selectableFields(obj))) continue;
          items.push(obj);
        }
        if (nextKey || !limit || !page.more || !lastKey) break;
        startKey = lastKey + '\0';
      }
    } catch (err) {
      if (isStorageError(err, 'Compacted')) {
        if (query.continue) throw continueExpired();
        throw Object.assign(continueExpired(), { message: `too old resource version: ${revision}` });
      }
      this.storageFailure(err);
    }
    return {
      apiVersion: apiVersionOf(this.info),
      kind: this.info.listKind,
      metadata: {
        resourceVersion: String(listRevision),
        ...(nextKey ? { continue: encodeContinue(listRevision, nextKey.slice(prefix.length)) } : {}),
        ...(nextKey && remainingItemCount !== undefined ? { remainingItemCount } : {}),
      },
      items,
    };
  }
}
