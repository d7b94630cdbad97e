// Every admission plugin the admission service can run, by kube's name. The built-ins come from
// @kapi/admission-plugins; the webhooks (MutatingAdmissionWebhook, ValidatingAdmissionWebhook) and
// the policies (ValidatingAdmissionPolicy, MutatingAdmissionPolicy) join here, each registered
// with a factory that builds its plugin from the PluginContext (informers for its configurations,
// the registry, the authorizer), in the place kube's order gives it.
import { builtinPlugins, type AdmissionPluginRegistry } from '@kapi/admission-plugins';
import { FEATURE_GATES, type ServiceConfig } from '@kapi/config';
import { KindCatalogue, servedStrategies, type CustomResourceKinds } from '@kapi/kinds';
import { mutatingAdmissionPolicyPlugin, validatingAdmissionPolicyPlugin } from './policies.js';
import { webhookSettingsFromEnv, WebhookPlugins } from './webhook-plugins.js';

/** What decides which kinds are served and which gated plugins act: the runtime config and the feature gates. */
export type ApiSettings = Pick<ServiceConfig, 'runtimeConfig' | 'featureGates'>;

const DEFAULT_APIS: ApiSettings = { runtimeConfig: {}, featureGates: FEATURE_GATES };

/** The kinds this process serves, as the runtime config has them, and the custom resources `customResources` follows. */
export function servedCatalogue(apis: ApiSettings = DEFAULT_APIS, customResources?: CustomResourceKinds): KindCatalogue {
  return new KindCatalogue(servedStrategies(apis.runtimeConfig), customResources);
}

/**
 * `webhooks`: the process's webhook plugins, whose connections the service closes at shutdown; they
 * are built over the same served catalogue.
 */
export function admissionPlugins(
  apis: ApiSettings = DEFAULT_APIS,
  catalogue: KindCatalogue = servedCatalogue(apis),
  webhooks: WebhookPlugins = new WebhookPlugins(webhookSettingsFromEnv(), catalogue),
): AdmissionPluginRegistry {
  return builtinPlugins()
    .register('MutatingAdmissionPolicy', mutatingAdmissionPolicyPlugin(catalogue, apis.featureGates))
    .register('MutatingAdmissionWebhook', (context) => webhooks.mutating(context))
    .register('ValidatingAdmissionPolicy', validatingAdmissionPolicyPlugin(catalogue))
    .register('ValidatingAdmissionWebhook', (context) => webhooks.validating(context));
}
