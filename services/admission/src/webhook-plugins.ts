// MutatingAdmissionWebhook and ValidatingAdmissionWebhook as the admission service runs them, with
// what kube-apiserver gives its webhook plugins: the configurations, namespaces, Services and
// EndpointSlices from the service's informers (a namespace not seen yet is read live, as kube's
// namespace matcher does); equivalent resources, conversion and re-defaulting from the kinds
// catalogue; matchConditions in kapi's CEL, whose `authorizer` asks the authz service; each
// request's deadline as the registry's call carries it; and one set of HTTPS clients for the
// process, shared by both plugins and closed at shutdown.
import type { AdmissionPlugin } from '@kapi/admission-chain';
import { RESOURCES, type PluginContext } from '@kapi/admission-plugins';
import { matchConditionEvaluator } from '@kapi/admission-policy';
import {
  DEFAULT_EXEMPT_NAMESPACES,
  MutatingAdmissionWebhook,
  ValidatingAdmissionWebhook,
  type WebhookAdmissionOptions,
  type WebhookConfiguration,
  type WebhookConfigurationSource,
} from '@kapi/admission-webhooks';
import { endpointSliceResolver, listerEndpointSource, WebhookClients } from '@kapi/webhook-client';
import { isDns1123Label, type KubeObject } from '@kapi/api-machinery';
import { ConfigError, list } from '@kapi/config';
import { DEFAULT_CALL_TIMEOUT_MS } from '@kapi/grpc';
import type { Informer, ResourceRef } from '@kapi/informer';
import { catalogueConverter, catalogueDefaulter, equivalentResourceMapper, KindCatalogue } from '@kapi/kinds';
import type { Logger } from '@kapi/telemetry';

/**
 * What the webhooks leave of a request's deadline for the rest of it (validation, the write, the
 * answer). A write has kube's 34 s; a webhook may take 30 s of them: 2 s back leaves the first
 * webhook its whole 30 s, as kube does, and the rest of the write ample time.
 */
export const WEBHOOK_DEADLINE_RESERVE_MS = 2_000;

/** How long a lister waits for its informer's first list, as kube's plugins wait for theirs. */
const SYNC_WAIT_MS = 10_000;

const WEBHOOK_RESOURCES = {
  mutating: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'mutatingwebhookconfigurations' },
  validating: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
} as const satisfies Record<string, ResourceRef>;

export interface WebhookSettings {
  /** Namespaces whose requests no webhook sees (KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES). */
  exemptNamespaces: readonly string[];
}

/**
 * KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES: a comma list of namespaces; unset, kapi's system
 * namespaces (kube-system, kube-public, kube-node-lease); set empty, none, as in kube.
 */
export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const variable = 'KAPI_ADMISSION_WEBHOOK_EXEMPT_NAMESPACES';
  const value = env[variable];
  if (value === undefined) return { exemptNamespaces: DEFAULT_EXEMPT_NAMESPACES };
  const names = list(value);
  const bad = names.find((n) => isDns1123Label(n).length > 0);
  if (bad !== undefined) throw new ConfigError(`${variable}: ${JSON.stringify(bad)} is not a namespace name: ${isDns1123Label(bad).join('; ')}`);
  return { exemptNamespaces: names };
}

async function synced(informer: Informer<KubeObject>): Promise<void> {
  if (!informer.synced) await informer.waitUntilSynced(SYNC_WAIT_MS);
}

/**
 * An informer's objects as a configuration source. The list is kept until the informer changes, so
 * the plugin sees the same array (and compiles nothing, closes no client) while nothing changed.
 */
export function informerConfigurationSource(informer: Informer<KubeObject>): WebhookConfigurationSource {
  let current: readonly WebhookConfiguration[] | undefined;
  informer.subscribe(() => (current = undefined));
  return {
    list: () => (current ??= informer.list() as WebhookConfiguration[]),
    hasSynced: () => informer.synced,
  };
}

/** Both webhook plugins of one admission service, and what they share. */
export class WebhookPlugins {
  private clients: WebhookClients | undefined;
  private readonly equivalentResources;
  private readonly converter;
  private readonly defaulter;

  constructor(
    private readonly settings: WebhookSettings,
    catalogue = new KindCatalogue(),
    private readonly logger?: Logger,
  ) {
    this.equivalentResources = equivalentResourceMapper(catalogue);
    this.converter = catalogueConverter(catalogue);
    this.defaulter = catalogueDefaulter(catalogue);
  }

  mutating(context: PluginContext): AdmissionPlugin {
    return MutatingAdmissionWebhook(this.options(context, 'mutating'));
  }

  validating(context: PluginContext): AdmissionPlugin {
    return ValidatingAdmissionWebhook(this.options(context, 'validating'));
  }

  /**
   * The webhook clients of this service, shared by both plugins and the CRD conversion webhooks
   * (admission converts a custom resource to the version a webhook's rule names): Services resolved
   * through the informers' EndpointSlices.
   */
  sharedClients(informers: PluginContext['informers']): WebhookClients {
    this.clients ??= new WebhookClients({
      serviceResolver: endpointSliceResolver(listerEndpointSource(informers.informerFor(WEBHOOK_RESOURCES.services), informers.informerFor(WEBHOOK_RESOURCES.endpointSlices))),
    });
    return this.clients;
  }

  /** Closes every webhook's kept-alive connections. */
  close(): void {
    this.clients?.close();
  }

  private options(context: PluginContext, type: 'mutating' | 'validating'): WebhookAdmissionOptions {
    const { informers } = context;
    const namespaces = informers.informerFor(RESOURCES.namespaces);
    const clients = this.sharedClients(informers);
    return {
      configurations: informerConfigurationSource(informers.informerFor(WEBHOOK_RESOURCES[type])),
      async namespaceLabels(name) {
        await synced(namespaces);
        const namespace = namespaces.get('', name) ?? (await context.api.get(RESOURCES.namespaces, '', name));
        return namespace ? (namespace.metadata?.labels ?? {}) : undefined;
      },
      clients,
      equivalentResources: this.equivalentResources,
      converter: this.converter,
      defaulter: this.defaulter,
      matchConditions: matchConditionEvaluator(context.authorizer),
      // The front door's deadline, which the registry's call carried; a call without one (a write
      // the registry makes itself) has what every gRPC call without one has.
      deadline: (attributes) => attributes.deadline ?? Date.now() + DEFAULT_CALL_TIMEOUT_MS,
      deadlineReserveMs: WEBHOOK_DEADLINE_RESERVE_MS,
      exemptNamespaces: this.settings.exemptNamespaces,
      logger: this.logger,
    };
  }
}
