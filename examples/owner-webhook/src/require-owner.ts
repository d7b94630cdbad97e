// The validating webhook: a Deployment must say who owns it. Which namespaces ask for this is the
// webhook configuration's namespaceSelector (kapi.example/require-owner=true), so the API server
// only calls for those and the webhook needs no access to the cluster.
import { allow, deny, validating, type AdmissionRequest, type Webhook } from '@kapi/admission-webhook-kit';

/** The namespace label that asks for owners (matched by the ValidatingWebhookConfiguration). */
export const REQUIRE_OWNER_NAMESPACE_LABEL = 'kapi.example/require-owner';

export interface RequireOwnerOptions {
  /** The label a Deployment must carry, with a value: `owner` unless given. */
  ownerLabel?: string;
}

export function requireOwner(options: RequireOwnerOptions = {}): Webhook {
  const ownerLabel = options.ownerLabel ?? 'owner';
  return validating((request) => decide(request, ownerLabel));
}

function decide(request: AdmissionRequest, ownerLabel: string) {
  const { kind } = request;
  // The configuration sends only Deployments; anything else is not this webhook's to judge.
  if (kind.group !== 'apps' || kind.kind !== 'Deployment' || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return allow();
  const object = request.object;
  // A Deployment on its way out is let through, so that removing its finalizers is never refused.
  if (object?.metadata?.deletionTimestamp) return allow();
  const owner = object?.metadata?.labels?.[ownerLabel];
  if (typeof owner === 'string' && owner.trim() !== '') return allow({ auditAnnotations: { owner } });
  const name = object?.metadata?.name || request.name || object?.metadata?.generateName || '';
  return deny(
    `Deployment ${JSON.stringify(name)} has no ${JSON.stringify(ownerLabel)} label: namespace ${JSON.stringify(request.namespace)} requires one (${REQUIRE_OWNER_NAMESPACE_LABEL}=true); add metadata.labels.${ownerLabel}`,
    { auditAnnotations: { reason: `missing-${ownerLabel}-label` } },
  );
}
