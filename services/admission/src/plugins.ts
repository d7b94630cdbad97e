// Every admission plugin the admission service can run, by kube's name. The built-ins come from
// @kapi/admission-plugins; the webhooks (MutatingAdmissionWebhook, ValidatingAdmissionWebhook) and
// the policies (ValidatingAdmissionPolicy, MutatingAdmissionPolicy) join here, each registered
// with a factory that builds its plugin from the PluginContext (informers for its configurations,
// the registry, the authorizer), in the place kube's order gives it.
import { builtinPlugins, type AdmissionPluginRegistry } from '@kapi/admission-plugins';
import { FEATURE_GATES, type ServiceConfig } from '@kapi/config';
import { KindCatalogue, servedStrategies } from '@kapi/kinds';
import { mutatingAdmissionPolicyPlugin, validatingAdmissionPolicyPlugin } from './policies.js';

/** What decides which kinds are served and which gated plugins act: the runtime config and the feature gates. */
export type ApiSettings = Pick<ServiceConfig, 'runtimeConfig' | 'featureGates'>;

export function admissionPlugins(apis: ApiSettings = { runtimeConfig: {}, featureGates: FEATURE_GATES }): AdmissionPluginRegistry {
  const catalogue = new KindCatalogue(servedStrategies(apis.runtimeConfig));
  return builtinPlugins()
    .register('MutatingAdmissionPolicy', mutatingAdmissionPolicyPlugin(catalogue, apis.featureGates))
    .register('ValidatingAdmissionPolicy', validatingAdmissionPolicyPlugin(catalogue));
}
