// A CRD's `Webhook` conversion, as apiextensions-apiserver's webhook converter does it: the objects
// not yet in the desired version go to the webhook in one ConversionReview (v1, or v1beta1 when the
// CRD accepts only that), and what comes back is checked before it is used: the review's kind and
// uid, a Success result, as many objects as were sent, each in the desired version, of the same
// kind, with the same name, namespace and uid. Of the metadata the webhook returns only labels and
// annotations are kept (validated); the rest is the original's. Every failure reads
// `conversion webhook for <group/version, Kind=kind> failed: ...` (or `returned invalid ...`) and is
// answered 500 without a reason, as kube answers it.
import { randomUUID } from 'node:crypto';
import { renderFieldError, StatusError, validateAnnotations, validateLabels, type KubeObject } from '@kapi/api-machinery';

/** Where a conversion webhook is reached: the CRD's `spec.conversion.webhook.clientConfig`. */
export interface ConversionClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  caBundle?: string;
}

/**
 * How the review is sent: the process's shared webhook client (`WebhookClients` of
 * @kapi/webhook-client) fits it; resolves with the answer's text, rejects in kube's words
 * (`Post "<url>": ...`).
 */
export interface ConversionTransport {
  post(config: ConversionClientConfig, review: unknown, timeoutMs: number): Promise<string>;
}

export interface CrdConversion {
  strategy?: string;
  webhook?: { clientConfig?: ConversionClientConfig; conversionReviewVersions?: string[] };
}

/** kube gives a conversion webhook call 30 seconds. */
export const CONVERSION_WEBHOOK_TIMEOUT_MS = 30_000;

/** The ConversionReview versions kube speaks, in its order of preference. */
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** A GroupVersionKind as Go prints it: `stable.example.com/v1, Kind=CronTab`. */
function gvkText(obj: { apiVersion?: string; kind?: string }): string {
  return `${obj.apiVersion ?? ''}, Kind=${obj.kind ?? ''}`;
}

function failure(message: string): StatusError {
  return new StatusError('KAPI_ERR_CONVERSION_WEBHOOK_FAILED', message);
}

type Fields = Record<string, unknown>;
const isMap = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kube's validateConvertedObject. */
function sameIdentity(original: KubeObject, converted: KubeObject): string | undefined {
  const pairs: [string, unknown, unknown][] = [
    ['kind', original.kind, converted.kind],
    ['name', original.metadata?.name, converted.metadata?.name],
    ['namespace', original.metadata?.namespace, converted.metadata?.namespace],
    ['UID', original.metadata?.uid, converted.metadata?.uid],
  ];
  for (const [what, expected, got] of pairs) {
    if ((expected ?? '') !== (got ?? '')) return `must have the same ${what}: ${String(expected ?? '')} != ${String(got ?? '')}`;
  }
  return undefined;
}

/** kube's restoreObjectMeta: the original's metadata with the converted labels and annotations. */
function restoreObjectMeta(original: KubeObject, converted: Fields): string | undefined {
  const returned = converted.metadata;
  if (returned === undefined) return 'missing metadata in converted object';
  if (!isMap(returned)) return `invalid metadata of type ${typeof returned} in converted object`;
  const meta = structuredClone((original.metadata ?? {}) as Fields);
  for (const key of ['labels', 'annotations']) {
    const value = returned[key];
    if (value === undefined || value === null) {
      delete meta[key];
      continue;
    }
    if (!isMap(value)) return `invalid metadata.${key} of type ${typeof value} in converted object`;
    meta[key] = { ...value };
  }
  const errors = [
    ...validateLabels(meta.labels as Record<string, string> | undefined, 'metadata.labels'),
    ...validateAnnotations(meta.annotations as Record<string, string> | undefined, 'metadata.annotations'),
  ].map(renderFieldError);
  if (errors.length) return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  converted.metadata = meta;
  return undefined;
}

