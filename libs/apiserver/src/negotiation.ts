// Which representation a client asked for in its Accept header.
import { PROTOBUF_CONTENT_TYPE, StatusError } from '@kapi/api-machinery';

export type Representation =
  | { kind: 'json' }
  | { kind: 'yaml' }
  /** Kubernetes' protobuf, for the built-in kinds (which have a message). */
  | { kind: 'protobuf' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  /** Metadata only; in protobuf when the client prefers it (kube offers it so for every kind, custom ones too). */
  | { kind: 'partial-metadata'; version: 'v1' | 'v1beta1'; protobuf?: boolean };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** Whether the client accepts aggregated discovery (apidiscovery.k8s.io/v2) before anything else it lists. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  const first = parseAccept(accept)[0];
  return first?.params.g === 'apidiscovery.k8s.io' && first.params.v === 'v2' && first.params.as === 'APIGroupDiscoveryList';
}

/**
 * The representation to answer in. `table: false` for what kube serves without a TableConvertor
 * (the reviews, create-only subresources such as serviceaccounts/token): a Table is then not on
 * offer, and a client that accepts nothing else gets 406. `protobuf: true` for the built-in kinds,
 * which kube also serves in protobuf; custom resources are not (kube answers them in JSON when the
 * client accepts it too, else 406).
 */
export function negotiate(accept: string | undefined, offers: { table?: boolean; protobuf?: boolean } = {}): Representation {
  for (const m of parseAccept(accept)) {
    const jsonLike = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (m.params.as) {
      // A Table is JSON (kube has no protobuf for it); metadata alone is JSON or protobuf.
      const protobuf = m.type === PROTOBUF_CONTENT_TYPE;
      if ((m.type !== 'application/json' && !protobuf) || m.params.g !== 'meta.k8s.io') continue;
      const version = m.params.v === 'v1beta1' ? 'v1beta1' : m.params.v === 'v1' ? 'v1' : undefined;
      if (!version) continue;
      if (m.params.as === 'Table') {
        if (offers.table === false || protobuf) continue;
        return { kind: 'table', version };
      }
      if (m.params.as === 'PartialObjectMetadata' || m.params.as === 'PartialObjectMetadataList') return protobuf ? { kind: 'partial-metadata', version, protobuf } : { kind: 'partial-metadata', version };
      continue;
    }
    if (jsonLike) return { kind: 'json' };
    if (m.type === 'application/yaml') return { kind: 'yaml' };
    if (m.type === PROTOBUF_CONTENT_TYPE && offers.protobuf) return { kind: 'protobuf' };
  }
  const offered = ['application/json', 'application/yaml', ...(offers.protobuf ? [PROTOBUF_CONTENT_TYPE] : [])];
  throw new StatusError('KAPI_ERR_NOT_ACCEPTABLE', `only the following media types are accepted: ${offered.join(', ')}`);
}

/**
 * Whether a Status (an error) is answered in protobuf: kube negotiates it among JSON, YAML and
 * protobuf, without transformations (an `as=` choice is passed over), whatever the kind.
 */
export function prefersProtobuf(accept: string | undefined): boolean {
  for (const m of parseAccept(accept)) {
    if (m.params.as) continue;
    if (m.type === PROTOBUF_CONTENT_TYPE) return true;
    if (m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*' || m.type === 'application/yaml') return false;
  }
  return false;
}
