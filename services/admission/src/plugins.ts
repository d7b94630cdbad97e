// Every admission plugin the admission service can run, by kube's name. The built-ins come from
// @kapi/admission-plugins; the webhooks (MutatingAdmissionWebhook, ValidatingAdmissionWebhook) and
// the policies (ValidatingAdmissionPolicy, MutatingAdmissionPolicy) join here, each registered
// with a factory that builds its plugin from the PluginContext (informers for its configurations,
// the registry, the authorizer), in the place kube's order gives it.
import { builtinPlugins, type AdmissionPluginRegistry } from '@kapi/admission-plugins';
import { webhookSettingsFromEnv, WebhookPlugins } from './webhook-plugins.js';

/** `webhooks`: the process's webhook plugins, whose connections the service closes at shutdown. */
export function admissionPlugins(webhooks: WebhookPlugins = new WebhookPlugins(webhookSettingsFromEnv())): AdmissionPluginRegistry {
  return builtinPlugins()
    .register('MutatingAdmissionWebhook', (context) => webhooks.mutating(context))
    .register('ValidatingAdmissionWebhook', (context) => webhooks.validating(context));
}