/** The answer's converted objects, after kube's checks of the review (getConvertedObjectsFromResponse). */
function convertedObjects(text: string, reviewApiVersion: string, uid: string): unknown[] {
  let review: Fields;
  try {
    review = JSON.parse(text) as Fields;
  } catch (err) {
    throw new Error((err as Error).message);
  }
  if (!isMap(review)) throw new Error('the answer is not a ConversionReview');
  const expected = `${reviewApiVersion}, Kind=ConversionReview`;
  const got = gvkText(review as { apiVersion?: string; kind?: string });
  if (got !== expected) throw new Error(`expected webhook response of ${expected}, got ${got}`);
  const response = review.response;
  if (!isMap(response)) throw new Error('no response provided');
  if (response.uid !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? '')}`);
  const result = isMap(response.result) ? response.result : {};
  if (result.status !== 'Success') {
    if (typeof result.message === 'string' && result.message) throw new Error(result.message);
    throw new Error(`response.result.status was '${String(result.status ?? '')}', not 'Success'`);
  }
  return Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
}

/**
 * Converts objects to `desiredApiVersion` through the CRD's webhook, in one review; objects in that
 * version already are not sent. `source` names the objects in the errors (kube names the input's
 * GroupVersionKind).
 */
export async function convertThroughWebhook(
  transport: ConversionTransport,
  conversion: CrdConversion,
  objects: KubeObject[],
  desiredApiVersion: string,
): Promise<KubeObject[]> {
  const toConvert = objects.filter((o) => o.apiVersion !== desiredApiVersion);
  if (toConvert.length === 0) return objects;
  const source = gvkText(toConvert[0]);
  const accepted = conversion.webhook?.conversionReviewVersions ?? [];
  const reviewVersion = accepted.find((v) => REVIEW_VERSIONS.includes(v));
  if (!reviewVersion) {
    throw failure(`conversion webhook for ${source} failed: webhook does not accept v1 or v1beta1 ConversionReview`);
  }
  const reviewApiVersion = `apiextensions.k8s.io/${reviewVersion}`;
  const uid = randomUUID();
  const review = { apiVersion: reviewApiVersion, kind: 'ConversionReview', request: { uid, desiredAPIVersion: desiredApiVersion, objects: toConvert } };
  let returned: unknown[];
  try {
    const text = await transport.post(conversion.webhook?.clientConfig ?? {}, review, CONVERSION_WEBHOOK_TIMEOUT_MS);
    returned = convertedObjects(text, reviewApiVersion, uid);
  } catch (err) {
    throw failure(`conversion webhook for ${source} failed: ${(err as Error).message}`);
  }
  if (returned.length !== toConvert.length) {
    throw failure(`conversion webhook for ${source} returned ${returned.length} objects, expected ${toConvert.length}`);
  }
  const desiredGroupVersion = desiredApiVersion;
  const single = objects.length === 1;
  let index = 0;
  return objects.map((original) => {
    if (original.apiVersion === desiredApiVersion) return original;
    const at = index++;
    const invalid = single ? 'returned invalid object' : `returned invalid converted object at index ${at}`;
    const converted = returned[at];
    if (!isMap(converted)) throw failure(`conversion webhook for ${source} ${invalid}: the object is not a JSON object`);
    const groupVersion = typeof converted.apiVersion === 'string' ? converted.apiVersion : '';
    if (groupVersion !== desiredGroupVersion) {
      throw failure(`conversion webhook for ${source} ${invalid}: invalid groupVersion (expected ${desiredGroupVersion}, received ${groupVersion})`);
    }
    const out = converted as KubeObject;
    if ((out.kind ?? '') !== (original.kind ?? '')) {
      throw failure(`conversion webhook for ${source} ${invalid}: invalid kind (expected ${original.kind ?? ''}, received ${out.kind ?? ''})`);
    }
    const identity = sameIdentity(original, out);
    if (identity) throw failure(`conversion webhook for ${source} ${invalid}: ${identity}`);
    const metadata = restoreObjectMeta(original, converted);
    if (metadata) throw failure(`conversion webhook for ${source} returned invalid metadata${single ? '' : ` in object at index ${at}`}: ${metadata}`);
    return out;
  });
}
